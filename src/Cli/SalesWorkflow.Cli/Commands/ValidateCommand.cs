using System.CommandLine;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Cli.Commands;

/// <summary><c>salesflow validate</c>: checks definition files and prints compiler-style diagnostics.</summary>
internal static class ValidateCommand
{
    public static Command Create(CliContext context)
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Definition files or folders (every *.yaml and *.yml below a folder).",
            Arity = ArgumentArity.OneOrMore,
        };
        var format = new Option<string>("--format")
        {
            Description = "Output format: text (compiler-style lines with carets) or json (for tools).",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json");
        var plugins = PluginSupport.CreateOption();
        var warningsAsErrors = new Option<bool>("--warnaserror") { Description = "Treat warnings as errors (exit code 1)." };
        var command = new Command("validate", "Check process definitions, rule packs and process tests; exit 0 when valid, 1 when not, 2 on usage or I/O errors.")
        {
            paths,
            format,
            warningsAsErrors,
            plugins,
        };
        command.SetAction(parse =>
        {
            var inputs = parse.GetValue(paths)!;
            if (!PathArguments.AllExist(inputs, context.Error))
            {
                return ExitCodes.UsageOrIo;
            }

            var set = PluginSupport.Loader(PluginSupport.Load(parse.GetValue(plugins), context.Error)).Load(inputs);
            var failOnWarnings = parse.GetValue(warningsAsErrors);
            Write(context.Out, set, parse.GetValue(format) == "json");
            var errors = set.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
            var warnings = set.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning);
            return errors > 0 || (failOnWarnings && warnings > 0) ? ExitCodes.Invalid : ExitCodes.Ok;
        });
        return command;
    }

    internal static void Write(TextWriter output, DefinitionSet set, bool json)
    {
        if (json)
        {
            output.Write(DiagnosticFormatter.ToJson(set.Diagnostics, set.Files));
            output.WriteLine();
            return;
        }

        foreach (var diagnostic in set.Diagnostics)
        {
            output.WriteLine(DiagnosticFormatter.Format(diagnostic));
            output.WriteLine();
        }

        var errors = set.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
        var warnings = set.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning);
        output.WriteLine($"{Plural(set.Files.Count, "file")} checked: {Plural(errors, "error")}, {Plural(warnings, "warning")}.");
    }

    internal static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";
}
