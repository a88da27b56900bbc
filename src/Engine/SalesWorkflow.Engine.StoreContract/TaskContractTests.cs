using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;
using Xunit;

namespace SalesWorkflow.Engine.StoreContract;

#pragma warning disable CS1591 // Test methods: each name says what it checks.

/// <summary>
/// Task timers (docs/tasks.md): a stage task's due moment counted in business hours on the process calendar, its
/// <c>task-overdue</c> fired exactly once at that moment, and cancelled by completing the task or leaving the stage.
/// </summary>
public abstract class TaskContractTests : StoreContractTests
{
    /// <summary>Friday 25 September 2026, 16:00 in Shanghai: two working hours before a weekend and the National Day holidays.</summary>
    private static readonly DateTimeOffset FridayAfternoon = new(2026, 9, 25, 16, 0, 0, TimeSpan.FromHours(8));

    /// <summary>
    /// 48 business hours from <see cref="FridayAfternoon"/> on the contract process's calendar (09:00–18:00): Friday 2 h,
    /// Monday to Wednesday 27 h, the holidays of 1–7 October skipped, Thursday and Friday 18 h, and the make-up workday
    /// Saturday 10 October from 09:00 to 10:00.
    /// </summary>
    private static readonly DateTimeOffset TriageDue = new(2026, 10, 10, 10, 0, 0, TimeSpan.FromHours(8));

    /// <summary>The contract process with triage due in 48 business hours, and an escalation to the manager when it is late.</summary>
    private static readonly Lazy<string> WithBusinessHourTask = new(() =>
    {
        var text = File.ReadAllText(ContractProcess.Path);
        const string Due = "        due: 48h\n";
        const string Escalations = "escalations:\n";
        Assert.Contains(Due, text, StringComparison.Ordinal);
        Assert.Contains(Escalations, text, StringComparison.Ordinal);
        text = text.Replace(Due, "        due: 48bh\n", StringComparison.Ordinal).Replace(Escalations, Escalations + """
              - id: triage-late
                name: { zh: 线索研判逾期, en: Lead triage late }
                stages: [lead]
                trigger:
                  condition: TaskOverdue("triage")
                levels:
                  - { notify: manager, after: 0m }
                message: { zh: 线索研判逾期。, en: The lead was not triaged in time. }

            """, StringComparison.Ordinal);
        var path = Path.Combine(Directory.CreateTempSubdirectory("sw-task-contract-").FullName, "standard-b2b.yaml");
        File.WriteAllText(path, text);
        return path;
    });

    private StoreHarness TaskHarness()
    {
        var harness = new StoreHarness(OpenStore(), WithBusinessHourTask.Value);
        harness.Clock.SetUtcNow(FridayAfternoon);
        return harness;
    }

    private static async Task<List<TaskOverdue>> Overdue(StoreHarness harness, string dealId) =>
        [.. (await harness.Engine.GetHistoryAsync(dealId)).Select(e => e.Payload).OfType<TaskOverdue>()];


    [Fact]
    public async Task TaskDueIn48BusinessHours_OverAWeekendAndAHoliday_ComesDueOnceAtTheRightMoment()
    {
        await using var harness = TaskHarness();
        var started = await harness.Start("d1");
        var created = started.Events.Select(e => e.Payload).OfType<TaskCreated>().Single(t => t.TaskId == "triage");
        Assert.Equal(TriageDue, created.DueAt);
        Assert.Equal("li-na", created.AssignedTo);

        await harness.FireDueTimersAt(TriageDue.AddMinutes(-1));
        Assert.Empty(await Overdue(harness, "d1"));
        Assert.False((await harness.Engine.GetDealAsync("d1"))!.Tasks.Single().IsOverdueAt(harness.Clock.GetUtcNow()));

        await harness.FireDueTimersAt(TriageDue);
        await harness.FireDueTimersAt(TriageDue.AddDays(3));

        var overdue = Assert.Single(await Overdue(harness, "d1"));
        Assert.Equal(("triage", "lead", TriageDue, "owner", "li-na"), (overdue.TaskId, overdue.Stage, overdue.DueAt, overdue.AssigneeRole, overdue.AssignedTo));
        var history = await harness.Engine.GetHistoryAsync("d1");
        Assert.Equal(TriageDue, history.Single(e => e.Payload is TaskOverdue).At);
        Assert.Equal(TriageDue, (await harness.Engine.GetDealAsync("d1"))!.Tasks.Single().OverdueAt);

        // The overdue task made the escalation's condition true: the manager was told, once.
        var late = Assert.Single(history.Select(e => e.Payload).OfType<EscalationRaised>(), e => e.Escalation == "triage-late");
        Assert.Equal("manager", late.Notify);
    }

    [Fact]
    public async Task CompletingTheTaskFirst_CancelsItsTimer_AndCountsAsOnTime()
    {
        await using var harness = TaskHarness();
        await harness.Start("d1");
        harness.Clock.Advance(TimeSpan.FromHours(1));

        var done = await harness.Submit(new CompleteTask(harness.NextId(), "d1", "triage") { Note = "qualified", Actor = "li-na" });
        await harness.FireDueTimersAt(TriageDue.AddDays(1));

        Assert.Equal(CommandStatus.Applied, done.Status);
        var completed = Assert.Single(done.Events.Select(e => e.Payload).OfType<TaskCompleted>());
        Assert.True(completed.OnTime);
        Assert.Empty(await Overdue(harness, "d1"));
        var task = (await harness.Engine.GetDealAsync("d1"))!.Tasks.Single();
        Assert.Equal((FridayAfternoon.AddHours(1), "li-na", (DateTimeOffset?)null), (task.CompletedAt!.Value, task.CompletedBy, task.OverdueAt));
        Assert.DoesNotContain((await harness.Engine.GetHistoryAsync("d1")).Select(e => e.Payload).OfType<EscalationRaised>(), e => e.Escalation == "triage-late");
    }

    [Fact]
    public async Task LeavingTheStage_EndsItsTasks_AndTheirTimers()
    {
        await using var harness = TaskHarness();
        await harness.Start("d1");
        await harness.PassLeadGate("d1");
        var advanced = await harness.Submit(new RequestAdvance(harness.NextId(), "d1"));

        await harness.FireDueTimersAt(TriageDue.AddDays(1));

        Assert.Equal(CommandStatus.Applied, advanced.Status);
        Assert.DoesNotContain(await Overdue(harness, "d1"), o => o.TaskId == "triage");
        var deal = (await harness.Engine.GetDealAsync("d1"))!;
        Assert.Equal(["schedule-meeting"], deal.Tasks.Select(t => t.Id));
    }

    [Fact]
    public async Task AdHocTask_ComesDueOnce_AndAnotherWithTheSameIdIsRefused()
    {
        await using var harness = TaskHarness();
        await harness.Start("d1");
        var due = FridayAfternoon.AddDays(1);

        var created = await harness.Submit(new CreateTask(harness.NextId(), "d1", "send-references", "Send two references") { DueAt = due, AssignTo = "zhang-wei" });
        var again = await harness.Submit(new CreateTask(harness.NextId(), "d1", "send-references", "Send them again"));
        await harness.FireDueTimersAt(due);
        await harness.FireDueTimersAt(due.AddDays(1));

        Assert.Equal(CommandStatus.Applied, created.Status);
        Assert.Equal("task-exists", again.Rejection?.Code);
        var overdue = Assert.Single(await Overdue(harness, "d1"), o => o.TaskId == "send-references");
        Assert.Equal((due, "zhang-wei"), (overdue.DueAt, overdue.AssignedTo));
    }
}
