using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>Complaint service levels (<c>feedback.sla</c>): each missed level fires once, to the route's people; meeting it first cancels it.</summary>
public sealed class ComplaintSlaTests
{
    /// <summary>The shipped process with complaints answered in 24 hours and resolved in 3 business days by customer service, and the shipped organisation.</summary>
    private static string Definitions()
    {
        var folder = Directory.CreateTempSubdirectory("sw-complaint-sla-").FullName;
        File.Copy(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), Path.Combine(folder, "standard-b2b.yaml"));
        File.Copy(Path.Combine(RepoPaths.Definitions, "organisation.yaml"), Path.Combine(folder, "organisation.yaml"));
        return folder;
    }

    private static async Task<List<ComplaintSlaBreached>> Breaches(EngineHarness harness, string dealId) =>
        [.. (await harness.Engine.GetHistoryAsync(dealId)).Select(e => e.Payload).OfType<ComplaintSlaBreached>()];

    private static Task<CommandResult> Complain(EngineHarness harness, string dealId, DateTimeOffset? respondedAt = null, bool resolved = false) =>
        harness.Submit(new RecordFeedback(harness.NextId(), dealId, new Feedback
        {
            Id = "c-1",
            IsComplaint = true,
            Category = "delivery",
            Satisfaction = 2,
            RespondedAt = respondedAt,
            ResolvedAt = resolved ? harness.Clock.GetUtcNow() : null,
            Text = "The delivery is two weeks late",
        }));


    [Fact]
    public async Task AComplaintNobodyAnswers_MissesBothLevels_EachOnce_AndCustomerServiceIsTold()
    {
        await using var harness = new EngineHarness(Definitions());
        await harness.Start("d1");
        var recorded = harness.Clock.GetUtcNow();
        await Complain(harness, "d1");

        await harness.FireDueTimersAt(recorded.AddHours(24).AddMinutes(-1));
        Assert.Empty(await Breaches(harness, "d1"));
        await harness.FireDueTimersAt(recorded.AddHours(24));
        await harness.FireDueTimersAt(recorded.AddDays(10));
        await harness.FireDueTimersAt(recorded.AddDays(11));

        var breaches = await Breaches(harness, "d1");
        Assert.Equal(["respond", "resolve"], breaches.Select(b => b.Level));
        Assert.Equal(recorded.AddHours(24), breaches[0].DueAt);
        Assert.Equal(recorded.AddDays(3), breaches[1].DueAt); // Monday 2 March + 3 business days
        Assert.All(breaches, b => Assert.Equal(("c-1", "customer-service", "delivery"), (b.Feedback, b.Notify, b.Category)));
        Assert.All(breaches, b => Assert.Equal(["service-desk"], b.Recipients));
    }

    [Fact]
    public async Task AnsweringInTime_CancelsTheResponseLevel_AndResolvingCancelsTheOther()
    {
        await using var harness = new EngineHarness(Definitions());
        await harness.Start("d1");
        var recorded = harness.Clock.GetUtcNow();
        await Complain(harness, "d1");

        harness.Clock.Advance(TimeSpan.FromHours(3));
        await Complain(harness, "d1", respondedAt: harness.Clock.GetUtcNow());
        await harness.FireDueTimersAt(recorded.AddDays(2));
        Assert.Empty(await Breaches(harness, "d1"));

        await Complain(harness, "d1", respondedAt: recorded.AddHours(3), resolved: true);
        await harness.FireDueTimersAt(recorded.AddDays(10));

        Assert.Empty(await Breaches(harness, "d1"));
    }

    [Fact]
    public async Task MovingTheDealOn_KeepsTheComplaintsLevels_AndTheyStillFireOnce()
    {
        await using var harness = new EngineHarness(Definitions());
        await harness.Start("d1");
        var recorded = harness.Clock.GetUtcNow();
        await Complain(harness, "d1");

        await harness.PassLeadGate("d1");
        await harness.Submit(new RequestAdvance(harness.NextId(), "d1"));
        await harness.FireDueTimersAt(recorded.AddHours(30));
        await harness.Submit(new LogActivity(harness.NextId(), "d1", new Activity { Kind = "call" })); // another command in between
        await harness.FireDueTimersAt(recorded.AddDays(10));

        Assert.Equal(["respond", "resolve"], (await Breaches(harness, "d1")).Select(b => b.Level));
        Assert.Equal("first-contact", (await harness.Engine.GetDealAsync("d1"))!.Stage);
    }

    [Fact]
    public async Task TheReviewCounts_TheComplaintsOfThePeriod_TheLevelsTheyMissed_AndTheTimeToResolve()
    {
        await using var harness = new EngineHarness(Definitions());
        var process = FirstPartyPlugins.Loader().Load([Definitions()]).Processes.Single();
        await harness.Start("d1");
        await harness.Start("d2");
        var recorded = harness.Clock.GetUtcNow();
        await Complain(harness, "d1");
        await Complain(harness, "d2");
        harness.Clock.Advance(TimeSpan.FromHours(2));
        await Complain(harness, "d2", respondedAt: harness.Clock.GetUtcNow());
        harness.Clock.Advance(TimeSpan.FromHours(4));
        await Complain(harness, "d2", respondedAt: recorded.AddHours(2), resolved: true);
        await harness.FireDueTimersAt(recorded.AddDays(10));

        var log = await harness.Analytics.ReadKpiLogAsync();
        Assert.True(SalesWorkflow.Engine.Analytics.ReportPeriod.TryParse("2026-03", out var march));
        var kpis = log.Compute(new SalesWorkflow.Engine.Analytics.KpiQuery(march) { Process = process });

        var complaints = kpis.Complaints;
        Assert.Equal((2, 1, 1, 1, (double?)6), (complaints.Recorded, complaints.RespondMissed, complaints.ResolveMissed, complaints.Resolved, complaints.ResolveHoursMedian));
        Assert.Equal((0.5, 0.5), (kpis.Complaints.RespondedWithinSla, kpis.Complaints.ResolvedWithinSla));
        Assert.Equal(2, Assert.Single(kpis.ComplaintsByRep).Complaints.Recorded);
    }

    [Fact]
    public async Task AComplaintHandledBySomeone_TellsThatPerson()
    {
        await using var harness = new EngineHarness(Definitions());
        await harness.Start("d1");
        var recorded = harness.Clock.GetUtcNow();
        await harness.Submit(new RecordFeedback(harness.NextId(), "d1", new Feedback { Id = "c-2", IsComplaint = true, AssignedTo = "manager-east", Text = "Invoice wrong" }));

        await harness.FireDueTimersAt(recorded.AddDays(1));

        Assert.Equal(["manager-east"], Assert.Single(await Breaches(harness, "d1")).Recipients);
    }
}
