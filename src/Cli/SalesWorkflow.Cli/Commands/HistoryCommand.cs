using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;

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
    private static string Summary(DealEvent e)
    {
        var data = e.Data;
        string Get(string name) => data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText()
            : string.Empty;
        string List(string name) => data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? string.Join(", ", value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Object && v.TryGetProperty("criterion", out var c) ? c.GetString() : v.ToString()))
            : string.Empty;
        return e.Type switch
        {
            DealEventTypes.TrackingStarted => $"started on {Get("process")} v{Get("version")}",
            DealEventTypes.StageChanged => $"{Get("from")} → {Get("to")} ({Get("kind")}{(Get("auto") == "true" ? ", automatic" : string.Empty)}{(Get("overridden") == "true" ? ", gate overridden" : string.Empty)})",
            DealEventTypes.AdvanceBlocked => $"to {Get("to")} refused: {Join(List("failing"), List("missingChecklist"))}",
            DealEventTypes.GateOverridden => $"to {Get("to")} by {Get("approver")}: {Get("reason")}",
            DealEventTypes.ActivityLogged => $"{Get("kind")} {Get("outcome")}".Trim(),
            DealEventTypes.FeedbackRecorded => $"satisfaction {Get("satisfaction")}{(Get("isComplaint") == "true" ? Get("resolved") == "true" ? ", complaint resolved" : ", complaint" : string.Empty)}",
            DealEventTypes.ChecklistItemCompleted => Get("item"),
            DealEventTypes.DealWon => $"won, amount {Get("amount")}",
            DealEventTypes.DealLost => $"lost ({Get("reason")}) from {Get("from")}{(Get("note") is { Length: > 0 } note ? ": " + note : string.Empty)}",
            DealEventTypes.DealReopened => $"reopened to {Get("to")}",
            DealEventTypes.RiskRaised => $"{Get("risk")} ({Get("category")}, {Get("severity")})",
            DealEventTypes.RiskCleared => Get("risk"),
            DealEventTypes.EscalationRaised => $"{Get("escalation")} level {Get("level")}/{Get("levels")} → {Get("notify")}",
            DealEventTypes.TasksCreated => $"{(data.TryGetProperty("tasks", out var tasks) ? tasks.GetArrayLength() : 0)} task(s)",
            DealEventTypes.VersionMigrated => $"v{Get("from")} → v{Get("to")}",
            DealEventTypes.FactsUpdated => "facts: " + string.Join(", ", data.ValueKind == JsonValueKind.Object ? data.EnumerateObject().Where(p => p.Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) && !(p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() == 0)).Select(p => p.Name) : []),
            _ => data.GetRawText(),
        };
    }

    private static string Join(params string[] parts) => string.Join("; ", parts.Where(p => p.Length > 0));
}
