using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Expressions;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Analytics;

/// <summary>What a process change would have done to the recorded history (see docs/kpis.md, "Backtest").</summary>
public sealed record BacktestResult
{
    /// <summary>Deals replayed.</summary>
    public required int Deals { get; init; }

    /// <summary>Forward stage moves replayed (each one a gate the deal passed under the recorded process).</summary>
    public required int Moves { get; init; }

    /// <summary>
    /// Recorded moves (not gate overrides) that the recorded process itself refuses on the rebuilt facts: a check of
    /// the replay's fidelity, 0 when the history is complete. Such moves are not counted as blocked.
    /// </summary>
    public required int Unreproduced { get; init; }

    /// <summary>Moves the new gates would have blocked while the recorded gates let them through: the deal, the stage it was leaving, and the failing criteria.</summary>
    public required IReadOnlyList<BlockedMove> Blocked { get; init; }

    /// <summary>Blocked moves by stage and criterion ("stage/criterion" → moves), most first.</summary>
    public required IReadOnlyList<KeyValuePair<string, int>> BlockedByCriterion { get; init; }

    /// <summary>Escalation levels that would have fired, time-in-stage and condition-triggered, per level ("escalation-id L2 (role)" → count), under the old process (docs/kpis.md, "Backtest").</summary>
    public required IReadOnlyDictionary<string, int> EscalationsBefore { get; init; }

    /// <summary>The same under the new process.</summary>
    public required IReadOnlyDictionary<string, int> EscalationsAfter { get; init; }

    /// <summary>Notifications per role (owner, manager, director) before and after.</summary>
    public required IReadOnlyDictionary<string, (int Before, int After)> NotificationsByRole { get; init; }

    /// <summary>Blocked deals that were won in the end, and their won revenue: what a stricter gate puts at risk.</summary>
    public required (int Deals, decimal Revenue) WonDealsBlocked { get; init; }

    /// <summary>Blocked deals that were lost in the end: what a stricter gate might have caught early.</summary>
    public required int LostDealsBlocked { get; init; }

    /// <summary>What the change does to the pipeline's KPIs (docs/kpis.md, "KPI deltas").</summary>
    public required BacktestKpiDeltas Kpis { get; init; }

    /// <summary>Roles that would get at least twice as many notifications (and at least 10 more): the manager-flood warning.</summary>
    public IReadOnlyList<string> FloodWarnings => [.. NotificationsByRole.Where(r => r.Value.After >= 2 * Math.Max(1, r.Value.Before) && r.Value.After - r.Value.Before >= 10).Select(r => r.Key)];
}

/// <summary>
/// KPIs of the replayed history before and after the change, first-order: every recorded gate is judged on the facts
/// of its moment and nothing downstream is re-simulated (a deal held at a gate is not assumed to have been worked
/// differently afterwards). Exact rules in docs/kpis.md, "KPI deltas".
/// </summary>
public sealed record BacktestKpiDeltas
{
    /// <summary>Stage conversion per stage left forward at least once in the history, in the old process's stage order.</summary>
    public required IReadOnlyList<StageConversionDelta> Stages { get; init; }

    /// <summary>Deals won in the end, and those of them no new gate would have held.</summary>
    public required (int Before, int After) WonDeals { get; init; }

    /// <summary>Their won revenue (the amount recorded with the win).</summary>
    public required (decimal Before, decimal After) WonRevenue { get; init; }

    /// <summary>Deals lost in the end that a new gate would have held on the way: stopped before the loss.</summary>
    public required int LostDealsStoppedEarly { get; init; }

    /// <summary>Days from the first move a new gate would have held to the recorded loss, summed over those deals.</summary>
    public required double LostDaysEarlierTotal { get; init; }

    /// <summary>The same per deal (mean); null when no lost deal would have been held.</summary>
    public double? LostDaysEarlierMean => LostDealsStoppedEarly == 0 ? null : LostDaysEarlierTotal / LostDealsStoppedEarly;

    /// <summary>Escalation levels reached (notifications sent) per 100 replayed deals.</summary>
    public required (double Before, double After) EscalationsPer100Deals { get; init; }
}

