using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Storage;

/// <summary>
/// The stored state of one process instance (one deal). Loaded fresh for every command inside its transaction, so the
/// command processor may change it in place and hand it back as the new state.
/// </summary>
internal sealed class InstanceRecord : System.Text.Json.Serialization.IJsonOnDeserialized
{
    public required string DealId { get; init; }

    public required string ProcessId { get; set; }

    public required int ProcessVersion { get; set; }

    public required string Stage { get; set; }

    public required DealStatus Status { get; set; }

    public required DateTimeOffset EnteredStageAt { get; set; }

    /// <summary>Counts stage entries; timers remember the epoch they were scheduled in, so a stale timer is ignored.</summary>
    public int StageEpoch { get; set; }

    public string? LostFromStage { get; set; }

    public string? LossReason { get; set; }

    public required Opportunity Opportunity { get; set; }

    public required Account Account { get; set; }

    public required Owner Owner { get; set; }

    public List<Contact> Contacts { get; set; } = [];

    /// <summary>The recent activities, bounded (<see cref="ActivityHistory"/>); the log holds them all.</summary>
    public List<Activity> Activities { get; set; } = [];

    /// <summary>Totals over every activity logged; null only in a state written before they were kept.</summary>
    public ActivityTotals? ActivityTotals { get; set; }

    public List<Approval> Approvals { get; set; } = [];

    public List<Feedback> Feedback { get; set; } = [];

    public HashSet<string> ChecklistDone { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The tasks of the current stage entry (empty in a state written before tasks were tracked).</summary>
    public List<DealTask> Tasks { get; set; } = [];

    /// <summary>Complaint service levels already missed, as timer keys (<c>sla:respond:id</c>): each fires once.</summary>
    public HashSet<string> SlaBreaches { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, DateTimeOffset> ConditionsSince { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, int> EscalationLevels { get; set; } = new(StringComparer.Ordinal);

    public required DealEvaluation LastEvaluation { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }

    public int EventCount { get; set; }

    /// <summary>Incremented by every write; the store refuses a write based on an older version.</summary>
    public long RowVersion { get; set; }

    /// <summary>The engine's state of a row a store read back (its JSON, the row version from the row).</summary>
    public static InstanceRecord From(StoredDeal row)
    {
        var record = StorageJson.Deserialize<InstanceRecord>(row.StateJson);
        record.RowVersion = row.RowVersion;
        return record;
    }

    /// <summary><see cref="From"/>, or null for no row.</summary>
    public static InstanceRecord? FromOrNull(StoredDeal? row) => row is null ? null : From(row);

    /// <summary>Records a logged activity in the window and the totals.</summary>
    public void RecordActivity(Activity activity) => ActivityHistory.Record(Activities, ActivityTotals ??= ActivityTotals.Of(Activities), activity);

    /// <summary>A state written before totals were kept holds every activity: its totals are taken from them, and the list trimmed.</summary>
    void System.Text.Json.Serialization.IJsonOnDeserialized.OnDeserialized()
    {
        if (ActivityTotals is null)
        {
            ActivityTotals = ActivityTotals.Of(Activities);
            ActivityHistory.Trim(Activities);
        }
    }

    public DealSnapshot ToSnapshot() => new()
    {
        Opportunity = Opportunity,
        Account = Account,
        Owner = Owner,
        Contacts = Contacts,
        Activities = Activities,
        ActivityTotals = ActivityTotals,
        Approvals = Approvals,
        Feedback = Feedback,
        Stage = Stage,
        EnteredStageAt = EnteredStageAt,
        ChecklistDone = ChecklistDone,
        Tasks = Tasks,
        ConditionsSince = ConditionsSince,
    };

    public DealState ToState() => new()
    {
        DealId = DealId,
        ProcessId = ProcessId,
        ProcessVersion = ProcessVersion,
        Stage = Stage,
        Status = Status,
        EnteredStageAt = EnteredStageAt,
        LostFromStage = LostFromStage,
        LossReason = LossReason,
        Opportunity = Opportunity,
        Account = Account,
        Owner = Owner,
        Contacts = Contacts,
        Activities = Activities,
        ActivityTotals = ActivityTotals,
        Approvals = Approvals,
        Feedback = Feedback,
        ChecklistDone = ChecklistDone,
        Tasks = Tasks,
        ConditionsSince = ConditionsSince,
        EscalationLevels = EscalationLevels,
        LastEvaluation = LastEvaluation,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        ClosedAt = ClosedAt,
        EventCount = EventCount,
    };

    public DealSummary ToSummary() => new(
        DealId,
        ProcessId,
        ProcessVersion,
        Stage,
        Status,
        Owner.Id,
        Owner.Team,
        Opportunity.Amount,
        LastEvaluation.Health,
        !LastEvaluation.Gate.Passed,
        EscalationLevels.Count == 0 ? 0 : EscalationLevels.Values.Max(),
        EnteredStageAt,
        LastEvaluation.Risks.Count);
}

/// <summary>
/// An event as the command processor produces it; the store assigns its sequence number. An event with no evaluation
/// shares the one of its command, unless <see cref="WithoutEvaluation"/> (its data is its whole justification, e.g. a
/// fired timer).
/// </summary>
internal sealed record NewEvent(string EventId, DealEventPayload Payload, DateTimeOffset At, DealEvaluation? Evaluation)
{
    public string Type { get; } = DealEventCodec.TypeOf(Payload);

    public bool WithoutEvaluation { get; init; }
}
