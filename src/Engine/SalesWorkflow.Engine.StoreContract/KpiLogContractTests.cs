using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;
using Xunit;

namespace SalesWorkflow.Engine.StoreContract;

#pragma warning disable CS1591 // Test methods: each name says what it checks.

/// <summary>
/// The store contract for analytics: a history recorded through a real engine (starts, facts updates, gate refusals,
/// moves, overrides, wins, losses, reopenings, feedback and complaints, on two teams), and the KPIs read from its
/// database by <see cref="ISalesWorkflowAnalytics.ReadKpiLogAsync"/> must be those computed from the events it returns.
/// Every store runs it (SQLite and PostgreSQL in this repository), so their streaming reads are held to the same figures.
/// </summary>
public abstract class KpiLogContractTests : StoreContractTests
{
    private static readonly ReportPeriod March = ReportPeriod.TryParse("2026-03", out var period) ? period : throw new InvalidOperationException();

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    [Fact]
    public async Task ReadFromTheStore_GivesTheFiguresOfTheEventsReadBack()
    {
        await using var harness = Harness();
        await RecordAsync(harness.Engine, harness.Clock);

        await AssertStreamedEqualsReadBackAsync(harness.Engine, harness.Analytics);
    }

    private static async Task RecordAsync(ISalesWorkflowEngine engine, FakeTimeProvider clock)
    {
        var commands = 0;
        string Id() => $"kpi-{++commands}";
        async Task Submit(DealCommand command)
        {
            var result = await engine.SubmitAsync(command);
            Assert.True(result.Status != CommandStatus.Rejected, $"{command.GetType().Name} on {command.DealId} refused: {result.Rejection?.Message}");
        }

        for (var d = 0; d < 24; d++)
        {
            var deal = $"K-{d:00}";
            var (owner, team) = d % 3 == 0 ? ("wang-fang", "south") : ("li-na", "east");
            await Submit(new StartTracking(Id(), deal, "standard-b2b")
            {
                Opportunity = new Opportunity { Name = deal, Amount = 100_000 + (d * 25_000), AccountId = "acme", OwnerId = owner },
                Account = new Account { Id = "acme", Industry = "manufacturing" },
                Owner = new Owner { Id = owner, Team = team, OpenDeals = 5, LastActiveAt = clock.GetUtcNow() },
                Contacts = [new Contact { Id = "c1", Name = "Wang", LastContactedAt = clock.GetUtcNow() }],
            });
            clock.Advance(TimeSpan.FromHours(3));
            _ = await engine.SubmitAsync(new RequestAdvance(Id(), deal)); // refused (recorded): the lead checklist is not done
            await Submit(new CompleteChecklistItem(Id(), deal, "icp-fit"));
            await Submit(new CompleteChecklistItem(Id(), deal, "source-recorded"));
            await Submit(new RequestAdvance(Id(), deal));
            clock.Advance(TimeSpan.FromHours(5));
            await Submit(new UpsertFacts(Id(), deal) { Opportunity = new Opportunity { Name = deal, Amount = 90_000 + (d * 30_000), AccountId = "acme", OwnerId = owner } });
            switch (d % 4)
            {
                case 0:
                    foreach (var stage in new[] { "needs-analysis", "proposal", "negotiation", "after-sales" })
                    {
                        await Submit(new OverrideGate(Id(), deal, "customer signed early", "zhang-wei") { ToStage = stage });
                        clock.Advance(TimeSpan.FromHours(1));
                    }

                    await Submit(new RecordFeedback(Id(), deal, new Feedback { Id = $"f-{d}", Satisfaction = 2 + (d % 4), IsComplaint = d % 8 == 0 }));
                    break;
                case 1:
                    await Submit(new CloseLost(Id(), deal, d % 8 == 1 ? "price" : "competitor"));
                    break;
                case 2:
                    await Submit(new CloseLost(Id(), deal, "no-budget"));
                    clock.Advance(TimeSpan.FromDays(2));
                    await Submit(new Reopen(Id(), deal));
                    break;
                default:
                    await Submit(new OverrideGate(Id(), deal, "workshop held", "zhang-wei"));
                    break;
            }

            clock.Advance(TimeSpan.FromHours(2));
        }
    }

    /// <summary>The figures from the streamed log equal those from the events read back, and are not empty.</summary>
    private static async Task AssertStreamedEqualsReadBackAsync(ISalesWorkflowEngine engine, ISalesWorkflowAnalytics analytics)
    {
        var log = await analytics.ReadKpiLogAsync();
        var events = new List<DealEvent>();
        for (long after = 0; ;)
        {
            var page = await engine.ReadEventsAsync(after, 50);
            if (page.Count == 0)
            {
                break;
            }

            events.AddRange(page);
            after = page[^1].Sequence;
        }

        var readBack = new KpiLog();
        readBack.AddRange(events);
        var process = Assert.Single(log.Processes);
        Assert.Equal(new LoggedProcess("standard-b2b", 24, 2), process);
        var definition = await analytics.FindProcessAsync(process.Id, process.LatestVersion);
        Assert.NotNull(definition);
        Assert.Null(await analytics.FindProcessAsync(process.Id, process.LatestVersion + 1));
        Assert.Equal(events.Count, log.EventCount);
        Assert.Equal(24, log.DealCount);

        foreach (var filter in new[] { new KpiFilter(), new KpiFilter(Team: "south"), new KpiFilter(Rep: "li-na") })
        {
            var query = new KpiQuery(March) { Process = definition, Filter = filter };
            var streamed = log.Compute(query);
            Assert.Equal(JsonSerializer.Serialize(readBack.Compute(query), Json), JsonSerializer.Serialize(streamed, Json));
            if (filter.Team is null && filter.Rep is null)
            {
                // Every kind of event the scenario records shows up, so a column or field read wrongly would show.
                Assert.Equal(6, streamed.Won);
                Assert.Equal(6, streamed.Lost);
                Assert.Equal(24, streamed.Started);
                Assert.Equal(new Dictionary<string, int> { ["competitor"] = 3, ["price"] = 3 }, streamed.LossReasons);
                Assert.Contains(streamed.BlockingCriteria, b => b.Key.StartsWith("lead/", StringComparison.Ordinal));
                Assert.Equal(6, streamed.Satisfaction.Scored);
                Assert.Equal(3, streamed.Satisfaction.Complaints);
                Assert.NotEmpty(streamed.StageEntries);
                Assert.True(streamed.PipelineAtEnd > 0);
            }
        }
    }
}
