using System.Text.Json;
using BenchmarkDotNet.Attributes;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Benchmarks.Analytics;

/// <summary>
/// The review report's KPIs over the history of 100,000 deals (about 370,000 events: start, stage moves,
/// outcomes), against a baseline that only walks the same events once and counts outcomes. Target: under 5 s.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 7)]
public class ReportBenchmarks
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private List<DealEvent> _events = [];
    private ReportPeriod _quarter = null!;

    [Params(100_000)]
    public int Deals { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        var origin = new DateTimeOffset(2025, 1, 1, 1, 0, 0, TimeSpan.Zero);
        string[] stages = ["first-contact", "needs-analysis", "proposal", "negotiation"];
        long sequence = 0;
        DealEvent Event(string deal, string type, DateTimeOffset at, object data) => new()
        {
            Sequence = ++sequence,
            EventId = $"{deal}:{sequence}",
            DealId = deal,
            Type = type,
            At = at,
            CommandId = "c",
            ProcessId = "standard-b2b",
            ProcessVersion = 1,
            Stage = "s",
            Data = JsonSerializer.SerializeToElement(data),
        };
        for (var d = 0; d < Deals; d++)
        {
            var id = $"D-{d:000000}";
            var at = origin.AddMinutes(random.Next(0, 600 * 24 * 60));
            var team = (d % 3) switch { 0 => "east", 1 => "south", _ => "north" };
            var amount = random.Next(10, 5_000) * 1000m;
            _events.Add(Event(id, DealEventTypes.TrackingStarted, at, new { opportunity = new { amount }, owner = new { id = $"{team}-{d % 17}", team } }));
            var reached = random.Next(0, stages.Length + 1);
            for (var s = 0; s < reached; s++)
            {
                at = at.AddDays(random.Next(1, 20));
                _events.Add(Event(id, DealEventTypes.StageChanged, at, new { from = s == 0 ? "lead" : stages[s - 1], to = stages[s], kind = "forward" }));
            }

            switch (random.Next(3))
            {
                case 0:
                    at = at.AddDays(random.Next(1, 20));
                    _events.Add(Event(id, DealEventTypes.DealWon, at, new { amount }));
                    break;
                case 1:
                    at = at.AddDays(random.Next(1, 20));
                    _events.Add(Event(id, DealEventTypes.DealLost, at, new { reason = random.Next(2) == 0 ? "price" : "timing", amount }));
                    break;
                default:
                    break;
            }
        }

        _events = [.. _events.OrderBy(e => e.At)];
        _quarter = ReportPeriod.TryParse("2025-Q3", out var quarter) ? quarter : throw new InvalidOperationException("bad period");
    }

    [Benchmark(Baseline = true)]
    public int CountOutcomes()
    {
        var count = 0;
        foreach (var e in _events)
        {
            count += e.Type is DealEventTypes.DealWon or DealEventTypes.DealLost && _quarter.Contains(e.At, Shanghai) ? 1 : 0;
        }

        return count;
    }

    [Benchmark]
    public PipelineKpis QuarterReport() => KpiCalculator.Compute(_events, _quarter, Shanghai);

    /// <summary>What <c>salesflow report</c> computes: the period and the previous one.</summary>
    [Benchmark]
    public (PipelineKpis, PipelineKpis) QuarterWithPrevious() => (KpiCalculator.Compute(_events, _quarter, Shanghai), KpiCalculator.Compute(_events, _quarter.Previous(), Shanghai));
}
