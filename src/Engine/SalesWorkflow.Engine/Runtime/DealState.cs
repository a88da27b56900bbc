using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Runtime;

/// <summary>Whether a deal is open, won or lost.</summary>
public enum DealStatus
{
    /// <summary>Being worked.</summary>
    Open = 0,

    /// <summary>Won (possibly in after-sales).</summary>
    Won = 1,

    /// <summary>Lost.</summary>
    Lost = 2,
}

/// <summary>A deal as the engine holds it now: process position, facts and the last evaluation.</summary>
public sealed record DealState
{
    /// <summary>The deal id.</summary>
    public required string DealId { get; init; }

    /// <summary>Process id.</summary>
    public required string ProcessId { get; init; }

    /// <summary>Process version the deal runs on.</summary>
    public required int ProcessVersion { get; init; }

    /// <summary>Current stage.</summary>
    public required string Stage { get; init; }

    /// <summary>Open, won or lost.</summary>
    public required DealStatus Status { get; init; }

    /// <summary>When the deal entered its stage.</summary>
    public required DateTimeOffset EnteredStageAt { get; init; }

    /// <summary>For a lost deal: the stage it was lost from.</summary>
    public string? LostFromStage { get; init; }

    /// <summary>The loss reason of a lost deal.</summary>
    public string? LossReason { get; init; }

    /// <summary>The opportunity.</summary>
    public required Opportunity Opportunity { get; init; }

    /// <summary>The account.</summary>
    public required Account Account { get; init; }

    /// <summary>The owner.</summary>
    public required Owner Owner { get; init; }

    /// <summary>Contacts.</summary>
    public required IReadOnlyList<Contact> Contacts { get; init; }

    /// <summary>The recent activities: the 50 latest by time, the latest of each kind and of each kind and outcome (docs/conditions.md); <see cref="ISalesWorkflowEngine.GetHistoryAsync"/> has every one.</summary>
    public required IReadOnlyList<Activity> Activities { get; init; }

    /// <summary>Totals over every activity logged, so that <see cref="ToSnapshot"/> evaluates as the engine does.</summary>
    internal ActivityTotals? ActivityTotals { get; init; }

    /// <summary>Approvals.</summary>
    public required IReadOnlyList<Approval> Approvals { get; init; }

    /// <summary>Feedback.</summary>
    public required IReadOnlyList<Feedback> Feedback { get; init; }

    /// <summary>Checklist items of the current stage done.</summary>
    public required IReadOnlySet<string> ChecklistDone { get; init; }

    /// <summary>The tasks of the current stage entry, open and done.</summary>
    public IReadOnlyList<DealTask> Tasks { get; init; } = [];

    /// <summary>Since when each condition-triggered escalation's condition holds.</summary>
    public required IReadOnlyDictionary<string, DateTimeOffset> ConditionsSince { get; init; }

    /// <summary>Highest escalation level raised so far in the current stage, per escalation.</summary>
    public required IReadOnlyDictionary<string, int> EscalationLevels { get; init; }

    /// <summary>The evaluation after the last change.</summary>
    public required DealEvaluation LastEvaluation { get; init; }

    /// <summary>When tracking started.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the deal last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the deal was won or lost.</summary>
    public DateTimeOffset? ClosedAt { get; init; }

    /// <summary>Number of events in the deal's history.</summary>
    public required int EventCount { get; init; }

    /// <summary>The facts as an evaluator snapshot.</summary>
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
}

/// <summary>A deal in a query result.</summary>
/// <param name="DealId">The deal id.</param>
/// <param name="ProcessId">Process id.</param>
/// <param name="ProcessVersion">Process version.</param>
/// <param name="Stage">Current stage.</param>
/// <param name="Status">Open, won or lost.</param>
/// <param name="OwnerId">Owning rep.</param>
/// <param name="Team">The owner's team (<c>Owner.Team</c>), empty when not known.</param>
/// <param name="Amount">Deal amount.</param>
/// <param name="Health">Health score 0–100.</param>
/// <param name="Blocked">True when the gate of the current stage fails.</param>
/// <param name="EscalationLevel">Highest escalation level raised in the current stage (0 for none).</param>
/// <param name="EnteredStageAt">When the deal entered its stage.</param>
/// <param name="RiskCount">Risks raised on the deal by its last evaluation.</param>
public sealed record DealSummary(
    string DealId,
    string ProcessId,
    int ProcessVersion,
    string Stage,
    DealStatus Status,
    string OwnerId,
    string Team,
    decimal Amount,
    int Health,
    bool Blocked,
    int EscalationLevel,
    DateTimeOffset EnteredStageAt,
    int RiskCount);

/// <summary>A query over deals; every given filter applies (and), results ordered by deal id.</summary>
public sealed record DealQuery
{
    /// <summary>Only deals in this stage.</summary>
    public string? Stage { get; init; }

    /// <summary>Only deals owned by this rep.</summary>
    public string? OwnerId { get; init; }

    /// <summary>Only deals of this team (the owner's <c>Owner.Team</c>).</summary>
    public string? Team { get; init; }

    /// <summary>Only deals with at least one risk raised (true) or none (false).</summary>
    public bool? AtRisk { get; init; }

    /// <summary>Only deals with this status.</summary>
    public DealStatus? Status { get; init; }

    /// <summary>Only deals whose gate fails (true) or passes (false).</summary>
    public bool? Blocked { get; init; }

    /// <summary>Only deals with an escalation raised at this level or higher.</summary>
    public int? MinEscalationLevel { get; init; }

    /// <summary>Only deals with a health score at or below this.</summary>
    public int? MaxHealth { get; init; }

    /// <summary>Deals after this id (for paging).</summary>
    public string? AfterDealId { get; init; }

    /// <summary>Page size (1–10,000).</summary>
    public int Limit { get; init; } = 100;
}
