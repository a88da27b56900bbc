using Spectre.Console;

namespace SalesWorkflow.Cli.Tests;

/// <summary>What every command line gets right: its version, completion, colours only where wanted (docs/cli.md).</summary>
public sealed class CliBasicsTests
{
    [Fact]
    public async Task Version_IsThePackagesVersion()
    {
        // The program itself, not in process: the version is the entry assembly's, which in process is the test host.
        var output = await DotnetCli.Dotnet(AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "salesflow.dll"), "--version");

        Assert.StartsWith(PackageConsumerTests.RepositoryVersion(), output.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuggestDirective_CompletesCommandsAndOptions()
    {
        var (commands, commandList, _) = await CliRunner.RunAsync("[suggest:3]", "rep");
        var (options, optionList, _) = await CliRunner.RunAsync("[suggest:13]", "report --for");

        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok), (commands, options));
        Assert.Contains("report", commandList.Split('\n'), StringComparer.Ordinal);
        Assert.Contains("--format", optionList.Split('\n').Select(l => l.Trim()), StringComparer.Ordinal);
    }

    [Theory]
    [InlineData(false, null, ColorSystemSupport.Detect)]
    [InlineData(false, "", ColorSystemSupport.Detect)]
    [InlineData(false, "1", ColorSystemSupport.NoColors)]
    [InlineData(true, null, ColorSystemSupport.NoColors)]
    public void Colours_OffWhenRedirectedOrNoColorIsSet(bool redirected, string? noColor, ColorSystemSupport expected) =>
        Assert.Equal(expected, TerminalText.Colours(redirected, noColor));
}
