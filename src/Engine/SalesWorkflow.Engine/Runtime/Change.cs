using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Plugins;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Runtime;

/// <summary>
/// The decision being built for one command on one deal: it changes the loaded state in place, collects events and
/// timer changes, and applies the effects every change has (risks raised or cleared, condition escalations starting
/// or stopping, timers of the stage). Not thread-safe; lives for one command.
/// </summary>
internal sealed class Change(InstanceRecord instance, CompiledProcess process, string commandId, DateTimeOffset now, FactEnrichment? enrichment = null)
{
    /// <summary>
    /// A task's overdue timer lives with the escalation timers, keyed by this prefix and the task id (escalation ids
    /// are kebab-case, so they never hold a colon): it fires exactly once the same way, and goes with the stage entry.
    /// </summary>
    public const string TaskTimerPrefix = "task:";

    /// <summary>A complaint's service-level timer: the prefix, the level (<c>respond</c> or <c>resolve</c>) and the feedback id.</summary>
    public const string SlaTimerPrefix = "sla:";

    /// <summary>Whether entering a stage creates its <c>tasks:</c> (off for an engine replaying history recorded elsewhere).</summary>
    public bool CreatesStageTasks { get; init; } = true;

    /// <summary>Who fills the roles the process names; null without an organisation file (the deal's facts still name its owner and manager).</summary>
    public OrganisationDefinition? Organisation { get; init; }

    private readonly List<NewEvent> _events = [];
    private readonly List<TimerRecord> _newTimers = [];
    private readonly List<string> _cancelTimersOf = [];
    private bool _cancelAll;

    public InstanceRecord Instance => instance;

    public CompiledProcess Process => process;

    public string CommandId => commandId;

    public DateTimeOffset Now => now;

    public IReadOnlyList<NewEvent> Events => _events;

    public IReadOnlyList<TimerRecord> NewTimers => _newTimers;

    public IReadOnlyList<string> CancelTimersOf => _cancelTimersOf;

    public StageDefinition Stage => process.Definition.FindStage(instance.Stage)!;

    /// <summary>Appends an event; without an evaluation it gets the deal's evaluation at the end of the command.</summary>
    public void Event(DealEventPayload payload, DealEvaluation? evaluation) =>
        _events.Add(new NewEvent($"{instance.DealId}:{++instance.EventCount}", payload, now, evaluation));

    /// <summary>Appends an event whose data is its whole justification (no evaluation is stored with it).</summary>
    public void BareEvent(DealEventPayload payload) =>
        _events.Add(new NewEvent($"{instance.DealId}:{++instance.EventCount}", payload, now, null) { WithoutEvaluation = true });

    public DealEvaluation Evaluate() => EvaluateSnapshot(instance.ToSnapshot());

    /// <summary>Evaluates with plugins' cached enrichments applied; a failed look-up becomes an incident.</summary>
    private DealEvaluation EvaluateSnapshot(DealSnapshot snapshot)
    {
        var plugins = process.Definition.Plugins;
        if (enrichment is null || plugins.Count == 0 || !enrichment.AppliesTo(plugins))
        {
            return DealEvaluator.Evaluate(process, snapshot, now);
        }

        var (enriched, incidents) = enrichment.Apply(snapshot, plugins);
        var evaluation = DealEvaluator.Evaluate(process, enriched, now);
        return incidents.Count == 0 ? evaluation : evaluation with { Incidents = [.. evaluation.Incidents, .. incidents] };
    }

    /// <summary>The deal evaluated as if it were in another stage (for the gates of skipped stages).</summary>
    public DealEvaluation EvaluateAs(string stageId)
    {
        var snapshot = instance.ToSnapshot();
        return EvaluateSnapshot(new DealSnapshot
        {
            Opportunity = snapshot.Opportunity,
            Account = snapshot.Account,
            Owner = snapshot.Owner,
            Contacts = snapshot.Contacts,
            Activities = snapshot.Activities,
            ActivityTotals = snapshot.ActivityTotals,
            Approvals = snapshot.Approvals,
            Feedback = snapshot.Feedback,
            Stage = stageId,
            EnteredStageAt = now,
        });
    }

