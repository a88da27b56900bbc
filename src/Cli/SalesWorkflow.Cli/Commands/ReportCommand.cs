using System.CommandLine;
using System.Globalization;
using SalesWorkflow.Analytics;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Cli.Commands;

/// <summary>
/// <c>salesflow report</c>: the period review a sales director runs, computed from the event log (see
/// <see cref="PeriodReview"/> for what it holds), for a period, a team or a rep, as of any moment — as Markdown, JSON or
/// one self-contained HTML file with charts.
/// </summary>
internal static class ReportCommand
{
    public static Command Create(CliContext context)
    {
        var db = new Option<string>("--db") { Description = "The database to report on.", DefaultValueFactory = _ => "salesworkflow.db" };
        var period = new Option<string>("--period") { Description = "yyyy, yyyy-Qn or yyyy-MM, e.g. 2017-Q3.", Required = true };
        var team = new Option<string?>("--team") { Description = "Only deals of this team (as recorded when each deal started)." };
        var rep = new Option<string?>("--rep") { Description = "Only deals of this rep (owner id)." };
        var asOf = new Option<string?>("--as-of") { Description = "Only what was known at this moment: a date (its end, in the process's time zone) or a moment, e.g. 2026-03-15 or 2026-03-15T12:00+08:00." };
        var process = new Option<string?>("--process") { Description = "The process to report on (default: the one most deals run)." };
        var format = new Option<string>("--format") { Description = "md (default), html or json.", DefaultValueFactory = _ => "md" };
        var language = new Option<string?>("--language") { Description = "The language of the Markdown and HTML report: en or zh (default: the process's first language)." };
        var output = new Option<string?>("--out") { Description = "Write the report to this file (default: standard output; for html: report-<period>.html)." };
        var plugins = PluginSupport.CreateOption();
        var command = new Command("report", "The period review from the event log: targets of the period's deals, win rate, revenue, cycle, funnel, loss reasons and rep scorecards.")
        {
            db,
            period,
            team,
            rep,
            asOf,
            process,
            format,
            language,
            output,
            plugins,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse.GetValue(db)!, parse.GetValue(period)!, parse.GetValue(team), parse.GetValue(rep), parse.GetValue(asOf), parse.GetValue(process), parse.GetValue(format)!, parse.GetValue(output), parse.GetValue(plugins), cancellationToken, parse.GetValue(language)));
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, string dbPath, string periodText, string? team, string? rep, string? asOfText, string? processId, string format, string? output, IReadOnlyList<string>? pluginFolders, CancellationToken cancellationToken, string? language = null)
    {
        if (language is not null && !PeriodReview.Languages.Any(l => string.Equals(l, language.Split('-', 2)[0], StringComparison.OrdinalIgnoreCase)))
        {
            await context.Error.WriteLineAsync($"salesflow: --language is {string.Join(" or ", PeriodReview.Languages)}, not `{PrintableText.Escape(language)}`");
            return ExitCodes.UsageOrIo;
        }

        if (!ReportPeriod.TryParse(periodText, out var period))
        {
            await context.Error.WriteLineAsync($"salesflow: --period `{periodText}` is not yyyy, yyyy-Qn or yyyy-MM (e.g. 2017-Q3)");
            return ExitCodes.UsageOrIo;
        }

        if (format is not ("md" or "html" or "json"))
        {
            await context.Error.WriteLineAsync($"salesflow: --format is md, html or json, not `{format}`");
            return ExitCodes.UsageOrIo;
        }

        DateOnly? asOfDate = null;
        DateTimeOffset? asOf = null;
        if (asOfText is not null)
        {
            if (DateOnly.TryParseExact(asOfText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                asOfDate = date;
            }
            else if (DateTimeOffset.TryParse(asOfText, CultureInfo.InvariantCulture, DateTimeStyles.None, out var moment) && asOfText.Contains('T', StringComparison.Ordinal))
            {
                asOf = moment;
            }
            else
            {
                await context.Error.WriteLineAsync($"salesflow: --as-of `{asOfText}` is not a date (yyyy-MM-dd) or a moment with its offset (e.g. 2026-03-15T12:00+08:00)");
                return ExitCodes.UsageOrIo;
            }
        }

        await using var database = StoredDatabase.Open(dbPath, context.Error, pluginFolders);
        if (database is null)
        {
            return ExitCodes.UsageOrIo;
        }

        // The log streams into a condensed form: no event list is held, however long the history.
        var log = await database.Analytics.ReadKpiLogAsync(cancellationToken);
        var processes = log.Processes;
        if (processId is not null && PeriodReview.ChooseProcess(log, processId) is null)
        {
            await context.Error.WriteLineAsync($"salesflow: no deal runs process `{processId}` in this database (it has: {string.Join(", ", processes.Select(p => p.Id))})");
            return ExitCodes.UsageOrIo;
        }

        if (processes.Count > 1)
        {
            await context.Error.WriteLineAsync($"salesflow: this database holds {processes.Count} processes ({string.Join(", ", processes.Select(p => p.Id))}); reporting on `{processId ?? processes[0].Id}` (choose with --process)");
        }

        var review = await PeriodReview.ComputeAsync(database.Analytics, log, new ReviewRequest(period) { ProcessId = processId, Team = team, Rep = rep, AsOf = asOf, AsOfDate = asOfDate }, cancellationToken);
        var scope = review.Scope;
        var text = format switch
        {
            "json" => review.ToJson(),
            "html" => review.ToHtml(language),
            _ => review.ToMarkdown(language),
        };
        output ??= format == "html" ? $"report-{period.Label}.html" : null;
        if (output is null)
        {
            await context.Out.WriteAsync(text);
            return ExitCodes.Ok;
        }

        if (OutputFile.RefusalToReplace(output, [dbPath]) is { } refusal)
        {
            await context.Error.WriteLineAsync($"salesflow: will not write the report over '{output}': {refusal}; choose another path");
            return ExitCodes.UsageOrIo;
        }

        await File.WriteAllTextAsync(output, text, cancellationToken);
        await context.Out.WriteLineAsync($"Report for {period.Label} ({scope}) written to {Path.GetFullPath(output)}");
        return ExitCodes.Ok;
    }
}
