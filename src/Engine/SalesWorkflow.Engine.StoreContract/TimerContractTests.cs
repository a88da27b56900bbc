using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;
using Xunit;

namespace SalesWorkflow.Engine.StoreContract;

#pragma warning disable CS1591 // Test methods: each name says what it checks.

/// <summary>Escalation timers: scheduled on stage entry, fired once at the right time, cancelled when the deal moves on.</summary>
public abstract class TimerContractTests : StoreContractTests
{
    private static async Task<List<(string Escalation, int Level)>> Raised(StoreHarness harness, string dealId) =>
        [.. (await harness.Engine.GetHistoryAsync(dealId))
            .Where(e => e.Type == DealEventTypes.EscalationRaised)
            .Select(e => (e.Data.GetProperty("escalation").GetString()!, e.Data.GetProperty("level").GetInt32()))];

    private static async Task KeepContact(StoreHarness harness, string dealId) =>
        await harness.Submit(new LogActivity(harness.NextId(), dealId, new Activity { Kind = "call", At = harness.Clock.GetUtcNow() }));

    [Fact]
    public async Task StalledDeal_LevelsFireAtFourteenSeventeenAndTwentyOneDays_EachOnce()
    {
        await using var harness = Harness();
        await harness.Start("d1");

        async Task At(double days)
        {
            harness.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 2, 1, 0, 0, TimeSpan.Zero).AddDays(days));
            await KeepContact(harness, "d1");
            await harness.Maintenance.FireDueTimersAsync();
            await harness.Maintenance.FireDueTimersAsync();
        }

        await At(13.9);
        Assert.DoesNotContain(await Raised(harness, "d1"), r => r.Escalation == "stalled-deal");
        await At(14);
        Assert.Equal([("stalled-deal", 1)], (await Raised(harness, "d1")).Where(r => r.Escalation == "stalled-deal"));
        await At(16.99);
        await At(17);
        await At(21);
        await At(30);

        Assert.Equal([("stalled-deal", 1), ("stalled-deal", 2), ("stalled-deal", 3)], (await Raised(harness, "d1")).Where(r => r.Escalation == "stalled-deal"));
        var notified = (await harness.Engine.GetHistoryAsync("d1")).Where(e => e.Type == DealEventTypes.EscalationRaised).Select(e => e.Data.GetProperty("notify").GetString());
        Assert.Equal(["owner", "manager", "director"], notified);
    }

    [Fact]
    public async Task LeavingTheStage_CancelsItsTimers()
    {
        await using var harness = Harness();
        await harness.Start("d1");
        harness.Clock.Advance(TimeSpan.FromDays(10));
        await KeepContact(harness, "d1");
        await harness.PassLeadGate("d1");
        await harness.Submit(new RequestAdvance(harness.NextId(), "d1"));

        harness.Clock.Advance(TimeSpan.FromDays(5));
        await KeepContact(harness, "d1");
        var fired = await harness.Maintenance.FireDueTimersAsync();

        Assert.Equal(0, fired);
        Assert.Empty(await Raised(harness, "d1"));
    }

    [Fact]
    public async Task NoCustomerContact_SweepStartsTheConditionEscalationAndItsLevelsFollow()
    {
        await using var harness = Harness();
        await harness.Start("d1");
        harness.Clock.Advance(TimeSpan.FromDays(11));

        Assert.Equal(1, await harness.Maintenance.SweepAsync());
        await harness.Maintenance.FireDueTimersAsync();
        harness.Clock.Advance(TimeSpan.FromDays(2));
        await harness.Maintenance.FireDueTimersAsync();

        Assert.Equal([("no-customer-contact", 1), ("no-customer-contact", 2)], await Raised(harness, "d1"));
        var state = await harness.Engine.GetDealAsync("d1");
        Assert.Equal(2, state!.EscalationLevels["no-customer-contact"]);
    }

    [Fact]
    public async Task ConditionEscalation_StopsWhenTheConditionNoLongerHolds()
    {
        await using var harness = Harness();
        await harness.Start("d1");
        harness.Clock.Advance(TimeSpan.FromDays(11));
        await harness.Maintenance.SweepAsync();
        await harness.Maintenance.FireDueTimersAsync();

        await KeepContact(harness, "d1");
        harness.Clock.Advance(TimeSpan.FromDays(3));
        await harness.Maintenance.FireDueTimersAsync();

        Assert.Equal([("no-customer-contact", 1)], (await Raised(harness, "d1")).Where(r => r.Escalation == "no-customer-contact"));
        Assert.Empty((await harness.Engine.GetDealAsync("d1"))!.ConditionsSince);
    }

    [Fact]
    public async Task Sweep_NothingChanged_WritesNothing()
    {
        await using var harness = Harness();
        await harness.Start("d1");
        var before = (await harness.Engine.GetHistoryAsync("d1")).Count;

        Assert.Equal(0, await harness.Maintenance.SweepAsync());
        Assert.Equal(before, (await harness.Engine.GetHistoryAsync("d1")).Count);
    }
}
