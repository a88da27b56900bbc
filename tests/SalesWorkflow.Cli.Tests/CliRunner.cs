using SalesWorkflow.Tests;

namespace SalesWorkflow.Cli.Tests;

/// <summary>Runs <c>salesflow</c> in-process with captured output; paths in the output are made repository-relative.</summary>
internal static class CliRunner
{
    public static Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args) => RunWithInputAsync(string.Empty, args);

    /// <summary>Runs with <paramref name="input"/> as standard input (a password for --password-stdin).</summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunWithInputAsync(string input, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var reader = new StringReader(input);
        var code = await CliApp.RunAsync(args, output, error, reader);
        return (code, RepoPaths.Relative(output.ToString()), RepoPaths.Relative(error.ToString()));
    }

    public static string Broken(string name) => RepoPaths.Combine("tests", "SalesWorkflow.Engine.Tests", "Corpus", "broken", name);
}
