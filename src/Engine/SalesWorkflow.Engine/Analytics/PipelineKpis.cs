using System.Globalization;
using SalesWorkflow.Engine.Definitions;

namespace SalesWorkflow.Engine.Analytics;

/// <summary>A reporting period: a year (<c>2017</c>), a quarter (<c>2017-Q3</c>) or a month (<c>2017-07</c>), in local dates.</summary>
/// <param name="Label">How it was written.</param>
/// <param name="From">First day.</param>
/// <param name="Until">The day after the last day.</param>
public sealed record ReportPeriod(string Label, DateOnly From, DateOnly Until)
{
    /// <summary>Parses <c>yyyy</c>, <c>yyyy-Qn</c> or <c>yyyy-MM</c>.</summary>
    public static bool TryParse(string text, out ReportPeriod period)
    {
        period = null!;
        text = (text ?? string.Empty).Trim();
        if (text.Length == 4 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year is > 1900 and < 3000)
        {
            period = new ReportPeriod(text, new DateOnly(year, 1, 1), new DateOnly(year + 1, 1, 1));
            return true;
        }

        if (text.Length == 7 && int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out year) && year is > 1900 and < 3000 && text[4] == '-')
        {
            if (text[5] is 'Q' or 'q' && text[6] is >= '1' and <= '4')
            {
                var first = new DateOnly(year, ((text[6] - '1') * 3) + 1, 1);
                period = new ReportPeriod($"{year}-Q{text[6]}", first, first.AddMonths(3));
                return true;
            }

            if (int.TryParse(text.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var month) && month is >= 1 and <= 12)
            {
                var first = new DateOnly(year, month, 1);
                period = new ReportPeriod(text, first, first.AddMonths(1));
                return true;
            }
        }

        return false;
    }

    /// <summary>The period of the same length just before this one (for "changes against the previous period").</summary>
    public ReportPeriod Previous()
    {
        var months = ((Until.Year - From.Year) * 12) + Until.Month - From.Month;
        var from = From.AddMonths(-months);
        var label = months switch
        {
            12 => from.Year.ToString(CultureInfo.InvariantCulture),
            3 => $"{from.Year}-Q{((from.Month - 1) / 3) + 1}",
            _ => from.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        };
        return new ReportPeriod(label, from, From);
    }

    /// <summary>True when the moment's local date (in <paramref name="timeZone"/>) falls in the period.</summary>
    public bool Contains(DateTimeOffset at, TimeZoneInfo timeZone)
    {
        var day = LocalDay(at, timeZone);
        return day >= From && day < Until;
    }

    internal static DateOnly LocalDay(DateTimeOffset at, TimeZoneInfo timeZone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, timeZone).DateTime);

    /// <summary>The moment a local day starts in <paramref name="timeZone"/>.</summary>
    internal static DateTimeOffset StartOf(DateOnly day, TimeZoneInfo timeZone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, timeZone.GetUtcOffset(local));
    }
}

/// <summary>Which deals a KPI counts: all, one team's, or one rep's (as recorded when the deal started).</summary>
/// <param name="Team">The owner's team, or null for all.</param>
/// <param name="Rep">The owner's id, or null for all.</param>
public sealed record KpiFilter(string? Team = null, string? Rep = null);

/// <summary>
/// What to compute: the period, the scope, the moment the figures are taken "as of", and the process whose stages,
/// probabilities, escalation thresholds and targets the process-aware KPIs use.
/// </summary>
/// <param name="Period">The period.</param>
public sealed record KpiQuery(ReportPeriod Period)
{
    /// <summary>Which deals count (default: all).</summary>
    public KpiFilter Filter { get; init; } = new();

    /// <summary>Only events at or before this moment are known (default: the whole log). A report "as of" a past date.</summary>
    public DateTimeOffset? AsOf { get; init; }

    /// <summary>
    /// The process: only its deals count, and it gives the stage order (funnel), probabilities (weighted pipeline,
    /// calibration), time-in-stage escalations (stall thresholds) and targets. Without it those KPIs are empty.
    /// </summary>
    public ProcessDefinition? Process { get; init; }

    /// <summary>The time zone local dates are taken in (default: the process calendar's, else UTC).</summary>
    public TimeZoneInfo? TimeZone { get; init; }
}

