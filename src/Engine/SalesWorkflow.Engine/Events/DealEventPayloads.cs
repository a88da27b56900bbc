using System.Text.Json.Serialization;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Events;

// The closed set of events the engine writes (docs/events.md is the catalogue). Each record's members, in order, are
// the stored JSON's fields under camelCase; a member that older logs lack is nullable and says since when it exists.
// Nothing is required on read: a field missing from a log another program wrote reads as its default (null for the
// members of positional records), not a failure.
// The stored type name travels in its own column (DealEvent.Type), not in the JSON; serialised as the base type for
// API clients, "$type" carries it.

/// <summary>
/// What happened to a deal: one sealed record per event type, read from <see cref="Runtime.DealEvent.Payload"/>. A
/// reader switches on the type (<c>payload switch { DealWon won => …, … }</c>); <see cref="UnrecognizedEvent"/> stands
/// for a type this version does not know or data it cannot read, so a reader never fails on a log a newer writer wrote.
/// Records with init-only members; the lists and custom fields inside them are not frozen, so treat them as read-only.
/// </summary>
[JsonPolymorphic]
[JsonDerivedType(typeof(TrackingStarted), DealEventTypes.TrackingStarted)]
[JsonDerivedType(typeof(FactsUpdated), DealEventTypes.FactsUpdated)]
[JsonDerivedType(typeof(ActivityLogged), DealEventTypes.ActivityLogged)]
[JsonDerivedType(typeof(FeedbackRecorded), DealEventTypes.FeedbackRecorded)]
[JsonDerivedType(typeof(ChecklistItemCompleted), DealEventTypes.ChecklistItemCompleted)]
[JsonDerivedType(typeof(StageChanged), DealEventTypes.StageChanged)]
[JsonDerivedType(typeof(AdvanceBlocked), DealEventTypes.AdvanceBlocked)]
[JsonDerivedType(typeof(GateOverridden), DealEventTypes.GateOverridden)]
[JsonDerivedType(typeof(DealWon), DealEventTypes.DealWon)]
[JsonDerivedType(typeof(DealLost), DealEventTypes.DealLost)]
[JsonDerivedType(typeof(DealReopened), DealEventTypes.DealReopened)]
[JsonDerivedType(typeof(TasksCreated), DealEventTypes.TasksCreated)]
[JsonDerivedType(typeof(TaskCreated), DealEventTypes.TaskCreated)]
[JsonDerivedType(typeof(TaskCompleted), DealEventTypes.TaskCompleted)]
[JsonDerivedType(typeof(TaskOverdue), DealEventTypes.TaskOverdue)]
[JsonDerivedType(typeof(TaskReassigned), DealEventTypes.TaskReassigned)]
[JsonDerivedType(typeof(ComplaintSlaBreached), DealEventTypes.ComplaintSlaBreached)]
[JsonDerivedType(typeof(RiskRaised), DealEventTypes.RiskRaised)]
[JsonDerivedType(typeof(RiskCleared), DealEventTypes.RiskCleared)]
[JsonDerivedType(typeof(EscalationRaised), DealEventTypes.EscalationRaised)]
[JsonDerivedType(typeof(VersionMigrated), DealEventTypes.VersionMigrated)]
[JsonDerivedType(typeof(UnrecognizedEvent), "unrecognized")]
public abstract record DealEventPayload
{
    private protected DealEventPayload()
    {
    }
}

/// <summary>
/// The deal started being tracked (<c>tracking-started</c>), with its facts as they came in. The engine always writes
/// the opportunity, account and owner; they read as null only from a log another program wrote without them.
/// </summary>
public sealed record TrackingStarted : DealEventPayload
{
    /// <summary>The process id.</summary>
    public string Process { get; init; } = string.Empty;

    /// <summary>The process version the deal runs on.</summary>
    public int Version { get; init; }

    /// <summary>The stage it started in.</summary>
    public string Stage { get; init; } = string.Empty;

