using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SalesWorkflow.Engine.Analytics;

namespace SalesWorkflow.Cli.Commands;

/// <summary>
/// <c>salesflow report</c>: the period review a sales director runs, computed from the event log (see
/// <see cref="ReviewReport"/> for what it holds), for a period, a team or a rep, as of any moment — as Markdown, JSON or
/// one self-contained HTML file with charts.
/// </summary>
internal static class ReportCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create(CliContext context)
    {
        var db = new Option<string>("--db") { Description = "The database to report on.", DefaultValueFactory = _ => "salesworkflow.db" };
        var period = new Option<string>("--period") { Description = "yyyy, yyyy-Qn or yyyy-MM, e.g. 2017-Q3.", Required = true };
        var team = new Option<string?>("--team") { Description = "Only deals of this team (as recorded when each deal started)." };
        var rep = new Option<string?>("--rep") { Description = "Only deals of this rep (owner id)." };
        var asOf = new Option<string?>("--as-of") { Description = "Only what was known at this moment: a date (its end, in the process's time zone) or a moment, e.g. 2026-03-15 or 2026-03-15T12:00+08:00." };
        var process = new Option<string?>("--process") { Description = "The process to report on (default: the one most deals run)." };
        var format = new Option<string>("--format") { Description = "md (default), html or json.", DefaultValueFactory = _ => "md" };
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
            output,
            plugins,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse.GetValue(db)!, parse.GetValue(period)!, parse.GetValue(team), parse.GetValue(rep), parse.GetValue(asOf), parse.GetValue(process), parse.GetValue(format)!, parse.GetValue(output), parse.GetValue(plugins), cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, string dbPath, string periodText, string? team, string? rep, string? asOfText, string? processId, string format, string? output, IReadOnlyList<string>? pluginFolders, CancellationToken cancellationToken)
    {
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

        // The process reported on: the one asked for, else the one most deals run; its latest version recorded gives
        // the stages, probabilities, stall thresholds and targets, and the time zone dates count in.
        var processes = log.Processes;
        processId ??= processes.Count > 0 ? processes[0].Id : null;
        var chosen = processes.FirstOrDefault(p => p.Id == processId);
        if (processId is not null && chosen is null)
        {
            await context.Error.WriteLineAsync($"salesflow: no deal runs process `{processId}` in this database (it has: {string.Join(", ", processes.Select(p => p.Id))})");
            return ExitCodes.UsageOrIo;
        }

        if (processes.Count > 1)
        {
            await context.Error.WriteLineAsync($"salesflow: this database holds {processes.Count} processes ({string.Join(", ", processes.Select(p => p.Id))}); reporting on `{processId}` (choose with --process)");
        }

        var definition = chosen is null ? null : await database.Analytics.FindProcessAsync(chosen.Id, chosen.LatestVersion, cancellationToken);
        var timeZone = definition?.Calendar.TimeZone ?? TimeZoneInfo.Utc;
        if (asOfDate is { } day)
        {
            // A date means "at the end of that day", in the process's time zone.
            var midnight = day.AddDays(1).ToDateTime(TimeOnly.MinValue);
            asOf = new DateTimeOffset(midnight, timeZone.GetUtcOffset(midnight)).AddTicks(-1);
        }

        var process = definition is null ? "(no deals)" : $"{definition.Name.Get("en")} ({definition.Id} v{definition.Version})";
        var filter = new KpiFilter(team, rep);
        var kpis = log.Compute(
        [
            new KpiQuery(period) { Filter = filter, AsOf = asOf, Process = definition, TimeZone = timeZone },
            new KpiQuery(period.Previous()) { Filter = filter, AsOf = asOf, Process = definition, TimeZone = timeZone },
        ]);
        var (current, previous) = (kpis[0], kpis[1]);
        var scope = team is not null ? $"team {team}" : rep is not null ? $"rep {rep}" : "all teams";
        var text = format switch
        {
            "json" => JsonSerializer.Serialize(new { process, scope, timeZone = timeZone.Id, current, previous }, Json),
            "html" => ReviewReport.Build(current, previous, process, scope).ToHtml(),
            _ => ReviewReport.Build(current, previous, process, scope).ToMarkdown(),
        };
        output ??= format == "html" ? $"report-{period.Label}.html" : null;
        if (output is null)
        {
            await context.Out.WriteAsync(text);
            return ExitCodes.Ok;
        }

        await File.WriteAllTextAsync(output, text, cancellationToken);
        await context.Out.WriteLineAsync($"Report for {period.Label} ({scope}) written to {Path.GetFullPath(output)}");
        return ExitCodes.Ok;
    }
}
