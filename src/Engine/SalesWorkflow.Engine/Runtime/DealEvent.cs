using System.Text.Json;
using System.Text.Json.Serialization;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Events;

namespace SalesWorkflow.Engine.Runtime;

/// <summary>
/// The stored names of the event types (docs/events.md); each has its payload record in <see cref="Events"/>. The event
/// log is the source of every KPI and report.
/// </summary>
public static class DealEventTypes
{
    /// <summary>The deal started being tracked (data: process, version, stage, facts).</summary>
    public const string TrackingStarted = "tracking-started";

    /// <summary>Facts changed (data: the parts that changed).</summary>
    public const string FactsUpdated = "facts-updated";

    /// <summary>An activity was logged (data: the activity).</summary>
    public const string ActivityLogged = "activity-logged";

    /// <summary>Feedback was recorded (data: the feedback).</summary>
    public const string FeedbackRecorded = "feedback-recorded";

    /// <summary>A checklist item was ticked off (data: item).</summary>
    public const string ChecklistItemCompleted = "checklist-item-completed";

    /// <summary>The deal entered another stage (data: from, to, kind, auto, override).</summary>
    public const string StageChanged = "stage-changed";

    /// <summary>An advance was refused by the gate (data: target stage, failing criteria, missing checklist).</summary>
    public const string AdvanceBlocked = "advance-blocked";

    /// <summary>A gate was overridden (data: reason, approver, failing criteria).</summary>
    public const string GateOverridden = "gate-overridden";

    /// <summary>The deal was won (data: stage, amount).</summary>
    public const string DealWon = "deal-won";

    /// <summary>The deal was lost (data: reason, note, from stage, amount).</summary>
    public const string DealLost = "deal-lost";

    /// <summary>A lost deal was reopened (data: back to stage).</summary>
    public const string DealReopened = "deal-reopened";

    /// <summary>Tasks were created on stage entry (data: tasks with due times); written before 2026-12-04, now <see cref="TaskCreated"/>.</summary>
    public const string TasksCreated = "tasks-created";

    /// <summary>A task was created, from the stage or ad hoc (data: task id, stage, title, assignee, due).</summary>
    public const string TaskCreated = "task-created";

    /// <summary>A task was completed (data: task id, stage, due, on time).</summary>
    public const string TaskCompleted = "task-completed";

    /// <summary>An open task came due (data: task id, stage, due, assignee); written once, by its timer.</summary>
    public const string TaskOverdue = "task-overdue";

    /// <summary>A task was given to another person (data: task id, from, to).</summary>
    public const string TaskReassigned = "task-reassigned";

    /// <summary>A complaint missed its response or resolution service level (data: feedback id, level, due, recipients); written once, by its timer.</summary>
    public const string ComplaintSlaBreached = "complaint-sla-breached";

    /// <summary>A risk was raised (data: risk id, category, severity, weight).</summary>
    public const string RiskRaised = "risk-raised";

    /// <summary>A risk no longer holds (data: risk id).</summary>
    public const string RiskCleared = "risk-cleared";

    /// <summary>An escalation level fired (data: escalation, level, notify, message, since).</summary>
    public const string EscalationRaised = "escalation-raised";

    /// <summary>The deal moved to another process version (data: from, to).</summary>
    public const string VersionMigrated = "version-migrated";
}

/// <summary>
/// One entry of a deal's append-only audit history. <see cref="EventId"/> is stable (<c>deal-id:n</c>), so event
/// sinks, which receive every event at least once, can drop the repeats.
/// </summary>
public sealed record DealEvent
{
    private DealEventPayload? _payload;
    private JsonElement _data;
    private string _type = string.Empty;

    /// <summary>Number in the global log, unique and taken when the event is written; the cursor of <see cref="ISalesWorkflowEngine.ReadEventsAsync"/>.</summary>
    public long Sequence { get; init; }

    /// <summary>Stable id: the deal id and the event's number within the deal.</summary>
    public required string EventId { get; init; }

    /// <summary>The deal.</summary>
    public required string DealId { get; init; }

    /// <summary>Who submitted the command that wrote the event (<see cref="DealCommand.Actor"/>); null for the engine's own timers and sweep, and for commands that did not say.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Actor { get; init; }

    /// <summary>One of <see cref="DealEventTypes"/>.</summary>
    public required string Type
    {
        get => _type;

        // As for Data: a copy of another type reads its payload afresh.
        init
        {
            _type = value;
            _payload = null;
        }
    }

    /// <summary>When it happened (engine clock).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>The command that caused it (timers and sweeps have ids of their own).</summary>
    public required string CommandId { get; init; }

    /// <summary>Process version the deal ran on when the event happened.</summary>
    public required string ProcessId { get; init; }

    /// <summary>Process version the deal ran on when the event happened.</summary>
    public required int ProcessVersion { get; init; }

    /// <summary>Stage of the deal after the event.</summary>
    public required string Stage { get; init; }

    /// <summary>The stored JSON of the payload, as sinks and exports receive it (docs/events.md).</summary>
    public required JsonElement Data
    {
        get => _data;

        // A copy made with other data ('with { Data = … }') must not keep the payload read from the old data.
        init
        {
            _data = value;
            _payload = null;
        }
    }

    /// <summary>
    /// What happened, typed: one record per event type (<see cref="TrackingStarted"/>, <see cref="DealWon"/>, …), read
    /// from <see cref="Data"/> on first use; <see cref="UnrecognizedEvent"/> for a type or shape this version cannot read.
    /// </summary>
    [JsonIgnore]
    public DealEventPayload Payload
    {
        get => _payload ??= DealEventCodec.Decode(Type, Data);

        // The engine sets it with the data it encoded, so a fresh event is not decoded again; set after Data.
        internal init => _payload = value;
    }

    /// <summary>The evaluation that justified the event (null for events that need none, such as a fired timer).</summary>
    public DealEvaluation? Evaluation { get; init; }

    /// <summary>
    /// Events are equal when their stored form is: the same members and JSON data of the same content. Whether the
    /// payload has been read yet does not count.
    /// </summary>
    public bool Equals(DealEvent? other) =>
        other is not null && (ReferenceEquals(this, other) ||
            (Sequence == other.Sequence && EventId == other.EventId && DealId == other.DealId && Type == other.Type &&
             At == other.At && CommandId == other.CommandId && ProcessId == other.ProcessId &&
             ProcessVersion == other.ProcessVersion && Stage == other.Stage && JsonElement.DeepEquals(Data, other.Data) &&
             EqualityComparer<DealEvaluation?>.Default.Equals(Evaluation, other.Evaluation)));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Sequence, EventId, Type, At);
}