    /// <summary>The opportunity.</summary>
    public StoredOpportunity? Opportunity { get; init; }

    /// <summary>The account.</summary>
    public StoredAccount? Account { get; init; }

    /// <summary>The owning rep (their team scopes team reviews).</summary>
    public StoredOwner? Owner { get; init; }

    /// <summary>The contacts.</summary>
    public IReadOnlyList<StoredContact> Contacts { get; init; } = [];
}

/// <summary>Facts changed (<c>facts-updated</c>): only the parts the command sent; null parts did not change.</summary>
public sealed record FactsUpdated : DealEventPayload
{
    /// <summary>The whole opportunity as it is now, when it changed.</summary>
    public StoredOpportunity? Opportunity { get; init; }

    /// <summary>The account, when it changed.</summary>
    public StoredAccount? Account { get; init; }

    /// <summary>The owner, when it changed.</summary>
    public StoredOwner? Owner { get; init; }

    /// <summary>Contacts added or replaced (by id); null when none.</summary>
    public IReadOnlyList<StoredContact>? Contacts { get; init; }

    /// <summary>Approvals added or replaced (by id); null when none.</summary>
    public IReadOnlyList<StoredApproval>? Approvals { get; init; }
}

/// <summary>An activity was logged (<c>activity-logged</c>); the payload is the activity.</summary>
public sealed record ActivityLogged : DealEventPayload
{
    /// <summary>call, meeting, email, demo, … as the CRM names it.</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>When it happened (the command's time when not given).</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>Outcome.</summary>
    public string Outcome { get; init; } = string.Empty;

    /// <summary>The contact involved.</summary>
    public string ContactId { get; init; } = string.Empty;

    /// <summary>Notes.</summary>
    public string Notes { get; init; } = string.Empty;

    /// <summary>The activity id (the command id when not given).</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>The activity as a new Sdk fact.</summary>
    public Activity ToFact() => new() { Id = Id, Kind = Kind, At = At, Outcome = Outcome, ContactId = ContactId, Notes = Notes };

    // A caller's fact may hold a null where the Sdk declares text (a deserialised request): it is stored as empty.
    internal static ActivityLogged From(Activity fact) =>
        new() { Id = fact.Id ?? string.Empty, Kind = fact.Kind ?? string.Empty, At = fact.At, Outcome = fact.Outcome ?? string.Empty, ContactId = fact.ContactId ?? string.Empty, Notes = fact.Notes ?? string.Empty };
}

/// <summary>Customer feedback was recorded (<c>feedback-recorded</c>); the payload is the feedback.</summary>
public sealed record FeedbackRecorded : DealEventPayload
{
    /// <summary>When it was given.</summary>
    public DateTimeOffset? At { get; init; }

    /// <summary>Satisfaction score (1 to 5), when scored.</summary>
    public int? Satisfaction { get; init; }

    /// <summary>A complaint.</summary>
    public bool IsComplaint { get; init; }

    /// <summary>The complaint is resolved.</summary>
    public bool Resolved { get; init; }

    /// <summary>What the customer said.</summary>
    public string Text { get; init; } = string.Empty;

    /// <summary>The feedback id (the command id when not given); a later record with the same id replaces it.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>What it is about; null when not said (and in logs written before 2026-12-04).</summary>
    public string? Category { get; init; }

    /// <summary>Who handles the complaint; null for the process's route role.</summary>
    public string? AssignedTo { get; init; }

    /// <summary>When the customer was first answered; null when not yet (and in logs written before 2026-12-04).</summary>
    public DateTimeOffset? RespondedAt { get; init; }

    /// <summary>When the complaint was resolved; null when not yet (and in logs written before 2026-12-04).</summary>
    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>The feedback as a new Sdk fact.</summary>
    public Feedback ToFact() => new() { Id = Id, At = At, Satisfaction = Satisfaction, IsComplaint = IsComplaint, Resolved = Resolved, Text = Text, Category = Category, AssignedTo = AssignedTo, RespondedAt = RespondedAt, ResolvedAt = ResolvedAt };

