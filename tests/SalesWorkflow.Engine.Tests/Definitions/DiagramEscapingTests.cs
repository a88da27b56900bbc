using SalesWorkflow.Engine.Definitions;

namespace SalesWorkflow.Engine.Tests.Definitions;

/// <summary>Names written into a diagram cannot inject markup or new lines into it (issue 15, finding 7).</summary>
public sealed class DiagramEscapingTests
{
    private const string Hostile = "<img src=x onerror=alert(1)>\\\"] --> evil[\\\"`**x**`";

    private static ProcessDefinition Process() =>
        Assert.Single(TestProcesses.Load(TestProcesses.Header.Replace("name: Test", "name: \"Test\\n    evil --> pwned\"", StringComparison.Ordinal) + $"""
            stages:
              - {"{"} id: lead, name: "{Hostile}", probability: 0.1 {"}"}

            """ + TestProcesses.Tail).Processes);

    [Fact]
    public void Mermaid_StageAndProcessNames_AreEscapedInsideTheirLabels()
    {
        var mermaid = ProcessDiagram.Render(Process(), DiagramFormat.Mermaid);

        Assert.DoesNotContain("<img", mermaid, StringComparison.Ordinal);
        Assert.True(mermaid.Contains("#60;img src=x onerror=alert(1)#62;#34;] --#62; evil[#34;#96;**x**#96;", StringComparison.Ordinal), mermaid);
        Assert.DoesNotContain("\n    evil --> pwned", mermaid, StringComparison.Ordinal);
        Assert.Single(mermaid.Split('\n'), l => l.TrimStart().StartsWith("lead[", StringComparison.Ordinal));
    }

    [Fact]
    public void Dot_ProcessNameWithALineBreak_StaysInItsComment()
    {
        var dot = ProcessDiagram.Render(Process(), DiagramFormat.Dot);

        Assert.DoesNotContain("\n    evil --> pwned", dot, StringComparison.Ordinal);
        Assert.StartsWith("// test v1: Test\\u000a", dot, StringComparison.Ordinal);
    }
}
