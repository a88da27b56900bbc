using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Plugins;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Runtime;

/// <summary>
/// Decides what a command does to a deal (DESIGN.md §5): from (stored state, command, now) to a
/// <see cref="Decision"/> holding the new state, the events with the evaluation behind them, and the timer changes.
/// The store runs it inside the deal's transaction, so it always sees the latest state. Stage changes obey the
/// process's transition policy; advancing needs the gate (and every skipped gate) to pass; entering a stage
/// schedules its escalation timers and leaving it cancels them.
/// </summary>
internal sealed class CommandProcessor(ProcessRegistry registry, FactEnrichment? enrichment = null, bool trackStageTasks = true)
{
    /// <summary>
    /// Decides <paramref name="command"/> on <paramref name="instance"/>, which it changes in place (the store loads a
    /// fresh one for every attempt). The command's facts are copied first: deciding never touches the caller's
    /// objects, and deciding the same command again on the same state at the same time gives the same decision.
    /// </summary>
    public Decision Decide(DealCommand command, InstanceRecord? instance, DateTimeOffset now)
    {
        command = CommandFacts.Copy(command);
        if (command is StartTracking start)
        {
            return instance is null ? Start(start, now) : Reject(command, instance, "already-tracked", $"The deal '{command.DealId}' is already tracked (process {instance.ProcessId} v{instance.ProcessVersion}).");
        }

        if (instance is null)
        {
            return Reject(command, null, "unknown-deal", $"No deal '{command.DealId}' is tracked; start tracking it first.");
        }

        var process = registry.Find(instance.ProcessId, instance.ProcessVersion);
        if (process is null)
        {
            return Reject(command, instance, "unknown-version", $"The deal runs on {instance.ProcessId} v{instance.ProcessVersion}, which this engine does not have; load that version or migrate the deal.");
        }

        var change = new Change(instance, process, command.CommandId, now, enrichment) { CreatesStageTasks = trackStageTasks, Organisation = registry.Organisation };
        return command switch
        {
            UpsertFacts facts => Facts(change, facts),
            LogActivity log => Activity(change, log),
            RecordFeedback feedback => Feedback(change, feedback),
            CompleteChecklistItem item => Checklist(change, item),
            RequestAdvance advance => Advance(change, advance.ToStage, overrideBy: null),
            CloseWon won => Win(change, won),
            CloseLost lost => Lose(change, lost),
            OverrideGate gate => Advance(change, gate.ToStage, gate),
            Reopen reopen => Reopen(change, reopen),
            MigrateVersion migrate => Migrate(change, migrate),
            CreateTask task => StageTasks.Create(change, task),
            CompleteTask task => StageTasks.Complete(change, task),
            ReassignTask task => StageTasks.Reassign(change, task),
            _ => Reject(command, instance, "invalid-command", $"Unknown command type {command.GetType().Name}."),
        };
    }

    /// <summary>Fires escalation timers that came due; stale ones (the deal left the stage, the condition stopped) are dropped.</summary>
    public Decision? FireTimers(InstanceRecord instance, IReadOnlyList<TimerRecord> timers, DateTimeOffset now)
    {
        var process = registry.Find(instance.ProcessId, instance.ProcessVersion);
        if (process is null)
        {
            return null;
        }

        var change = new Change(instance, process, $"timer:{instance.DealId}:{timers[0].Id}", now, enrichment) { CreatesStageTasks = trackStageTasks, Organisation = registry.Organisation };
        var tasksCameDue = false;
        foreach (var timer in timers.OrderBy(t => t.DueAt).ThenBy(t => t.Level))
        {
            if (timer.EscalationId.StartsWith(Change.SlaTimerPrefix, StringComparison.Ordinal))
            {
                if (timer.StageEpoch == instance.StageEpoch)
                {
                    SlaMissed(change, timer);
                }

                continue;
            }

            if (timer.EscalationId.StartsWith(Change.TaskTimerPrefix, StringComparison.Ordinal))
            {
                tasksCameDue |= timer.StageEpoch == instance.StageEpoch && StageTasks.CameDue(change, timer.EscalationId[Change.TaskTimerPrefix.Length..], timer.DueAt);
                continue;
            }

            var escalation = process.Definition.Escalations.FirstOrDefault(e => e.Id == timer.EscalationId);
            if (escalation is null || timer.StageEpoch != instance.StageEpoch || timer.Level > escalation.Levels.Count ||
                (escalation.Condition is not null && !instance.ConditionsSince.ContainsKey(escalation.Id)))
            {
                continue;
            }

            // A timer of the current stage entry has not fired (firing deletes it in the same transaction), even when a
            // higher level already has: on a shared store a node that died holding this level's timer let the others
            // fire the next level first. Raised late, not dropped: its people are told, and the level reached stays the highest.
            var level = escalation.Levels[timer.Level - 1];
            var message = level.Message.IsEmpty ? escalation.Message : level.Message;
            instance.EscalationLevels[escalation.Id] = Math.Max(timer.Level, instance.EscalationLevels.GetValueOrDefault(escalation.Id));
            change.BareEvent(new EscalationRaised
            {
                Escalation = escalation.Id,
                Level = timer.Level,
                Levels = escalation.Levels.Count,
                Notify = level.Notify,
                Recipients = change.PeopleIn(level.Notify),
                Trigger = escalation.Condition is null ? "time-in-stage" : "condition",
                DueAt = timer.DueAt,
                StageEnteredAt = instance.EnteredStageAt,
                Message = message.Values,
            });
        }

        if (tasksCameDue && process.Definition.ConditionsReadTasks)
        {
            // An overdue task changes what conditions read (TaskOverdue): risks and condition escalations follow now,
            // not at the next sweep. A process whose conditions read no task is spared the evaluation.
            change.Reevaluate();
        }

        return change.Events.Count == 0 ? null : change.Finish(recordInLedger: false);
    }

