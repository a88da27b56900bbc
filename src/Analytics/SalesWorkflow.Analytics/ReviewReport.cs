using System.Globalization;
using System.Net;
using System.Text;
using SalesWorkflow.Engine.Analytics;

namespace SalesWorkflow.Analytics;

/// <summary>
/// The period review as a document — titled sections of tables, with charts for the HTML — built once from the
/// KPIs and written as Markdown (chat, e-mail) or one self-contained HTML file (inline SVG charts, no script, nothing
/// fetched). The order is the order a director runs the review in.
/// </summary>
internal sealed class ReviewReport
{
    private readonly List<Section> _sections = [];

    private ReviewReport(string title, string subtitle)
    {
        Title = title;
        Subtitle = subtitle;
    }

    public string Title { get; }

    public string Subtitle { get; }

    /// <summary>A table: headers, rows, and which columns are numbers (right-aligned).</summary>
    private sealed record Table(string[] Headers, List<string[]> Rows, bool[] Numeric);

    /// <summary>A horizontal bar chart: one bar per label and series; <paramref name="Percent"/> charts draw a 100% line.</summary>
    private sealed record Chart(string Id, string Title, List<string> Labels, List<(string Name, string Colour, double[] Values)> Series, bool Percent);

    private sealed record Section(string Heading, string? Note, Table? Table, Chart? Chart);

    public static ReviewReport Build(PipelineKpis c, PipelineKpis p, string process, string scope)
    {
        var asOf = c.AsOf is { } at ? $", as of {at.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)}" : string.Empty;
        var report = new ReviewReport($"Sales review {c.Period.Label}", $"{process}, {scope}{asOf}");
        report.Headline(c, p);
        report.TargetsSection(c);
        report.FunnelSection(c);
        report.StallSection(c);
        report.Add("Top blocking criteria", "Moves refused at a gate in the period, by stage and failing criterion (or missing checklist item).",
            Rows(["stage / criterion", "refusals"], c.BlockingCriteria.Take(10).Select(b => new[] { b.Key, N(b.Value) })), null);
        report.RisksSection(c);
        report.EscalationsSection(c);
        report.TasksSection(c, p);
        report.Add("Won revenue by month", null,
            Rows(["month", "won revenue"], c.WonRevenueByMonth.Select(m => new[] { m.Key, N(m.Value) })),
            Bars("chart-revenue", "Won revenue by month", c.WonRevenueByMonth.Select(m => (m.Key, (double)m.Value))));
        report.Add("Loss reasons", $"{N(c.Lost)} deals lost in the period: the case analysis starts here.",
            Rows(["reason", "deals", "share"], c.LossReasons.Select(r => new[] { r.Key, N(r.Value), P(c.Lost == 0 ? null : (double)r.Value / c.Lost) })), null);
        report.Add("Customer satisfaction", null, Rows(["measure", c.Period.Label, p.Period.Label],
        [
            ["Feedback scored (1–5)", N(c.Satisfaction.Scored), N(p.Satisfaction.Scored)],
            ["Mean score", D(c.Satisfaction.Mean, "0.00"), D(p.Satisfaction.Mean, "0.00")],
            ["Satisfied (4–5)", P(c.Satisfaction.SatisfiedShare), P(p.Satisfaction.SatisfiedShare)],
            ["Complaints recorded", N(c.Satisfaction.Complaints), N(p.Satisfaction.Complaints)],
            ["Complaints open at period end", N(c.Satisfaction.ComplaintsOpenAtEnd), N(p.Satisfaction.ComplaintsOpenAtEnd)],
        ]), null);
        report.ComplaintsSection(c, p);
        report.Add("Rep scorecards", "Every rep against the same standards, best won revenue first.",
            Rows(
                ["rep", "team", "won", "lost", "win rate", "won revenue", "target", "attainment", "median cycle (days)", "open deals", "open pipeline", "escalations"],
                c.Reps.Select(r => new[]
                {
                    r.Rep, r.Team, N(r.Won), N(r.Lost), P(r.WinRate), N(r.WonRevenue), r.Target is { } t ? N(t) : "—", P(r.Attainment), D(r.CycleDaysMedian), N(r.OpenAtEnd), N(r.PipelineAtEnd), N(r.Escalations),
                })),
            null);
        report.CalibrationSection(c);
        return report;
    }

