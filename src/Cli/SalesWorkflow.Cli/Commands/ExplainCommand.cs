using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Storage;

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
        var target = new Argument<string>("process-or-deal") { Description = "The process definition file (with --deal), or a deal id (with --db)." };
        var deal = new Option<string?>("--deal") { Description = "A deal file (`kind: deal`: stage, now, opportunity, account, contacts, activities…) to evaluate against the process file." };
        var db = new Option<string?>("--db") { Description = "A SalesWorkflow database (SQLite file, or PostgreSQL connection string or URI): explain the stored deal against the process version it runs on." };
        var now = new Option<string?>("--now") { Description = "Evaluation time, ISO 8601 with offset (default: the deal file's `now`, or the stored deal's last evaluation, else the current time)." };
        var language = new Option<string>("--lang") { Description = "Language of names and advice, e.g. zh or en.", DefaultValueFactory = _ => "en" };
        var format = new Option<string>("--format") { Description = "text (default) or json (the full evaluation).", DefaultValueFactory = _ => "text" };
        var plugins = PluginSupport.CreateOption();
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("explain", "Evaluate one deal and explain the result in words: gate, failing criteria with the values read, risks and advice, escalations.")
        {
            target,
            deal,
            db,
            now,
            language,
            format,
            plugins,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            DateTimeOffset? at = null;
            if (parse.GetValue(now) is { } nowText)
            {
                // An offset is required: a bare time would mean different moments on different machines.
                if (!TryParseMoment(nowText, out var parsed))
                {
                    await context.Error.WriteLineAsync($"salesflow: --now '{nowText}' is not a date and time with an offset, such as 2026-03-31T09:00:00+08:00 or 2026-03-31T01:00:00Z");
                    return ExitCodes.UsageOrIo;
                }

                at = parsed;
            }

            var json = parse.GetValue(format) == "json";
            var lang = parse.GetValue(language)!;
            return (parse.GetValue(db), parse.GetValue(deal)) switch
            {
                ({ } dbPath, null) => await ExplainStoredAsync(context, dbPath, parse.GetValue(target)!, at, lang, json, parse.GetValue(plugins), cancellationToken),
                (null, { } dealPath) => ExplainFile(context, parse.GetValue(target)!, dealPath, at ?? null, clock, lang, json, parse.GetValue(plugins)),
                _ => await Usage(context),
            };
        });
        return command;
    }

    private static async Task<int> Usage(CliContext context)
    {
        await context.Error.WriteLineAsync("salesflow: explain needs either a process file and --deal <deal.yaml>, or a deal id and --db <database>, e.g.\n  salesflow explain definitions/standard-b2b.yaml --deal deal.yaml\n  salesflow explain --db salesworkflow.db D-00042");
        return ExitCodes.UsageOrIo;
    }

    private static async Task<int> ExplainStoredAsync(CliContext context, string dbPath, string dealId, DateTimeOffset? at, string language, bool json, IReadOnlyList<string>? pluginFolders, CancellationToken cancellationToken)
    {
        await using var database = StoredDatabase.Open(dbPath, context.Error, pluginFolders);
        if (database is null)
        {
            return ExitCodes.UsageOrIo;
        }

        try
        {
            Engine.Runtime.DealExplanation? explanation;
            try
            {
                explanation = await database.Engine.ExplainAsync(dealId, at, cancellationToken);
            }
            catch (ArgumentOutOfRangeException ex) when (ex.ParamName == "at")
            {
                await context.Error.WriteLineAsync("salesflow: --now " + ex.Message.Split(" (Parameter", 2)[0].Split('\n')[0]);
                return ExitCodes.UsageOrIo;
            }

            if (explanation is null)
            {
                await context.Error.WriteLineAsync($"salesflow: no deal '{dealId}' in {dbPath}");
                return ExitCodes.Invalid;
            }

            var deal = explanation.Deal;
            await context.Out.WriteAsync(json
                ? JsonSerializer.Serialize(new { deal = new { deal.DealId, deal.ProcessId, deal.ProcessVersion, deal.Stage, deal.Status, deal.EnteredStageAt, owner = deal.Owner.Id, deal.Opportunity.Amount }, evaluation = explanation.Evaluation }, Json) + "\n"
                : explanation.ToText(language) + string.Create(CultureInfo.InvariantCulture, $"Status: {deal.Status.ToString().ToLowerInvariant()} · owner {deal.Owner.Id} · history: salesflow history --db {dbPath} {deal.DealId}\n"));
            return ExitCodes.Ok;
        }
        catch (SalesWorkflowStoreException ex)
        {
            await context.Error.WriteLineAsync("salesflow: " + ex.Message);
            return ExitCodes.UsageOrIo;
        }
    }

    private static int ExplainFile(CliContext context, string processPath, string dealPath, DateTimeOffset? at, TimeProvider clock, string language, bool json, IReadOnlyList<string>? pluginFolders)
    {
        if (!PathArguments.AllExist([processPath, dealPath], context.Error))
        {
            return ExitCodes.UsageOrIo;
        }

        var loader = PluginSupport.Loader(PluginSupport.Load(pluginFolders, context.Error));
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
        context.Out.Write(json
            ? JsonSerializer.Serialize(evaluation, Json) + "\n"
            : EvaluationExplainer.Explain(definition, snapshot, evaluation, language));
        return ExitCodes.Ok;
    }
}