    internal static FeedbackRecorded From(Feedback fact) =>
        new()
        {
            Id = fact.Id ?? string.Empty,
            At = fact.At,
            Satisfaction = fact.Satisfaction,
            IsComplaint = fact.IsComplaint,
            Resolved = fact.Resolved || fact.ResolvedAt is not null,
            Text = fact.Text ?? string.Empty,
            Category = fact.Category,
            AssignedTo = fact.AssignedTo,
            RespondedAt = fact.RespondedAt,
            ResolvedAt = fact.ResolvedAt,
        };
}

/// <summary>A checklist item of the current stage was ticked off (<c>checklist-item-completed</c>).</summary>
public sealed record ChecklistItemCompleted(string Item, string Stage) : DealEventPayload;

/// <summary>
/// The deal entered another stage (<c>stage-changed</c>). <see cref="Kind"/> is forward, skip, back, lose or
/// reopen; <see cref="Auto"/> when the process's auto-advance moved it; <see cref="Overridden"/> when a gate was overridden.
/// </summary>
public sealed record StageChanged(string From, string To, string Kind, bool Auto, bool Overridden) : DealEventPayload;

/// <summary>An advance was refused by the gate (<c>advance-blocked</c>): what failed, with the values read.</summary>
public sealed record AdvanceBlocked(string From, string To, IReadOnlyList<FailingCriterion> Failing, IReadOnlyList<string> MissingChecklist) : DealEventPayload;

/// <summary>An exit criterion that failed: its id, the failing term, the values it read, or the incident that stopped it.</summary>
public sealed record FailingCriterion(string Criterion, string? Term, IReadOnlyList<StoredValueRead> Values, string? Incident);

/// <summary>A value a criterion read: the expression and its value as text.</summary>
public sealed record StoredValueRead(string Expression, string Value);

/// <summary>A gate was overridden (<c>gate-overridden</c>), always with a reason and an approver, and what it overrode.</summary>
public sealed record GateOverridden(string From, string To, string Reason, string Approver, IReadOnlyList<string> Failing, IReadOnlyList<string> MissingChecklist) : DealEventPayload;

/// <summary>The deal was won (<c>deal-won</c>): the won stage, the stage it came from, its amount and days open.</summary>
public sealed record DealWon(string Stage, string From, decimal Amount, double DaysOpen) : DealEventPayload;

/// <summary>The deal was lost (<c>deal-lost</c>): the reason (null where the process needs none), a note, the stage it was lost from.</summary>
public sealed record DealLost(string? Reason, string? Note, string From, decimal Amount, double DaysOpen) : DealEventPayload;

/// <summary>A lost deal was reopened (<c>deal-reopened</c>) back to the stage it was lost from; <see cref="Reason"/> is the loss reason it had.</summary>
public sealed record DealReopened(string To, string? Note, string? Reason) : DealEventPayload;

/// <summary>
/// Tasks were created on entering a stage (<c>tasks-created</c>): written by engines before 2026-12-04, which did not
/// track tasks further. Readers take each task as a <see cref="TaskCreated"/>; the engine now writes one of those per task.
/// </summary>
public sealed record TasksCreated(string Stage, IReadOnlyList<StoredTask> Tasks) : DealEventPayload;

/// <summary>
/// A task was created (<c>task-created</c>): one of the stage's <c>tasks:</c> on entering it, or an ad hoc task
/// (<see cref="AdHoc"/>). <see cref="AssigneeRole"/> is the role that does it; <see cref="AssignedTo"/> the person, when known.
/// </summary>
public sealed record TaskCreated(string TaskId, string Stage, IReadOnlyDictionary<string, string> Title, string AssigneeRole, string? AssignedTo, DateTimeOffset? DueAt, bool AdHoc) : DealEventPayload;

