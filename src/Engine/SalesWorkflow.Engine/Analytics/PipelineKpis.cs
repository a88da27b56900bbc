using System.Globalization;
using System.Text.Json;
using SalesWorkflow.Engine.Runtime;

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
}

/// <summary>Which deals a KPI counts: all, one team's, or one rep's (as recorded when the deal started).</summary>
/// <param name="Team">The owner's team, or null for all.</param>
/// <param name="Rep">The owner's id, or null for all.</param>
public sealed record KpiFilter(string? Team = null, string? Rep = null);

/// <summary>The review figures of one period; docs/kpis.md defines each exactly.</summary>
public sealed record PipelineKpis
{
    /// <summary>The period.</summary>
    public required ReportPeriod Period { get; init; }

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

    /// <summary>Deals that entered each stage in the period (stage id → deals).</summary>
    public required IReadOnlyDictionary<string, int> StageEntries { get; init; }

    /// <summary>Loss reasons of the deals lost in the period (reason → deals).</summary>
    public required IReadOnlyDictionary<string, int> LossReasons { get; init; }

    /// <summary>Won revenue per month of the period (yyyy-MM → amount), every month present.</summary>
    public required IReadOnlyList<KeyValuePair<string, decimal>> WonRevenueByMonth { get; init; }

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
}

/// <summary>Computes <see cref="PipelineKpis"/> from the event log (the only source of every figure). Pure.</summary>
public static class KpiCalculator
{
    /// <summary>The KPIs of <paramref name="period"/> from the whole log (events in sequence order).</summary>
    public static PipelineKpis Compute(IEnumerable<DealEvent> events, ReportPeriod period, TimeZoneInfo timeZone, KpiFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(period);
        ArgumentNullException.ThrowIfNull(timeZone);
        filter ??= new KpiFilter();
        var deals = new Dictionary<string, DealHistory>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (!deals.TryGetValue(e.DealId, out var deal))
            {
                deal = new DealHistory();
                deals[e.DealId] = deal;
            }

            deal.Events.Add(e);
        }

        var won = new List<(DealHistory Deal, decimal Amount, int Days)>();
        var lost = new List<(DealHistory Deal, string Reason)>();
        var stageEntries = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var started = 0;
        var openAtEnd = 0;
        var pipeline = 0m;
        foreach (var deal in deals.Values)
        {
            deal.Read();
            if (deal.StartedAt is not { } startedAt || (filter.Team is not null && deal.Team != filter.Team) || (filter.Rep is not null && deal.Rep != filter.Rep))
            {
                continue;
            }

            started += period.Contains(startedAt, timeZone) ? 1 : 0;
            DealEvent? outcome = null;
            string? status = null;
            var amount = 0m;
            foreach (var e in deal.Events)
            {
                var day = ReportPeriod.LocalDay(e.At, timeZone);
                if (day >= period.Until)
                {
                    break;
                }

                amount = AmountOf(e) ?? amount;
                if (e.Type is DealEventTypes.DealWon or DealEventTypes.DealLost or DealEventTypes.DealReopened)
                {
                    status = e.Type;
                    outcome = day >= period.From && e.Type != DealEventTypes.DealReopened ? e : outcome;
                }

                if (e.Type == DealEventTypes.StageChanged && day >= period.From && Text(e.Data, "to") is { } to)
                {
                    stageEntries[to] = stageEntries.GetValueOrDefault(to) + 1;
                }
            }

            if ((status is null or DealEventTypes.DealReopened) && ReportPeriod.LocalDay(startedAt, timeZone) < period.Until)
            {
                openAtEnd++;
                pipeline += amount;
            }

            // A deal counts once: by its last outcome in the period (a reopened and re-won deal is one win).
            if (outcome is not null && status == outcome.Type)
            {
                if (outcome.Type == DealEventTypes.DealWon)
                {
                    var days = ReportPeriod.LocalDay(outcome.At, timeZone).DayNumber - ReportPeriod.LocalDay(startedAt, timeZone).DayNumber;
                    won.Add((deal, Number(outcome.Data, "amount") ?? amount, days));
                }
                else
                {
                    lost.Add((deal, Text(outcome.Data, "reason") ?? "(none)"));
                }
            }
        }

        var months = new List<KeyValuePair<string, decimal>>();
        for (var month = period.From; month < period.Until; month = month.AddMonths(1))
        {
            var key = month.ToString("yyyy-MM", CultureInfo.InvariantCulture);
            months.Add(new(key, won.Where(w => w.Deal.WonMonth(timeZone) == key).Sum(w => w.Amount)));
        }

        var wonByRep = won.ToLookup(w => w.Deal.Rep, StringComparer.Ordinal);
        var lostByRep = lost.ToLookup(l => l.Deal.Rep, StringComparer.Ordinal);
        var reps = won.Select(w => (w.Deal.Rep, w.Deal.Team)).Concat(lost.Select(l => (l.Deal.Rep, l.Deal.Team))).Distinct()
            .Select(r => new RepKpis(
                r.Rep,
                r.Team,
                wonByRep[r.Rep].Count(),
                lostByRep[r.Rep].Count(),
                wonByRep[r.Rep].Sum(w => w.Amount),
                Median([.. wonByRep[r.Rep].Select(w => (double)w.Days)])))
            .OrderByDescending(r => r.WonRevenue).ThenBy(r => r.Rep, StringComparer.Ordinal)
            .ToList();
        return new PipelineKpis
        {
            Period = period,
            Won = won.Count,
            Lost = lost.Count,
            WonRevenue = won.Sum(w => w.Amount),
            CycleDaysMean = won.Count == 0 ? null : won.Average(w => (double)w.Days),
            CycleDaysMedian = Median([.. won.Select(w => (double)w.Days)]),
            Started = started,
            OpenAtEnd = openAtEnd,
            PipelineAtEnd = pipeline,
            StageEntries = stageEntries,
            LossReasons = lost.GroupBy(l => l.Reason, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            WonRevenueByMonth = months,
            Reps = reps,
        };
    }

    private static double? Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    /// <summary>The deal's amount as this event sets it (start, facts update), or null.</summary>
    private static decimal? AmountOf(DealEvent e) =>
        e.Type is DealEventTypes.TrackingStarted or DealEventTypes.FactsUpdated && e.Data.ValueKind == JsonValueKind.Object &&
        e.Data.TryGetProperty("opportunity", out var opportunity) ? Number(opportunity, "amount") : null;

    private static string? Text(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static decimal? Number(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDecimal() : null;

    private sealed class DealHistory
    {
        public List<DealEvent> Events { get; } = [];

        public DateTimeOffset? StartedAt { get; private set; }

        public string Rep { get; private set; } = string.Empty;

        public string Team { get; private set; } = string.Empty;

        private DateTimeOffset? _wonAt;

        public void Read()
        {
            var start = Events.Find(e => e.Type == DealEventTypes.TrackingStarted);
            StartedAt = start?.At;
            if (start is not null && start.Data.ValueKind == JsonValueKind.Object && start.Data.TryGetProperty("owner", out var owner))
            {
                Rep = Text(owner, "id") ?? string.Empty;
                Team = Text(owner, "team") ?? string.Empty;
            }

            _wonAt = Events.LastOrDefault(e => e.Type == DealEventTypes.DealWon)?.At;
        }

        public string? WonMonth(TimeZoneInfo timeZone) => _wonAt is { } at ? ReportPeriod.LocalDay(at, timeZone).ToString("yyyy-MM", CultureInfo.InvariantCulture) : null;
    }
}
