using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;
using Xunit;

namespace SalesWorkflow.Engine.StoreContract;

#pragma warning disable CS1591 // Test methods: each name says what it checks.

/// <summary>Commands: applied once, duplicates answered from the ledger, ids never reused across deals, no lost update under concurrency, queries as stored.</summary>
public abstract class CommandContractTests : StoreContractTests
{
    [Fact]
    public async Task StartTracking_NewDeal_EntersTheFirstStageWithEvents()
    {
        await using var harness = Harness();

        var result = await harness.Start("d1");

        Assert.Equal(CommandStatus.Applied, result.Status);
        Assert.Equal("lead", result.Stage);
        Assert.Equal(DealEventTypes.TrackingStarted, result.Events[0].Type);
        Assert.Contains(result.Events, e => e.Payload is TaskCreated { TaskId: "triage", Stage: "lead", AssigneeRole: "owner" } created && created.DueAt == result.Events[0].At.AddHours(48));
        Assert.All(result.Events, e => Assert.StartsWith("d1:", e.EventId, StringComparison.Ordinal));
        var state = await harness.Engine.GetDealAsync("d1");
        Assert.NotNull(state);
        Assert.Equal(DealStatus.Open, state.Status);
        Assert.Equal(result.Events.Count, state.EventCount);
    }

    [Fact]
    public async Task Submit_SameCommandIdTwice_IsAppliedOnceAndAcknowledgedAsDuplicate()
    {
        await using var harness = Harness();
        await harness.Start("d1");
        harness.Clock.Advance(TimeSpan.FromTicks(1234)); // a real clock is finer than the log's milliseconds
        var command = new LogActivity("log-1", "d1", new Activity { Id = "a1", Kind = "call", At = harness.Clock.GetUtcNow() });

        var first = await harness.Submit(command);
        var second = await harness.Submit(command);

        Assert.Equal(CommandStatus.Applied, first.Status);
        Assert.Equal(CommandStatus.Duplicate, second.Status);
        Assert.Equal(first.Events.Select(e => e.EventId), second.Events.Select(e => e.EventId));
        // The replay is the original outcome to the letter: what a client compares after a retry.
        Assert.Equal(
            first.Events.Select(e => (e.Sequence, e.CommandId, e.At, e.Type, e.Stage, e.Data.GetRawText())),
            second.Events.Select(e => (e.Sequence, e.CommandId, e.At, e.Type, e.Stage, e.Data.GetRawText())));
        var history = await harness.Engine.GetHistoryAsync("d1");
        Assert.Equal(first.Events.Select(e => (e.Sequence, e.At)), history.Where(e => e.CommandId == "log-1").Select(e => (e.Sequence, e.At)));
        var state = await harness.Engine.GetDealAsync("d1");
        Assert.Single(state!.Activities);
    }

    [Fact]
    public async Task StartTracking_Retried_IsAnsweredWithTheOriginalEvents()
    {
        await using var harness = Harness();
        harness.Clock.Advance(TimeSpan.FromTicks(5678));
        var start = new StartTracking("start-1", "r1", ContractProcess.Id) { Opportunity = new Opportunity { Name = "R1", Amount = 1000, OwnerId = "li-na" }, Actor = "crm-sync" };

        var first = await harness.Submit(start);
        var second = await harness.Submit(start);

        Assert.Equal(CommandStatus.Duplicate, second.Status);
        Assert.Equal(
            first.Events.Select(e => (e.Sequence, e.EventId, e.CommandId, e.Actor, e.At, e.Type, e.Data.GetRawText())),
            second.Events.Select(e => (e.Sequence, e.EventId, e.CommandId, e.Actor, e.At, e.Type, e.Data.GetRawText())));
        Assert.All(second.Events, e => Assert.Equal("start-1", e.CommandId));
    }

    [Fact]
    public async Task Submit_CommandIdReusedForAnotherDeal_IsRejectedNotTakenForADuplicate()
    {
        await using var harness = Harness();
        await harness.Start("d1");
        await harness.Start("d2");
        await harness.Submit(new LogActivity("same-id", "d1", new Activity { Id = "a1", Kind = "call" }));

        var reused = await harness.Submit(new LogActivity("same-id", "d2", new Activity { Id = "a1", Kind = "call" }));

        Assert.Equal(CommandStatus.Rejected, reused.Status);
        Assert.Equal("command-id-reused", reused.Rejection!.Code);
        Assert.Empty((await harness.Engine.GetDealAsync("d2"))!.Activities);
    }

