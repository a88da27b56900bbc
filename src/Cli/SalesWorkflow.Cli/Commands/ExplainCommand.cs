using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Evaluation;

namespace SalesWorkflow.Cli.Commands;

/// <summary><c>salesflow explain</c>: why a deal cannot leave its stage, which values made criteria fail, what to do about its risks.</summary>
internal static class ExplainCommand
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    internal static bool TryParseMoment(string text, out DateTimeOffset moment)
    {
        string[] formats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd"];
        var ok = DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out moment);
        return ok && (text.Length == 10 || text.EndsWith('Z') || text.Length >= 6 && text[^6] is '+' or '-');
    }

    public static Command Create(CliContext context, TimeProvider clock)
    {
        var process = new Argument<string>("process") { Description = "The process definition file." };
        var deal = new Option<string>("--deal") { Description = "A deal file (`kind: deal`: stage, now, opportunity, account, contacts, activities…).", Required = true };
        var now = new Option<string?>("--now") { Description = "Evaluation time, ISO 8601 with offset (default: the deal file's `now`, else the current time)." };
        var language = new Option<string>("--lang") { Description = "Language of names and advice, e.g. zh or en.", DefaultValueFactory = _ => "en" };
        var format = new Option<string>("--format") { Description = "text (default) or json (the full evaluation).", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("explain", "Evaluate one deal and explain the result in words: gate, failing criteria with the values read, risks and advice, escalations.")
        {
            process,
            deal,
            now,
            language,
            format,
        };
        command.SetAction(parse =>
        {
            var processPath = parse.GetValue(process)!;
            var dealPath = parse.GetValue(deal)!;
            if (!PathArguments.AllExist([processPath, dealPath], context.Error))
            {
                return ExitCodes.UsageOrIo;
            }

            DateTimeOffset? at = null;
            if (parse.GetValue(now) is { } nowText)
            {
                // An offset is required: a bare time would mean different moments on different machines.
                if (!TryParseMoment(nowText, out var parsed))
                {
                    context.Error.WriteLine($"salesflow: --now '{nowText}' is not a date and time with an offset, such as 2026-03-31T09:00:00+08:00 or 2026-03-31T01:00:00Z");
                    return ExitCodes.UsageOrIo;
                }

                at = parsed;
            }

            var loader = new DefinitionLoader();
            var set = loader.Load([processPath]);
            var definition = set.Processes.Count > 0 ? set.Processes[0] : null;
            if (set.HasErrors || definition is null)
            {
                ValidateCommand.Write(context.Error, set, json: false);
                if (!set.HasErrors)
                {
                    context.Error.WriteLine($"salesflow: '{processPath}' is not a process definition (kind: process)");
                    return ExitCodes.UsageOrIo;
                }

                return ExitCodes.Invalid;
            }

            var (snapshot, fileNow, diagnostics) = loader.LoadDeal(dealPath, definition, at ?? clock.GetUtcNow());
            if (snapshot is null || diagnostics.Any(d => d.Severity == Engine.Diagnostics.DiagnosticSeverity.Error))
            {
                foreach (var diagnostic in diagnostics)
                {
                    context.Error.WriteLine(Engine.Diagnostics.DiagnosticFormatter.Format(diagnostic));
                }

                return ExitCodes.Invalid;
            }

            var compiled = CompiledProcess.Compile(definition);
            var evaluation = DealEvaluator.Evaluate(compiled, snapshot, at ?? fileNow);
            context.Out.Write(parse.GetValue(format) == "json"
                ? JsonSerializer.Serialize(evaluation, Json) + "\n"
                : EvaluationExplainer.Explain(definition, snapshot, evaluation, parse.GetValue(language)!));
            return ExitCodes.Ok;
        });
        return command;
    }
}
