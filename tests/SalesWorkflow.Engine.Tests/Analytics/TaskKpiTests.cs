using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Tests.Runtime;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Analytics;

/// <summary>Tasks done on time, late or not at all, per stage and per person, from the log the engine wrote.</summary>
public sealed class TaskKpiTests
{
    private static readonly ReportPeriod March = ReportPeriod.TryParse("2026-03", out var period) ? period : throw new InvalidOperationException();

    [Fact]
    public async Task TasksDueInThePeriod_CountAsDoneOnTimeLateOrNotDone_AndATaskEndedBeforeItsDueMomentDoesNot()
    {
        await using var harness = new EngineHarness();
        var process = FirstPartyPlugins.Loader().Load([Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml")]).Processes.Single();
        foreach (var deal in new[] { "on-time", "late", "never", "moved-on", "handed-over" })
        {
            await harness.Start(deal);
        }

        // triage is due 48 hours after the start (2 March, 09:00 Shanghai).
        await harness.Submit(new CreateTask(harness.NextId(), "handed-over", "send-references", "Send references") { DueAt = harness.Clock.GetUtcNow().AddDays(1) });
        await harness.Submit(new ReassignTask(harness.NextId(), "handed-over", "send-references", "zhang-wei"));
        harness.Clock.Advance(TimeSpan.FromHours(2));
        await harness.Submit(new CompleteTask(harness.NextId(), "on-time", "triage"));
        await harness.Submit(new CompleteTask(harness.NextId(), "handed-over", "send-references"));
        await harness.PassLeadGate("moved-on");
        await harness.Submit(new RequestAdvance(harness.NextId(), "moved-on"));
        harness.Clock.Advance(TimeSpan.FromDays(3));
        await harness.Maintenance.FireDueTimersAsync();
        await harness.Submit(new CompleteTask(harness.NextId(), "late", "triage"));

        var log = await harness.Analytics.ReadKpiLogAsync();
        var kpis = log.Compute(new KpiQuery(March) { Process = process });
        var april = log.Compute(new KpiQuery(ReportPeriod.TryParse("2026-04", out var next) ? next : throw new InvalidOperationException()) { Process = process });

        // Due in March: triage of on-time, late, never and handed-over (moved-on left lead before triage came due), and
        // the ad hoc task. moved-on's schedule-meeting (5 business days) is due in March too, and still open.
        Assert.Equal(new TaskKpis(Due: 6, DoneOnTime: 2, DoneLate: 1, NotDone: 3), kpis.Tasks);
        Assert.Equal(2.0 / 6, kpis.Tasks.OnTimeShare);
        Assert.Equal(["lead", "first-contact"], kpis.TasksByStage.Select(t => t.Key));
        Assert.Equal(new TaskKpis(5, 2, 1, 2), kpis.TasksByStage[0].Tasks);
        Assert.Equal(new TaskKpis(1, 0, 0, 1), kpis.TasksByStage[1].Tasks);
        Assert.Equal(new TaskKpis(1, 1, 0, 0), kpis.TasksByAssignee.Single(t => t.Key == "zhang-wei").Tasks);
        Assert.Equal(new TaskKpis(5, 1, 1, 3), kpis.TasksByAssignee.Single(t => t.Key == "li-na").Tasks);
        Assert.Equal(TaskKpis.None, april.Tasks);

        // As of the first evening nothing had come due yet (the ad hoc task, done early, was due the next morning); as
        // of the fourth at noon, the triage tasks had come due and late had not been triaged yet.
        var firstDay = log.Compute(new KpiQuery(March) { Process = process, AsOf = new DateTimeOffset(2026, 3, 2, 23, 0, 0, TimeSpan.FromHours(8)) });
        var fourthDay = log.Compute(new KpiQuery(March) { Process = process, AsOf = new DateTimeOffset(2026, 3, 4, 12, 0, 0, TimeSpan.FromHours(8)) });
        Assert.Equal(TaskKpis.None, firstDay.Tasks);
        Assert.Equal(new TaskKpis(5, 2, 0, 3), fourthDay.Tasks); // late was not done yet
    }
}
