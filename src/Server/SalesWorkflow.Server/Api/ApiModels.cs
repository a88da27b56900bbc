using System.Text.Json;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Server.Api;

#pragma warning disable CA1812 // Request bodies are created by the JSON binder.

/// <summary>Starts tracking a deal (<c>POST /api/deals</c>).</summary>
/// <param name="DealId">The deal id (the CRM's opportunity id).</param>
/// <param name="ProcessId">The process it follows.</param>
/// <param name="Opportunity">The opportunity.</param>
public sealed record StartDealRequest(string DealId, string ProcessId, Opportunity Opportunity)
{
    /// <summary>The process version; null: the latest.</summary>
    public int? Version { get; init; }

    /// <summary>The stage to start in; null: the first.</summary>
    public string? Stage { get; init; }

    /// <summary>The account.</summary>
    public Account? Account { get; init; }

    /// <summary>The owning rep; null: the caller (a rep or manager starting their own deal).</summary>
    public Owner? Owner { get; init; }

    /// <summary>The contacts.</summary>
    public IReadOnlyList<Contact>? Contacts { get; init; }
}

/// <summary>Replaces facts of a deal (<c>PUT /api/deals/{id}/facts</c>): the opportunity, account or owner given; contacts and approvals by id.</summary>
public sealed record UpdateFactsRequest
{
    /// <summary>The opportunity, replacing the one held.</summary>
    public Opportunity? Opportunity { get; init; }

    /// <summary>The account, replacing the one held.</summary>
    public Account? Account { get; init; }

    /// <summary>The owner, replacing the one held (a reassignment: the caller must see the new owner's deals too).</summary>
    public Owner? Owner { get; init; }

    /// <summary>Contacts to add or replace by id.</summary>
    public IReadOnlyList<Contact>? Contacts { get; init; }

    /// <summary>Approvals to add or replace by id.</summary>
    public IReadOnlyList<Approval>? Approvals { get; init; }
}

/// <summary>Asks to move the deal on (<c>POST /api/deals/{id}/advance</c>).</summary>
/// <param name="ToStage">The stage to move to; null: the next.</param>
public sealed record AdvanceRequest(string? ToStage);

/// <summary>Moves the deal on despite a failing gate (<c>POST /api/deals/{id}/override</c>); the approver is the caller.</summary>
/// <param name="Reason">Why, for the audit.</param>
/// <param name="ToStage">The stage to move to; null: the next.</param>
public sealed record OverrideRequest(string Reason, string? ToStage);

/// <summary>Closes the deal as won (<c>POST /api/deals/{id}/won</c>).</summary>
/// <param name="Note">A note for the history.</param>
public sealed record CloseWonRequest(string? Note);

/// <summary>Closes the deal as lost (<c>POST /api/deals/{id}/lost</c>).</summary>
/// <param name="Reason">One of the process's loss reasons.</param>
/// <param name="Note">A note for the history.</param>
/// <param name="ToStage">A closing stage other than the process's lost stage.</param>
public sealed record CloseLostRequest(string Reason, string? Note, string? ToStage);

/// <summary>Brings a lost deal back to the stage it was lost from (<c>POST /api/deals/{id}/reopen</c>).</summary>
/// <param name="Note">A note for the history.</param>
public sealed record ReopenRequest(string? Note);

/// <summary>Creates an ad hoc task in the deal's current stage (<c>POST /api/deals/{id}/tasks</c>).</summary>
/// <param name="TaskId">The task id: lower-case kebab-case, unique among the stage entry's tasks.</param>
/// <param name="Title">What to do.</param>
/// <param name="DueAt">When it is due; none for no due date.</param>
/// <param name="AssignTo">The person it is for; none for the deal's owner.</param>
public sealed record CreateTaskRequest(string TaskId, string Title, DateTimeOffset? DueAt, string? AssignTo);

/// <summary>Completes an open task (<c>POST /api/deals/{id}/tasks/{taskId}/complete</c>).</summary>
/// <param name="Note">What was done, for the history.</param>
public sealed record CompleteTaskRequest(string? Note);

/// <summary>Gives an open task to another person (<c>POST /api/deals/{id}/tasks/{taskId}/reassign</c>).</summary>
/// <param name="AssignTo">The person it is for now.</param>
/// <param name="Note">Why, for the history.</param>
public sealed record ReassignTaskRequest(string AssignTo, string? Note);

/// <summary>Moves the deal to another version of its process (<c>POST /api/deals/{id}/migrate</c>).</summary>
/// <param name="ToVersion">The version.</param>
public sealed record MigrateRequest(int ToVersion);

