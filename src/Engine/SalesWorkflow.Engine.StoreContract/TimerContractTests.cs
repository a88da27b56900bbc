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

    /// <summary>
    /// The contract process with a care duty of the won stage that time alone makes due, as the customer-care plugin's
    /// are: a follow-up visit within 30 days of the win.
    /// </summary>
    private static readonly Lazy<string> WithCareDuty = new(() =>
    {
        var text = File.ReadAllText(ContractProcess.Path);
        const string Risks = "risks:\n";
        Assert.Contains(Risks, text, StringComparison.Ordinal);
        var path = Path.Combine(Directory.CreateTempSubdirectory("sw-care-contract-").FullName, "standard-b2b.yaml");
        File.WriteAllText(path, text.Replace(Risks, Risks + """
              - id: follow-up-visit-overdue
                name: { zh: 回访逾期, en: Follow-up visit overdue }
                category: customer
                severity: medium
                weight: 10
                when: Deal.DaysInStage > 30 && !Activities.Any(a => a.Kind == "visit")
                stages: [after-sales]
                advice: { zh: 签约30天内回访客户。, en: Visit the customer within 30 days of the win. }

            """, StringComparison.Ordinal));
        return path;
    });

    private StoreHarness CareHarness(TimeSpan? sweepWonDealsFor = null, int? batchSize = null) =>
        new(OpenStore(), WithCareDuty.Value, configureEngine: o =>
        {
            o.SweepWonDealsFor = sweepWonDealsFor ?? o.SweepWonDealsFor;
            o.SweepBatchSize = batchSize ?? o.SweepBatchSize;
        });

    /// <summary>A deal won on the fake clock's first day (from negotiation, its gate overridden).</summary>
    private static async Task Win(StoreHarness harness, string dealId)
    {
        var started = await harness.Submit(new StartTracking(harness.NextId(), dealId, ContractProcess.Id)
        {
            Stage = "negotiation",
            Opportunity = new Opportunity { Name = "Deal " + dealId, Amount = 100_000, AccountId = "acme", OwnerId = "li-na" },
            Account = new Account { Id = "acme", Industry = "manufacturing" },
            Contacts = [new Contact { Id = "c1", Name = "Wang", LastContactedAt = harness.Clock.GetUtcNow() }],
        });
        Assert.Equal(CommandStatus.Applied, started.Status);
        var won = await harness.Submit(new OverrideGate(harness.NextId(), dealId, "signed early", "sun-li"));
        Assert.True(won.Status == CommandStatus.Applied, won.Rejection?.Message);
        Assert.Equal(DealStatus.Won, (await harness.Engine.GetDealAsync(dealId))!.Status);
    }

    [Fact]
    public async Task Sweep_ReevaluatesAWonDealInItsCarePeriod_WithNoCommand()
    {
        await using var harness = CareHarness();
        await Win(harness, "won-1");
        harness.Clock.Advance(TimeSpan.FromDays(30));
        Assert.Equal(0, await harness.Maintenance.SweepAsync());

        // Time alone made a duty of the won stage due: the sweep, not a command, raises it.
        harness.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, await harness.Maintenance.SweepAsync());
        var state = (await harness.Engine.GetDealAsync("won-1"))!;
        Assert.Contains(state.LastEvaluation.Risks, r => r.Id == "follow-up-visit-overdue");
        Assert.Contains(await harness.Engine.GetHistoryAsync("won-1"), e => e.Type == DealEventTypes.RiskRaised);
    }

    [Fact]
    public async Task Sweep_OneRoundTakesEveryOpenAndWonDealOnce_AcrossBatches()
    {
        await using var harness = CareHarness(batchSize: 2);
        foreach (var id in new[] { "a-open", "b-won", "c-open", "d-won", "e-open", "f-won" })
        {
            if (id.EndsWith("-won", StringComparison.Ordinal))
            {
                await Win(harness, id);
            }
            else
            {
                await harness.Start(id);
            }
        }

        harness.Clock.Advance(TimeSpan.FromDays(31));

        // Each open deal starts its no-contact escalation, each won deal raises its care duty: six changes, once each.
        Assert.Equal(6, await harness.Maintenance.SweepAsync());
        Assert.Equal(0, await harness.Maintenance.SweepAsync());
        foreach (var id in new[] { "b-won", "d-won", "f-won" })
        {
            Assert.Single(await harness.Engine.GetHistoryAsync(id), e => e.Type == DealEventTypes.RiskRaised && e.Data.GetProperty("risk").GetString() == "follow-up-visit-overdue");
        }
    }

    [Fact]
    public async Task Sweep_LeavesWonDealsPastTheirCarePeriod_AndLostDeals()
    {
        await using var harness = CareHarness(sweepWonDealsFor: TimeSpan.FromDays(20));
        await Win(harness, "won-1");
        await harness.Start("lost-1");
        await harness.Submit(new CloseLost(harness.NextId(), "lost-1", "price"));
        harness.Clock.Advance(TimeSpan.FromDays(31));
        var before = (await harness.Engine.GetHistoryAsync("won-1")).Count;

        Assert.Equal(0, await harness.Maintenance.SweepAsync());
        Assert.Equal(before, (await harness.Engine.GetHistoryAsync("won-1")).Count);
        Assert.Equal(DealStatus.Lost, (await harness.Engine.GetDealAsync("lost-1"))!.Status);
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
