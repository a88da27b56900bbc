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
    public async Task Schema_Out_ThroughALinkToAFileOutsideTheFolder_IsRefusedAndTheTargetKept()
    {
        var folder = Directory.CreateTempSubdirectory("sw-schema-link-").FullName;
        try
        {
            var outside = Path.Combine(folder, "precious.txt");
            File.WriteAllText(outside, "precious");
            var schemas = Directory.CreateDirectory(Path.Combine(folder, "schemas")).FullName;
            File.CreateSymbolicLink(Path.Combine(schemas, "process.schema.json"), outside);

            var (code, _, error) = await CliRunner.RunAsync("schema", "--out", schemas);

            Assert.Equal(ExitCodes.UsageOrIo, code);
            Assert.Contains("it is a link", error, StringComparison.Ordinal);
            Assert.Equal("precious", File.ReadAllText(outside));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
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