/// <summary>The review figures of one period; docs/kpis.md defines each exactly.</summary>
public sealed record PipelineKpis
{
    /// <summary>The period.</summary>
    public required ReportPeriod Period { get; init; }

    /// <summary>The moment the figures are taken as of (null: the whole log).</summary>
    public DateTimeOffset? AsOf { get; init; }

    /// <summary>Deals whose last outcome in the period is a win.</summary>
    public required int Won { get; init; }

    /// <summary>Deals whose last outcome in the period is a loss.</summary>
    public required int Lost { get; init; }

    /// <summary>Won ÷ (won + lost); null when nothing closed.</summary>
    public double? WinRate => Won + Lost == 0 ? null : (double)Won / (Won + Lost);

    /// <summary>Sum of the won deals' amounts.</summary>
    public required decimal WonRevenue { get; init; }

    /// <summary>Mean calendar days from start to win, over the deals won in the period; null when none.</summary>
    public required double? CycleDaysMean { get; init; }

    /// <summary>Median calendar days from start to win; null when none.</summary>
    public required double? CycleDaysMedian { get; init; }

    /// <summary>Deals started in the period.</summary>
    public required int Started { get; init; }

    /// <summary>Deals open at the end of the period.</summary>
    public required int OpenAtEnd { get; init; }

    /// <summary>Sum of the amounts of the deals open at the end of the period.</summary>
    public required decimal PipelineAtEnd { get; init; }

    /// <summary>Σ amount × the declared probability of the deal's stage, over the deals open at the end; null without a process.</summary>
    public decimal? WeightedPipelineAtEnd { get; init; }

    /// <summary>Pipeline velocity, revenue per day: open deals × win rate × mean won amount ÷ mean cycle days; null when a factor is missing.</summary>
    public decimal? VelocityPerDay { get; init; }

    /// <summary>Deals that entered each stage in the period (stage id → deals).</summary>
    public required IReadOnlyDictionary<string, int> StageEntries { get; init; }

    /// <summary>Loss reasons of the deals lost in the period (reason → deals).</summary>
    public required IReadOnlyDictionary<string, int> LossReasons { get; init; }

    /// <summary>Won revenue per month of the period (yyyy-MM → amount), every month present.</summary>
    public required IReadOnlyList<KeyValuePair<string, decimal>> WonRevenueByMonth { get; init; }

    /// <summary>Targets against actuals: the whole scope first, then each team, then each rep (empty without targets for the period).</summary>
    public IReadOnlyList<TargetLine> Targets { get; init; } = [];

    /// <summary>The cohort funnel of the deals started in the period, in stage order (empty without a process).</summary>
    public IReadOnlyList<FunnelStep> Funnel { get; init; } = [];

    /// <summary>Time spent in each open stage, against the process's own escalation thresholds (empty without a process).</summary>
    public IReadOnlyList<StageTime> TimeInStage { get; init; } = [];

    /// <summary>Refused moves in the period by "stage/criterion" (or "stage/checklist:item"), most first.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> BlockingCriteria { get; init; } = [];

    /// <summary>Risks raised in the period, by category.</summary>
    public IReadOnlyDictionary<string, int> RisksRaised { get; init; } = new Dictionary<string, int>();

    /// <summary>Risks still open at the end of the period, by category.</summary>
    public IReadOnlyDictionary<string, int> RisksOpenAtEnd { get; init; } = new Dictionary<string, int>();

    /// <summary>Escalation notifications in the period by level and role ("L1 owner" → count).</summary>
    public IReadOnlyDictionary<string, int> EscalationsByLevel { get; init; } = new Dictionary<string, int>();

    /// <summary>Escalation notifications in the period by escalation id.</summary>
    public IReadOnlyDictionary<string, int> EscalationsById { get; init; } = new Dictionary<string, int>();

    /// <summary>Tasks due in the period: done on time, done late, not done (docs/kpis.md).</summary>
    public TaskKpis Tasks { get; init; } = TaskKpis.None;

    /// <summary><see cref="Tasks"/> per stage, in process order.</summary>
    public IReadOnlyList<TaskLine> TasksByStage { get; init; } = [];

    /// <summary><see cref="Tasks"/> per person (or role, where no person was named), most tasks first.</summary>
    public IReadOnlyList<TaskLine> TasksByAssignee { get; init; } = [];