    private void Add(string heading, string? note, Table? table, Chart? chart) => _sections.Add(new Section(heading, note, table, chart));

    private void Headline(PipelineKpis c, PipelineKpis p) => Add("Headline", null, Rows(["KPI", c.Period.Label, p.Period.Label, "change"],
    [
        ["Deals won", N(c.Won), N(p.Won), Change((decimal)c.Won, p.Won)],
        ["Deals lost", N(c.Lost), N(p.Lost), Change((decimal)c.Lost, p.Lost)],
        ["Win rate", P(c.WinRate), P(p.WinRate), ChangePoints(c.WinRate, p.WinRate)],
        ["Won revenue", N(c.WonRevenue), N(p.WonRevenue), Change(c.WonRevenue, p.WonRevenue)],
        ["Sales cycle, median days", D(c.CycleDaysMedian), D(p.CycleDaysMedian), ChangeOf(c.CycleDaysMedian, p.CycleDaysMedian)],
        ["Sales cycle, mean days", D(c.CycleDaysMean), D(p.CycleDaysMean), ChangeOf(c.CycleDaysMean, p.CycleDaysMean)],
        ["Deals started", N(c.Started), N(p.Started), Change((decimal)c.Started, p.Started)],
        ["Open at period end", N(c.OpenAtEnd), N(p.OpenAtEnd), Change((decimal)c.OpenAtEnd, p.OpenAtEnd)],
        ["Pipeline at period end", N(c.PipelineAtEnd), N(p.PipelineAtEnd), Change(c.PipelineAtEnd, p.PipelineAtEnd)],
        ["Weighted pipeline at period end", N(c.WeightedPipelineAtEnd), N(p.WeightedPipelineAtEnd), Change(c.WeightedPipelineAtEnd, p.WeightedPipelineAtEnd)],
        ["Pipeline velocity (revenue per day)", N(c.VelocityPerDay), N(p.VelocityPerDay), Change(c.VelocityPerDay, p.VelocityPerDay)],
        ["Customer satisfaction (mean 1–5)", D(c.Satisfaction.Mean, "0.00"), D(p.Satisfaction.Mean, "0.00"), "—"],
    ]), null);

    private void TargetsSection(PipelineKpis c)
    {
        if (c.Targets.Count == 0)
        {
            Add("Targets", "The process declares no target for this period.", null, null);
            return;
        }

        var note = c.Targets.Any(t => t.Prorated) ? "The process declares no target for this exact period: it is the enclosing part of the plan, pro rata by days." : null;
        Add(
            "Targets vs actuals",
            note,
            Rows(["level", "who", "target", "won revenue", "attainment", "pipeline at period start", "coverage"], c.Targets.Select(t => new[]
            {
                t.Level, t.Level == "total" ? "all" : $"{t.Name} ({t.Id})", N(t.Target), N(t.Won), P(t.Attainment), N(t.PipelineAtStart), t.Coverage is { } x ? x.ToString("0.0", CultureInfo.InvariantCulture) + "×" : "—",
            })),
            Bars("chart-attainment", "Target attainment", c.Targets.Select(t => (t.Level == "total" ? "total" : t.Id, (t.Attainment ?? 0) * 100)), percent: true));
    }

    private void ComplaintsSection(PipelineKpis c, PipelineKpis p)
    {
        if (c.Complaints.Recorded == 0 && p.Complaints.Recorded == 0)
        {
            return;
        }

        static string[] Line(string key, ComplaintKpis k) =>
            [key, N(k.Recorded), P(k.RespondedWithinSla), N(k.RespondMissed), P(k.ResolvedWithinSla), N(k.ResolveMissed), N(k.Resolved), D(k.ResolveHoursMedian)];
        string[] headers = ["complaints", "answered in time", "response missed", "resolved in time", "resolution missed", "resolved", "median hours to resolve"];
        Add(
            "Complaints and service levels",
            "Complaints recorded in the period against the process's feedback service levels (feedback.sla): the levels they missed so far, and the time to resolve those resolved. \"—\" where the process sets no such level.",
            Rows(["period", .. headers], [Line(c.Period.Label, c.Complaints), Line(p.Period.Label, p.Complaints)]),
            null);
        if (c.ComplaintsByTeam.Count > 0)
        {
            Add("Complaints by team", null, Rows(["team", .. headers], c.ComplaintsByTeam.Select(t => Line(t.Key, t.Complaints))), null);
            Add("Complaints by rep", null, Rows(["rep", .. headers], c.ComplaintsByRep.Select(t => Line(t.Key, t.Complaints))), null);
        }
    }