    /// <summary>A complaint's service-level timer fired: unless the level was met meanwhile, the breach is recorded once and its people told.</summary>
    private static void SlaMissed(Change change, TimerRecord timer)
    {
        var rest = timer.EscalationId[Change.SlaTimerPrefix.Length..];
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return;
        }

        var (level, feedbackId) = (rest[..colon], rest[(colon + 1)..]);
        var instance = change.Instance;
        if (instance.Feedback.FirstOrDefault(f => f.Id == feedbackId) is not { } complaint
            || change.SlaLevels(complaint).Any(l => l.Level == level && l.Met)
            || !instance.SlaBreaches.Add(timer.EscalationId))
        {
            return;
        }

        var route = change.Process.Definition.Feedback.Route;
        change.BareEvent(new ComplaintSlaBreached(feedbackId, level, timer.DueAt, route, complaint.AssignedTo is { Length: > 0 } handler ? [handler] : change.PeopleIn(route), complaint.Category));
    }

    /// <summary>Re-evaluates an open deal at <paramref name="now"/>; null when nothing that matters changed.</summary>
    public Decision? Reevaluate(InstanceRecord instance, DateTimeOffset now)
    {
        var process = registry.Find(instance.ProcessId, instance.ProcessVersion);
        if (process is null)
        {
            return null;
        }

        var before = instance.LastEvaluation;
        var change = new Change(instance, process, $"sweep:{instance.DealId}:{now.ToUnixTimeMilliseconds()}", now, enrichment) { CreatesStageTasks = trackStageTasks, Organisation = registry.Organisation };
        change.Reevaluate();
        var after = instance.LastEvaluation;
        var same = change.Events.Count == 0 && change.CancelTimersOf.Count == 0 && change.NewTimers.Count == 0 &&
            before.Gate.Passed == after.Gate.Passed && before.Health == after.Health;
        return same ? null : change.Finish(recordInLedger: false);
    }

    private Decision Start(StartTracking command, DateTimeOffset now)
    {
        var version = command.Version ?? registry.LatestVersion(command.ProcessId);
        if (version is null)
        {
            return Reject(command, null, "unknown-process", $"No process '{command.ProcessId}' is loaded.");
        }

        var process = registry.Find(command.ProcessId, version.Value);
        if (process is null)
        {
            return Reject(command, null, "unknown-version", $"The process '{command.ProcessId}' has no version {version} (versions: {string.Join(", ", registry.VersionsOf(command.ProcessId))}).");
        }

        var stage = command.Stage is null ? process.Definition.InitialStage : process.Definition.FindStage(command.Stage);
        if (stage is null || !stage.IsOpen)
        {
            return Reject(command, null, "unknown-stage", $"'{command.Stage}' is not an open stage of {process.Id} v{process.Version}.");
        }

        if (CustomFieldCheck.Problem(process.Definition, command.Opportunity, command.Account, command.Contacts) is { } problem)
        {
            return Reject(command, null, "invalid-custom-field", problem);
        }

        var opportunity = command.Opportunity;
        opportunity.Id = command.DealId;
        opportunity.Stage = stage.Id;
        if (opportunity.CreatedAt == default)
        {
            opportunity.CreatedAt = now;
        }

        opportunity.UpdatedAt = now;
        var instance = new InstanceRecord
        {
            DealId = command.DealId,
            ProcessId = process.Id,
            ProcessVersion = process.Version,
            Stage = stage.Id,
            Status = DealStatus.Open,
            EnteredStageAt = now,
            Opportunity = opportunity,
            Account = command.Account ?? new Account { Id = opportunity.AccountId },
            Owner = command.Owner ?? new Owner { Id = opportunity.OwnerId },
            Contacts = [.. command.Contacts],
            ActivityTotals = new ActivityTotals(),
            LastEvaluation = Placeholder(process, stage.Id, now),
            CreatedAt = now,
            UpdatedAt = now,
        };
        var change = new Change(instance, process, command.CommandId, now, enrichment) { CreatesStageTasks = trackStageTasks, Organisation = registry.Organisation };
        change.Event(new TrackingStarted
        {
            Process = process.Id,
            Version = process.Version,
            Stage = stage.Id,
            Opportunity = StoredOpportunity.From(opportunity),
            Account = StoredAccount.From(instance.Account),
            Owner = StoredOwner.From(instance.Owner),
            Contacts = [.. instance.Contacts.Select(StoredContact.From)],
        }, null);
        change.EnterStage(stage, TransitionKind.Forward, isAuto: false);
        change.AutoAdvance();
        return change.Finish();
    }

    private static Decision Facts(Change change, UpsertFacts command)
    {
        var deal = change.Instance;
        if (CustomFieldCheck.Problem(change.Process.Definition, command.Opportunity, command.Account, command.Contacts) is { } problem)
        {
            return Reject(change, "invalid-custom-field", problem);
        }

        if (command.Opportunity is { } opportunity)
        {
            opportunity.Id = deal.DealId;
            opportunity.Stage = deal.Stage;
            opportunity.CreatedAt = deal.Opportunity.CreatedAt;
            opportunity.UpdatedAt = change.Now;
            deal.Opportunity = opportunity;
        }

        if (command.Account is { } account)
        {
            deal.Account = account;
        }

        if (command.Owner is { } owner)
        {
            deal.Owner = owner;
        }

        FactLists.Merge(deal.Contacts, command.Contacts);
        FactLists.Merge(deal.Approvals, command.Approvals);
        change.Event(new FactsUpdated
        {
            Opportunity = command.Opportunity is { } changed ? StoredOpportunity.From(changed) : null,
            Account = command.Account is { } account2 ? StoredAccount.From(account2) : null,
            Owner = command.Owner is { } owner2 ? StoredOwner.From(owner2) : null,
            Contacts = command.Contacts.Count > 0 ? [.. command.Contacts.Select(StoredContact.From)] : null,
            Approvals = command.Approvals.Count > 0 ? [.. command.Approvals.Select(StoredApproval.From)] : null,
        }, null);
        change.Reevaluate();
        change.AutoAdvance();
        return change.Finish();
    }

    private static Decision Activity(Change change, LogActivity command)
    {
        var activity = command.Activity;
        if (string.IsNullOrEmpty(activity.Id))
        {
            activity.Id = command.CommandId;
        }

        if (activity.At == default)
        {
            activity.At = change.Now;
        }

        change.Instance.RecordActivity(activity);
        change.Event(ActivityLogged.From(activity), null);
        change.Reevaluate();
        change.AutoAdvance();
        return change.Finish();
    }

    private static Decision Feedback(Change change, RecordFeedback command)
    {
        var feedback = command.Feedback;
        if (string.IsNullOrEmpty(feedback.Id))
        {
            feedback.Id = command.CommandId;
        }

        feedback.At ??= change.Now;
        var isNew = change.Instance.Feedback.All(f => f.Id != feedback.Id);
        FactLists.Merge(change.Instance.Feedback, [feedback]);
        change.Event(FeedbackRecorded.From(feedback), null);
        change.TrackComplaint(feedback, isNew);
        change.Reevaluate();
        return change.Finish();
    }

    private static Decision Checklist(Change change, CompleteChecklistItem command)
    {
        var stage = change.Stage;
        if (stage.Checklist.All(c => c.Id != command.ItemId))
        {
            return Reject(command, change.Instance, "unknown-checklist-item", $"The stage '{stage.Id}' has no checklist item '{command.ItemId}'.");
        }

        if (change.Instance.ChecklistDone.Add(command.ItemId))
        {
            change.Event(new ChecklistItemCompleted(command.ItemId, stage.Id), null);
        }

        change.Reevaluate();
        change.AutoAdvance();
        return change.Finish();
    }

    private static Decision Advance(Change change, string? toStage, OverrideGate? overrideBy)
    {
        var deal = change.Instance;
        var process = change.Process.Definition;
        if (deal.Status != DealStatus.Open)
        {
            return Reject(change, "deal-closed", $"The deal is {deal.Status.ToString().ToLowerInvariant()}; reopen it first.");
        }

        if (overrideBy is not null && (string.IsNullOrWhiteSpace(overrideBy.Reason) || string.IsNullOrWhiteSpace(overrideBy.Approver)))
        {
            return Reject(change, "invalid-command", "Overriding a gate needs a reason and an approver.");
        }

        var target = toStage is null ? StageTransitions.NextStage(process, deal.Stage) : process.FindStage(toStage);
        if (target is null)
        {
            return Reject(change, toStage is null ? "transition-not-allowed" : "unknown-stage",
                toStage is null ? $"The stage '{deal.Stage}' has no next stage." : $"The process has no stage '{toStage}'.");
        }

        var transition = StageTransitions.Find(process, deal.Stage, target.Id);
        if (transition is null || transition.Kind is TransitionKind.Lose or TransitionKind.Reopen)
        {
            return Reject(change, "transition-not-allowed", $"{process.Id} does not allow moving from '{deal.Stage}' to '{target.Id}'" +
                (target.Kind == StageKind.Lost ? "; use CloseLost." : "."));
        }

        if (transition.Kind is TransitionKind.Forward or TransitionKind.Skip)
        {
            // Every gate on the way applies: the current stage's and those of the stages skipped.
            var failing = new List<CriterionResult>();
            var missing = new List<string>();
            foreach (var stage in process.Stages.Where(s => s.Order >= change.Stage.Order && s.Order < target.Order && s.Kind != StageKind.Lost))
            {
                // A skipped stage's checklist is work done while in that stage, so only its exit criteria apply.
                var current = stage.Id == deal.Stage;
                var evaluation = current ? change.Evaluate() : change.EvaluateAs(stage.Id);
                failing.AddRange(evaluation.Gate.Criteria.Where(c => !c.Passed));
                if (current)
                {
                    missing.AddRange(evaluation.Gate.MissingChecklist);
                }
            }

            if ((failing.Count > 0 || missing.Count > 0) && overrideBy is null)
            {
                change.Reevaluate();
                change.Event(new AdvanceBlocked(
                    deal.Stage,
                    target.Id,
                    [.. failing.Select(f => new FailingCriterion(f.Id, f.FailingTerm, [.. f.ValuesRead.Select(v => new StoredValueRead(v.Expression, v.Value))], f.Incident))],
                    [.. missing]), deal.LastEvaluation);
                var message = failing.Count > 0
                    ? $"The gate of '{deal.Stage}' fails: {string.Join(", ", failing.Select(f => f.Id))}" + (missing.Count > 0 ? $"; checklist items not done: {string.Join(", ", missing)}" : string.Empty)
                    : $"Checklist items not done: {string.Join(", ", missing)}";
                return change.Finish(new Rejection("gate-failed", message) { FailingCriteria = failing, MissingChecklist = missing });
            }

            if (overrideBy is not null)
            {
                change.Event(new GateOverridden(deal.Stage, target.Id, overrideBy.Reason, overrideBy.Approver, [.. failing.Select(f => f.Id)], [.. missing]), change.Evaluate());
            }
        }

        change.EnterStage(target, transition.Kind, isAuto: false, overrideBy is not null);
        change.AutoAdvance();
        return change.Finish();
    }

    private static Decision Win(Change change, CloseWon command)
    {
        var won = change.Process.Definition.Stages.FirstOrDefault(s => s.Kind == StageKind.Won)!;
        if (change.Stage.Kind == StageKind.Won)
        {
            return Reject(command, change.Instance, "deal-closed", "The deal is already won.");
        }

        return Advance(change, won.Id, overrideBy: null);
    }

    private static Decision Lose(Change change, CloseLost command)
    {
        var deal = change.Instance;
        var process = change.Process.Definition;
        if (deal.Status != DealStatus.Open)
        {
            return Reject(command, deal, "deal-closed", $"The deal is already {deal.Status.ToString().ToLowerInvariant()}.");
        }

        var policy = process.Transitions;
        if (policy.RequireLossReason && string.IsNullOrWhiteSpace(command.Reason))
        {
            return Reject(command, deal, "loss-reason-required", $"{process.Id} requires a loss reason: {string.Join(", ", policy.LossReasons.Select(r => r.Id))}.");
        }

        if (command.Reason is { } reason && policy.LossReasons.Count > 0 && policy.LossReasons.All(r => r.Id != reason))
        {
            return Reject(command, deal, "unknown-loss-reason", $"'{reason}' is not a loss reason of {process.Id}: {string.Join(", ", policy.LossReasons.Select(r => r.Id))}.");
        }

        var lost = command.ToStage is null ? process.Stages.FirstOrDefault(s => s.Kind == StageKind.Lost) : process.FindStage(command.ToStage);
        if (lost is null || lost.Kind != StageKind.Lost || StageTransitions.Find(process, deal.Stage, lost.Id) is not { Kind: TransitionKind.Lose })
        {
            return Reject(command, deal, "transition-not-allowed", $"{process.Id} does not allow losing a deal from '{deal.Stage}'" + (lost is null ? "." : $" to '{lost.Id}'."));
        }

        deal.LostFromStage = deal.Stage;
        deal.LossReason = command.Reason;
        change.EnterStage(lost, TransitionKind.Lose, isAuto: false);
        change.Event(new DealLost(command.Reason, command.Note, deal.LostFromStage, deal.Opportunity.Amount, (change.Now - deal.CreatedAt).TotalDays), deal.LastEvaluation);
        return change.Finish();
    }

    private static Decision Reopen(Change change, Reopen command)
    {
        var deal = change.Instance;
        var process = change.Process.Definition;
        if (deal.Status != DealStatus.Lost)
        {
            return Reject(command, deal, "deal-not-lost", "Only a lost deal can be reopened.");
        }

        var back = deal.LostFromStage is { } from ? process.FindStage(from) : null;
        if (back is null || StageTransitions.Find(process, deal.Stage, back.Id) is not { Kind: TransitionKind.Reopen })
        {
            return Reject(command, deal, "transition-not-allowed", $"{process.Id} does not allow reopening lost deals" + (back is null ? " (the stage it was lost from is unknown)." : "."));
        }

        change.Event(new DealReopened(back.Id, command.Note, deal.LossReason), null);
        deal.LossReason = null;
        deal.LostFromStage = null;
        change.EnterStage(back, TransitionKind.Reopen, isAuto: false);
        return change.Finish();
    }

    private Decision Migrate(Change change, MigrateVersion command)
    {
        var deal = change.Instance;
        if (command.ToVersion == deal.ProcessVersion)
        {
            return Reject(command, deal, "invalid-command", $"The deal already runs on version {deal.ProcessVersion}.");
        }

        var target = registry.Find(deal.ProcessId, command.ToVersion);
        if (target is null)
        {
            return Reject(command, deal, "unknown-version", $"The process '{deal.ProcessId}' has no version {command.ToVersion} (versions: {string.Join(", ", registry.VersionsOf(deal.ProcessId))}).");
        }

        var stage = target.Definition.FindStage(deal.Stage);
        if (stage is null)
        {
            return Reject(command, deal, "unknown-stage", $"Version {command.ToVersion} has no stage '{deal.Stage}'; move the deal to a stage both versions have first.");
        }

        var from = deal.ProcessVersion;
        var migrated = new Change(deal, target, command.CommandId, change.Now, enrichment) { CreatesStageTasks = trackStageTasks, Organisation = registry.Organisation };
        deal.ProcessVersion = command.ToVersion;
        migrated.Event(new VersionMigrated(from, command.ToVersion, deal.Stage), null);
        migrated.RescheduleStage(stage);
        migrated.Reevaluate();
        return migrated.Finish();
    }

    private static DealEvaluation Placeholder(CompiledProcess process, string stage, DateTimeOffset now) => new()
    {
        ProcessId = process.Id,
        ProcessVersion = process.Version,
        ContentHash = process.ContentHash,
        Stage = stage,
        EvaluatedAt = now,
        Gate = new GateResult { Passed = true, Criteria = [], MissingChecklist = [] },
        Checklist = [],
        Risks = [],
        Health = 100,
        Escalations = [],
        ActiveEscalationConditions = [],
        Probability = 0,
        ProbabilityOverridden = false,
        Incidents = [],
    };

    internal static Decision Reject(Change change, string code, string message) =>
        Reject(change.CommandId, change.Instance.DealId, change.Instance, code, message);

    private static Decision Reject(DealCommand command, InstanceRecord? instance, string code, string message) =>
        Reject(command.CommandId, command.DealId, instance, code, message);

    private static Decision Reject(string commandId, string dealId, InstanceRecord? instance, string code, string message) => new()
    {
        Result = new CommandResult
        {
            Status = CommandStatus.Rejected,
            CommandId = commandId,
            DealId = dealId,
            Stage = instance?.Stage,
            Evaluation = instance?.LastEvaluation,
            Rejection = new Rejection(code, message),
        },
    };
}