/// <summary>A task was completed (<c>task-completed</c>); <see cref="OnTime"/> when by its due moment (or it had none).</summary>
public sealed record TaskCompleted(string TaskId, string Stage, DateTimeOffset? DueAt, bool OnTime, string? Note) : DealEventPayload;

/// <summary>A task came due while open (<c>task-overdue</c>): written once, by its timer, at <see cref="DueAt"/>.</summary>
public sealed record TaskOverdue(string TaskId, string Stage, DateTimeOffset DueAt, string AssigneeRole, string? AssignedTo) : DealEventPayload;

/// <summary>
/// A complaint missed a service level of the process's <c>feedback.sla</c> (<c>complaint-sla-breached</c>): written
/// once per complaint and level (<see cref="Level"/> is <c>respond</c> or <c>resolve</c>), by its timer, at
/// <see cref="DueAt"/>. <see cref="Notify"/> is the route role; <see cref="Recipients"/> the complaint's own handler, else
/// the people the role stands for.
/// </summary>
public sealed record ComplaintSlaBreached(string Feedback, string Level, DateTimeOffset DueAt, string Notify, IReadOnlyList<string> Recipients, string? Category) : DealEventPayload;

/// <summary>A task was given to another person (<c>task-reassigned</c>).</summary>
public sealed record TaskReassigned(string TaskId, string Stage, string? From, string To, string? Note) : DealEventPayload;

/// <summary>A stage task: its id, title by language, who it is for (a role such as owner or manager) and when it is due.</summary>
public sealed record StoredTask(string Id, IReadOnlyDictionary<string, string> Title, string Assignee, DateTimeOffset? Due);

/// <summary>A risk rule started to hold (<c>risk-raised</c>). <see cref="Severity"/> is low, medium, high or critical.</summary>
public sealed record RiskRaised(string Risk, string Category, string Severity, int Weight) : DealEventPayload;

/// <summary>A risk no longer holds (<c>risk-cleared</c>).</summary>
public sealed record RiskCleared(string Risk, string Category) : DealEventPayload;

/// <summary>
/// An escalation level fired (<c>escalation-raised</c>). <see cref="Trigger"/> is time-in-stage or condition;
/// <see cref="Notify"/> the role to notify; <see cref="Message"/> by language.
/// </summary>
public sealed record EscalationRaised : DealEventPayload
{
    /// <summary>The escalation id.</summary>
    public string Escalation { get; init; } = string.Empty;

    /// <summary>The level that fired (1-based).</summary>
    public int Level { get; init; }

    /// <summary>How many levels the escalation has.</summary>
    public int Levels { get; init; }

    /// <summary>The role notified at this level.</summary>
    public string Notify { get; init; } = string.Empty;

    /// <summary>
    /// The people the role stood for on the deal when the level fired (the owner, the manager, the organisation file's
    /// people for a named role); empty when nobody fills it; null in logs written before 2026-12-04.
    /// </summary>
    public IReadOnlyList<string>? Recipients { get; init; }

    /// <summary>time-in-stage or condition.</summary>
    public string Trigger { get; init; } = string.Empty;

    /// <summary>When the level was due.</summary>
    public DateTimeOffset DueAt { get; init; }

    /// <summary>When the deal entered the stage; null in logs written before 2026-11-28 (5f02041).</summary>
    public DateTimeOffset? StageEnteredAt { get; init; }

    /// <summary>The message, by language.</summary>
    public IReadOnlyDictionary<string, string> Message { get; init; } = new Dictionary<string, string>();
}

/// <summary>The deal moved to another version of its process (<c>version-migrated</c>), keeping its stage.</summary>
public sealed record VersionMigrated(int From, int To, string Stage) : DealEventPayload;

/// <summary>
/// An event this version cannot read: a type it does not know (written by a newer engine or another writer), or data
/// that does not have the type's shape. <see cref="Problem"/> says which; the raw data stays on the event.
/// </summary>
public sealed record UnrecognizedEvent(string Type, string Problem) : DealEventPayload;