    /// <summary>Customer satisfaction and complaints recorded in the period.</summary>
    public SatisfactionKpis Satisfaction { get; init; } = new(0, null, null, 0, 0);

    /// <summary>The complaints recorded in the period against the process's service levels (docs/kpis.md).</summary>
    public ComplaintKpis Complaints { get; init; } = ComplaintKpis.None;

    /// <summary><see cref="Complaints"/> per team (of the deal's owner at its start).</summary>
    public IReadOnlyList<ComplaintLine> ComplaintsByTeam { get; init; } = [];

    /// <summary><see cref="Complaints"/> per rep (the deal's owner at its start).</summary>
    public IReadOnlyList<ComplaintLine> ComplaintsByRep { get; init; } = [];

    /// <summary>Each open stage's declared probability against the observed win rate of the deals that closed in the period (empty without a process).</summary>
    public IReadOnlyList<StageCalibration> Calibration { get; init; } = [];

    /// <summary>The same figures per rep, best won revenue first.</summary>
    public required IReadOnlyList<RepKpis> Reps { get; init; }
}

/// <summary>One rep's figures in the period.</summary>
/// <param name="Rep">The owner id.</param>
/// <param name="Team">The owner's team.</param>
/// <param name="Won">Deals won.</param>
/// <param name="Lost">Deals lost.</param>
/// <param name="WonRevenue">Won revenue.</param>
/// <param name="CycleDaysMedian">Median days to win, or null.</param>
public sealed record RepKpis(string Rep, string Team, int Won, int Lost, decimal WonRevenue, double? CycleDaysMedian)
{
    /// <summary>Won ÷ (won + lost); null when nothing closed.</summary>
    public double? WinRate => Won + Lost == 0 ? null : (double)Won / (Won + Lost);

    /// <summary>Deals open at the end of the period.</summary>
    public int OpenAtEnd { get; init; }

    /// <summary>Their amounts.</summary>
    public decimal PipelineAtEnd { get; init; }

    /// <summary>The rep's target for the period, when the process declares one.</summary>
    public decimal? Target { get; init; }

    /// <summary>Won revenue ÷ target; null without a target.</summary>
    public double? Attainment => Target is { } t && t > 0 ? (double)(WonRevenue / t) : null;

    /// <summary>Escalation notifications raised on the rep's deals in the period.</summary>
    public int Escalations { get; init; }
}

/// <summary>A target against its actuals.</summary>
/// <param name="Level">"total", "team" or "rep".</param>
/// <param name="Id">The team or rep id ("" for the total).</param>
/// <param name="Name">Display name.</param>
/// <param name="Target">The period's target (the yearly plan broken down: the quarter's or month's part, or a pro-rata share when none is declared).</param>
/// <param name="Won">Won revenue in the period.</param>
/// <param name="PipelineAtStart">Amounts of the deals open when the period began.</param>
/// <param name="Prorated">True when the period's part is not declared and was prorated by days.</param>
public sealed record TargetLine(string Level, string Id, string Name, decimal Target, decimal Won, decimal PipelineAtStart, bool Prorated)
{
    /// <summary>Won ÷ target.</summary>
    public double? Attainment => Target > 0 ? (double)(Won / Target) : null;

    /// <summary>Pipeline at the period's start ÷ target (the "3× coverage" rule of thumb).</summary>
    public double? Coverage => Target > 0 ? (double)(PipelineAtStart / Target) : null;
}

/// <summary>One step of the cohort funnel.</summary>
/// <param name="Stage">The stage (open stages in order, then the first won stage).</param>
/// <param name="Reached">Cohort deals that reached this stage or a later one (skips count as reached).</param>
/// <param name="ConversionToNext">Reached the next step ÷ reached this one; null for the last step or when none reached.</param>
public sealed record FunnelStep(string Stage, int Reached, double? ConversionToNext);