    private void TasksSection(PipelineKpis c, PipelineKpis p)
    {
        if (c.Tasks.Due == 0 && p.Tasks.Due == 0)
        {
            Add("Tasks", "No stage task came due in the period.", null, null);
            return;
        }

        static string[] Line(string key, TaskKpis t) => [key, N(t.Due), N(t.DoneOnTime), N(t.DoneLate), N(t.NotDone), P(t.OnTimeShare)];
        string[] headers = ["", "due", "done on time", "done late", "not done", "on time"];
        Add(
            "Tasks",
            "Stage tasks whose due moment fell in the period, and how they ended: completed by it, after it, or not at all. A task whose deal left the stage before it came due is not counted.",
            Rows(["period", .. headers[1..]], [Line(c.Period.Label, c.Tasks), Line(p.Period.Label, p.Tasks)]),
            null);
        if (c.TasksByStage.Count > 0)
        {
            Add("Tasks by stage", null, Rows(["stage", .. headers[1..]], c.TasksByStage.Select(t => Line(t.Key, t.Tasks))), null);
            Add("Tasks by person", "Who the task was for at its due moment (a role where no person was named); the 15 with the most tasks due.",
                Rows(["person", .. headers[1..]], c.TasksByAssignee.Take(15).Select(t => Line(t.Key, t.Tasks))), null);
        }
    }

    private void FunnelSection(PipelineKpis c)
    {
        if (c.Funnel.Count == 0)
        {
            return;
        }

        Add(
            "Funnel (deals started in the period)",
            $"The {N(c.Started)} deals started in the period, followed to {(c.AsOf is null ? "the end of the log" : "the as-of moment")}: how many reached each stage or a later one, and the conversion to the next.",
            Rows(["stage", "reached", "conversion to next"], c.Funnel.Select(f => new[] { f.Stage, N(f.Reached), P(f.ConversionToNext) })),
            Bars("chart-funnel", "Deals reaching each stage", c.Funnel.Select(f => (f.Stage, (double)f.Reached))));
    }

    private void StallSection(PipelineKpis c)
    {
        if (c.TimeInStage.Count == 0)
        {
            return;
        }

        Add(
            "Where deals stall (time in stage, days)",
            "Deals whose stay in the stage ended in the period or was still going at its end. Latest stay and total over re-entries; the threshold is when the process's own stall escalation first notifies.",
            Rows(
                ["stage", "deals", "latest p50", "latest p90", "total p50", "total p90", "threshold", "over threshold"],
                c.TimeInStage.Select(t => new[] { t.Stage, N(t.Deals), D(t.LatestP50), D(t.LatestP90), D(t.CumulativeP50), D(t.CumulativeP90), t.Threshold ?? "—", $"{N(t.OverThreshold)} ({P(t.Deals == 0 ? null : (double)t.OverThreshold / t.Deals)})" })),
            new Chart("chart-stall", "Days in stage, p50 and p90 of the latest stay", [.. c.TimeInStage.Select(t => t.Stage)],
            [
                ("p50", "#3b7dd8", [.. c.TimeInStage.Select(t => t.LatestP50 ?? 0)]),
                ("p90", "#d8893b", [.. c.TimeInStage.Select(t => t.LatestP90 ?? 0)]),
            ], Percent: false));
    }

