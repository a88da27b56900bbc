using System.Text.Json;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Tests.Analytics;

/// <summary>
/// KPIs against a brute-force recomputation on generated histories: deals started, won, lost, reopened and re-won
/// at random moments over two years, in a time zone far from UTC so that local dates matter.
/// </summary>
public sealed class KpiCalculatorTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private sealed record Generated(string DealId, string Team, string Rep, DateTimeOffset Start, decimal Amount, List<(DateTimeOffset At, string Type, decimal Amount, string? Reason)> Outcomes);

    private static (List<DealEvent> Events, List<Generated> Deals) History(int seed, int deals)
    {
        var random = new Random(seed);
        var origin = new DateTimeOffset(2016, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var events = new List<DealEvent>();
        var generated = new List<Generated>();
        long sequence = 0;
        for (var d = 0; d < deals; d++)
        {
            var id = $"D{d}";
            var start = origin.AddMinutes(random.Next(0, 700 * 24 * 60));
            var team = random.Next(3) switch { 0 => "east", 1 => "south", _ => "north" };
            var rep = $"{team}-rep{random.Next(4)}";
            var amount = random.Next(1, 500) * 1000m;
            var deal = new Generated(id, team, rep, start, amount, []);
            var timeline = new List<(DateTimeOffset At, string Type, object Data)>
            {
                (start, DealEventTypes.TrackingStarted, new { opportunity = new { amount }, owner = new { id = rep, team } }),
            };
            var at = start;
            var steps = random.Next(0, 4);
            for (var s = 0; s < steps; s++)
            {
                at = at.AddHours(random.Next(1, 24 * 120));
                var won = random.Next(2) == 0;
                var last = deal.Outcomes.Count > 0 ? deal.Outcomes[^1].Type : null;
                if (last is DealEventTypes.DealWon or DealEventTypes.DealLost)
                {
                    timeline.Add((at, DealEventTypes.DealReopened, new { to = "proposal" }));
                    deal.Outcomes.Add((at, DealEventTypes.DealReopened, 0, null));
                    at = at.AddHours(random.Next(1, 24 * 30));
                }

                var value = won ? amount + (random.Next(-5, 5) * 100m) : amount;
                var reason = won ? null : random.Next(2) == 0 ? "price" : "timing";
                timeline.Add((at, DealEventTypes.StageChanged, new { from = "proposal", to = won ? "won" : "lost" }));
                timeline.Add((at, won ? DealEventTypes.DealWon : DealEventTypes.DealLost, won ? new { amount = value } : new { reason, amount = value }));
                deal.Outcomes.Add((at, won ? DealEventTypes.DealWon : DealEventTypes.DealLost, value, reason));
            }

            foreach (var (when, type, data) in timeline)
            {
                events.Add(new DealEvent
                {
                    Sequence = ++sequence,
                    EventId = $"{id}:{sequence}",
                    DealId = id,
                    Type = type,
                    At = when,
                    CommandId = "c",
                    ProcessId = "p",
                    ProcessVersion = 1,
                    Stage = "s",
                    Data = JsonSerializer.SerializeToElement(data),
                });
            }

            generated.Add(deal);
        }

        // The log is in commit order, which interleaves deals.
        return ([.. events.OrderBy(e => e.At).ThenBy(e => e.Sequence)], generated);
    }

    private static DateOnly Local(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, Shanghai).DateTime);

    [Theory]
    [InlineData(1, "2016")]
    [InlineData(2, "2016-Q3")]
    [InlineData(3, "2017-02")]
    [InlineData(4, "2017-Q4")]
    [InlineData(5, "2017")]
    public void Compute_EqualsABruteForceRecount(int seed, string periodText)
    {
        var (events, deals) = History(seed, 600);
        Assert.True(ReportPeriod.TryParse(periodText, out var period));
        foreach (var filter in new[] { new KpiFilter(), new KpiFilter(Team: "east"), new KpiFilter(Rep: "south-rep1") })
        {
            var kpis = KpiCalculator.Compute(events, period, Shanghai, filter);

            var scoped = deals.Where(d => (filter.Team is null || d.Team == filter.Team) && (filter.Rep is null || d.Rep == filter.Rep)).ToList();
            var won = new List<(Generated Deal, decimal Amount, int Days)>();
            var lost = new List<string?>();
            var open = 0;
            var pipeline = 0m;
            foreach (var deal in scoped)
            {
                // The outcome that stands at the period's end, if it happened in the period.
                var before = deal.Outcomes.Where(o => Local(o.At) < period.Until).ToList();
                var standing = before.Count == 0 ? default : before[^1];
                if (Local(deal.Start) < period.Until && (before.Count == 0 || standing.Type == DealEventTypes.DealReopened))
                {
                    open++;
                    pipeline += deal.Amount;
                }

                if (before.Count > 0 && standing.Type != DealEventTypes.DealReopened && Local(standing.At) >= period.From)
                {
                    if (standing.Type == DealEventTypes.DealWon)
                    {
                        won.Add((deal, standing.Amount, Local(standing.At).DayNumber - Local(deal.Start).DayNumber));
                    }
                    else
                    {
                        lost.Add(standing.Reason);
                    }
                }
            }

            Assert.Equal(won.Count, kpis.Won);
            Assert.Equal(lost.Count, kpis.Lost);
            Assert.Equal(won.Sum(w => w.Amount), kpis.WonRevenue);
            Assert.Equal(won.Count == 0 ? null : won.Average(w => (double)w.Days), kpis.CycleDaysMean);
            var days = won.Select(w => (double)w.Days).Order().ToList();
            Assert.Equal(days.Count == 0 ? null : days.Count % 2 == 1 ? days[days.Count / 2] : (days[(days.Count / 2) - 1] + days[days.Count / 2]) / 2, kpis.CycleDaysMedian);
            Assert.Equal(scoped.Count(d => Local(d.Start) >= period.From && Local(d.Start) < period.Until), kpis.Started);
            Assert.Equal(open, kpis.OpenAtEnd);
            Assert.Equal(pipeline, kpis.PipelineAtEnd);
            Assert.Equal(lost.GroupBy(r => r ?? "(none)").ToDictionary(g => g.Key, g => g.Count()), kpis.LossReasons);
            Assert.Equal(won.Count + lost.Count == 0 ? null : (double)won.Count / (won.Count + lost.Count), kpis.WinRate);
            Assert.Equal(won.Sum(w => w.Amount), kpis.Reps.Sum(r => r.WonRevenue));
        }
    }

    [Theory]
    [InlineData("2017", "2017-01-01", "2018-01-01", "2016")]
    [InlineData("2017-Q1", "2017-01-01", "2017-04-01", "2016-Q4")]
    [InlineData("2017-q4", "2017-10-01", "2018-01-01", "2017-Q3")]
    [InlineData("2017-03", "2017-03-01", "2017-04-01", "2017-02")]
    public void ReportPeriod_ParsesYearsQuartersAndMonths(string text, string from, string until, string previous)
    {
        Assert.True(ReportPeriod.TryParse(text, out var period));
        Assert.Equal((DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(until, System.Globalization.CultureInfo.InvariantCulture)), (period.From, period.Until));
        Assert.Equal(previous, period.Previous().Label);
    }

    [Theory]
    [InlineData("2017-Q5")]
    [InlineData("2017-13")]
    [InlineData("17")]
    [InlineData("")]
    [InlineData("2017-1")]
    public void ReportPeriod_RejectsAnythingElse(string text) => Assert.False(ReportPeriod.TryParse(text, out _));
}