/// <summary>Time in one open stage, in calendar days, over the deals whose stay ended in the period or was still going at its end.</summary>
/// <param name="Stage">The stage.</param>
/// <param name="Deals">Deals counted.</param>
/// <param name="LatestP50">Median of each deal's latest stay.</param>
/// <param name="LatestP90">90th percentile (nearest rank) of the latest stays.</param>
/// <param name="CumulativeP50">Median of each deal's total time in the stage (all its stays).</param>
/// <param name="CumulativeP90">90th percentile of the totals.</param>
/// <param name="Threshold">When the stage's first time-in-stage escalation notifies, as written (e.g. "14d"); null when none applies.</param>
/// <param name="OverThreshold">Latest stays that reached that threshold.</param>
public sealed record StageTime(string Stage, int Deals, double? LatestP50, double? LatestP90, double? CumulativeP50, double? CumulativeP90, string? Threshold, int OverThreshold);

/// <summary>A stage's declared probability against what happened to the deals that went through it.</summary>
/// <param name="Stage">The open stage.</param>
/// <param name="Declared">The probability the process declares.</param>
/// <param name="Closed">Deals closed in the period that had been in the stage.</param>
/// <param name="Won">Of those, won.</param>
public sealed record StageCalibration(string Stage, double Declared, int Closed, int Won)
{
    /// <summary>Won ÷ closed; null when none closed.</summary>
    public double? Observed => Closed == 0 ? null : (double)Won / Closed;
}

/// <summary>Customer feedback recorded in the period.</summary>
/// <param name="Scored">Feedback with a 1–5 satisfaction score.</param>
/// <param name="Mean">Mean score; null when none.</param>
/// <param name="SatisfiedShare">Share of scores of 4 or 5; null when none.</param>
/// <param name="Complaints">Complaints recorded (distinct feedback ids).</param>
/// <param name="ComplaintsOpenAtEnd">Complaints (recorded at any time) not resolved at the period's end.</param>
public sealed record SatisfactionKpis(int Scored, double? Mean, double? SatisfiedShare, int Complaints, int ComplaintsOpenAtEnd);

/// <summary>
/// Tasks whose due moment fell in the period: completed by it, completed after it, or open at it (and not completed
/// since, up to the as-of moment). A task ended by its deal leaving the stage before its due moment is not counted.
/// </summary>
/// <param name="Due">Tasks due in the period.</param>
/// <param name="DoneOnTime">Completed by their due moment.</param>
/// <param name="DoneLate">Completed after it.</param>
/// <param name="NotDone">Not completed (still open, or ended with the stage after coming due).</param>
public sealed record TaskKpis(int Due, int DoneOnTime, int DoneLate, int NotDone)
{
    /// <summary>No task due.</summary>
    public static TaskKpis None { get; } = new(0, 0, 0, 0);

    /// <summary>Done on time ÷ due; null when nothing was due.</summary>
    public double? OnTimeShare => Due == 0 ? null : (double)DoneOnTime / Due;
}

/// <summary>Task figures of one stage or one person.</summary>
/// <param name="Key">The stage id, or the person (or role) the tasks were for.</param>
/// <param name="Tasks">The figures.</param>
public sealed record TaskLine(string Key, TaskKpis Tasks);

/// <summary>
/// Complaints recorded in the period, and how they fared against the process's <c>feedback.sla</c>: the levels they
/// missed (a <c>complaint-sla-breached</c> known by the period's end or the as-of moment) and the time to resolve them.
/// </summary>
/// <param name="Recorded">Complaints recorded in the period (distinct feedback ids).</param>
/// <param name="RespondMissed">Of them, those that missed the response level.</param>
/// <param name="ResolveMissed">Those that missed the resolution level.</param>
/// <param name="Resolved">Those resolved by the end of the log (or the as-of moment).</param>
/// <param name="ResolveHoursMedian">Median hours from recording to the first record that resolved it, over the resolved ones.</param>
public sealed record ComplaintKpis(int Recorded, int RespondMissed, int ResolveMissed, int Resolved, double? ResolveHoursMedian)
{
    /// <summary>No complaint.</summary>
    public static ComplaintKpis None { get; } = new(0, 0, 0, 0, null);

    /// <summary>Share answered within the response level (not breached); null without one in the process, or without complaints.</summary>
    public double? RespondedWithinSla { get; init; }

    /// <summary>Share resolved within the resolution level (not breached); null without one in the process, or without complaints.</summary>
    public double? ResolvedWithinSla { get; init; }
}

/// <summary>Complaint figures of one team or rep.</summary>
/// <param name="Key">The team or rep id.</param>
/// <param name="Complaints">The figures.</param>
public sealed record ComplaintLine(string Key, ComplaintKpis Complaints);
