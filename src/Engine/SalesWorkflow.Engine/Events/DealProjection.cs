using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Events;

/// <summary>
/// A deal's state folded from its events, one <see cref="Apply"/> at a time: its facts, stage, status and what is open
/// on it as the engine recorded them. Fold a deal's history up to any moment to see the deal as it was then; the
/// backtest replays recorded gates on it. Not thread-safe: one fold per deal and reader.
/// </summary>
public sealed class DealProjection
{
    private readonly List<Contact> _contacts = [];
    private readonly List<Activity> _activities = [];
    private readonly ActivityTotals _activityTotals = new();
    private readonly List<Approval> _approvals = [];
    private readonly List<Feedback> _feedback = [];
    private readonly HashSet<string> _checklist = new(StringComparer.Ordinal);
    private readonly List<DealTask> _tasks = [];
    private readonly HashSet<string> _openRisks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _escalationLevels = new(StringComparer.Ordinal);

    // The snapshot of the current facts, built once between two events (a backtest's sweeps of a long gap all read it).
    private DealSnapshot? _snapshot;

    /// <summary>The process the deal runs on (the latest event's), or null before any event.</summary>
    public string? ProcessId { get; private set; }

    /// <summary>The process version the deal runs on.</summary>
    public int ProcessVersion { get; private set; }

    /// <summary>The stage, or null before the deal's start.</summary>
    public string? Stage { get; private set; }

    /// <summary>When the deal entered its stage.</summary>
    public DateTimeOffset? EnteredStageAt { get; private set; }

    /// <summary>Open, won or lost (open before the start too).</summary>
    public DealStatus Status { get; private set; }

    /// <summary>The loss reason while the deal is lost.</summary>
    public string? LossReason { get; private set; }

    /// <summary>When the deal started being tracked.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>The opportunity as last recorded.</summary>
    public Opportunity? Opportunity { get; private set; }

    /// <summary>The account as last recorded.</summary>
    public Account? Account { get; private set; }

    /// <summary>The owner as last recorded (their team scopes team reviews).</summary>
    public Owner? Owner { get; private set; }

    /// <summary>Contacts, one per id.</summary>
    public IReadOnlyList<Contact> Contacts => _contacts;

    /// <summary>
    /// The recent activities, one per id, in the order logged: what the engine keeps in a deal's state and conditions
    /// read (the latest 50 by time and the latest of each kind); the log holds them all.
    /// </summary>
    public IReadOnlyList<Activity> Activities => _activities;

    /// <summary>Approvals, one per id.</summary>
    public IReadOnlyList<Approval> Approvals => _approvals;

    /// <summary>Feedback, one per id (a later record with the same id replaces the earlier).</summary>
    public IReadOnlyList<Feedback> Feedback => _feedback;

    /// <summary>Checklist items done in the current stage.</summary>
    public IReadOnlySet<string> ChecklistDone => _checklist;

    /// <summary>The tasks of the current stage entry, open and done.</summary>
    public IReadOnlyList<DealTask> Tasks => _tasks;

    /// <summary>Risks raised and not cleared.</summary>
    public IReadOnlySet<string> OpenRisks => _openRisks;

    /// <summary>The highest level fired per escalation in the current stage.</summary>
    public IReadOnlyDictionary<string, int> EscalationLevels => _escalationLevels;

    /// <summary>Events folded so far.</summary>
    public int EventCount { get; private set; }

    /// <summary>When the last folded event happened.</summary>
    public DateTimeOffset? LastEventAt { get; private set; }