    private void RisksSection(PipelineKpis c)
    {
        var categories = c.RisksRaised.Keys.Union(c.RisksOpenAtEnd.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        Add("Risks by category", null, Rows(["category", "raised in the period", "open at period end"], categories.Select(k => new[] { k, N(c.RisksRaised.GetValueOrDefault(k)), N(c.RisksOpenAtEnd.GetValueOrDefault(k)) })),
            categories.Count == 0 ? null : Bars("chart-risks", "Risks raised by category", categories.Select(k => (k, (double)c.RisksRaised.GetValueOrDefault(k)))));
    }

    private void EscalationsSection(PipelineKpis c) =>
        Add("Escalations", "Notifications in the period, by level and role notified, and by escalation.",
            Rows(["level / escalation", "notifications"], c.EscalationsByLevel.Select(e => new[] { e.Key, N(e.Value) }).Concat(c.EscalationsById.Select(e => new[] { e.Key, N(e.Value) }))),
            c.EscalationsByLevel.Count == 0 ? null : Bars("chart-escalations", "Escalation notifications by level", c.EscalationsByLevel.Select(e => (e.Key, (double)e.Value))));

    private void CalibrationSection(PipelineKpis c)
    {
        if (c.Calibration.Count == 0)
        {
            return;
        }

        Add(
            "Calibration of stage probabilities",
            "Each open stage's declared win probability against the observed win rate of the deals closed in the period that had been in it. A large gap means the weighted pipeline is off.",
            Rows(["stage", "declared", "closed deals", "won", "observed", "gap"], c.Calibration.Select(x => new[] { x.Stage, P(x.Declared), N(x.Closed), N(x.Won), P(x.Observed), ChangePoints(x.Observed, x.Declared) })),
            new Chart("chart-calibration", "Declared probability and observed win rate", [.. c.Calibration.Select(x => x.Stage)],
            [
                ("declared", "#9aa5b1", [.. c.Calibration.Select(x => x.Declared * 100)]),
                ("observed", "#3b7dd8", [.. c.Calibration.Select(x => (x.Observed ?? 0) * 100)]),
            ], Percent: true));
    }

    public string ToMarkdown()
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"# {MarkdownText.Escape(Title)}\n\n{MarkdownText.Escape(Subtitle)}\n");
        foreach (var section in _sections)
        {
            b.Append(CultureInfo.InvariantCulture, $"\n## {section.Heading}\n\n");
            if (section.Note is not null)
            {
                // A note-only section ends with its note: one blank line before the next heading, not two.
                b.Append(section.Note).Append(section.Table is null ? "\n" : "\n\n");
            }

            if (section.Table is not { } table)
            {
                continue;
            }

            if (table.Rows.Count == 0)
            {
                b.Append("(none)\n");
                continue;
            }

            b.Append("| ").AppendJoin(" | ", table.Headers.Select(Cell)).Append(" |\n|");
            b.AppendJoin("|", table.Numeric.Select(n => n ? "---:" : "---")).Append("|\n");
            foreach (var row in table.Rows)
            {
                b.Append("| ").AppendJoin(" | ", row.Select(Cell)).Append(" |\n");
            }
        }

        return b.ToString();

