using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Expressions;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Analytics;

// The backtest's replay of condition-triggered escalations, apart from the replay of gates and stays in Backtest.cs.
public static partial class Backtest
{
    /// <summary>
    /// The condition-triggered escalations of one deal under one process, replayed as the runtime runs them
    /// (Change.Reevaluate, CommandProcessor.FireTimers): a condition's clock starts when an evaluation — after an event
    /// that changes the deal, or a sweep of the open deal — first finds it true, and stops (levels forgotten) when one
    /// finds it false or the deal enters a stage; level N fires at the first timer poll at or after the clock's start
    /// plus its <c>after</c>, once per clock. Sweeps are only looked at for conditions that can change with time alone
    /// (those reading the deal's clock or rule results), a day of sweeps at a time, bisecting a day where the answer
    /// changed: a condition that turns true and back within one day between two events is missed.
    /// </summary>
    private sealed class ConditionClocks(CompiledProcess process, BacktestCadence cadence, DealProjection replay, List<(string Key, string Role, bool IsAfter)> levels, bool isAfter, bool enabled)
    {
        private static readonly TimeSpan Day = TimeSpan.FromDays(1);
        private readonly EscalationConditionsProbe _probeConditions = new(process);
        private IReadOnlyList<(EscalationDefinition Escalation, int RuleIndex)> _conditions = [];
        private bool[] _holds = [];
        private bool[] _probe = [];
        private DateTimeOffset?[] _since = [];
        private int[] _fired = [];
        private bool _swept;
        private bool _rising;
        private DateTimeOffset _evaluatedAt;
        private DateTimeOffset _sweptUpTo;
        private DateTimeOffset _pollFrom;

        /// <summary>After <paramref name="e"/> was applied to the replay: a new stage resets every clock; a change of the deal is evaluated.</summary>
        public void After(DealEvent e)
        {
            if (!enabled)
            {
                return;
            }

            switch (e.Payload)
            {
                case TrackingStarted or StageChanged or DealReopened:
                    EnterStage();
                    break;
                case FactsUpdated or ActivityLogged or FeedbackRecorded or ChecklistItemCompleted or AdvanceBlocked or VersionMigrated:
                    break;
                default:
                    // Side effects of an evaluation (risks, escalations, tasks) or of a stage change already evaluated.
                    return;
            }

            if (_conditions.Count > 0)
            {
                Evaluate(e.At);
            }
        }

        /// <summary>Runs the sweeps and timer polls before <paramref name="until"/> (and at it, when <paramref name="inclusive"/>).</summary>
        public void RunUntil(DateTimeOffset until, bool inclusive)
        {
            if (_conditions.Count == 0)
            {
                return;
            }

            var last = inclusive ? until : until.AddTicks(-1);
            while (true)
            {
                var poll = NextPoll();
                var sweepUpTo = poll < last ? poll : last;
                if (FirstChangingSweep(sweepUpTo) is { } sweep)
                {
                    Evaluate(sweep);
                    continue;
                }

                if (poll > last)
                {
                    break;
                }

                Fire(poll);
                _pollFrom = poll.AddTicks(1);
            }

            var pollFrom = last.AddTicks(1);
            _pollFrom = pollFrom > _pollFrom ? pollFrom : _pollFrom;
        }

        private void EnterStage()
        {
            var stageRules = replay.Stage is { } stage ? process.Stage(stage) : null;
            _conditions = stageRules?.EscalationConditions ?? [];
            if (_holds.Length < _conditions.Count)
            {
                _holds = new bool[_conditions.Count];
                _probe = new bool[_conditions.Count];
                _since = new DateTimeOffset?[_conditions.Count];
                _fired = new int[_conditions.Count];
            }

            Array.Clear(_holds);
            Array.Clear(_since);
            Array.Clear(_fired);
            // The sweep re-evaluates open deals only; only conditions that time alone can change need it.
            _swept = stageRules is { Stage.IsOpen: true } && _conditions.Any(c => MayChangeWithTime(process.Condition(c.Escalation.Condition!)));
            _rising = _swept && _conditions.All(c => TimeMonotony.Rises(process.Condition(c.Escalation.Condition!)));
        }

        private static bool MayChangeWithTime(CheckedCondition condition) =>
            condition.RiskReferences.Count > 0 || condition.MetReferences.Count > 0 || condition.Declarations.Contains(FactDeclarations.Deal);

