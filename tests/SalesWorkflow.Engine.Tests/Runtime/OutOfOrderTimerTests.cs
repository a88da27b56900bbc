using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Storage;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>
/// On a shared store a node can die holding a lower level's timer while the others fire the next level (found by
/// MultiNodeTests.NodeKilledMidTransaction: "d002 never raised stalled-deal level 1"). The late level is raised, once.
/// </summary>
public sealed class OutOfOrderTimerTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public void LowerLevelFiringAfterAHigherOne_IsRaisedLateAndTheLevelReachedStaysTheHighest()
    {
        var processor = DecideIsPureTests.Processor();
        var started = processor.Decide(DecideIsPureTests.Start(), null, Start);
        var deal = started.State!;
        var stalled = started.NewTimers.Where(t => t.EscalationId == "stalled-deal").OrderBy(t => t.Level).ToList();
        Assert.True(stalled.Count >= 2);
        var now = Start.AddDays(30);

        var second = processor.FireTimers(deal, [stalled[1]], now);
        var first = processor.FireTimers(deal, [stalled[0]], now);

        Assert.Equal(2, Raised(second!).Single().Level);
        Assert.Equal(1, Raised(first!).Single().Level);
        Assert.Equal(2, deal.EscalationLevels["stalled-deal"]);
    }

    [Fact]
    public void ATimerOfAnEarlierStageEntry_StillFiresNothing()
    {
        var processor = DecideIsPureTests.Processor();
        var started = processor.Decide(DecideIsPureTests.Start(), null, Start);
        var deal = started.State!;
        var stale = started.NewTimers.First(t => t.EscalationId == "stalled-deal") with { StageEpoch = deal.StageEpoch - 1 };

        Assert.Null(processor.FireTimers(deal, [stale], Start.AddDays(30)));
    }

    private static List<EscalationRaised> Raised(Decision decision) => [.. decision.Events.Select(e => e.Payload).OfType<EscalationRaised>()];
}