    /// <summary>
    /// Evaluates the deal and applies what changed since the last evaluation: risk events, and condition-triggered
    /// escalations starting (timers for their levels) or stopping (their timers cancelled).
    /// </summary>
    public void Reevaluate()
    {
        var previous = instance.LastEvaluation;
        var evaluation = Evaluate();
        foreach (var id in evaluation.ActiveEscalationConditions)
        {
            if (instance.ConditionsSince.ContainsKey(id))
            {
                continue;
            }

            instance.ConditionsSince[id] = now;
            var escalation = process.Definition.Escalations.First(e => e.Id == id);
            _cancelTimersOf.Remove(id);
            _newTimers.RemoveAll(t => t.EscalationId == id);
            ScheduleLevels(escalation, now);
        }

        foreach (var id in instance.ConditionsSince.Keys.Where(k => !evaluation.ActiveEscalationConditions.Contains(k)).ToList())
        {
            instance.ConditionsSince.Remove(id);
            instance.EscalationLevels.Remove(id);
            _newTimers.RemoveAll(t => t.EscalationId == id);
            if (!_cancelTimersOf.Contains(id))
            {
                _cancelTimersOf.Add(id);
            }
        }

        var before = previous.Risks.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var after = evaluation.Risks.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var risk in evaluation.Risks.Where(r => !before.Contains(r.Id)))
        {
            Event(new RiskRaised(risk.Id, risk.Category, risk.Severity.ToString().ToLowerInvariant(), risk.Weight), evaluation);
        }

        foreach (var risk in previous.Risks.Where(r => !after.Contains(r.Id)))
        {
            Event(new RiskCleared(risk.Id, risk.Category), evaluation);
        }

