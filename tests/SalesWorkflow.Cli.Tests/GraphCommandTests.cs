using SalesWorkflow.Tests;
using Snapshooter;
using Snapshooter.Xunit;

namespace SalesWorkflow.Cli.Tests;

public sealed class GraphCommandTests
{
    [Theory]
    [InlineData("standard-b2b.yaml", "mermaid")]
    [InlineData("standard-b2b.yaml", "dot")]
    [InlineData("saas-velocity.yaml", "mermaid")]
    [InlineData("saas-velocity.yaml", "dot")]
    public async Task Graph_ShippedProcess_RendersEveryStageAndTransition(string file, string format)
    {
        var (code, output, error) = await CliRunner.RunAsync("graph", Path.Combine(RepoPaths.Definitions, file), "--format", format);

        Assert.True(code == ExitCodes.Ok, error);
        Snapshot.Match(output, SnapshotNameExtension.Create(file, format));
    }

    [Fact]
    public async Task Graph_StandardB2b_IsMermaidWithAllStagesAndGates()
    {
        var (_, output, _) = await CliRunner.RunAsync("graph", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"));

        Assert.StartsWith("%% standard-b2b v2", output, StringComparison.Ordinal);
        Assert.Contains("flowchart LR", output, StringComparison.Ordinal);
        foreach (var stage in new[] { "lead", "first_contact", "needs_analysis", "proposal", "negotiation", "after_sales", "lost" })
        {
            Assert.Contains($"    {stage}", output, StringComparison.Ordinal);
        }

        Assert.Contains("needs_analysis ==>|\"✔ budget-confirmed<br/>✔ needs-documented<br/>✔ timeline-known\"| proposal", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Graph_SingleLanguage_ShowsOnlyThatLanguage()
    {
        var (_, output, _) = await CliRunner.RunAsync("graph", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), "--lang", "en");

        Assert.DoesNotContain("潜在客户识别", output, StringComparison.Ordinal);
        Assert.Contains("Lead identification", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Graph_InvalidProcess_PrintsDiagnosticsAndExitsOne()
    {
        var (code, output, error) = await CliRunner.RunAsync("graph", CliRunner.Broken("no-won-stage.yaml"));

        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Empty(output);
        Assert.Contains("SW1203", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Graph_RulePack_IsAUsageError()
    {
        var (code, _, error) = await CliRunner.RunAsync("graph", Path.Combine(RepoPaths.Definitions, "packs", "bant.yaml"));

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("not a process", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Graph_OutputFile_WritesDiagram()
    {
        var target = Path.Combine(Path.GetTempPath(), $"graph-{Guid.NewGuid():N}.mmd");
        try
        {
            var (code, _, _) = await CliRunner.RunAsync("graph", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), "-o", target);

            Assert.Equal(ExitCodes.Ok, code);
            Assert.Contains("flowchart LR", await File.ReadAllTextAsync(target), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(target);
        }
    }
}