/// <summary>Stage conversion of one stage before and after the change (deals, not moves).</summary>
/// <param name="Stage">The stage.</param>
/// <param name="Entered">Deals that stood in the stage at some point of the history.</param>
/// <param name="LeftBefore">Of those, deals recorded leaving it forward (forward, skip or win) at least once.</param>
/// <param name="LeftAfter">Deals with at least one such move the new gate lets through (overrides and unreproduced moves count as let through).</param>
/// <param name="MovesBlocked">Forward moves out of the stage the new gate would have held.</param>
public sealed record StageConversionDelta(string Stage, int Entered, int LeftBefore, int LeftAfter, int MovesBlocked)
{
    /// <summary>LeftBefore ÷ Entered; null when no deal entered.</summary>
    public double? ConversionBefore => Entered == 0 ? null : (double)LeftBefore / Entered;

    /// <summary>LeftAfter ÷ Entered; null when no deal entered.</summary>
    public double? ConversionAfter => Entered == 0 ? null : (double)LeftAfter / Entered;
}

/// <summary>
/// When the runtime looked at deals between their events, for replaying condition-triggered escalations: the sweep
/// re-evaluates open deals at <c>UnixEpoch + SweepOffset + k × SweepInterval</c> (it notices conditions that time alone
/// makes true, such as <c>DaysSince(LastContactAt) &gt; 10</c>), and due escalation timers fire at
/// <c>UnixEpoch + o + k × TimerPollInterval</c> for each offset <c>o</c> of <see cref="TimerPollOffsets"/>. At one
/// moment the deal's events come first, then the sweep, then the timers.
/// </summary>
public sealed record BacktestCadence
{
    /// <summary>The runtime's defaults (SalesWorkflowOptions): a sweep every 15 minutes, timers polled every second.</summary>
    public static BacktestCadence Runtime { get; } = new();

    /// <summary>Time between sweeps; 15 minutes by default. Must be positive.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Where the sweeps fall within their interval, from midnight UTC; zero by default.</summary>
    public TimeSpan SweepOffset { get; init; }

    /// <summary>Time between timer polls; 1 second by default. Must be positive.</summary>
    public TimeSpan TimerPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where the polls fall within their interval, from midnight UTC (one poll per offset); [0] by default.</summary>
    public IReadOnlyList<TimeSpan> TimerPollOffsets { get; init; } = [TimeSpan.Zero];

    /// <summary>The first sweep strictly after <paramref name="moment"/>.</summary>
    internal DateTimeOffset NextSweepAfter(DateTimeOffset moment) => Next(moment.AddTicks(1), SweepInterval, SweepOffset);

    /// <summary>The first timer poll at or after <paramref name="moment"/>.</summary>
    internal DateTimeOffset NextPollAtOrAfter(DateTimeOffset moment)
    {
        var next = DateTimeOffset.MaxValue;
        var offsets = TimerPollOffsets;
        for (var i = 0; i < offsets.Count; i++)
        {
            var candidate = Next(moment, TimerPollInterval, offsets[i]);
            next = candidate < next ? candidate : next;
        }

        return next;
    }

    private static DateTimeOffset Next(DateTimeOffset moment, TimeSpan interval, TimeSpan offset)
    {
        var origin = DateTimeOffset.UnixEpoch + offset;
        var ticks = (moment - origin).Ticks;
        var step = interval.Ticks;
        var k = ticks >= 0 ? (ticks + step - 1) / step : -(-ticks / step);
        return origin.AddTicks(k * step);
    }
}

/// <summary>A move the new gate would have refused.</summary>
/// <param name="DealId">The deal.</param>
/// <param name="Stage">The stage it was leaving.</param>
/// <param name="At">When it moved on.</param>
/// <param name="FailingCriteria">Criteria of the new process that fail on the facts of that moment.</param>
public sealed record BlockedMove(string DealId, string Stage, DateTimeOffset At, IReadOnlyList<string> FailingCriteria);

