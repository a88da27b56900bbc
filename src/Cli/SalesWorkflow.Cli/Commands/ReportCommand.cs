using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using SalesWorkflow.Engine.Analytics;

namespace SalesWorkflow.Cli.Commands;

/// <summary>
/// <c>salesflow report</c>: the period review a sales director runs, computed from the event log — won/lost and win
/// rate, won revenue, sales cycle, pipeline, stage entries, loss reasons, rep scorecards, and the change against the
/// previous period — as Markdown, JSON or one self-contained HTML file with charts.
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
        var format = new Option<string>("--format") { Description = "md (default), html or json.", DefaultValueFactory = _ => "md" };
        var output = new Option<string?>("--out") { Description = "Write the report to this file (default: standard output; for html: report-<period>.html)." };
        var plugins = PluginSupport.CreateOption();
        var command = new Command("report", "The period review from the event log: targets of the period's deals, win rate, revenue, cycle, funnel, loss reasons and rep scorecards.")
        {
            db,
            period,
            team,
            rep,
            format,
            output,
            plugins,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse.GetValue(db)!, parse.GetValue(period)!, parse.GetValue(team), parse.GetValue(rep), parse.GetValue(format)!, parse.GetValue(output), parse.GetValue(plugins), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string dbPath, string periodText, string? team, string? rep, string format, string? output, IReadOnlyList<string>? pluginFolders, CancellationToken cancellationToken)
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

        await using var database = StoredDatabase.Open(dbPath, context.Error, pluginFolders);
        if (database is null)
        {
            return ExitCodes.UsageOrIo;
        }

        var events = await database.ReadAllEventsAsync(cancellationToken);

        // Dates count in the process's own time zone (the one its business days are counted in).
        var timeZone = TimeZoneInfo.Utc;
        var process = "(no deals)";
        if (events.Count > 0 && await database.Engine.ExplainAsync(events[0].DealId, cancellationToken: cancellationToken) is { } first)
        {
            timeZone = first.Process.Calendar.TimeZone;
            process = $"{first.Process.Name.Get("en")} ({first.Process.Id})";
        }

        var filter = new KpiFilter(team, rep);
        var current = KpiCalculator.Compute(events, period, timeZone, filter);
        var previous = KpiCalculator.Compute(events, period.Previous(), timeZone, filter);
        var scope = team is not null ? $"team {team}" : rep is not null ? $"rep {rep}" : "all teams";
        var text = format switch
        {
            "json" => JsonSerializer.Serialize(new { process, scope, timeZone = timeZone.Id, current, previous }, Json),
            "html" => Html(current, previous, process, scope),
            _ => Markdown(current, previous, process, scope),
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

    private static string N(decimal value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string P(double? value) => value is { } v ? (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "—";

    private static string D(double? value) => value is { } v ? v.ToString("0.#", CultureInfo.InvariantCulture) : "—";

    private static string Change(decimal now, decimal before) => before == 0 ? "—" : ((now - before) / before * 100).ToString("+0.0;-0.0;0", CultureInfo.InvariantCulture) + "%";

    private static string ChangePoints(double? now, double? before) => now is { } a && before is { } b ? ((a - b) * 100).ToString("+0.0;-0.0;0", CultureInfo.InvariantCulture) + " pts" : "—";

    private static List<(string Name, string Now, string Before, string Change)> Headline(PipelineKpis c, PipelineKpis p) =>
    [
        ("Deals won", N(c.Won), N(p.Won), Change(c.Won, p.Won)),
        ("Deals lost", N(c.Lost), N(p.Lost), Change(c.Lost, p.Lost)),
        ("Win rate", P(c.WinRate), P(p.WinRate), ChangePoints(c.WinRate, p.WinRate)),
        ("Won revenue", N(c.WonRevenue), N(p.WonRevenue), Change(c.WonRevenue, p.WonRevenue)),
        ("Sales cycle, median days", D(c.CycleDaysMedian), D(p.CycleDaysMedian), "—"),
        ("Sales cycle, mean days", D(c.CycleDaysMean), D(p.CycleDaysMean), "—"),
        ("Deals started", N(c.Started), N(p.Started), Change(c.Started, p.Started)),
        ("Open at period end", N(c.OpenAtEnd), N(p.OpenAtEnd), Change(c.OpenAtEnd, p.OpenAtEnd)),
        ("Pipeline at period end", N(c.PipelineAtEnd), N(p.PipelineAtEnd), Change(c.PipelineAtEnd, p.PipelineAtEnd)),
    ];

    private static string Markdown(PipelineKpis c, PipelineKpis p, string process, string scope)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"# Sales review {c.Period.Label} — {process}, {scope}\n\n");
        b.Append(CultureInfo.InvariantCulture, $"| KPI | {c.Period.Label} | {p.Period.Label} | change |\n|---|---:|---:|---:|\n");
        foreach (var (name, now, before, change) in Headline(c, p))
        {
            b.Append(CultureInfo.InvariantCulture, $"| {name} | {now} | {before} | {change} |\n");
        }

        b.Append("\n## Won revenue by month\n\n| month | won revenue |\n|---|---:|\n");
        foreach (var (month, revenue) in c.WonRevenueByMonth)
        {
            b.Append(CultureInfo.InvariantCulture, $"| {month} | {N(revenue)} |\n");
        }

        b.Append("\n## Stage entries\n\n| stage | deals entering |\n|---|---:|\n");
        foreach (var (stage, count) in c.StageEntries.OrderByDescending(s => s.Value))
        {
            b.Append(CultureInfo.InvariantCulture, $"| {stage} | {N(count)} |\n");
        }

        b.Append("\n## Loss reasons\n\n| reason | deals |\n|---|---:|\n");
        foreach (var (reason, count) in c.LossReasons)
        {
            b.Append(CultureInfo.InvariantCulture, $"| {reason} | {N(count)} |\n");
        }

        b.Append("\n## Rep scorecards\n\n| rep | team | won | lost | win rate | won revenue | median cycle (days) |\n|---|---|---:|---:|---:|---:|---:|\n");
        foreach (var r in c.Reps)
        {
            b.Append(CultureInfo.InvariantCulture, $"| {r.Rep} | {r.Team} | {N(r.Won)} | {N(r.Lost)} | {P(r.WinRate)} | {N(r.WonRevenue)} | {D(r.CycleDaysMedian)} |\n");
        }

        return b.ToString();
    }

    private static string Html(PipelineKpis c, PipelineKpis p, string process, string scope)
    {
        static string E(string text) => WebUtility.HtmlEncode(text);
        var b = new StringBuilder();
        b.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sales review ").Append(E(c.Period.Label)).Append("</title>\n");
        b.Append("<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem}td.n{text-align:right}svg{display:block;margin:1rem 0}</style></head><body>\n");
        b.Append("<h1>Sales review ").Append(E(c.Period.Label)).Append("</h1><p>").Append(E(process)).Append(", ").Append(E(scope)).Append("</p>\n");
        b.Append("<table><tr><th>KPI</th><th>").Append(E(c.Period.Label)).Append("</th><th>").Append(E(p.Period.Label)).Append("</th><th>change</th></tr>\n");
        foreach (var (name, now, before, change) in Headline(c, p))
        {
            b.Append("<tr><td>").Append(E(name)).Append("</td><td class=\"n\">").Append(E(now)).Append("</td><td class=\"n\">").Append(E(before)).Append("</td><td class=\"n\">").Append(E(change)).Append("</td></tr>\n");
        }

        b.Append("</table>\n<h2>Won revenue by month</h2>\n");
        b.Append(BarChart("chart-revenue", "Won revenue by month", [.. c.WonRevenueByMonth.Select(m => (m.Key, (double)m.Value))]));
        b.Append("<h2>Stage entries</h2>\n");
        b.Append(BarChart("chart-stages", "Deals entering each stage", [.. c.StageEntries.OrderByDescending(s => s.Value).Select(s => (s.Key, (double)s.Value))]));
        b.Append("<h2>Loss reasons</h2><table><tr><th>reason</th><th>deals</th></tr>\n");
        foreach (var (reason, count) in c.LossReasons)
        {
            b.Append("<tr><td>").Append(E(reason)).Append("</td><td class=\"n\">").Append(count).Append("</td></tr>\n");
        }

        b.Append("</table>\n<h2>Rep scorecards</h2><table><tr><th>rep</th><th>team</th><th>won</th><th>lost</th><th>win rate</th><th>won revenue</th><th>median cycle (days)</th></tr>\n");
        foreach (var r in c.Reps)
        {
            b.Append("<tr><td>").Append(E(r.Rep)).Append("</td><td>").Append(E(r.Team)).Append("</td><td class=\"n\">").Append(r.Won).Append("</td><td class=\"n\">").Append(r.Lost)
                .Append("</td><td class=\"n\">").Append(P(r.WinRate)).Append("</td><td class=\"n\">").Append(N(r.WonRevenue)).Append("</td><td class=\"n\">").Append(D(r.CycleDaysMedian)).Append("</td></tr>\n");
        }

        b.Append("</table>\n</body></html>\n");
        return b.ToString();
    }

    /// <summary>A labelled SVG bar chart, inline (no script, nothing fetched).</summary>
    private static string BarChart(string id, string title, IReadOnlyList<(string Label, double Value)> bars)
    {
        const int Width = 720, BarHeight = 22, Gap = 6, LabelWidth = 170;
        var max = bars.Count == 0 ? 1 : Math.Max(1, bars.Max(x => x.Value));
        var height = Math.Max(1, bars.Count) * (BarHeight + Gap) + 30;
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"<svg id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" role=\"img\" aria-label=\"{WebUtility.HtmlEncode(title)}\">");
        b.Append(CultureInfo.InvariantCulture, $"<title>{WebUtility.HtmlEncode(title)}</title>");
        for (var i = 0; i < bars.Count; i++)
        {
            var y = 10 + (i * (BarHeight + Gap));
            var w = (Width - LabelWidth - 90) * bars[i].Value / max;
            b.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth - 8}\" y=\"{y + 16}\" text-anchor=\"end\" font-size=\"13\">{WebUtility.HtmlEncode(bars[i].Label)}</text>");
            b.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar\" x=\"{LabelWidth}\" y=\"{y}\" width=\"{w:0.#}\" height=\"{BarHeight}\" fill=\"#3b7dd8\"/>");
            b.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth + w + 6:0.#}\" y=\"{y + 16}\" font-size=\"12\">{bars[i].Value.ToString("N0", CultureInfo.InvariantCulture)}</text>");
        }

        b.Append("</svg>\n");
        return b.ToString();
    }
}
