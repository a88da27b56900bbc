using System.Globalization;
using System.Text;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;
using static System.FormattableString;

namespace SalesWorkflow.Analytics;

/// <summary>Deal histories as text for people: one line per event, in the process's time zone. Stateless and thread-safe.</summary>
public static class DealHistoryText
{
    /// <summary>
    /// A deal's history as text: a heading line, then one line per event (time in <paramref name="zone"/>, type, stage
    /// after the event, and what happened), oldest first.
    /// </summary>
    public static string History(IReadOnlyList<DealEvent> events, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(zone);
        if (events.Count == 0)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        var first = events[0];
        text.Append(CultureInfo.InvariantCulture, $"{PrintableText.Escape(first.DealId)} — {first.ProcessId} v{first.ProcessVersion}, {events.Count} events (times in {zone.Id})\n\n");
        var typeWidth = events.Max(e => e.Type.Length);
        foreach (var e in events)
        {
            // One line per event: a note or reason from outside keeps its line breaks escaped (\u000a).
            text.Append(CultureInfo.InvariantCulture, $"{TimeZoneInfo.ConvertTime(e.At, zone):yyyy-MM-dd HH:mm}  {e.Type.PadRight(typeWidth)}  {e.Stage,-16}  {PrintableText.Escape(Summary(e))}\n");
        }

        return text.ToString();
    }

    /// <summary>What a reader wants from an event in one line (the full data is in <see cref="DealEvent.Data"/>).</summary>
    public static string Summary(DealEvent e) => (e ?? throw new ArgumentNullException(nameof(e))).Payload switch
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
        TaskCreated task => Invariant($"{task.TaskId}{(task.AssignedTo is { } person ? " for " + person : " for " + task.AssigneeRole)}{(task.DueAt is { } due ? $", due {due:yyyy-MM-dd HH:mm zzz}" : string.Empty)}{(task.AdHoc ? ", ad hoc" : string.Empty)}"),
        TaskCompleted task => Invariant($"{task.TaskId} done{(task.OnTime ? " on time" : " late")}{(task.Note is { Length: > 0 } note ? ": " + note : string.Empty)}"),
        TaskOverdue task => Invariant($"{task.TaskId} overdue since {task.DueAt:yyyy-MM-dd HH:mm zzz} ({task.AssignedTo ?? task.AssigneeRole})"),
        TaskReassigned task => Invariant($"{task.TaskId}: {task.From ?? "nobody"} → {task.To}"),
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