/// <summary>
/// Replays recorded history under two versions of a process: the facts of each deal as they were when it left each
/// stage are evaluated by both, its stays in each stage are timed against both sets of time-in-stage escalations, and
/// both sets of condition-triggered escalations are run over its facts as they changed. Pure; the history is rebuilt
/// from the event log alone.
/// </summary>
public static class Backtest
{
    /// <summary>Replays every deal of <paramref name="events"/> (the log in sequence order) under both processes.</summary>
    public static BacktestResult Run(IEnumerable<DealEvent> events, CompiledProcess from, CompiledProcess to) =>
        Run(events, from, to, BacktestGates.Criteria, BacktestCadence.Runtime);

    /// <summary>
    /// <see cref="Run(IEnumerable{DealEvent}, CompiledProcess, CompiledProcess)"/> with the sweep and timer cadence the
    /// history was recorded under (condition-triggered escalations depend on it), e.g. a simulation's nightly sweep.
    /// </summary>
    public static BacktestResult Run(IEnumerable<DealEvent> events, CompiledProcess from, CompiledProcess to, BacktestCadence cadence) =>
        Run(events, from, to, BacktestGates.Criteria, cadence);

    /// <summary>
    /// <see cref="Run(IEnumerable{DealEvent}, CompiledProcess, CompiledProcess)"/> with the way gates are decided chosen:
    /// the other two ways exist for the equivalence test and the benchmark's baselines.
    /// </summary>
    internal static BacktestResult Run(IEnumerable<DealEvent> events, CompiledProcess from, CompiledProcess to, BacktestGates gates, BacktestCadence? cadence = null, bool conditionEscalations = true)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        cadence ??= BacktestCadence.Runtime;
        if (cadence.SweepInterval <= TimeSpan.Zero || cadence.TimerPollInterval <= TimeSpan.Zero || cadence.TimerPollOffsets.Count == 0)
        {
            throw new ArgumentException("A backtest cadence needs positive sweep and timer poll intervals and at least one timer poll offset.", nameof(cadence));
        }

        var log = events as IReadOnlyCollection<DealEvent> ?? [.. events];
        // The history ends with its last recorded event: open deals' clocks run until then, not until today.
        var end = log.Count == 0 ? default : log.Max(e => e.At);
        // Deals are independent: replayed in parallel (compiled processes are immutable and thread-safe), then summed.
        var replays = log.GroupBy(e => e.DealId, StringComparer.Ordinal).AsParallel().AsOrdered()
            // Within a deal, sequence order is the order things happened (pages of the log may follow commit order).
            .Select(history => ReplayDeal(history.OrderBy(e => e.Sequence), from, to, gates, cadence, end, conditionEscalations)).ToList();
        var blocked = replays.SelectMany(r => r.Blocked).ToList();
        var before = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var after = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var roles = new SortedDictionary<string, (int Before, int After)>(StringComparer.Ordinal);
        foreach (var replay in replays)
        {
            foreach (var (key, level, isAfter) in replay.Levels)
            {
                var counts = isAfter ? after : before;
                counts[key] = counts.GetValueOrDefault(key) + 1;
                var (b, a) = roles.GetValueOrDefault(level);
                roles[level] = isAfter ? (b, a + 1) : (b + 1, a);
            }
        }

        var wonBlocked = (Deals: replays.Count(r => r.Blocked.Count > 0 && r.WonAmount is not null), Revenue: replays.Where(r => r.Blocked.Count > 0).Sum(r => r.WonAmount ?? 0));
        var stages = new Dictionary<string, (int Entered, int LeftBefore, int LeftAfter, int Blocked)>(StringComparer.Ordinal);
        foreach (var replay in replays)
        {
            foreach (var stage in replay.Entered)
            {
                var c = stages.GetValueOrDefault(stage);
                stages[stage] = c with { Entered = c.Entered + 1 };
            }

            foreach (var stage in replay.LeftBefore)
            {
                var c = stages.GetValueOrDefault(stage);
                stages[stage] = c with { LeftBefore = c.LeftBefore + 1, LeftAfter = c.LeftAfter + (replay.LeftAfter.Contains(stage) ? 1 : 0) };
            }

            foreach (var move in replay.Blocked)
            {
                var c = stages.GetValueOrDefault(move.Stage);
                stages[move.Stage] = c with { Blocked = c.Blocked + 1 };
            }
        }