    /// <summary>Folds one event in; a deal's events must come in their order.</summary>
    public void Apply(DealEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        _snapshot = null;
        EventCount++;
        LastEventAt = e.At;
        ProcessId = e.ProcessId;
        ProcessVersion = e.ProcessVersion;
        switch (e.Payload)
        {
            case TrackingStarted started:
                StartedAt ??= e.At;
                EnterStage(started.Stage is { Length: > 0 } stage ? stage : e.Stage, e.At);
                Status = DealStatus.Open;
                Facts(started.Opportunity, started.Account, started.Owner, started.Contacts, null);
                break;
            case FactsUpdated facts:
                Facts(facts.Opportunity, facts.Account, facts.Owner, facts.Contacts, facts.Approvals);
                break;
            case ActivityLogged activity:
                ActivityHistory.Record(_activities, _activityTotals, activity.ToFact());
                break;
            case FeedbackRecorded feedback:
                FactLists.Merge(_feedback, [feedback.ToFact()]);
                break;
            case ChecklistItemCompleted { Item: { } item }:
                _checklist.Add(item);
                break;
            case TaskCreated created:
                _tasks.RemoveAll(t => t.Id == created.TaskId);
                _tasks.Add(new DealTask
                {
                    Id = created.TaskId,
                    Stage = created.Stage,
                    Title = created.Title,
                    AssigneeRole = created.AssigneeRole,
                    AssignedTo = created.AssignedTo,
                    CreatedAt = e.At,
                    DueAt = created.DueAt,
                    AdHoc = created.AdHoc,
                });
                break;
            case TasksCreated legacy:
                foreach (var task in legacy.Tasks ?? [])
                {
                    _tasks.RemoveAll(t => t.Id == task.Id);
                    _tasks.Add(new DealTask { Id = task.Id, Stage = legacy.Stage, Title = task.Title, AssigneeRole = task.Assignee, CreatedAt = e.At, DueAt = task.Due });
                }

                break;
            case TaskCompleted completed:
                UpdateTask(completed.TaskId, t => t with { CompletedAt = e.At, CompletedBy = e.Actor });
                break;
            case TaskOverdue overdue:
                UpdateTask(overdue.TaskId, t => t with { OverdueAt = e.At });
                break;
            case TaskReassigned reassigned:
                UpdateTask(reassigned.TaskId, t => t with { AssignedTo = reassigned.To });
                break;
            case StageChanged or DealReopened when e.Stage != Stage:
                EnterStage(e.Stage, e.At);
                break;
            case DealWon:
                Status = DealStatus.Won;
                break;
            case DealLost lost:
                Status = DealStatus.Lost;
                LossReason = lost.Reason;
                break;
            case RiskRaised { Risk: { } risk }:
                _openRisks.Add(risk);
                break;
            case RiskCleared { Risk: { } risk }:
                _openRisks.Remove(risk);
                break;
            case EscalationRaised { Escalation: { } escalation } raised:
                _escalationLevels[escalation] = Math.Max(raised.Level, _escalationLevels.GetValueOrDefault(escalation));
                break;
            default:
                break;
        }

        if (e.Payload is DealReopened)
        {
            Status = DealStatus.Open;
            LossReason = null;
        }
    }

    /// <summary>
    /// The facts of this moment as a view over the fold's own lists, for an evaluation: valid until the next
    /// <see cref="Apply"/> (no copies); null before the deal's start.
    /// </summary>
    internal DealSnapshot? Snapshot() => _snapshot ??= Opportunity is null || Stage is null || EnteredStageAt is null ? null : new DealSnapshot
    {
        Opportunity = Opportunity,
        Account = Account,
        Owner = Owner,
        Contacts = _contacts,
        Activities = _activities,
        ActivityTotals = _activityTotals,
        Approvals = _approvals,
        Feedback = _feedback,
        Stage = Stage,
        EnteredStageAt = EnteredStageAt.Value,
        ChecklistDone = _checklist,
        Tasks = _tasks,
    };

    private void EnterStage(string stage, DateTimeOffset at)
    {
        Stage = stage;
        EnteredStageAt = at;
        _checklist.Clear();
        _tasks.Clear();
        _escalationLevels.Clear();
    }

    private void UpdateTask(string id, Func<DealTask, DealTask> update)
    {
        var index = _tasks.FindIndex(t => t.Id == id);
        if (index >= 0)
        {
            _tasks[index] = update(_tasks[index]);
        }
    }

    private void Facts(StoredOpportunity? opportunity, StoredAccount? account, StoredOwner? owner, IReadOnlyList<StoredContact>? contacts, IReadOnlyList<StoredApproval>? approvals)
    {
        Opportunity = opportunity?.ToFact() ?? Opportunity;
        Account = account?.ToFact() ?? Account;
        Owner = owner?.ToFact() ?? Owner;
        FactLists.Merge(_contacts, (contacts ?? []).Select(c => c.ToFact()));
        FactLists.Merge(_approvals, (approvals ?? []).Select(a => a.ToFact()));
    }
}
