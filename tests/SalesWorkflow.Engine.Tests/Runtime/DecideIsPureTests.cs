using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>
/// Deciding works on copies of a command's facts: the caller's objects are never touched, and a command decided again
/// (decided ahead and re-decided on a conflict, retried after a dropped connection) gives the same decision.
/// </summary>
public sealed class DecideIsPureTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);

    internal static CommandProcessor Processor()
    {
        var set = FirstPartyPlugins.Loader().Load([Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml")]);
        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        var registry = new ProcessRegistry(new SalesWorkflow.Engine.Definitions.DefinitionLoaderOptions());
        registry.Add(set.Processes.Single());
        return new CommandProcessor(registry);
    }

    internal static StartTracking Start() => new("c-1", "D-1", "standard-b2b")
    {
        Opportunity = new Opportunity { Name = "Acme rollout", Amount = 120_000, AccountId = "acme", OwnerId = "li-na" },
        Account = new Account { Id = "acme" },
        Owner = new Owner { Id = "li-na", Team = "east" },
        Contacts = [new Contact { Id = "c1", Name = "Wang" }],
    };

    private static string Render(Decision decision) =>
        string.Join("\n", decision.Events.Select(e => $"{e.EventId} {e.Type} {e.At:O} {DealEventCodec.Encode(e.Payload).GetRawText()}"));

    [Fact]
    public void Decide_StartTwice_SameDecisionAndTheCallersOpportunityUntouched()
    {
        var processor = Processor();
        var start = Start();

        var first = processor.Decide(start, null, Now);
        var again = processor.Decide(start, null, Now);

        Assert.Equal(Render(first), Render(again));
        Assert.Equal((string.Empty, string.Empty, default, default), (start.Opportunity.Id, start.Opportunity.Stage, start.Opportunity.CreatedAt, start.Opportunity.UpdatedAt));
        Assert.NotSame(start.Opportunity, first.State!.Opportunity);
        Assert.NotSame(first.State.Opportunity, again.State!.Opportunity);
    }

    [Fact]
    public void Decide_StartRetriedLater_TakesTheRetrysTimeNotTheFirstAttempts()
    {
        var processor = Processor();
        var start = Start();

        _ = processor.Decide(start, null, Now);
        var retried = processor.Decide(start, null, Now.AddSeconds(5));

        var started = Assert.IsType<TrackingStarted>(retried.Events[0].Payload);
        Assert.Equal(Now.AddSeconds(5), started.Opportunity!.CreatedAt);
        Assert.Equal(retried.State!.CreatedAt, started.Opportunity.CreatedAt);
    }

    [Fact]
    public async Task SubmitAsync_ActivityFeedbackAndFacts_LeaveTheCallersObjectsAsTheyWere()
    {
        await using var harness = new EngineHarness();
        var start = Start() with { CommandId = harness.NextId(), DealId = "pure-1" };
        await harness.Submit(start);
        var activity = new Activity { Kind = "call", Outcome = "connected" };
        var feedback = new Feedback { Satisfaction = 4 };
        var opportunity = new Opportunity { Name = "Acme rollout", Amount = 150_000 };

        await harness.Submit(new LogActivity(harness.NextId(), "pure-1", activity));
        await harness.Submit(new RecordFeedback(harness.NextId(), "pure-1", feedback));
        await harness.Submit(new UpsertFacts(harness.NextId(), "pure-1") { Opportunity = opportunity });

        Assert.Equal((string.Empty, default), (activity.Id, activity.At));
        Assert.Equal((string.Empty, (DateTimeOffset?)null), (feedback.Id, feedback.At));
        Assert.Equal((string.Empty, string.Empty, default), (opportunity.Id, opportunity.Stage, opportunity.UpdatedAt));
        Assert.Equal(string.Empty, start.Opportunity.Id);
        var deal = (await harness.Engine.GetDealAsync("pure-1"))!;
        Assert.Equal(150_000, deal.Opportunity.Amount);
        Assert.Equal("pure-1", deal.Opportunity.Id);
        Assert.NotEqual(string.Empty, Assert.Single(deal.Activities).Id);
    }

    [Fact]
    public async Task Submit_FactsWithNullListsAsADeserialisedRequestCarries_ReadThemAsEmpty_AndAMissingFactIsRefusedNamingIt()
    {
        await using var harness = new EngineHarness();
        var start = Start() with { Contacts = null!, Account = new Account { Id = "acme", Payments = null!, Custom = null! } };
        start.Opportunity.Competitors = null!;
        start.Opportunity.Custom = null!;

        var started = await harness.Submit(start);
        var upserted = await harness.Submit(new UpsertFacts("c-2", "D-1") { Contacts = [null!, new Contact { Id = "c2" }], Approvals = null! });
        var missing = await Assert.ThrowsAsync<ArgumentException>(() => harness.Submit(new LogActivity("c-3", "D-1", null!)));

        Assert.Equal((CommandStatus.Applied, CommandStatus.Applied), (started.Status, upserted.Status));
        var deal = (await harness.Engine.GetDealAsync("D-1"))!;
        Assert.Equal((0, "c2"), (deal.Opportunity.Competitors.Count, Assert.Single(deal.Contacts).Id));
        Assert.StartsWith("LogActivity needs an Activity.", missing.Message, StringComparison.Ordinal);
    }
}
