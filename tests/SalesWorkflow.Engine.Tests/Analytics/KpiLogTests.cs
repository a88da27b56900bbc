using System.Text.Json;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Tests.Analytics;

public sealed class KpiLogTests
{
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
        var kpis = log.Compute(new KpiQuery(KpiLogStoreTests.March));

        Assert.Equal((4, 6), (log.DealCount, log.EventCount));
        Assert.Equal([new LoggedProcess("p", 2, 2), new LoggedProcess("q", 1, 1)], log.Processes); // most deals first
        Assert.Equal((1, 1, 70m), (kpis.Won, kpis.Lost, kpis.WonRevenue));
        Assert.Equal(new Dictionary<string, int> { ["timing"] = 1 }, kpis.LossReasons);
        Assert.Throws<ArgumentNullException>(() => log.Add(null!));
    }
}