        instance.LastEvaluation = evaluation;
    }

    /// <summary>The deal enters <paramref name="stage"/>: the old stage's timers go, the new stage's are scheduled.</summary>
    public void EnterStage(StageDefinition stage, TransitionKind kind, bool isAuto, bool isOverride = false)
    {
        var from = instance.Stage;
        var starting = instance.EventCount == 1 && _events.Count == 1;
        var wasOpen = instance.Status == DealStatus.Open;
        _cancelAll = true;
        _newTimers.Clear();
        _cancelTimersOf.Clear();
        instance.Stage = stage.Id;
        instance.Opportunity.Stage = stage.Id;
        instance.EnteredStageAt = now;
        instance.StageEpoch++;
        instance.ChecklistDone.Clear();
        instance.Tasks.Clear();
        instance.ConditionsSince.Clear();
        instance.EscalationLevels.Clear();
        instance.Status = stage.Kind switch
        {
            StageKind.Won => DealStatus.Won,
            StageKind.Lost => DealStatus.Lost,
            _ => DealStatus.Open,
        };
        instance.ClosedAt = stage.IsOpen ? null : instance.ClosedAt ?? now;
        if (!starting)
        {
            Event(new StageChanged(from, stage.Id, kind.ToString().ToLowerInvariant(), isAuto, isOverride), null);
        }

        if (stage.Kind == StageKind.Won && wasOpen)
        {
            Event(new DealWon(stage.Id, from, instance.Opportunity.Amount, (now - instance.CreatedAt).TotalDays), null);
        }

        foreach (var task in CreatesStageTasks ? stage.Tasks : [])
        {
            AddTask(new DealTask
            {
                Id = task.Id,
                Stage = stage.Id,
                Title = task.Title.Values,
                AssigneeRole = task.Assignee,
                AssignedTo = PersonIn(task.Assignee),
                CreatedAt = now,
                DueAt = task.Due?.AddTo(now, process.Definition.Calendar),
            });
        }

        ScheduleTimeEscalations(stage);
        RescheduleComplaints();
        Reevaluate();
    }

    /// <summary>After a version migration: the deal keeps its stage and entry time; timers follow the new version.</summary>
    public void RescheduleStage(StageDefinition stage)
    {
        _cancelAll = true;
        _newTimers.Clear();
        foreach (var id in instance.ConditionsSince.Keys.ToList())
        {
            if (process.Definition.Escalations.FirstOrDefault(e => e.Id == id) is not { Condition: not null } escalation || !escalation.Stages.Contains(stage.Id))
            {
                instance.ConditionsSince.Remove(id);
                instance.EscalationLevels.Remove(id);
            }
            else
            {
                ScheduleLevels(escalation, instance.ConditionsSince[id]);
            }
        }

        ScheduleTimeEscalations(stage);
        foreach (var task in instance.Tasks.Where(t => !t.IsDone && t.OverdueAt is null && t.DueAt is not null))
        {
            ScheduleTaskTimer(task);
        }

        RescheduleComplaints();
    }

    /// <summary>Adds a task to the stage entry: its <c>task-created</c> event, and its overdue timer when it has a due moment.</summary>
    public void AddTask(DealTask task)
    {
        instance.Tasks.Add(task);
        Event(new TaskCreated(task.Id, task.Stage, task.Title, task.AssigneeRole, task.AssignedTo, task.DueAt, task.AdHoc), null);
        if (task.DueAt is not null)
        {
            ScheduleTaskTimer(task);
        }
    }

    /// <summary>Cancels the overdue timer of a task (it was completed before it came due).</summary>
    public void CancelTaskTimer(string taskId) => CancelTimer(TaskTimerPrefix + taskId);

    /// <summary>
    /// The service-level timers of one complaint after it was recorded: scheduled when it is new (counted from when it
    /// was recorded, on the process calendar), cancelled for each level it has met (answered; resolved).
    /// </summary>
    public void TrackComplaint(Feedback complaint, bool isNew)
    {
        foreach (var (level, duration, met) in SlaLevels(complaint))
        {
            var key = SlaKey(level, complaint.Id);
            if (met)
            {
                CancelTimer(key);
            }
            else if (isNew && duration is { } length)
            {
                ScheduleSlaTimer(complaint, key, length);
            }
        }
    }

    /// <summary>The levels of a complaint: each with its length in the policy (null: none) and whether it is met.</summary>
    public IEnumerable<(string Level, Definitions.Duration? Length, bool Met)> SlaLevels(Feedback complaint)
    {
        var policy = process.Definition.Feedback;
        var resolved = complaint.Resolved || complaint.ResolvedAt is not null;
        yield return ("respond", policy.Respond, !complaint.IsComplaint || resolved || complaint.RespondedAt is not null);
        yield return ("resolve", policy.Resolve, !complaint.IsComplaint || resolved);
    }

    public static string SlaKey(string level, string feedbackId) => $"{SlaTimerPrefix}{level}:{feedbackId}";

    /// <summary>After every timer of the deal was cancelled (a stage change, a migration): the open complaints' levels again.</summary>
    private void RescheduleComplaints()
    {
        foreach (var complaint in instance.Feedback.Where(f => f.IsComplaint))
        {
            foreach (var (level, duration, met) in SlaLevels(complaint))
            {
                if (!met && duration is { } length)
                {
                    ScheduleSlaTimer(complaint, SlaKey(level, complaint.Id), length);
                }
            }
        }
    }

    /// <summary>A level's timer, due its length after the complaint was recorded; none for a level already missed.</summary>
    private void ScheduleSlaTimer(Feedback complaint, string key, Definitions.Duration length)
    {
        if (!instance.SlaBreaches.Contains(key))
        {
            _newTimers.Add(new TimerRecord(instance.DealId, key, 0, length.AddTo(complaint.At ?? now, process.Definition.Calendar), instance.StageEpoch));
        }
    }

    private void CancelTimer(string key)
    {
        _newTimers.RemoveAll(t => t.EscalationId == key);
        if (!_cancelTimersOf.Contains(key))
        {
            _cancelTimersOf.Add(key);
        }
    }

    /// <summary>The one person a role stands for on this deal (<see cref="PeopleIn"/>), or null for nobody or several.</summary>
    public string? PersonIn(string role) => PeopleIn(role) is [var one] ? one : null;

    /// <summary>
    /// The people a role stands for on this deal: the owner and the owner's manager from the deal's facts, then the
    /// organisation file (the owner's manager there, the team's, a named role's people for the owner's team or the
    /// whole organisation). Empty when nobody fills it.
    /// </summary>
    public IReadOnlyList<string> PeopleIn(string role)
    {
        var owner = NonEmpty(instance.Owner.Id) ?? NonEmpty(instance.Opportunity.OwnerId);
        var manager = NonEmpty(instance.Owner.ManagerId);
        if (Organisation is { } organisation)
        {
            return organisation.Resolve(role, owner, NonEmpty(instance.Owner.Team), manager);
        }

        return role switch
        {
            "owner" when owner is not null => [owner],
            "manager" when manager is not null => [manager],
            _ => [],
        };
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private void ScheduleTaskTimer(DealTask task) =>
        _newTimers.Add(new TimerRecord(instance.DealId, TaskTimerPrefix + task.Id, 0, task.DueAt!.Value, instance.StageEpoch));

    /// <summary>With <c>autoAdvance</c>, moves on as long as the gate passes.</summary>
    public void AutoAdvance()
    {
        if (!process.Definition.Transitions.AutoAdvance)
        {
            return;
        }

        for (var i = 0; i < process.Definition.Stages.Count; i++)
        {
            if (instance.Status != DealStatus.Open || !instance.LastEvaluation.Gate.Passed || instance.LastEvaluation.Stage != instance.Stage)
            {
                return;
            }

            if (StageTransitions.NextStage(process.Definition, instance.Stage) is not { } next)
            {
                return;
            }

            EnterStage(next, TransitionKind.Forward, isAuto: true);
        }
    }

    public Decision Finish(Rejection? rejection = null, bool recordInLedger = true)
    {
        instance.UpdatedAt = now;
        // Events that name no evaluation are justified by the deal's evaluation at the end of the command; the store
        // keeps it once per command (on its last event) and readers share it with the command's other events.
        var last = _events.FindLastIndex(e => e.Evaluation is null && !e.WithoutEvaluation);
        var events = _events.Select((e, i) => i == last ? e with { Evaluation = instance.LastEvaluation } : e).ToList();
        return new Decision
        {
            State = instance,
            Events = events,
            CancelAllTimers = _cancelAll,
            CancelTimersOf = _cancelAll ? [] : [.. _cancelTimersOf],
            NewTimers = [.. _newTimers],
            RecordInLedger = recordInLedger,
            Result = new CommandResult
            {
                Status = rejection is null ? CommandStatus.Applied : CommandStatus.Rejected,
                CommandId = commandId,
                DealId = instance.DealId,
                Stage = instance.Stage,
                Evaluation = instance.LastEvaluation,
                Rejection = rejection,
            },
        };
    }

    private void ScheduleTimeEscalations(StageDefinition stage)
    {
        foreach (var escalation in process.Definition.Escalations.Where(e => e.TimeInStage is not null && e.Stages.Contains(stage.Id)))
        {
            ScheduleLevels(escalation, escalation.TimeInStage!.Value.AddTo(instance.EnteredStageAt, process.Definition.Calendar));
        }
    }

    private void ScheduleLevels(EscalationDefinition escalation, DateTimeOffset since)
    {
        foreach (var level in escalation.Levels)
        {
            if (instance.EscalationLevels.GetValueOrDefault(escalation.Id) < level.Number)
            {
                _newTimers.Add(new TimerRecord(instance.DealId, escalation.Id, level.Number, level.After.AddTo(since, process.Definition.Calendar), instance.StageEpoch));
            }
        }
    }
}