        var won = replays.Where(r => r.WonAmount is not null).ToList();
        var stoppedEarly = replays.Where(r => r.LostAt is not null && r.Blocked.Count > 0).ToList();
        var levelsPer100 = replays.Count == 0 ? 0 : 100.0 / replays.Count;
        var kpis = new BacktestKpiDeltas
        {
            Stages = [.. stages.Where(s => s.Value.LeftBefore > 0)
                .OrderBy(s => from.Definition.FindStage(s.Key)?.Order ?? int.MaxValue).ThenBy(s => s.Key, StringComparer.Ordinal)
                .Select(s => new StageConversionDelta(s.Key, s.Value.Entered, s.Value.LeftBefore, s.Value.LeftAfter, s.Value.Blocked))],
            WonDeals = (won.Count, won.Count(r => r.Blocked.Count == 0)),
            WonRevenue = (won.Sum(r => r.WonAmount!.Value), won.Where(r => r.Blocked.Count == 0).Sum(r => r.WonAmount!.Value)),
            LostDealsStoppedEarly = stoppedEarly.Count,
            LostDaysEarlierTotal = stoppedEarly.Sum(r => (r.LostAt!.Value - r.Blocked[0].At).TotalDays),
            EscalationsPer100Deals = (before.Values.Sum() * levelsPer100, after.Values.Sum() * levelsPer100),
        };
        var lostBlocked = replays.Count(r => r.Blocked.Count > 0 && r.Lost);
        var moves = replays.Sum(r => r.Moves);
        var deals = replays.Count;
        var unreproduced = replays.Sum(r => r.Unreproduced);
        return new BacktestResult
        {
            Deals = deals,
            Moves = moves,
            Unreproduced = unreproduced,
            Blocked = blocked,
            BlockedByCriterion = [.. blocked.SelectMany(b => b.FailingCriteria.Select(c => $"{b.Stage}/{c}")).GroupBy(k => k, StringComparer.Ordinal)
                .Select(g => new KeyValuePair<string, int>(g.Key, g.Count())).OrderByDescending(k => k.Value).ThenBy(k => k.Key, StringComparer.Ordinal)],
            EscalationsBefore = before,
            EscalationsAfter = after,
            NotificationsByRole = roles,
            WonDealsBlocked = wonBlocked,
            LostDealsBlocked = lostBlocked,
            Kpis = kpis,
        };
    }

    /// <summary>What one deal's history gives under both versions.</summary>
    private sealed record DealReplayResult(int Moves, int Unreproduced, List<BlockedMove> Blocked, List<(string Key, string Role, bool IsAfter)> Levels, decimal? WonAmount, bool Lost)
    {
        /// <summary>Stages the deal stood in.</summary>
        public required HashSet<string> Entered { get; init; }

        /// <summary>Stages it was recorded leaving forward.</summary>
        public required HashSet<string> LeftBefore { get; init; }

        /// <summary>Stages it left forward at least once through a move the new gate lets through.</summary>
        public required HashSet<string> LeftAfter { get; init; }

        /// <summary>When it was lost, when that is its final outcome.</summary>
        public DateTimeOffset? LostAt { get; init; }
    }

    private static DealReplayResult ReplayDeal(IEnumerable<DealEvent> history, CompiledProcess from, CompiledProcess to, BacktestGates gates, BacktestCadence cadence, DateTimeOffset end, bool conditionEscalations)
    {
        var replay = new DealProjection();
        var blocked = new List<BlockedMove>();
        var levels = new List<(string, string, bool)>();
        var conditionsBefore = new ConditionClocks(from, cadence, replay, levels, isAfter: false, conditionEscalations);
        var conditionsAfter = new ConditionClocks(to, cadence, replay, levels, isAfter: true, conditionEscalations);
        decimal? wonAmount = null;
        var lost = false;
        var moves = 0;
        var unreproduced = 0;
        var entered = new HashSet<string>(StringComparer.Ordinal);
        var leftBefore = new HashSet<string>(StringComparer.Ordinal);
        var leftAfter = new HashSet<string>(StringComparer.Ordinal);
        DateTimeOffset? lostAt = null;
        foreach (var e in history)
        {
            // What the sweep and the timers did between the previous event and this one, on the facts of that time.
            conditionsBefore.RunUntil(e.At, inclusive: false);
            conditionsAfter.RunUntil(e.At, inclusive: false);
            if (e.Payload is StageChanged { Kind: "forward" or "skip" or "win" } move && replay.Stage is { } leaving)
            {
                moves++;
                leftBefore.Add(leaving);
                var blockedBefore = blocked.Count;
                var snapshot = replay.Snapshot();
                if (to.Stage(leaving) is not null && snapshot is not null && !move.Overridden && gates != BacktestGates.None)
                {
                    // Newly blocked: the recorded gate passes on these facts and the new one does not.
                    var recorded = from.Stage(leaving) is null || FailingCriteria(from, snapshot, e.At, gates).Count == 0;
                    if (!recorded)
                    {
                        unreproduced++;
                    }
                    else if (FailingCriteria(to, snapshot, e.At, gates) is { Count: > 0 } failing)
                    {
                        blocked.Add(new BlockedMove(e.DealId, leaving, e.At, failing));
                    }
                }

                if (blocked.Count == blockedBefore)
                {
                    leftAfter.Add(leaving);
                }
            }

            if (e.Payload is StageChanged or DealWon or DealLost)
            {
                Escalations(replay, e.At, from, levels, isAfter: false);
                Escalations(replay, e.At, to, levels, isAfter: true);
            }

            if (e.Payload is DealWon won)
            {
                wonAmount = won.Amount;
            }

            if (e.Payload is DealLost or DealReopened)
            {
                // The last outcome stands: a reopened deal is neither won nor lost until it closes again.
                lost = e.Payload is DealLost;
                lostAt = lost ? e.At : null;
                wonAmount = null;
            }

            replay.Apply(e);
            if (replay.Stage is { } stage)
            {
                entered.Add(stage);
            }

            conditionsBefore.After(e);
            conditionsAfter.After(e);
        }

        conditionsBefore.RunUntil(end, inclusive: true);
        conditionsAfter.RunUntil(end, inclusive: true);

        return new DealReplayResult(moves, unreproduced, blocked, levels, wonAmount, lost)
        {
            Entered = entered,
            LeftBefore = leftBefore,
            LeftAfter = leftAfter,
            LostAt = lostAt,
        };
    }

    /// <summary>Only the gate is needed, so by default only the exit criteria are decided (DealEvaluator.FailingCriteria), not the whole evaluation.</summary>
    private static IReadOnlyList<string> FailingCriteria(CompiledProcess process, DealSnapshot snapshot, DateTimeOffset at, BacktestGates gates) =>
        gates == BacktestGates.FullEvaluation
            ? [.. DealEvaluator.Evaluate(process, snapshot, at).Gate.FailingCriteria]
            : DealEvaluator.FailingCriteria(process, snapshot, at);

    /// <summary>Counts the time-based escalation levels the stay in the current stage, ending at <paramref name="left"/>, would have reached.</summary>
    private static void Escalations(DealProjection replay, DateTimeOffset left, CompiledProcess process, List<(string Key, string Role, bool IsAfter)> levels, bool isAfter)
    {
        if (replay.Stage is not { } stage || replay.EnteredStageAt is not { } entered)
        {
            return;
        }

        var calendar = process.Definition.Calendar;
        foreach (var escalation in process.Definition.Escalations.Where(x => x.TimeInStage is not null && x.Stages.Contains(stage)))
        {
            var since = escalation.TimeInStage!.Value.AddTo(entered, calendar);
            foreach (var level in escalation.Levels.Where(l => l.After.AddTo(since, calendar) <= left))
            {
                levels.Add(($"{escalation.Id} L{level.Number} ({level.Notify})", level.Notify, isAfter));
            }
        }
    }

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

