using System.CommandLine;
using SalesWorkflow.Cli.Commands;

namespace SalesWorkflow.Cli;

/// <summary>Exit codes of every <c>salesflow</c> command.</summary>
internal static class ExitCodes
{
    /// <summary>Success (warnings allowed).</summary>
    public const int Ok = 0;

    /// <summary>The input is invalid, or tests failed.</summary>
    public const int Invalid = 1;

    /// <summary>Wrong usage, or a file or database could not be read or written.</summary>
    public const int UsageOrIo = 2;
}

/// <summary>Where a command writes; the console in production, string writers in tests.</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Error);

/// <summary>The <c>salesflow</c> command line: builds the command tree and maps parse errors to exit code 2.</summary>
internal static class CliApp
{
    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("salesflow: validate, draw, test and run SalesWorkflow sales processes.");
        root.Subcommands.Add(ValidateCommand.Create(context));
        root.Subcommands.Add(GraphCommand.Create(context));
        root.Subcommands.Add(SchemaCommand.Create(context));
        root.Subcommands.Add(TestCommand.Create(context));
        root.Subcommands.Add(ExplainCommand.Create(context, TimeProvider.System));
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(HistoryCommand.Create(context));
        root.Subcommands.Add(PluginsCommand.Create(context));
        root.Subcommands.Add(ImportCommand.Create(context));
        root.Subcommands.Add(ReportCommand.Create(context));
        root.Subcommands.Add(BacktestCommand.Create(context));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var context = new CliContext(output, error);
        var root = BuildRoot(context);
        var parse = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        if (parse.Errors.Count > 0 && !IsHelpOrVersion(args))
        {
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync("salesflow: " + parseError.Message);
            }

            var command = parse.CommandResult.Command;
            var name = command == root ? string.Empty : " " + command.Name;
            await error.WriteLineAsync($"Run 'salesflow{name} --help' for usage.");
            return ExitCodes.UsageOrIo;
        }

        return await parse.InvokeAsync(configuration);
    }

    private static bool IsHelpOrVersion(string[] args) =>
        args.Any(a => a is "--help" or "-h" or "-?" or "--version");
}