        private void Evaluate(DateTimeOffset at)
        {
            if (replay.Snapshot() is not { } snapshot)
            {
                return;
            }

            _probeConditions.Holding(snapshot, at, _holds);
            _evaluatedAt = at;
            for (var i = 0; i < _conditions.Count; i++)
            {
                if (_holds[i] && _since[i] is null)
                {
                    _since[i] = at;
                    _fired[i] = 0;
                }
                else if (!_holds[i] && _since[i] is not null)
                {
                    _since[i] = null;
                    _fired[i] = 0;
                }
            }
        }

        /// <summary>The next timer poll that fires a level; MaxValue when none is pending.</summary>
        private DateTimeOffset NextPoll()
        {
            var next = DateTimeOffset.MaxValue;
            for (var i = 0; i < _conditions.Count; i++)
            {
                var levelsOf = _conditions[i].Escalation.Levels;
                if (_since[i] is { } since && _fired[i] < levelsOf.Count)
                {
                    var due = levelsOf[_fired[i]].After.AddTo(since, process.Definition.Calendar);
                    var poll = cadence.NextPollAtOrAfter(due > _pollFrom ? due : _pollFrom);
                    next = poll < next ? poll : next;
                }
            }

            return next;
        }

        private void Fire(DateTimeOffset poll)
        {
            for (var i = 0; i < _conditions.Count; i++)
            {
                var escalation = _conditions[i].Escalation;
                while (_since[i] is { } since && _fired[i] < escalation.Levels.Count && escalation.Levels[_fired[i]].After.AddTo(since, process.Definition.Calendar) <= poll)
                {
                    var level = escalation.Levels[_fired[i]++];
                    levels.Add(($"{escalation.Id} L{level.Number} ({level.Notify})", level.Notify, isAfter));
                }
            }
        }

        /// <summary>The first sweep after the last evaluation, up to <paramref name="upTo"/>, whose answer differs from it; null when none.</summary>
        private DateTimeOffset? FirstChangingSweep(DateTimeOffset upTo)
        {
            if (!_swept)
            {
                return null;
            }

            // Sweeps up to _sweptUpTo are known to agree with the last evaluation (the facts have not changed since).
            var first = cadence.NextSweepAfter(_sweptUpTo > _evaluatedAt ? _sweptUpTo : _evaluatedAt);
            if (first > upTo)
            {
                return null;
            }

            var interval = cadence.SweepInterval.Ticks;
            var count = ((upTo - first).Ticks / interval) + 1;
            if (_rising)
            {
                // Every condition only turns true as time passes (or never changes between events): once a sweep's
                // answer differs from the last evaluation, every later one does, so the first that differs is found by
                // bisecting the whole stretch, with the same answer as stepping it a day at a time, in far fewer checks.
                if (!Changes(first.AddTicks((count - 1) * interval)))
                {
                    _sweptUpTo = upTo;
                    return null;
                }

                return first.AddTicks(FirstChange(agrees: -1, differs: count - 1) * interval);
            }

            var step = Math.Max(1, Day.Ticks / interval);
            // Sweep indexes: lo is known to agree with the last evaluation (-1: the evaluation itself).
            var lo = -1L;
            for (var hi = Math.Min(step - 1, count - 1); ; hi = Math.Min(hi + step, count - 1))
            {
                if (Changes(first.AddTicks(hi * interval)))
                {
                    return first.AddTicks(FirstChange(agrees: lo, differs: hi) * interval);
                }

                lo = hi;
                if (hi == count - 1)
                {
                    _sweptUpTo = upTo;
                    return null;
                }
            }

            // Bisects sweep indexes: the sweep at `agrees` gives the last evaluation's answer (-1: the evaluation
            // itself), the one at `differs` does not; returns the first index whose answer differs.
            long FirstChange(long agrees, long differs)
            {
                while (differs - agrees > 1)
                {
                    var mid = agrees + ((differs - agrees) / 2);
                    if (Changes(first.AddTicks(mid * interval)))
                    {
                        differs = mid;
                    }
                    else
                    {
                        agrees = mid;
                    }
                }

                return differs;
            }
        }

        private bool Changes(DateTimeOffset at)
        {
            if (replay.Snapshot() is not { } snapshot)
            {
                return false;
            }

            _probeConditions.Holding(snapshot, at, _probe);
            return !_probe.AsSpan(0, _conditions.Count).SequenceEqual(_holds.AsSpan(0, _conditions.Count));
        }
    }
}
