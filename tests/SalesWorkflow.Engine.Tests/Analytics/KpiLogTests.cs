using System.Text.Json;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Tests.Analytics;

public sealed class KpiLogTests
{
    private static readonly ReportPeriod March = ReportPeriod.TryParse("2026-03", out var period) ? period : throw new InvalidOperationException();

    [Fact]
    public void EventsOfDifferentDealsInterleaved_CountAsEachDealsOwnHistory()
    {
        var at = new DateTimeOffset(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);
        var sequence = 0L;
        DealEvent Event(string deal, string type, int hours, object data) => new()
        {
            Sequence = ++sequence,
            EventId = $"e{sequence}",
            DealId = deal,
            Type = type,
            At = at.AddHours(hours),
            CommandId = $"c{sequence}",
            ProcessId = deal == "d" ? "q" : "p",
            ProcessVersion = deal == "b" ? 2 : 1,
            Stage = "lead",
            Data = JsonSerializer.SerializeToElement(data),
        };
        var start = new { process = "p", stage = "lead", opportunity = new { amount = 100 }, owner = new { id = "r1", team = "t1" } };
        DealEvent[] events =
        [
            Event("a", DealEventTypes.TrackingStarted, 0, start),
            Event("b", DealEventTypes.TrackingStarted, 1, start),
            Event("a", DealEventTypes.DealWon, 2, new { amount = 70 }),
            Event("c", DealEventTypes.DealLost, 3, new { reason = "price" }), // no start: not a deal the report knows
            Event("b", DealEventTypes.DealLost, 4, new { reason = "timing" }),
            Event("d", DealEventTypes.TrackingStarted, 5, start),
        ];
        var log = new KpiLog();

        log.AddRange(events);
        var kpis = log.Compute(new KpiQuery(March));

        Assert.Equal((4, 6), (log.DealCount, log.EventCount));
        Assert.Equal([new LoggedProcess("p", 2, 2), new LoggedProcess("q", 1, 1)], log.Processes); // most deals first
        Assert.Equal((1, 1, 70m), (kpis.Won, kpis.Lost, kpis.WonRevenue));
        Assert.Equal(new Dictionary<string, int> { ["timing"] = 1 }, kpis.LossReasons);
        Assert.Throws<ArgumentNullException>(() => log.Add(null!));
    }

    [Fact]
    public void ADealsEventsArrivingOutOfSequence_AreFoldedInSequenceOrder()
    {
        // Pages of the log follow commit order across nodes; within a deal, sequence order is what happened.
        var at = new DateTimeOffset(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);
        DealEvent Event(long sequence, string deal, string type, int hours, object data) => new()
        {
            Sequence = sequence,
            EventId = $"{deal}:{sequence}",
            DealId = deal,
            Type = type,
            At = at.AddHours(hours),
            CommandId = $"c{sequence}",
            ProcessId = "p",
            ProcessVersion = 1,
            Stage = "lead",
            Data = JsonSerializer.SerializeToElement(data),
        };
        var start = new { process = "p", stage = "lead", opportunity = new { amount = 100 }, owner = new { id = "r1", team = "t1" } };
        DealEvent[] inOrder =
        [
            Event(1, "a", DealEventTypes.TrackingStarted, 0, start),
            Event(2, "b", DealEventTypes.TrackingStarted, 0, start),
            Event(3, "a", DealEventTypes.DealLost, 1, new { reason = "price" }),
            Event(4, "a", DealEventTypes.DealReopened, 2, new { to = "lead" }),
            Event(5, "b", DealEventTypes.DealWon, 3, new { amount = 80 }),
            Event(6, "a", DealEventTypes.DealWon, 4, new { amount = 90 }),
        ];
        var expected = new KpiLog();
        expected.AddRange(inOrder);
        var shuffled = new KpiLog();

        // a's loss arrives after its reopening and its win; b's start after its win.
        shuffled.AddRange([inOrder[0], inOrder[3], inOrder[4], inOrder[5], inOrder[2], inOrder[1]]);

        var query = new KpiQuery(March);
        Assert.Equal(JsonSerializer.Serialize(expected.Compute(query)), JsonSerializer.Serialize(shuffled.Compute(query)));
        Assert.Equal((2, 0, 170m), (shuffled.Compute(query).Won, shuffled.Compute(query).Lost, shuffled.Compute(query).WonRevenue));
    }
}