/// <summary>Signs a local user in (<c>POST /api/session</c>).</summary>
/// <param name="UserId">The user id.</param>
/// <param name="Password">The password.</param>
public sealed record SignInRequest(string UserId, string Password);

/// <summary>What a command did: applied (or a replay of an earlier one with the same idempotency key).</summary>
/// <param name="Status">"applied" or "duplicate".</param>
/// <param name="CommandId">The command id.</param>
/// <param name="DealId">The deal.</param>
/// <param name="Stage">The deal's stage after the command.</param>
/// <param name="Evaluation">The deal's evaluation after the command.</param>
/// <param name="Events">The events the command wrote.</param>
public sealed record CommandResponse(CommandStatus Status, string CommandId, string DealId, string? Stage, DealEvaluation? Evaluation, IReadOnlyList<FeedEvent> Events);

/// <summary>An event of the log as the API shows it.</summary>
/// <param name="Sequence">Its place in the log: the feed's cursor.</param>
/// <param name="EventId">Its stable id (<c>deal:n</c>).</param>
/// <param name="DealId">The deal.</param>
/// <param name="Type">The event type (docs/events.md).</param>
/// <param name="At">When it happened.</param>
/// <param name="CommandId">The command that wrote it.</param>
/// <param name="Actor">Who submitted that command (null: the engine's timers and sweep).</param>
/// <param name="ProcessId">The deal's process.</param>
/// <param name="ProcessVersion">Its version.</param>
/// <param name="Stage">The deal's stage after the event.</param>
/// <param name="Data">The event's data, as docs/events.md lists it per type.</param>
public sealed record FeedEvent(long Sequence, string EventId, string DealId, string Type, DateTimeOffset At, string CommandId, string? Actor, string ProcessId, int ProcessVersion, string Stage, JsonElement Data)
{
    internal static FeedEvent From(DealEvent e) => new(e.Sequence, e.EventId, e.DealId, e.Type, e.At, e.CommandId, e.Actor, e.ProcessId, e.ProcessVersion, e.Stage, e.Data);
}

/// <summary>A page of the event feed.</summary>
/// <param name="Events">The events the caller may see, in log order.</param>
/// <param name="Next">The cursor for the next page (<c>?after=</c>); the same when there was nothing new.</param>
public sealed record FeedPage(IReadOnlyList<FeedEvent> Events, long Next);

/// <summary>A page of deals.</summary>
/// <param name="Deals">The deals, by id.</param>
/// <param name="Next">The <c>?after=</c> of the next page, or null at the end.</param>
public sealed record DealPage(IReadOnlyList<DealSummary> Deals, string? Next);

/// <summary>Why a deal is where it is, in words, with the evaluation behind it.</summary>
/// <param name="Text">The explanation <c>salesflow explain</c> prints.</param>
/// <param name="Evaluation">The evaluation.</param>
public sealed record ExplanationResponse(string Text, DealEvaluation Evaluation);

/// <summary>Who is calling (<c>GET /api/session</c>).</summary>
/// <param name="UserId">The user.</param>
/// <param name="Roles">Their roles.</param>
/// <param name="Team">Their team.</param>
/// <param name="Scopes">What this session or token may do.</param>
/// <param name="Method">"cookie", "oidc" or "token".</param>
/// <param name="AntiforgeryToken">For a browser session: send it as the <c>X-XSRF-TOKEN</c> header with every change.</param>
public sealed record SessionResponse(string UserId, IReadOnlyCollection<string> Roles, string Team, IReadOnlyCollection<string> Scopes, string Method, string? AntiforgeryToken);

/// <summary>A process the server runs (<c>GET /api/processes</c>).</summary>
/// <param name="Id">The process id.</param>
/// <param name="Name">Its name in English.</param>
/// <param name="NameZh">Its name in Chinese.</param>
/// <param name="LatestVersion">The version new deals start on (null when none does).</param>
/// <param name="Versions">Every version the server knows, oldest first.</param>
public sealed record ProcessSummary(string Id, string Name, string NameZh, int? LatestVersion, IReadOnlyList<int> Versions);

/// <summary>
/// Definition files sent to validate or backtest (<c>POST /api/processes/validate</c>, <c>…/{id}/backtest</c>): each
/// file's text by its relative path (<c>standard-b2b.yaml</c>, <c>packs/bant.yaml</c>), and the one to load.
/// </summary>
/// <param name="Files">The texts by relative path; imports are resolved among them only.</param>
public sealed record SourceUpload(IReadOnlyDictionary<string, string> Files)
{
    /// <summary>The process file among the files; may be left out when only one file is sent.</summary>
    public string? Entry { get; init; }
}

