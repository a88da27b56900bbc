using SalesWorkflow.Tests;
using Snapshooter;
using Snapshooter.Xunit;

namespace SalesWorkflow.Cli.Tests;

public sealed class ValidateCommandTests
{
    [Fact]
    public async Task Validate_ShippedDefinitions_ExitsZero()
    {
        var (code, output, _) = await CliRunner.RunAsync("validate", RepoPaths.Definitions);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.EndsWith("0 errors, 0 warnings.\n", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown-key-in-stage.yaml")]
    [InlineData("yaml-tab-indentation.yaml")]
    [InlineData("target-shares-not-100.yaml")]
    [InlineData("missing-translation.yaml")]
    [InlineData("import-cycle.yaml")]
    public async Task Validate_BrokenFile_PrintsCompilerStyleDiagnostics(string file)
    {
        var (code, output, _) = await CliRunner.RunAsync("validate", CliRunner.Broken(file));

        Assert.Equal(file == "missing-translation.yaml" ? ExitCodes.Ok : ExitCodes.Invalid, code);
        Snapshot.Match(output, SnapshotNameExtension.Create(file));
    }

    [Fact]
    public async Task Validate_MisspelledKey_ReportsLineColumnAndDidYouMean()
    {
        var (_, output, _) = await CliRunner.RunAsync("validate", CliRunner.Broken("unknown-key-in-stage.yaml"));

        Assert.Contains("unknown-key-in-stage.yaml(11,5): error SW1001: unknown key `probabilty` in stage", output, StringComparison.Ordinal);
        Assert.Contains("= hint: did you mean `probability`?", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_JsonFormat_IsMachineReadable()
    {
        var (code, output, _) = await CliRunner.RunAsync("validate", "--format", "json", CliRunner.Broken("no-won-stage.yaml"));

        Assert.Equal(ExitCodes.Invalid, code);
        using var document = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal(1, document.RootElement.GetProperty("errors").GetInt32());
        Assert.Equal("SW1203", document.RootElement.GetProperty("diagnostics")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task Validate_WarningsOnlyWithWarnAsError_ExitsOne()
    {
        var (plain, _, _) = await CliRunner.RunAsync("validate", CliRunner.Broken("probability-falls.yaml"));
        var (strict, _, _) = await CliRunner.RunAsync("validate", "--warnaserror", CliRunner.Broken("probability-falls.yaml"));

        Assert.Equal(ExitCodes.Ok, plain);
        Assert.Equal(ExitCodes.Invalid, strict);
    }

    [Fact]
    public async Task Validate_MissingPath_ExitsTwoWithMessage()
    {
        var (code, _, error) = await CliRunner.RunAsync("validate", "no/such/folder");

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("'no/such/folder' does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_NoArguments_IsAUsageError()
    {
        var (code, _, error) = await CliRunner.RunAsync("validate");

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("--help", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommand_IsAUsageError()
    {
        var (code, _, _) = await CliRunner.RunAsync("frobnicate");

        Assert.Equal(ExitCodes.UsageOrIo, code);
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("graph")]
    [InlineData("schema")]
    [InlineData("test")]
    [InlineData("explain")]
    public async Task EveryCommand_HasHelp(string command)
    {
        var (code, output, _) = await CliRunner.RunAsync(command, "--help");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_PrintsTheVersion()
    {
        var (code, output, _) = await CliRunner.RunAsync("--version");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", output);
    }
}
