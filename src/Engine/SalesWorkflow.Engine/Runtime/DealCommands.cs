using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Runtime;

/// <summary>
/// A request to change a deal. Every command carries an id chosen by the caller: submitting the same id again is
/// acknowledged as a duplicate and changes nothing, so callers can retry safely after a timeout or a crash.
/// </summary>
/// <remarks>
/// The engine decides only the records below. The constructor is not public, so a new command cannot be written outside;
/// a record deriving through the copy constructor is still refused at run time (invalid-command).
/// </remarks>
public abstract record DealCommand
{
    private protected DealCommand(string commandId, string dealId)
    {
        CommandId = commandId;
        DealId = dealId;
    }

    /// <summary>Unique id of this request (for example a GUID or an idempotency key from your API).</summary>
    public string CommandId { get; init; }

    /// <summary>The deal (opportunity) id.</summary>
    public string DealId { get; init; }

    /// <summary>
    /// Who submitted the command: the signed-in user or the API token's user, as the host authenticated them (null: not
    /// said, as for a program acting for itself). Recorded on every event the command writes (<see cref="DealEvent.Actor"/>).
    /// </summary>
    public string? Actor { get; init; }
}

/// <summary>Starts tracking a deal under a process: the deal enters the first open stage (or <see cref="Stage"/>).</summary>
/// <param name="CommandId">Unique id of this request.</param>
/// <param name="DealId">The deal id; it becomes the opportunity's id.</param>
/// <param name="ProcessId">The process to follow.</param>
public sealed record StartTracking(string CommandId, string DealId, string ProcessId) : DealCommand(CommandId, DealId)
{
    /// <summary>The process version; null for the newest loaded version.</summary>
    public int? Version { get; init; }

    /// <summary>The stage to start in; null for the process's first open stage.</summary>
    public string? Stage { get; init; }

    /// <summary>The deal's facts.</summary>
    public required Opportunity Opportunity { get; init; }

    /// <summary>The customer account.</summary>
    public Account? Account { get; init; }

    /// <summary>The owning rep.</summary>
    public Owner? Owner { get; init; }

    /// <summary>Contacts at the customer.</summary>
    public IReadOnlyList<Contact> Contacts { get; init; } = [];
}

/// <summary>
/// Replaces facts of a deal: each part given replaces the stored one (<see cref="Opportunity"/>, <see cref="Account"/>,
/// <see cref="Owner"/>); <see cref="Contacts"/> and <see cref="Approvals"/> are merged by id (same id replaces).
/// </summary>
/// <param name="CommandId">Unique id of this request.</param>
/// <param name="DealId">The deal id.</param>
public sealed record UpsertFacts(string CommandId, string DealId) : DealCommand(CommandId, DealId)
{
    /// <summary>New opportunity facts, or null to keep the stored ones.</summary>
    public Opportunity? Opportunity { get; init; }

    /// <summary>New account facts, or null to keep the stored ones.</summary>
    public Account? Account { get; init; }

    /// <summary>New owner facts, or null to keep the stored ones.</summary>
    public Owner? Owner { get; init; }

    /// <summary>Contacts to add or replace (by id).</summary>
    public IReadOnlyList<Contact> Contacts { get; init; } = [];

    /// <summary>Approvals to add or replace (by id).</summary>
    public IReadOnlyList<Approval> Approvals { get; init; } = [];
}

/// <summary>Logs something the rep did (call, meeting, visit, e-mail, demo, proposal sent…).</summary>
/// <param name="CommandId">Unique id of this request.</param>
/// <param name="DealId">The deal id.</param>
/// <param name="Activity">The activity; its id must be unique within the deal.</param>
public sealed record LogActivity(string CommandId, string DealId, Activity Activity) : DealCommand(CommandId, DealId);

/// <summary>Records customer feedback (a satisfaction score, a complaint, its resolution); same id replaces.</summary>
/// <param name="CommandId">Unique id of this request.</param>
/// <param name="DealId">The deal id.</param>
/// <param name="Feedback">The feedback.</param>
public sealed record RecordFeedback(string CommandId, string DealId, Feedback Feedback) : DealCommand(CommandId, DealId);

/// <summary>Ticks off a checklist item of the deal's current stage.</summary>
/// <param name="CommandId">Unique id of this request.</param>
/// <param name="DealId">The deal id.</param>
/// <param name="ItemId">The checklist item id.</param>
public sealed record CompleteChecklistItem(string CommandId, string DealId, string ItemId) : DealCommand(CommandId, DealId);

