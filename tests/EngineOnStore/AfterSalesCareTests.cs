using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>
/// After-sales care on time (issue 18), with the shipped standard process and its customer-care plugin, on the store of
/// the project that compiles this file (SQLite in SalesWorkflow.Engine.Tests, PostgreSQL in its own project): a won deal
/// that nobody touches still gets its follow-up visit flagged, by the sweep alone.
/// </summary>
public sealed class AfterSalesCareTests
{
    [Fact]
    public async Task AWonDealWithNoCommandsFor31Days_GetsFollowUpVisitOverdue_FromTheSweepAlone()
    {
        await using var harness = new EngineHarness();
        var started = await harness.Submit(new StartTracking(harness.NextId(), "care-1", "standard-b2b")
        {
            Stage = "negotiation",
            Opportunity = new Opportunity { Name = "Care", Amount = 200_000, AccountId = "acme", OwnerId = "li-na" },
            Account = new Account { Id = "acme", Industry = "manufacturing" },
            Contacts = [new Contact { Id = "c1", Name = "Wang", LastContactedAt = harness.Clock.GetUtcNow() }],
        });
        Assert.Equal(CommandStatus.Applied, started.Status);
        var won = await harness.Submit(new OverrideGate(harness.NextId(), "care-1", "signed", "sun-li"));
        Assert.True(won.Status == CommandStatus.Applied, won.Rejection?.Message);
        Assert.Equal(DealStatus.Won, (await harness.Engine.GetDealAsync("care-1"))!.Status);

        for (var day = 1; day <= 31; day++)
        {
            harness.Clock.Advance(TimeSpan.FromDays(1));
            await harness.Maintenance.SweepAsync();
            var raised = (await harness.Engine.GetHistoryAsync("care-1"))
                .Where(e => e.Type == DealEventTypes.RiskRaised && e.Data.GetProperty("risk").GetString() == "customer-care.follow-up-visit-overdue")
                .ToList();

            // On time through day 30 (exactly 30 days is still on time), overdue from day 31, raised once, by the sweep.
            Assert.Equal(day > 30 ? 1 : 0, raised.Count);
            Assert.All(raised, e => Assert.StartsWith("sweep:", e.CommandId, StringComparison.Ordinal));
        }
    }
}