/// <summary>What validating an upload found (<c>POST /api/processes/validate</c>).</summary>
/// <param name="Valid">True when no diagnostic is an error.</param>
/// <param name="Processes">The processes the upload holds, each against the versions the server knows.</param>
/// <param name="Diagnostics">Every problem, in file, line and column order, as <c>salesflow validate --format json</c> gives them.</param>
public sealed record ValidationResponse(bool Valid, IReadOnlyList<ProcessCheck> Processes, IReadOnlyList<SalesWorkflow.Engine.Diagnostics.Diagnostic> Diagnostics);

/// <summary>A process of an upload against the server's versions of it.</summary>
/// <param name="Id">The process id.</param>
/// <param name="Version">The version it declares.</param>
/// <param name="Status"><c>new</c> (no such version yet), <c>unchanged</c> (the server runs this very text) or <c>version-taken</c> (the server's version of that number differs: bump <c>version:</c> before publishing).</param>
public sealed record ProcessCheck(string Id, int Version, string Status);

/// <summary>The caller's inbox (<c>GET /api/inbox</c>): their open deals, and the open stages those deals' processes have, in order.</summary>
/// <param name="UserId">The caller.</param>
/// <param name="Stages">The open stages, in process order, with their names by language.</param>
/// <param name="Deals">The open deals, up to 500.</param>
/// <param name="Truncated">True when the caller has more open deals than the inbox shows.</param>
public sealed record InboxResponse(string UserId, IReadOnlyList<InboxStage> Stages, IReadOnlyList<InboxDeal> Deals, bool Truncated);

/// <summary>An open stage of the inbox.</summary>
/// <param name="Id">The stage id.</param>
/// <param name="Name">Its name by language (<c>zh</c>, <c>en</c>; <c>""</c> for a definition's only language).</param>
public sealed record InboxStage(string Id, IReadOnlyDictionary<string, string> Name);

/// <summary>An open deal of the inbox: where it is, what blocks it, and what is due.</summary>
/// <param name="DealId">The deal.</param>
/// <param name="Name">The opportunity's name.</param>
/// <param name="Account">The account's name.</param>
/// <param name="Amount">The amount.</param>
/// <param name="Currency">Its currency.</param>
/// <param name="Stage">The stage id.</param>
/// <param name="StageName">The stage's name by language.</param>
/// <param name="EnteredStageAt">When it entered the stage.</param>
/// <param name="Health">Health 0–100.</param>
/// <param name="Blocked">True when the stage's gate does not pass.</param>
/// <param name="Blockers">The gate's failing criteria.</param>
/// <param name="Checklist">The stage's checklist, done or not.</param>
/// <param name="Tasks">The open tasks of the stage, soonest due first.</param>
/// <param name="Escalations">The escalations due.</param>
public sealed record InboxDeal(
    string DealId,
    string Name,
    string Account,
    decimal Amount,
    string Currency,
    string Stage,
    IReadOnlyDictionary<string, string> StageName,
    DateTimeOffset EnteredStageAt,
    int Health,
    bool Blocked,
    IReadOnlyList<InboxBlocker> Blockers,
    IReadOnlyList<InboxChecklistItem> Checklist,
    IReadOnlyList<InboxTask> Tasks,
    IReadOnlyList<InboxEscalation> Escalations);

/// <summary>A failing exit criterion: the process's words for it, the term that failed and the values it read.</summary>
/// <param name="Id">The criterion id.</param>
/// <param name="Description">The criterion's description by language.</param>
/// <param name="FailingTerm">The condition's term that failed, as written.</param>
/// <param name="Values">The values the condition read.</param>
public sealed record InboxBlocker(string Id, IReadOnlyDictionary<string, string> Description, string? FailingTerm, IReadOnlyList<InboxValue> Values);

/// <summary>A value a condition read.</summary>
/// <param name="Expression">What it read.</param>
/// <param name="Value">The value.</param>
public sealed record InboxValue(string Expression, string Value);

/// <summary>A checklist item of the deal's stage.</summary>
/// <param name="Id">The item id (<c>POST /api/deals/{dealId}/checklist/{item}</c> ticks it off).</param>
/// <param name="Text">Its text by language.</param>
/// <param name="Required">True when the gate needs it.</param>
/// <param name="Done">True when ticked off.</param>
public sealed record InboxChecklistItem(string Id, IReadOnlyDictionary<string, string> Text, bool Required, bool Done);

