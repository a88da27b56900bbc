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
    public required IReadOnlyDictionary<string, BeforeAfter<int>> NotificationsByRole { get; init; }

    /// <summary>Blocked deals that were won in the end, and their won revenue: what a stricter gate puts at risk.</summary>
    public required BlockedWins WonDealsBlocked { get; init; }

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
    public required BeforeAfter<int> WonDeals { get; init; }

    /// <summary>Their won revenue (the amount recorded with the win).</summary>
    public required BeforeAfter<decimal> WonRevenue { get; init; }

    /// <summary>Deals lost in the end that a new gate would have held on the way: stopped before the loss.</summary>
    public required int LostDealsStoppedEarly { get; init; }

    /// <summary>Days from the first move a new gate would have held to the recorded loss, summed over those deals.</summary>
    public required double LostDaysEarlierTotal { get; init; }

    /// <summary>The same per deal (mean); null when no lost deal would have been held.</summary>
    public double? LostDaysEarlierMean => LostDealsStoppedEarly == 0 ? null : LostDaysEarlierTotal / LostDealsStoppedEarly;

    /// <summary>Escalation levels reached (notifications sent) per 100 replayed deals.</summary>
    public required BeforeAfter<double> EscalationsPer100Deals { get; init; }
}

/// <summary>A figure under the current process and under the changed one.</summary>
/// <typeparam name="T">The figure's type.</typeparam>
/// <param name="Before">Under the process as it is.</param>
/// <param name="After">Under the changed process.</param>
public sealed record BeforeAfter<T>(T Before, T After)
    where T : struct;

/// <summary>Deals a new gate would have held that were won in the end, and their won revenue.</summary>
/// <param name="Deals">How many.</param>
/// <param name="Revenue">Their won revenue (the amounts recorded with the wins).</param>
public sealed record BlockedWins(int Deals, decimal Revenue);

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
