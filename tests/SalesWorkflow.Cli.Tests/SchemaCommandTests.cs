using SalesWorkflow.Tests;

namespace SalesWorkflow.Cli.Tests;

public sealed class SchemaCommandTests
{
    [Fact]
    public async Task Schema_CheckAgainstRepository_IsUpToDate()
    {
        var (code, _, error) = await CliRunner.RunAsync("schema", "--out", RepoPaths.Combine("schema"), "--check");

        Assert.True(code == ExitCodes.Ok, error);
    }

    [Fact]
    public async Task Schema_Kind_PrintsJsonSchema()
    {
        var (code, output, _) = await CliRunner.RunAsync("schema", "--kind", "rule-pack");

        Assert.Equal(ExitCodes.Ok, code);
        using var document = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal("rule-pack", document.RootElement.GetProperty("properties").GetProperty("kind").GetProperty("const").GetString());
    }
}