/// <summary>An open task of the deal's stage.</summary>
/// <param name="Id">The task id.</param>
/// <param name="Title">Its title by language.</param>
/// <param name="DueAt">When it is due, if it has a due moment.</param>
/// <param name="Overdue">True once it is overdue.</param>
public sealed record InboxTask(string Id, IReadOnlyDictionary<string, string> Title, DateTimeOffset? DueAt, bool Overdue);

/// <summary>An escalation due on the deal.</summary>
/// <param name="Id">The escalation id.</param>
/// <param name="Level">Its level.</param>
/// <param name="Notify">The role it notifies.</param>
/// <param name="DueAt">When it notifies.</param>
public sealed record InboxEscalation(string Id, int Level, string Notify, DateTimeOffset DueAt);

/// <summary>A process version as people read it (<c>GET /api/processes/{processId}/view</c>).</summary>
/// <param name="Id">The process id.</param>
/// <param name="Version">The version.</param>
/// <param name="Name">Its name by language.</param>
/// <param name="Languages">The languages its texts are in.</param>
/// <param name="Mermaid">The diagram as a Mermaid flowchart (as <c>salesflow graph</c> writes it).</param>
/// <param name="Stages">The stages in order.</param>
public sealed record ProcessView(string Id, int Version, IReadOnlyDictionary<string, string> Name, IReadOnlyList<string> Languages, string Mermaid, IReadOnlyList<ProcessViewStage> Stages);

/// <summary>A stage of the process view.</summary>
/// <param name="Id">The stage id.</param>
/// <param name="Name">Its name by language.</param>
/// <param name="Kind">open, won or lost.</param>
/// <param name="Probability">Its win probability.</param>
/// <param name="Norms">Its operating norms by language.</param>
/// <param name="Checklist">Its checklist.</param>
/// <param name="Criteria">Its exit criteria (the gate).</param>
/// <param name="Tasks">The tasks it creates.</param>
/// <param name="Escalations">The escalations that watch it.</param>
public sealed record ProcessViewStage(
    string Id,
    IReadOnlyDictionary<string, string> Name,
    string Kind,
    double Probability,
    IReadOnlyDictionary<string, string> Norms,
    IReadOnlyList<ProcessViewChecklistItem> Checklist,
    IReadOnlyList<ProcessViewCriterion> Criteria,
    IReadOnlyList<ProcessViewTask> Tasks,
    IReadOnlyList<ProcessViewEscalation> Escalations);

/// <summary>A checklist item of a stage.</summary>
/// <param name="Id">The item id.</param>
/// <param name="Text">Its text by language.</param>
/// <param name="Required">True when the gate needs it.</param>
public sealed record ProcessViewChecklistItem(string Id, IReadOnlyDictionary<string, string> Text, bool Required);

/// <summary>An exit criterion of a stage.</summary>
/// <param name="Id">The criterion id.</param>
/// <param name="Description">Its description by language.</param>
/// <param name="Condition">Its condition, as written.</param>
public sealed record ProcessViewCriterion(string Id, IReadOnlyDictionary<string, string> Description, string Condition);

/// <summary>A task a stage creates.</summary>
/// <param name="Id">The task id.</param>
/// <param name="Title">Its title by language.</param>
/// <param name="Due">When it is due after the stage is entered (<c>48h</c>, <c>5bd</c>), if it is.</param>
/// <param name="Assignee">Who it is for (a role).</param>
public sealed record ProcessViewTask(string Id, IReadOnlyDictionary<string, string> Title, string? Due, string Assignee);

/// <summary>An escalation that watches a stage.</summary>
/// <param name="Id">The escalation id.</param>
/// <param name="Name">Its name by language.</param>
/// <param name="TimeInStage">The time in stage that triggers it, if it is a stall escalation.</param>
/// <param name="Condition">The condition that triggers it, if it has one.</param>
/// <param name="Levels">Who it tells, and when.</param>
public sealed record ProcessViewEscalation(string Id, IReadOnlyDictionary<string, string> Name, string? TimeInStage, string? Condition, IReadOnlyList<ProcessViewEscalationLevel> Levels);

/// <summary>A level of an escalation.</summary>
/// <param name="Number">The level.</param>
/// <param name="Notify">The role it tells.</param>
/// <param name="After">After how long.</param>
public sealed record ProcessViewEscalationLevel(int Number, string Notify, string After);
