using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>The task commands on the shipped process: what they do, what they refuse, and what conditions read of tasks.</summary>
public sealed class TaskCommandTests
{
    /// <summary>The shipped process with triage as part of the lead gate.</summary>
    private static readonly Lazy<string> WithTriageGate = new(() =>
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"));
        const string Gate = "    exitCriteria:\n";
        var at = text.IndexOf(Gate, StringComparison.Ordinal);
        Assert.True(at > 0);
        text = text[..at] + Gate + """
                  - id: triaged
                    when: TaskDone("triage")

            """ + text[(at + Gate.Length)..];
        var path = Path.Combine(Directory.CreateTempSubdirectory("sw-task-gate-").FullName, "standard-b2b.yaml");
        File.WriteAllText(path, text);
        return path;
    });

    private static List<T> Payloads<T>(CommandResult result) => [.. result.Events.Select(e => e.Payload).OfType<T>()];

    [Fact]
    public async Task CompleteTask_UnknownOrAlreadyDone_IsRefusedWithWhy()
    {
        await using var harness = new EngineHarness();
        await harness.Start("d1");

        var unknown = await harness.Submit(new CompleteTask(harness.NextId(), "d1", "tirage"));
        var first = await harness.Submit(new CompleteTask(harness.NextId(), "d1", "triage"));
        var second = await harness.Submit(new CompleteTask(harness.NextId(), "d1", "triage"));

        Assert.Equal("unknown-task", unknown.Rejection?.Code);
        Assert.Contains("its open tasks: triage", unknown.Rejection!.Message, StringComparison.Ordinal);
        Assert.Equal(CommandStatus.Applied, first.Status);
        Assert.Equal("task-done", second.Rejection?.Code);
    }

    [Fact]
    public async Task ReassignTask_GivesTheTaskToAnotherPerson_AndRefusesTheSameOneOrADoneTask()
    {
        await using var harness = new EngineHarness();
        await harness.Start("d1");

        var moved = await harness.Submit(new ReassignTask(harness.NextId(), "d1", "triage", "zhang-wei") { Note = "on leave" });
        var same = await harness.Submit(new ReassignTask(harness.NextId(), "d1", "triage", "zhang-wei"));
        var blank = await harness.Submit(new ReassignTask(harness.NextId(), "d1", "triage", " "));
        await harness.Submit(new CompleteTask(harness.NextId(), "d1", "triage"));
        var done = await harness.Submit(new ReassignTask(harness.NextId(), "d1", "triage", "li-na"));

        var reassigned = Assert.Single(Payloads<TaskReassigned>(moved));
        Assert.Equal(("li-na", "zhang-wei", "on leave"), (reassigned.From, reassigned.To, reassigned.Note));
        Assert.Equal("zhang-wei", (await harness.Engine.GetDealAsync("d1"))!.Tasks.Single().AssignedTo);
        Assert.Equal(("invalid-command", "invalid-command", "task-done"), (same.Rejection?.Code, blank.Rejection?.Code, done.Rejection?.Code));
    }

    [Theory]
    [InlineData("Call Back", "Call the customer back")]
    [InlineData("call-back", " ")]
    [InlineData("", "Call the customer back")]
    [InlineData("call:back", "Call the customer back")]
    public async Task CreateTask_WithAnIdOrTitleThatDoesNotRead_IsRefused(string taskId, string title)
    {
        await using var harness = new EngineHarness();
        await harness.Start("d1");

        var result = await harness.Submit(new CreateTask(harness.NextId(), "d1", taskId, title));

        Assert.Equal("invalid-command", result.Rejection?.Code);
    }

    [Fact]
    public async Task CreateTask_OnALostDeal_IsRefused_AndOnAnOpenOneIsTheOwnersByDefault()
    {
        await using var harness = new EngineHarness();
        await harness.Start("d1");
        await harness.Start("d2");
        await harness.Submit(new CloseLost(harness.NextId(), "d2", "price"));

        var open = await harness.Submit(new CreateTask(harness.NextId(), "d1", "call-back", "Call the customer back"));
        var lost = await harness.Submit(new CreateTask(harness.NextId(), "d2", "call-back", "Call the customer back"));

        var created = Assert.Single(Payloads<TaskCreated>(open));
        Assert.Equal(("li-na", true, (DateTimeOffset?)null, "Call the customer back"), (created.AssignedTo, created.AdHoc, created.DueAt, created.Title[""]));
        Assert.Equal("deal-closed", lost.Rejection?.Code);
    }

    [Fact]
    public async Task TaskDone_InTheGate_BlocksTheAdvanceUntilTheTaskIsCompleted()
    {
        await using var harness = new EngineHarness(WithTriageGate.Value);
        await harness.Start("d1");
        await harness.PassLeadGate("d1");

        var blocked = await harness.Submit(new RequestAdvance(harness.NextId(), "d1"));
        await harness.Submit(new CompleteTask(harness.NextId(), "d1", "triage"));
        var advanced = await harness.Submit(new RequestAdvance(harness.NextId(), "d1"));

        Assert.Equal("gate-failed", blocked.Rejection?.Code);
        Assert.Equal(["triaged"], blocked.Rejection!.FailingCriteria.Select(c => c.Id));
        Assert.Equal(("first-contact", CommandStatus.Applied), (advanced.Stage, advanced.Status));
    }

    [Fact]
    public async Task Reopening_CreatesTheStagesTasksAgain_WithANewDueMoment()
    {
        await using var harness = new EngineHarness();
        await harness.Start("d1");
        await harness.PassLeadGate("d1");
        await harness.Submit(new RequestAdvance(harness.NextId(), "d1"));
        await harness.Submit(new CompleteTask(harness.NextId(), "d1", "schedule-meeting"));
        await harness.Submit(new CloseLost(harness.NextId(), "d1", "price"));
        harness.Clock.Advance(TimeSpan.FromDays(3));

        var reopened = await harness.Submit(new Reopen(harness.NextId(), "d1"));

        var task = Assert.Single((await harness.Engine.GetDealAsync("d1"))!.Tasks);
        Assert.Equal(("schedule-meeting", false), (task.Id, task.IsDone));
        Assert.Equal(harness.Clock.GetUtcNow(), Assert.Single(Payloads<TaskCreated>(reopened)).DueAt!.Value.AddDays(-7)); // 5bd from a Thursday
    }

    [Fact]
    public async Task MigratingTheDeal_KeepsItsOpenTaskTimer()
    {
        var folder = Directory.CreateTempSubdirectory("sw-task-migrate-").FullName;
        await using var harness = new EngineHarness(EveryEventHistory.WriteDefinitions(folder), folder: folder);
        await harness.Submit(new StartTracking(harness.NextId(), "d1", "standard-b2b")
        {
            Version = 1,
            Opportunity = new Opportunity { Name = "d1", Amount = 100_000, AccountId = "acme", OwnerId = "li-na" },
            Owner = new Owner { Id = "li-na" },
        });

        var migrated = await harness.Submit(new MigrateVersion(harness.NextId(), "d1", 2));
        harness.Clock.Advance(TimeSpan.FromHours(49));
        await harness.Maintenance.FireDueTimersAsync();

        Assert.Equal(CommandStatus.Applied, migrated.Status);
        var overdue = (await harness.Engine.GetHistoryAsync("d1")).Select(e => e.Payload).OfType<TaskOverdue>();
        Assert.Equal("triage", Assert.Single(overdue).TaskId);
    }

    [Fact]
    public async Task AnEngineReplayingHistory_WithStageTasksOff_CreatesNone_ButTakesAdHocOnes()
    {
        await using var harness = new SalesWorkflow.Engine.StoreContract.StoreHarness(StoreUnderTest.Open(null), configureEngine: o => o.TrackStageTasks = false);

        var started = await harness.Start("d1");
        await harness.PassLeadGate("d1");
        var advanced = await harness.Submit(new RequestAdvance(harness.NextId(), "d1"));
        var adHoc = await harness.Submit(new CreateTask(harness.NextId(), "d1", "call-back", "Call back"));

        Assert.Empty(Payloads<TaskCreated>(started));
        Assert.Empty(Payloads<TaskCreated>(advanced));
        Assert.Single(Payloads<TaskCreated>(adHoc));
        Assert.Equal(["call-back"], (await harness.Engine.GetDealAsync("d1"))!.Tasks.Select(t => t.Id));
    }

    [Fact]
    public void TaskOverdue_ReadsTheDueMomentAgainstTheEvaluationClock_AndTaskDoneTheCompletion()
    {
        var process = TestProcesses.Compile(TestProcesses.Header + """
            stages:
              - id: lead
                name: Lead
                probability: 0.1
                tasks:
                  - { id: triage, title: Triage, due: 2d }
                exitCriteria:
                  - { id: triaged, when: 'TaskDone("triage")' }
                  - { id: not-late, when: '!TaskOverdue("triage")' }

            """ + TestProcesses.Tail);
        var now = new DateTimeOffset(2026, 6, 10, 9, 0, 0, TimeSpan.Zero);
        DealEvaluation Evaluate(DealTask task) => DealEvaluator.Evaluate(process, new DealSnapshot
        {
            Opportunity = new Opportunity { Id = "d1" },
            Stage = "lead",
            EnteredStageAt = now.AddDays(-3),
            Tasks = [task],
        }, now);
        string[] Failing(DealTask task) => [.. Evaluate(task).Gate.Criteria.Where(c => !c.Passed).Select(c => c.Id)];

        Assert.Equal(["triaged", "not-late"], Failing(new DealTask { Id = "triage", DueAt = now.AddHours(-1) }));
        Assert.Equal(["triaged"], Failing(new DealTask { Id = "triage", DueAt = now.AddHours(1) }));
        Assert.Empty(Failing(new DealTask { Id = "triage", DueAt = now.AddHours(-1), CompletedAt = now.AddHours(-2) }));
        Assert.Equal(["triaged", "not-late"], Failing(new DealTask { Id = "triage", DueAt = now })); // due now: its timer fires now
    }

    [Theory]
    [InlineData("TaskDone(\"triag\")", "`triage`")]
    [InlineData("TaskOverdue(\"call-back\")", null)]
    public void TaskIdNoStageDeclares_IsAnErrorAtTheLiteral(string condition, string? suggestion)
    {
        var yaml = TestProcesses.WithCriterionYaml(condition).Replace("    exitCriteria:", "    tasks:\n      - { id: triage, title: Triage }\n    exitCriteria:", StringComparison.Ordinal);

        var error = Assert.Single(TestProcesses.Load(yaml).Diagnostics, d => d.Severity == Diagnostics.DiagnosticSeverity.Error);

        Assert.Equal(Diagnostics.DiagnosticIds.ConditionUnknownTask, error.Code);
        Assert.Equal(TestProcesses.CriterionLine + 2, error.Span.Line);
        Assert.Equal(TestProcesses.CriterionColumn + 1 + condition.IndexOf('"', StringComparison.Ordinal), error.Span.Column);
        if (suggestion is not null)
        {
            Assert.Contains(suggestion, error.Hint, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TaskDone_WithAnIdThatIsNotALiteral_IsRefused()
    {
        var error = Assert.Single(TestProcesses.WithCriterion("TaskDone(Opportunity.Name)").Diagnostics, d => d.Severity == Diagnostics.DiagnosticSeverity.Error);

        Assert.Equal(Diagnostics.DiagnosticIds.ConditionForbidden, error.Code);
    }
}
