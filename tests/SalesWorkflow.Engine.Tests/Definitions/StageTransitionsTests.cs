using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Definitions;

public sealed class StageTransitionsTests
{
    private static ProcessDefinition Load(string transitions)
    {
        var text = $"""
            format: 1
            kind: process
            id: t
            version: 1
            name: T
            currency: CNY
            stages:
              - {"{"} id: a, name: A, probability: 0.1 {"}"}
              - {"{"} id: b, name: B, probability: 0.3, canLose: true {"}"}
              - {"{"} id: c, name: C, probability: 0.6 {"}"}
              - {"{"} id: won, name: Won, kind: won {"}"}
              - {"{"} id: care, name: Care, kind: won {"}"}
              - {"{"} id: lost, name: Lost, kind: lost {"}"}
            transitions:
              requireLossReason: false
            {transitions}
            """;
        var set = FirstPartyPlugins.Loader().LoadText(Path.Combine(Path.GetTempPath(), "t.yaml"), text);
        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        return set.Processes.Single();
    }

    [Fact]
    public void Enumerate_DefaultPolicy_ForwardBackLoseAndReopen()
    {
        var transitions = StageTransitions.Enumerate(Load(string.Empty));

        Assert.Contains(new StageTransition("a", "b", TransitionKind.Forward), transitions);
        Assert.Contains(new StageTransition("c", "won", TransitionKind.Forward), transitions);
        Assert.Contains(new StageTransition("won", "care", TransitionKind.Forward), transitions);
        Assert.Contains(new StageTransition("c", "a", TransitionKind.Back), transitions);
        Assert.Contains(new StageTransition("a", "lost", TransitionKind.Lose), transitions);
        Assert.Contains(new StageTransition("lost", "b", TransitionKind.Reopen), transitions);
        Assert.DoesNotContain(transitions, t => t.Kind == TransitionKind.Skip);
        Assert.DoesNotContain(transitions, t => t.From == "won" && t.Kind is TransitionKind.Back or TransitionKind.Lose);
    }

    [Fact]
    public void Enumerate_SkipsAllowedNoBackNoReopen_SkipsStopAtFirstWonStage()
    {
        var transitions = StageTransitions.Enumerate(Load("  allowSkip: true\n  allowBack: false\n  allowReopen: false"));

        Assert.Contains(new StageTransition("a", "c", TransitionKind.Skip), transitions);
        Assert.Contains(new StageTransition("a", "won", TransitionKind.Skip), transitions);
        Assert.DoesNotContain(new StageTransition("a", "care", TransitionKind.Skip), transitions);
        Assert.DoesNotContain(transitions, t => t.Kind is TransitionKind.Back or TransitionKind.Reopen);
    }

    [Fact]
    public void Enumerate_LossOnlyFromStagesThatAllowIt()
    {
        var transitions = StageTransitions.Enumerate(Load("  lostFromAnyStage: false"));

        Assert.Equal(["b"], transitions.Where(t => t.Kind == TransitionKind.Lose).Select(t => t.From));
        Assert.Equal(["b"], transitions.Where(t => t.Kind == TransitionKind.Reopen).Select(t => t.To));
    }

    [Fact]
    public void Find_ForbiddenJump_ReturnsNull()
    {
        var process = Load(string.Empty);

        Assert.Null(StageTransitions.Find(process, "a", "c"));
        Assert.Equal(TransitionKind.Forward, StageTransitions.Find(process, "a", "b")!.Kind);
        Assert.Equal("b", StageTransitions.NextStage(process, "a")!.Id);
    }

    [Fact]
    public void Enumerate_ShippedProcesses_EveryStageReachable()
    {
        var set = FirstPartyPlugins.Loader().Load([RepoPaths.Definitions]);
        foreach (var process in set.Processes)
        {
            var targets = StageTransitions.Enumerate(process).Select(t => t.To).Append(process.InitialStage.Id).ToHashSet();
            Assert.All(process.Stages, s => Assert.Contains(s.Id, targets));
        }
    }
}