/// <summary>
/// Asks to move the deal on: to the next stage, or to <see cref="ToStage"/> when the policy allows skipping (every gate on
/// the way applies) or moving back. A failing gate rejects the command and records why.
/// </summary>
/// <param name="CommandId">Unique id of this request.</param>
/// <param name="DealId">The deal id.</param>
public sealed record RequestAdvance(string CommandId, string DealId) : DealCommand(CommandId, DealId)
{
    /// <summary>The target stage; null for the next stage.</summary>
    public string? ToStage { get; init; }
}

/// <summary>Closes the deal as won: an advance to the process's won stage, through the gates.</summary>
/// <param name="CommandId">Unique id of this request.</param>
/// <param name="DealId">The deal id.</param>
public sealed record CloseWon(string CommandId, string DealId) : DealCommand(CommandId, DealId)
{
    /// <summary>A note for the audit trail.</summary>
    public string? Note { get; init; }
}

/// <summary>Closes the deal as lost, with one of the process's loss reasons.</summary>
/// <param name="CommandId">Unique id of this request.</param>
/// <param name="DealId">The deal id.</param>
/// <param name="Reason">A loss reason id from <c>transitions.lossReasons</c>.</param>
public sealed record CloseLost(string CommandId, string DealId, string? Reason) : DealCommand(CommandId, DealId)
{
    /// <summary>A note for the audit trail (the case analysis).</summary>
    public string? Note { get; init; }

    /// <summary>The lost stage to move to, when the process has several; null for the first.</summary>
    public string? ToStage { get; init; }
}

/// <summary>Moves the deal on although its gate fails; needs a reason and an approver, and is always audited.</summary>
/// <param name="CommandId">Unique id of this request.</param>
/// <param name="DealId">The deal id.</param>
/// <param name="Reason">Why the gate is overridden.</param>
/// <param name="Approver">Who approved the override.</param>
public sealed record OverrideGate(string CommandId, string DealId, string Reason, string Approver) : DealCommand(CommandId, DealId)
{
    /// <summary>The target stage; null for the next stage.</summary>
    public string? ToStage { get; init; }
}

/// <summary>Reopens a lost deal: it returns to the stage it was lost from.</summary>
/// <param name="CommandId">Unique id of this request.</param>
/// <param name="DealId">The deal id.</param>
public sealed record Reopen(string CommandId, string DealId) : DealCommand(CommandId, DealId)
{
    /// <summary>A note for the audit trail.</summary>
    public string? Note { get; init; }
}

/// <summary>Moves the deal to another version of its process (audited); the deal's stage must exist in that version.</summary>
/// <param name="CommandId">Unique id of this request.</param>
/// <param name="DealId">The deal id.</param>
/// <param name="ToVersion">The target version.</param>
public sealed record MigrateVersion(string CommandId, string DealId, int ToVersion) : DealCommand(CommandId, DealId);

/// <summary>
/// Creates an ad hoc task in the deal's current stage (tasks of the stage's <c>tasks:</c> are created on entry). Like
/// those, it belongs to the stage entry: it fires <c>task-overdue</c> once at <see cref="DueAt"/> while open, and leaving
/// the stage ends it.
/// </summary>
/// <param name="CommandId">Unique id of this request.</param>
/// <param name="DealId">The deal id.</param>
/// <param name="TaskId">The task id, unique among the tasks of the stage entry (lower-case kebab-case, as ids in YAML).</param>
/// <param name="Title">What to do.</param>
public sealed record CreateTask(string CommandId, string DealId, string TaskId, string Title) : DealCommand(CommandId, DealId)
{
    /// <summary>When it is due; null for no due date.</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>The person it is for; null for the deal's owner.</summary>
    public string? AssignTo { get; init; }
}

/// <summary>Completes an open task of the current stage entry; completing it by its due moment counts as on time.</summary>
/// <param name="CommandId">Unique id of this request.</param>
/// <param name="DealId">The deal id.</param>
/// <param name="TaskId">The task id.</param>
public sealed record CompleteTask(string CommandId, string DealId, string TaskId) : DealCommand(CommandId, DealId)
{
    /// <summary>A note for the audit trail (what was done).</summary>
    public string? Note { get; init; }
}

/// <summary>Gives an open task of the current stage entry to another person; its due moment stays.</summary>
/// <param name="CommandId">Unique id of this request.</param>
/// <param name="DealId">The deal id.</param>
/// <param name="TaskId">The task id.</param>
/// <param name="AssignTo">The person it is for now.</param>
public sealed record ReassignTask(string CommandId, string DealId, string TaskId, string AssignTo) : DealCommand(CommandId, DealId)
{
    /// <summary>Why, for the audit trail.</summary>
    public string? Note { get; init; }
}
