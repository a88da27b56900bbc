using SalesWorkflow.Tests;

namespace SalesWorkflow.Cli.Tests;

/// <summary>Runs <c>salesflow</c> in-process with captured output; paths in the output are made repository-relative.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return (code, RepoPaths.Relative(output.ToString()), RepoPaths.Relative(error.ToString()));
    }

    public static string Broken(string name) => RepoPaths.Combine("tests", "SalesWorkflow.Engine.Tests", "Corpus", "broken", name);
}
