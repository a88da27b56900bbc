using System.CommandLine;
using System.Globalization;
using System.Xml.Linq;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Engine.Evaluation;

namespace SalesWorkflow.Cli.Commands;

/// <summary><c>salesflow test</c>: runs process tests with pass/fail output, diffs, JUnit XML and rule coverage.</summary>
internal static class TestCommand
{
    public static Command Create(CliContext context)
    {
        var paths = new Argument<string[]>("paths") { Description = "Test files or folders (with the processes and packs they use).", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string>("--format") { Description = "text (default) or junit (XML for CI systems).", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "junit");
        var output = new Option<string?>("--output", "-o") { Description = "Write the report to this file (useful with --format junit)." };
        var plugins = PluginSupport.CreateOption();
        var command = new Command("test", "Run process tests: given a deal, does the process decide as expected? Exit 0 when all pass, 1 when any fails.")
        {
            paths,
            format,
            output,
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
            if (set.HasErrors)
            {
                ValidateCommand.Write(context.Error, set, json: false);
                context.Error.WriteLine("salesflow: fix the definition errors above before running tests");
                return ExitCodes.Invalid;
            }

            var report = ProcessTestRunner.Run(set);
            if (report.Results.Count == 0)
            {
                context.Error.WriteLine("salesflow: no process tests found (files with `kind: process-tests`)");
                return ExitCodes.Invalid;
            }

            var text = parse.GetValue(format) == "junit" ? JUnit(report) : Text(report);
            if (parse.GetValue(output) is { } target)
            {
                if (OutputFile.RefusalToReplace(target, set.Files) is { } refusal)
                {
                    context.Error.WriteLine($"salesflow: will not write the test report over '{target}': {refusal}; choose another path");
                    return ExitCodes.UsageOrIo;
                }

                try
                {
                    File.WriteAllText(target, text);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    context.Error.WriteLine($"salesflow: cannot write '{target}': {ex.Message}");
                    return ExitCodes.UsageOrIo;
                }

                context.Out.WriteLine(Summary(report));
            }
            else
            {
                context.Out.Write(text);
            }

            return report.Failed == 0 ? ExitCodes.Ok : ExitCodes.Invalid;
        });
        return command;
    }

    internal static string Text(ProcessTestReport report)
    {
        var b = new System.Text.StringBuilder();
        foreach (var file in report.Results.GroupBy(r => (r.File, r.Process)))
        {
            b.Append(file.Key.File).Append(" (").Append(file.Key.Process).Append(")\n");
            foreach (var result in file)
            {
                b.Append("  ").Append(result.Passed ? "✔ " : "✘ ").Append(result.Name).Append('\n');
                foreach (var failure in result.Failures)
                {
                    b.Append("      ").Append(failure.Replace("\n", "\n      ", StringComparison.Ordinal)).Append('\n');
                }

                if (!result.Passed)
                {
                    b.Append("      at ").Append(result.Span).Append('\n');
                }
            }
        }

        b.Append('\n').Append(Summary(report)).Append('\n');
        foreach (var coverage in report.Coverage)
        {
            var notExercised = coverage.NotExercised.ToList();
            b.Append("coverage ").Append(coverage.Process).Append(": ")
                .Append(coverage.Exercised.Count).Append('/').Append(coverage.Rules.Count).Append(" rules exercised, ")
                .Append(coverage.SeenHolding.Count).Append('/').Append(coverage.Rules.Count).Append(" seen holding");
            b.Append(notExercised.Count == 0 ? "\n" : "; not exercised: " + string.Join(", ", notExercised) + "\n");
        }

        return b.ToString();
    }

    private static string Summary(ProcessTestReport report) =>
        $"{ValidateCommand.Plural(report.Results.Count, "test")}: {report.Results.Count - report.Failed} passed, {report.Failed} failed.";

    internal static string JUnit(ProcessTestReport report)
    {
        var suites = new XElement("testsuites",
            new XAttribute("tests", report.Results.Count),
            new XAttribute("failures", report.Failed));
        foreach (var file in report.Results.GroupBy(r => r.File))
        {
            suites.Add(new XElement("testsuite",
                new XAttribute("name", Xml(file.Key)),
                new XAttribute("tests", file.Count()),
                new XAttribute("failures", file.Count(r => !r.Passed)),
                new XAttribute("time", Seconds(file.Sum(r => r.Duration.TotalSeconds))),
                file.Select(r => new XElement("testcase",
                    new XAttribute("classname", Xml(r.Process)),
                    new XAttribute("name", Xml(r.Name)),
                    new XAttribute("file", Xml(r.File)),
                    new XAttribute("line", r.Span.Line),
                    new XAttribute("time", Seconds(r.Duration.TotalSeconds)),
                    r.Passed ? null : new XElement("failure",
                        new XAttribute("message", Xml(r.Failures[0].Split('\n')[0])),
                        Xml(string.Join("\n", r.Failures)))))));
        }

        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + suites + "\n";
    }

    /// <summary>
    /// Text from a test file as XML 1.0 allows it: control characters (an escape sequence in a test's name) as visible
    /// <c>\u001b</c>-style escapes, which XML cannot hold even as entities, and a lone surrogate as U+FFFD.
    /// </summary>
    private static string Xml(string text)
    {
        var escaped = PrintableText.Escape(text, keepLineBreaks: true);
        var chars = escaped.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(chars[i]) || chars[i] is '\uFFFE' or '\uFFFF')
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }

    private static string Seconds(double seconds) => seconds.ToString("0.######", CultureInfo.InvariantCulture);
}