/// <summary>
/// Which conditions can only turn from false to true as time passes, the facts staying the same: every term either
/// reads neither the deal's clock nor rule results (constant between events), or is <c>DaysSince(x) &gt; n</c> /
/// <c>HoursSince(x) &gt;= n</c> with <c>x</c> and <c>n</c> read from the facts alone. Anything else counts as not
/// monotonic (the sweeps are then stepped a day at a time).
/// </summary>
internal static class TimeMonotony
{
    private static readonly ConditionalWeakTable<CheckedCondition, object> Known = [];

    public static bool Rises(CheckedCondition condition) =>
        (bool)Known.GetValue(condition, static c => c.RiskReferences.Count == 0 && c.MetReferences.Count == 0 && c.Terms.All(t => RisingOrConstant(t.FactsLambda)));

    private static bool RisingOrConstant(Expression<Func<DealFacts, bool>> term) =>
        Constant(term.Body) || Rising(term.Body);

    /// <summary>A comparison that only turns true as the clock advances.</summary>
    private static bool Rising(Expression body)
    {
        body = Unwrap(body);
        return body is BinaryExpression { NodeType: ExpressionType.GreaterThan or ExpressionType.GreaterThanOrEqual, Method: null } binary
            && Constant(binary.Right) && Increasing(binary.Left);
    }

