using System.Xml.Linq;
using SalesWorkflow.Tests;
using Snapshooter;
using Snapshooter.Xunit;

namespace SalesWorkflow.Cli.Tests;

public sealed class TestAndExplainCommandTests
{
    private static string Deal(string name) => RepoPaths.Combine("tests", "SalesWorkflow.Cli.Tests", "Deals", name);

    [Fact]
    public async Task Test_ShippedDefinitions_PassWithFullCoverage()
    {
        var (code, output, error) = await CliRunner.RunAsync("test", RepoPaths.Definitions);

        Assert.True(code == ExitCodes.Ok, output + error);
        Assert.Contains("0 failed.", output, StringComparison.Ordinal);
        Assert.Contains("coverage standard-b2b v2: 26/26 rules exercised, 26/26 seen holding", output, StringComparison.Ordinal);
        Assert.DoesNotContain("not exercised", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_JUnitFormat_IsValidXmlWithOneCasePerTest()
    {
        var (code, output, _) = await CliRunner.RunAsync("test", "--format", "junit", RepoPaths.Definitions);

        Assert.Equal(ExitCodes.Ok, code);
        var document = XDocument.Parse(output);
        Assert.Equal("0", document.Root!.Attribute("failures")!.Value);
        Assert.Equal(int.Parse(document.Root.Attribute("tests")!.Value, System.Globalization.CultureInfo.InvariantCulture), document.Descendants("testcase").Count());
    }

    [Fact]
    public async Task Test_JUnitFormat_ATestNameWithControlCharacters_IsStillValidXml()
    {
        // XML cannot hold ESC or \u0001 even as entities: the report crashed and no file was written.
        var folder = Directory.CreateTempSubdirectory("sw-cli-junit-").FullName;
        try
        {
            File.Copy(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), Path.Combine(folder, "standard-b2b.yaml"));
            var tests = File.ReadAllText(Path.Combine(RepoPaths.Definitions, "standard-b2b.tests.yaml"))
                .Replace("  - name: lead with account and contact passes the gate", "  - name: \"lead \\e[31m with \\x01 account\"", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(folder, "standard-b2b.tests.yaml"), tests);
            var report = Path.Combine(folder, "junit.xml");

            var (code, _, error) = await CliRunner.RunAsync("test", "--format", "junit", "-o", report, folder);

            Assert.True(code == ExitCodes.Ok, error);
            var names = XDocument.Load(report).Descendants("testcase").Select(t => t.Attribute("name")!.Value).ToList();
            Assert.Contains("lead \\u001b[31m with \\u0001 account", names);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Test_FailingExpectation_ExitsOneAndShowsTheDiff()
    {
        var folder = Directory.CreateTempSubdirectory("sw-cli-test-").FullName;
        try
        {
            File.Copy(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), Path.Combine(folder, "standard-b2b.yaml"));
            var tests = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Definitions, "standard-b2b.tests.yaml"));
            await File.WriteAllTextAsync(Path.Combine(folder, "standard-b2b.tests.yaml"), tests.Replace("      health: 30", "      health: 31", StringComparison.Ordinal));

            var (code, output, _) = await CliRunner.RunAsync("test", folder);

            Assert.Equal(ExitCodes.Invalid, code);
            Assert.Contains("health: expected 31, got 30", output, StringComparison.Ordinal);
            Assert.Contains("17 passed, 1 failed.", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Test_NoTestFiles_ExitsOne()
    {
        var (code, _, error) = await CliRunner.RunAsync("test", Path.Combine(RepoPaths.Definitions, "packs"));

        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("no process tests found", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_BlockedDeal_PrintsTheExplanation()
    {
        var (code, output, error) = await CliRunner.RunAsync("explain", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), "--deal", Deal("acme-needs-analysis.yaml"));

        Assert.True(code == ExitCodes.Ok, error);
        Snapshot.Match(output);
    }

    [Fact]
    public async Task Explain_NowOption_OverridesTheDealFile()
    {
        var (_, early, _) = await CliRunner.RunAsync("explain", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), "--deal", Deal("acme-needs-analysis.yaml"), "--now", "2026-03-10T10:00:00+08:00");

        Assert.Contains("8 days in stage", early, StringComparison.Ordinal);
        Assert.DoesNotContain("stalled-deal", early, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_JsonFormat_IsTheFullEvaluation()
    {
        var (code, output, _) = await CliRunner.RunAsync("explain", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), "--deal", Deal("acme-needs-analysis.yaml"), "--format", "json");

        Assert.Equal(ExitCodes.Ok, code);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        Assert.False(json.RootElement.GetProperty("gate").GetProperty("passed").GetBoolean());
        Assert.Equal(30, json.RootElement.GetProperty("health").GetInt32());
        Assert.Equal("critical", json.RootElement.GetProperty("risks")[0].GetProperty("severity").GetString());
    }

    [Fact]
    public async Task Explain_NowWithoutOffset_IsAUsageError()
    {
        var (code, _, error) = await CliRunner.RunAsync("explain", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), "--deal", Deal("acme-needs-analysis.yaml"), "--now", "2026-03-25T10:00:00");

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("with an offset", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_RulePackInsteadOfProcess_SaysSo()
    {
        var (code, _, error) = await CliRunner.RunAsync("explain", Path.Combine(RepoPaths.Definitions, "packs", "bant.yaml"), "--deal", Deal("acme-needs-analysis.yaml"));

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("is not a process definition", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_BadNow_IsAUsageError()
    {
        var (code, _, error) = await CliRunner.RunAsync("explain", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), "--deal", Deal("acme-needs-analysis.yaml"), "--now", "yesterday");

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("--now 'yesterday'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_DealWithUnknownStage_ReportsItsPosition()
    {
        var deal = Path.Combine(Path.GetTempPath(), $"deal-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(deal, "format: 1\nkind: deal\nstage: negotiaton\nnow: 2026-03-10T10:00:00+08:00\n");
        try
        {
            var (code, _, error) = await CliRunner.RunAsync("explain", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), "--deal", deal);

            Assert.Equal(ExitCodes.Invalid, code);
            Assert.Contains("(3,8): error SW1202: the process `standard-b2b` has no stage `negotiaton`", error, StringComparison.Ordinal);
            Assert.Contains("did you mean `negotiation`?", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(deal);
        }
    }
}
