using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Analytics;

/// <summary>
/// Replays recorded history under two versions of a process: the facts of each deal as they were when it left each
/// stage are evaluated by both, its stays in each stage are timed against both sets of time-in-stage escalations, and
/// both sets of condition-triggered escalations are run over its facts as they changed. Pure; the history is rebuilt
/// from the event log alone.
/// </summary>
public static partial class Backtest
{
    /// <summary>Replays every deal of <paramref name="events"/> (the log in sequence order) under both processes.</summary>
    public static BacktestResult Run(IEnumerable<DealEvent> events, CompiledProcess from, CompiledProcess to) =>
        Run(events, from, to, BacktestGates.Criteria, BacktestCadence.Runtime);

    /// <summary>
    /// <see cref="Run(IEnumerable{DealEvent}, CompiledProcess, CompiledProcess)"/> with the sweep and timer cadence the
    /// history was recorded under (condition-triggered escalations depend on it), e.g. a simulation's nightly sweep.
    /// Deals are replayed in parallel; <paramref name="cancellationToken"/> stops the replay (a server's caller gone).
    /// </summary>
    public static BacktestResult Run(IEnumerable<DealEvent> events, CompiledProcess from, CompiledProcess to, BacktestCadence cadence, CancellationToken cancellationToken = default) =>
        Run(events, from, to, BacktestGates.Criteria, cadence, cancellationToken: cancellationToken);

    /// <summary>
    /// <see cref="Run(IEnumerable{DealEvent}, CompiledProcess, CompiledProcess)"/> with the way gates are decided chosen:
    /// the other two ways exist for the equivalence test and the benchmark's baselines.
    /// </summary>
    internal static BacktestResult Run(IEnumerable<DealEvent> events, CompiledProcess from, CompiledProcess to, BacktestGates gates, BacktestCadence? cadence = null, bool conditionEscalations = true, CancellationToken cancellationToken = default)
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
        var replays = log.GroupBy(e => e.DealId, StringComparer.Ordinal).AsParallel().AsOrdered().WithCancellation(cancellationToken)
            // Within a deal, sequence order is the order things happened (pages of the log may follow transaction-id order).
            .Select(history => ReplayDeal(history.OrderBy(e => e.Sequence), from, to, gates, cadence, end, conditionEscalations)).ToList();
        var blocked = replays.SelectMany(r => r.Blocked).ToList();
        var before = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var after = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var roles = new SortedDictionary<string, BeforeAfter<int>>(StringComparer.Ordinal);
        foreach (var replay in replays)
        {
            foreach (var (key, level, isAfter) in replay.Levels)
            {
                var counts = isAfter ? after : before;
                counts[key] = counts.GetValueOrDefault(key) + 1;
                var (b, a) = roles.GetValueOrDefault(level) ?? new BeforeAfter<int>(0, 0);
                roles[level] = isAfter ? new(b, a + 1) : new(b + 1, a);
            }
        }

        var wonBlocked = new BlockedWins(replays.Count(r => r.Blocked.Count > 0 && r.WonAmount is not null), replays.Where(r => r.Blocked.Count > 0).Sum(r => r.WonAmount ?? 0));
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
            WonDeals = new(won.Count, won.Count(r => r.Blocked.Count == 0)),
            WonRevenue = new(won.Sum(r => r.WonAmount!.Value), won.Where(r => r.Blocked.Count == 0).Sum(r => r.WonAmount!.Value)),
            LostDealsStoppedEarly = stoppedEarly.Count,
            LostDaysEarlierTotal = stoppedEarly.Sum(r => (r.LostAt!.Value - r.Blocked[0].At).TotalDays),
            EscalationsPer100Deals = new(before.Values.Sum() * levelsPer100, after.Values.Sum() * levelsPer100),
        };
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
            Kpis = kpis,
        };
    }

    /// <summary>What one deal's history gives under both versions.</summary>
    private sealed record DealReplayResult(int Moves, int Unreproduced, List<BlockedMove> Blocked, List<(string Key, string Role, bool IsAfter)> Levels, decimal? WonAmount)
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
                lostAt = e.Payload is DealLost ? e.At : null;
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

        return new DealReplayResult(moves, unreproduced, blocked, levels, wonAmount)
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