    /// <summary>A value that never decreases as the clock advances.</summary>
    private static bool Increasing(Expression value) =>
        Unwrap(value) is MethodCallExpression { Object: null, Arguments.Count: 2 } call
        && call.Method.DeclaringType == typeof(ConditionFunctions)
        && call.Method.Name is nameof(ConditionFunctions.DaysSince) or nameof(ConditionFunctions.HoursSince)
        && call.Arguments[0] is MemberExpression { Member.Name: nameof(DealFacts.Deal), Expression: ParameterExpression { Type: var type } } && type == typeof(DealFacts)
        && Constant(call.Arguments[1]);

    private static Expression Unwrap(Expression e)
    {
        while (e is UnaryExpression { NodeType: ExpressionType.Convert, Method: null } convert && IsNumericOrNullable(convert.Type) && IsNumericOrNullable(convert.Operand.Type))
        {
            e = convert.Operand;
        }

        return e;
    }

    private static bool IsNumericOrNullable(Type type) =>
        (Nullable.GetUnderlyingType(type) ?? type) is var t && (t == typeof(double) || t == typeof(int) || t == typeof(long) || t == typeof(decimal) || t == typeof(float));

    /// <summary>Reads neither the deal's clock nor rule results: the same answer at every moment between two events.</summary>
    private static bool Constant(Expression e)
    {
        var visitor = new ClockReader();
        visitor.Visit(e);
        return !visitor.Found;
    }

    private sealed class ClockReader : ExpressionVisitor
    {
        public bool Found { get; private set; }

        protected override Expression VisitMember(MemberExpression node)
        {
            if (node.Expression is ParameterExpression { Type: var type } && type == typeof(DealFacts))
            {
                Found |= node.Member.Name is nameof(DealFacts.Deal) or nameof(DealFacts.Risks) or nameof(DealFacts.CriteriaMet);
                return node;
            }

            return base.VisitMember(node);
        }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            // The facts passed whole (not one of their members) could be read for anything.
            Found |= node.Type == typeof(DealFacts);
            return node;
        }
    }
}

/// <summary>How a backtest decides the gates.</summary>
internal enum BacktestGates
{
    /// <summary>Exit criteria only, through their compiled delegates (what <see cref="Backtest.Run(IEnumerable{DealEvent}, CompiledProcess, CompiledProcess)"/> does).</summary>
    Criteria,

    /// <summary>A whole <see cref="DealEvaluator.Evaluate"/> (NRules session, risks, explanations) per gate: the reference, and the previous implementation.</summary>
    FullEvaluation,

    /// <summary>No gate at all: only the facts are rebuilt (the benchmark's floor).</summary>
    None,
}
