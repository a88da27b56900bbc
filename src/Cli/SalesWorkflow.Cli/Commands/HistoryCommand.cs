using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;
using static System.FormattableString;

namespace SalesWorkflow.Cli.Commands;

/// <summary><c>salesflow history</c>: a deal's audit trail from the database, one line per event, oldest first.</summary>
internal static class HistoryCommand
{
    public static Command Create(CliContext context)
    {
        var dealId = new Argument<string>("deal-id") { Description = "The deal, e.g. D-00042." };
        var db = new Option<string>("--db") { Description = "SalesWorkflow database: an SQLite file, or a PostgreSQL connection string (Host=…) or postgres:// URI.", DefaultValueFactory = _ => "salesworkflow.db" };
        var format = new Option<string>("--format") { Description = "text (default) or json (every event with its data and evaluation).", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("history", "Show a deal's audit history: every event in order, with the command that caused it.")
        {
            dealId,
            db,
            format,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse.GetValue(db)!, parse.GetValue(dealId)!, parse.GetValue(format) == "json", cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string dbPath, string dealId, bool json, CancellationToken cancellationToken)
    {
        await using var database = StoredDatabase.Open(dbPath, context.Error);
        if (database is null)
        {
            return ExitCodes.UsageOrIo;
        }

        try
        {
            var events = await database.Engine.GetHistoryAsync(dealId, cancellationToken);
            if (events.Count == 0)
            {
                await context.Error.WriteLineAsync($"salesflow: no deal '{dealId}' in {dbPath}");
                return ExitCodes.Invalid;
            }

            // Times read best in the process's own time zone (the one its business days are counted in).
            var zone = (await database.Engine.ExplainAsync(dealId, cancellationToken: cancellationToken))?.Process.Calendar.TimeZone ?? TimeZoneInfo.Utc;
            await context.Out.WriteAsync(json ? JsonSerializer.Serialize(events, ExplainCommand.Json) + "\n" : Text(events, zone));
            return ExitCodes.Ok;
        }
        catch (SalesWorkflowStoreException ex)
        {
            await context.Error.WriteLineAsync("salesflow: " + ex.Message);
            return ExitCodes.UsageOrIo;
        }
    }

    internal static string Text(IReadOnlyList<DealEvent> events, TimeZoneInfo zone)
    {
        var text = new StringBuilder();
        var first = events[0];
        text.Append(CultureInfo.InvariantCulture, $"{first.DealId} — {first.ProcessId} v{first.ProcessVersion}, {events.Count} events (times in {zone.Id})\n\n");
        var typeWidth = events.Max(e => e.Type.Length);
        foreach (var e in events)
        {
            text.Append(CultureInfo.InvariantCulture, $"{TimeZoneInfo.ConvertTime(e.At, zone):yyyy-MM-dd HH:mm}  {e.Type.PadRight(typeWidth)}  {e.Stage,-16}  {Summary(e)}\n");
        }

        return text.ToString();
    }

    /// <summary>What a reader wants from each event in one line; the full data is in <c>--format json</c>.</summary>
    private static string Summary(DealEvent e) => e.Payload switch
    {
        TrackingStarted started => Invariant($"started on {started.Process} v{started.Version}"),
        StageChanged moved => Invariant($"{moved.From} → {moved.To} ({moved.Kind}{(moved.Auto ? ", automatic" : string.Empty)}{(moved.Overridden ? ", gate overridden" : string.Empty)})"),
        AdvanceBlocked blocked => Invariant($"to {blocked.To} refused: {Join(string.Join(", ", blocked.Failing.Select(f => f.Criterion)), string.Join(", ", blocked.MissingChecklist))}"),
        GateOverridden overridden => Invariant($"to {overridden.To} by {overridden.Approver}: {overridden.Reason}"),
        ActivityLogged activity => $"{activity.Kind} {activity.Outcome}".Trim(),
        FeedbackRecorded feedback => Invariant($"satisfaction {feedback.Satisfaction}{(feedback.IsComplaint ? feedback.Resolved ? ", complaint resolved" : ", complaint" : string.Empty)}"),
        ChecklistItemCompleted item => item.Item,
        DealWon won => Invariant($"won, amount {won.Amount}"),
        DealLost lost => Invariant($"lost ({lost.Reason}) from {lost.From}{(lost.Note is { Length: > 0 } note ? ": " + note : string.Empty)}"),
        DealReopened reopened => Invariant($"reopened to {reopened.To}"),
        RiskRaised risk => Invariant($"{risk.Risk} ({risk.Category}, {risk.Severity})"),
        RiskCleared risk => risk.Risk,
        EscalationRaised escalation => Invariant($"{escalation.Escalation} level {escalation.Level}/{escalation.Levels} → {escalation.Notify}"),
        TasksCreated tasks => Invariant($"{tasks.Tasks.Count} task(s)"),
        VersionMigrated migrated => Invariant($"v{migrated.From} → v{migrated.To}"),
        FactsUpdated facts => "facts: " + string.Join(", ", FactsChanged(facts)),
        _ => e.Data.GetRawText(),
    };

    private static IEnumerable<string> FactsChanged(FactsUpdated facts)
    {
        if (facts.Opportunity is not null)
        {
            yield return "opportunity";
        }

        if (facts.Account is not null)
        {
            yield return "account";
        }

        if (facts.Owner is not null)
        {
            yield return "owner";
        }

        if (facts.Contacts is { Count: > 0 })
        {
            yield return "contacts";
        }

        if (facts.Approvals is { Count: > 0 })
        {
            yield return "approvals";
        }
    }

    private static string Join(params string[] parts) => string.Join("; ", parts.Where(p => p.Length > 0));
}
