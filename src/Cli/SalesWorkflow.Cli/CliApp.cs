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

    /// <summary>A fault of salesflow itself (a bug to report); the message says so, without a stack trace.</summary>
    public const int InternalError = 70;
}

/// <summary>
/// Where a command writes; the console in production, string writers in tests. <see cref="Out"/> and
/// <see cref="Error"/> escape control characters (<see cref="TerminalText"/>); <see cref="Terminal"/> is the raw
/// output, for Spectre.Console's own colours, whose values are escaped one by one.
/// </summary>
internal sealed record CliContext(TextWriter Out, TextWriter Error)
{
    public TextWriter Terminal { get; init; } = Out;

    /// <summary>Standard input (a password given with --password-stdin).</summary>
    public TextReader In { get; init; } = Console.In;
}

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
        root.Subcommands.Add(DigestCommand.Create(context));
        root.Subcommands.Add(PluginsCommand.Create(context));
        root.Subcommands.Add(ImportCommand.Create(context));
        root.Subcommands.Add(ReportCommand.Create(context));
        root.Subcommands.Add(BacktestCommand.Create(context));
        root.Subcommands.Add(ServeCommand.Create(context));
        root.Subcommands.Add(AccountCommands.Users(context, () => context.In));
        root.Subcommands.Add(AccountCommands.Tokens(context));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TextReader? input = null)
    {
        var context = new CliContext(TerminalText.SafeWriter(output), TerminalText.SafeWriter(error)) { Terminal = output, In = input ?? Console.In };
        (output, error) = (context.Out, context.Error);
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

        // Every command's store errors and faults end here, so that none prints a stack trace at its user: a file that
        // is not a database is a message; a bug is a message asking for a report (the trace with SALESFLOW_DEBUG=1).
        configuration.EnableDefaultExceptionHandler = false;
        try
        {
            return await parse.InvokeAsync(configuration);
        }
        catch (Engine.Storage.SalesWorkflowStoreException ex)
        {
            await error.WriteLineAsync("salesflow: " + TerminalText.Safe(ex.Message));
            return ExitCodes.UsageOrIo;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("salesflow: " + TerminalText.Safe(ex.Message));
            return ExitCodes.UsageOrIo;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("salesflow: cancelled");
            return ExitCodes.UsageOrIo;
        }
#pragma warning disable CA1031 // The last line of defence of a command line: a fault is reported, never a trace dump.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await error.WriteLineAsync($"salesflow: internal error ({ex.GetType().Name}): {TerminalText.Safe(ex.Message)}");
            await error.WriteLineAsync(Environment.GetEnvironmentVariable("SALESFLOW_DEBUG") == "1"
                ? ex.ToString()
                : "This is a bug in salesflow; please report it with the command you ran (set SALESFLOW_DEBUG=1 for the details).");
            return ExitCodes.InternalError;
        }
    }

    private static bool IsHelpOrVersion(string[] args) =>
        args.Any(a => a is "--help" or "-h" or "-?" or "--version");
}