    [Fact]
    public async Task Submit_UnknownDeal_IsRejectedClearly()
    {
        await using var harness = Harness();

        var result = await harness.Submit(new RequestAdvance("x", "ghost"));

        Assert.Equal(CommandStatus.Rejected, result.Status);
        Assert.Equal("unknown-deal", result.Rejection!.Code);
        Assert.Contains("ghost", result.Rejection.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-such-process", null, "unknown-process")]
    [InlineData("standard-b2b", 7, "unknown-version")]
    public async Task StartTracking_UnknownProcessOrVersion_IsRejected(string process, int? version, string code)
    {
        await using var harness = Harness();

        var result = await harness.Submit(new StartTracking("s", "d1", process) { Version = version, Opportunity = new Opportunity() });

        Assert.Equal(code, result.Rejection!.Code);
        Assert.Null(await harness.Engine.GetDealAsync("d1"));
    }

    [Fact]
    public async Task RequestAdvance_GateFails_IsRejectedWithCriteriaAndTheBlockIsRecorded()
    {
        await using var harness = Harness();
        await harness.Start("d1");

        var result = await harness.Submit(new RequestAdvance(harness.NextId(), "d1"));

        Assert.Equal(CommandStatus.Rejected, result.Status);
        Assert.Equal("gate-failed", result.Rejection!.Code);
        Assert.Equal(["icp-fit", "source-recorded"], result.Rejection.MissingChecklist);
        var history = await harness.Engine.GetHistoryAsync("d1");
        Assert.Equal(DealEventTypes.AdvanceBlocked, history[^1].Type);
        Assert.NotNull(history[^1].Evaluation);
        Assert.Equal("lead", (await harness.Engine.GetDealAsync("d1"))!.Stage);
    }

    [Fact]
    public async Task RequestAdvance_GatePasses_MovesToTheNextStage()
    {
        await using var harness = Harness();
        await harness.Start("d1");
        await harness.PassLeadGate("d1");

        var result = await harness.Submit(new RequestAdvance(harness.NextId(), "d1"));

        Assert.Equal(CommandStatus.Applied, result.Status);
        Assert.Equal("first-contact", result.Stage);
        Assert.Contains(result.Events, e => e.Type == DealEventTypes.StageChanged);
    }

    [Fact]
    public async Task RequestAdvance_SkipNotAllowed_IsRejected()
    {
        await using var harness = Harness();
        await harness.Start("d1");
        await harness.PassLeadGate("d1");

        var result = await harness.Submit(new RequestAdvance(harness.NextId(), "d1") { ToStage = "proposal" });

        Assert.Equal("transition-not-allowed", result.Rejection!.Code);
    }

    [Fact]
    public async Task OverrideGate_WithReasonAndApprover_MovesOnAndIsAudited()
    {
        await using var harness = Harness();
        await harness.Start("d1");

        var result = await harness.Submit(new OverrideGate(harness.NextId(), "d1", "strategic account", "director-wu"));

        Assert.Equal("first-contact", result.Stage);
        var audit = result.Events.Single(e => e.Type == DealEventTypes.GateOverridden);
        Assert.Equal("director-wu", audit.Data.GetProperty("approver").GetString());
        Assert.Contains("icp-fit", audit.Data.GetProperty("missingChecklist").EnumerateArray().Select(x => x.GetString()));
    }

    [Fact]
    public async Task CloseLost_NeedsAKnownReason_ThenReopenReturnsToTheStage()
    {
        await using var harness = Harness();
        await harness.Start("d1");

        var noReason = await harness.Submit(new CloseLost(harness.NextId(), "d1", null));
        var badReason = await harness.Submit(new CloseLost(harness.NextId(), "d1", "bad-luck"));
        var lost = await harness.Submit(new CloseLost(harness.NextId(), "d1", "price") { Note = "BigCorp 20% cheaper" });
        var reopened = await harness.Submit(new Reopen(harness.NextId(), "d1"));

        Assert.Equal("loss-reason-required", noReason.Rejection!.Code);
        Assert.Equal("unknown-loss-reason", badReason.Rejection!.Code);
        Assert.Equal("lost", lost.Stage);
        Assert.Contains(lost.Events, e => e.Type == DealEventTypes.DealLost && e.Data.GetProperty("reason").GetString() == "price");
        Assert.Equal("lead", reopened.Stage);
        Assert.Equal(DealStatus.Open, (await harness.Engine.GetDealAsync("d1"))!.Status);
    }

    [Fact]
    public async Task CommandsForOneDeal_FromManyThreads_AreSerialisedWithoutLostUpdates()
    {
        await using var harness = Harness();
        await harness.Start("d1");

        // Fewer than the recent window holds (ActivityHistory.RecentLimit), so the state must list every one.
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() =>
            harness.Submit(new LogActivity("log-" + i, "d1", new Activity { Id = "a" + i, Kind = "call", At = harness.Clock.GetUtcNow() })))));