        static string Cell(string text) => MarkdownText.Escape(text);
    }

    public string ToHtml()
    {
        static string E(string text) => WebUtility.HtmlEncode(text);
        var b = new StringBuilder();
        b.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(Title)).Append("</title>\n");
        b.Append("<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:70rem}table{border-collapse:collapse;margin:1rem 0}")
            .Append("td,th{border:1px solid #ccc;padding:.3rem .6rem}th{background:#f3f5f7}td.n{text-align:right}svg{display:block;margin:1rem 0}")
            .Append("p.note{color:#555;max-width:50rem}</style></head><body>\n");
        b.Append("<h1>").Append(E(Title)).Append("</h1><p>").Append(E(Subtitle)).Append("</p>\n");
        foreach (var section in _sections)
        {
            b.Append("<section><h2>").Append(E(section.Heading)).Append("</h2>\n");
            if (section.Note is not null)
            {
                b.Append("<p class=\"note\">").Append(E(section.Note)).Append("</p>\n");
            }

            if (section.Chart is { } chart)
            {
                b.Append(Svg(chart));
            }

            if (section.Table is { Rows.Count: > 0 } table)
            {
                b.Append("<table><tr>");
                foreach (var header in table.Headers)
                {
                    b.Append("<th>").Append(E(header)).Append("</th>");
                }

                b.Append("</tr>\n");
                foreach (var row in table.Rows)
                {
                    b.Append("<tr>");
                    for (var i = 0; i < row.Length; i++)
                    {
                        b.Append(table.Numeric[i] ? "<td class=\"n\">" : "<td>").Append(E(row[i])).Append("</td>");
                    }

                    b.Append("</tr>\n");
                }

                b.Append("</table>\n");
            }
            else if (section.Table is not null)
            {
                b.Append("<p>(none)</p>\n");
            }

            b.Append("</section>\n");
        }

        b.Append("</body></html>\n");
        return b.ToString();
    }

    /// <summary>A labelled horizontal bar chart, inline SVG (no script, nothing fetched); each bar is a <c>rect.bar</c> with its value in <c>data-value</c>.</summary>
    private static string Svg(Chart chart)
    {
        const int Width = 760, BarHeight = 18, Gap = 8, LabelWidth = 190, ValueWidth = 110;
        var series = chart.Series.Count;
        var max = Math.Max(chart.Percent ? 100 : 1, chart.Series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());
        var span = Width - LabelWidth - ValueWidth;
        var rowHeight = (series * BarHeight) + Gap;
        var legend = series > 1 ? 22 : 0;
        var height = (Math.Max(1, chart.Labels.Count) * rowHeight) + 20 + legend;
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"<svg id=\"{chart.Id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-label=\"{WebUtility.HtmlEncode(chart.Title)}\">");
        b.Append(CultureInfo.InvariantCulture, $"<title>{WebUtility.HtmlEncode(chart.Title)}</title>");
        for (var s = 0; s < series && series > 1; s++)
        {
            var x = LabelWidth + (s * 120);
            b.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"4\" width=\"12\" height=\"12\" fill=\"{chart.Series[s].Colour}\"/><text x=\"{x + 16}\" y=\"15\" font-size=\"12\">{WebUtility.HtmlEncode(chart.Series[s].Name)}</text>");
        }

        for (var i = 0; i < chart.Labels.Count; i++)
        {
            var y = 10 + legend + (i * rowHeight);
            b.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth - 8}\" y=\"{y + (series * BarHeight / 2) + 5}\" text-anchor=\"end\" font-size=\"13\">{WebUtility.HtmlEncode(chart.Labels[i])}</text>");
            for (var s = 0; s < series; s++)
            {
                var value = chart.Series[s].Values[i];
                var w = span * Math.Max(0, value) / max;
                var by = y + (s * BarHeight);
                var text = chart.Percent ? value.ToString("0.#", CultureInfo.InvariantCulture) + "%" : value.ToString("N0", CultureInfo.InvariantCulture);
                b.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar\" data-value=\"{value:0.###}\" x=\"{LabelWidth}\" y=\"{by}\" width=\"{w:0.#}\" height=\"{BarHeight - 2}\" fill=\"{chart.Series[s].Colour}\"/>");
                b.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth + w + 6:0.#}\" y=\"{by + BarHeight - 5}\" font-size=\"12\">{text}</text>");
            }
        }

        if (chart.Percent)
        {
            var x = LabelWidth + (span * 100 / max);
            b.Append(CultureInfo.InvariantCulture, $"<line class=\"reference\" x1=\"{x:0.#}\" x2=\"{x:0.#}\" y1=\"{legend + 4}\" y2=\"{height - 4}\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\"/>");
        }

        b.Append("</svg>\n");
        return b.ToString();
    }

    private static Table Rows(string[] headers, IEnumerable<string[]> rows)
    {
        var list = rows.ToList();

        // A column is numeric when every cell is a figure (digits, separators, %, ×, —, signs, units).
        var numeric = headers.Select((_, i) => i > 0 && list.Count > 0 && list.All(r => r[i].Length > 0 && r[i].All(ch => char.IsDigit(ch) || " ,.%×—+-()ptsd".Contains(ch, StringComparison.Ordinal)))).ToArray();
        return new Table(headers, list, numeric);
    }

    private static Chart Bars(string id, string title, IEnumerable<(string Label, double Value)> bars, bool percent = false)
    {
        var list = bars.ToList();
        return new Chart(id, title, [.. list.Select(x => x.Label)], [("value", "#3b7dd8", [.. list.Select(x => x.Value)])], percent);
    }

    private static string N(decimal? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "—";

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string P(double? value) => value is { } v ? (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "—";

    private static string D(double? value, string format = "0.#") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "—";

    private static string Change(decimal? now, decimal? before) =>
        now is { } a && before is { } b && b != 0 ? ((a - b) / b * 100).ToString("+0.0;-0.0;0", CultureInfo.InvariantCulture) + "%" : "—";

    private static string ChangeOf(double? now, double? before) => Change((decimal?)now, (decimal?)before);

    private static string ChangePoints(double? now, double? before) => now is { } a && before is { } b ? ((a - b) * 100).ToString("+0.0;-0.0;0", CultureInfo.InvariantCulture) + " pts" : "—";
}