        var state = await harness.Engine.GetDealAsync("d1");
        Assert.Equal(40, state!.Activities.Count);
        var history = await harness.Engine.GetHistoryAsync("d1");
        Assert.Equal(state.EventCount, history.Count);
        Assert.Equal(history.Select(e => e.EventId).Distinct().Count(), history.Count);
        Assert.Equal(40, history.Count(e => e.Type == DealEventTypes.ActivityLogged));
    }

    [Fact]
    public async Task Query_ByStageOwnerAndBlocked_FindsTheDeals()
    {
        await using var harness = Harness();
        await harness.Start("d1");
        await harness.Start("d2");
        await harness.PassLeadGate("d2");
        await harness.Submit(new RequestAdvance(harness.NextId(), "d2"));

        var inLead = await harness.Engine.QueryAsync(new DealQuery { Stage = "lead" });
        var byOwner = await harness.Engine.QueryAsync(new DealQuery { OwnerId = "li-na" });
        var blocked = await harness.Engine.QueryAsync(new DealQuery { Blocked = true });

        Assert.Equal(["d1"], inLead.Select(d => d.DealId));
        Assert.Equal(["d1", "d2"], byOwner.Select(d => d.DealId));
        Assert.Contains("d1", blocked.Select(d => d.DealId));
    }

    [Fact]
    public async Task Query_EveryFilterAndPaging_ReadsTheSummaryAsStored()
    {
        await using var harness = Harness();
        await harness.Start("q1", amount: 1_234.5m);
        await harness.Start("q2");
        await harness.Start("q3");
        Assert.Equal(CommandStatus.Applied, (await harness.Submit(new CloseLost(harness.NextId(), "q3", "no-budget"))).Status);

        var open = await harness.Engine.QueryAsync(new DealQuery { Status = DealStatus.Open, Blocked = true, MinEscalationLevel = 0, MaxHealth = 100 });
        var page = await harness.Engine.QueryAsync(new DealQuery { AfterDealId = "q1", Limit = 1 });
        var none = await harness.Engine.QueryAsync(new DealQuery { MinEscalationLevel = 1 });

        Assert.Equal(["q1", "q2"], open.Select(d => d.DealId));
        var first = open[0];
        Assert.Equal((1_234.5m, true, DealStatus.Open, "li-na", "lead"), (first.Amount, first.Blocked, first.Status, first.OwnerId, first.Stage));
        Assert.Equal(["q2"], page.Select(d => d.DealId));
        Assert.Empty(none);
    }

    [Fact]
    public async Task Query_ByTeamAndAtRisk_ReadsTheOwnersTeamAndTheRisksAsStored()
    {
        await using var harness = Harness();
        await harness.Start("t1");
        await harness.Submit(new StartTracking(harness.NextId(), "t2", ContractProcess.Id)
        {
            Opportunity = new Opportunity { Name = "Deal t2", Amount = 10_000, AccountId = "acme", OwnerId = "wang-wei" },
            Owner = new Owner { Id = "wang-wei", Team = "east" },
        });
        await harness.Submit(new UpsertFacts(harness.NextId(), "t1") { Owner = new Owner { Id = "li-na", Team = "west", LastActiveAt = harness.Clock.GetUtcNow() } });

        var west = await harness.Engine.QueryAsync(new DealQuery { Team = "west" });
        var east = await harness.Engine.QueryAsync(new DealQuery { Team = "east" });
        var all = await harness.Engine.QueryAsync(new DealQuery());
        var atRisk = await harness.Engine.QueryAsync(new DealQuery { AtRisk = true });
        var notAtRisk = await harness.Engine.QueryAsync(new DealQuery { AtRisk = false });

        Assert.Equal(["t1"], west.Select(d => d.DealId));
        Assert.Equal(("t2", "east"), (east.Single().DealId, east.Single().Team));
        foreach (var deal in all)
        {
            var state = await harness.Engine.GetDealAsync(deal.DealId);
            Assert.Equal(state!.LastEvaluation.Risks.Count, deal.RiskCount);
        }

        Assert.Equal(all.Where(d => d.RiskCount > 0).Select(d => d.DealId), atRisk.Select(d => d.DealId));
        Assert.Equal(all.Where(d => d.RiskCount == 0).Select(d => d.DealId), notAtRisk.Select(d => d.DealId));
        Assert.Equal(all.Count, atRisk.Count + notAtRisk.Count);
    }

    [Fact]
    public async Task Submit_WithAnActor_RecordsItOnEveryEventTheCommandWrites()
    {
        await using var harness = Harness();
        await harness.Start("a1");

        var logged = await harness.Submit(new LogActivity(harness.NextId(), "a1", new Activity { Id = "x1", Kind = "call", At = harness.Clock.GetUtcNow() }) { Actor = "li-na" });

        Assert.All(logged.Events, e => Assert.Equal("li-na", e.Actor));
        var history = await harness.Engine.GetHistoryAsync("a1");
        Assert.All(history.Where(e => e.CommandId == logged.CommandId), e => Assert.Equal("li-na", e.Actor));
        Assert.All(history.Where(e => e.CommandId != logged.CommandId), e => Assert.Null(e.Actor));
        var log = await harness.Engine.ReadEventsWithoutEvaluationsAsync(0, 1000);
        Assert.Equal(history.Select(e => e.Actor), log.Where(e => e.DealId == "a1").Select(e => e.Actor));
    }
}
