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

    private readonly ReviewText _t;

    private ReviewReport(ReviewText text, string title, string subtitle)
    {
        _t = text;
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

    public static ReviewReport Build(PipelineKpis c, PipelineKpis p, string process, string scope, ReviewText t)
    {
        var asOf = c.AsOf is { } at ? t.Format("AsOf", at.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)) : string.Empty;
        var report = new ReviewReport(t, t.Format("Title", c.Period.Label), t.Format("Subtitle", process, t.Scope(scope), asOf));
        report.Headline(c, p);
        report.TargetsSection(c);
        report.FunnelSection(c);
        report.StallSection(c);
        report.Add(t["Blocking"], t["BlockingNote"],
            report.Rows([t["ColStageCriterion"], t["ColRefusals"]], c.BlockingCriteria.Take(10).Select(b => new[] { b.Key, report.N(b.Value) })), null);
        report.RisksSection(c);
        report.EscalationsSection(c);
        report.TasksSection(c, p);
        report.Add(t["RevenueByMonth"], null,
            report.Rows([t["ColMonth"], t["ColWonRevenue"]], c.WonRevenueByMonth.Select(m => new[] { m.Key, report.N(m.Value) })),
            report.Bars("chart-revenue", t["RevenueByMonth"], c.WonRevenueByMonth.Select(m => (m.Key, (double)m.Value))));
        report.Add(t["LossReasons"], t.Format("LossNote", report.N(c.Lost)),
            report.Rows([t["ColReason"], t["ColDeals"], t["ColShare"]], c.LossReasons.Select(r => new[] { t.LossReason(r.Key), report.N(r.Value), report.P(c.Lost == 0 ? null : (double)r.Value / c.Lost) })), null);
        report.Add(t["Satisfaction"], null, report.Rows([t["ColMeasure"], c.Period.Label, p.Period.Label],
        [
            [t["FeedbackScored"], report.N(c.Satisfaction.Scored), report.N(p.Satisfaction.Scored)],
            [t["MeanScore"], report.D(c.Satisfaction.Mean, "0.00"), report.D(p.Satisfaction.Mean, "0.00")],
            [t["Satisfied"], report.P(c.Satisfaction.SatisfiedShare), report.P(p.Satisfaction.SatisfiedShare)],
            [t["ComplaintsRecorded"], report.N(c.Satisfaction.Complaints), report.N(p.Satisfaction.Complaints)],
            [t["ComplaintsOpenAtEnd"], report.N(c.Satisfaction.ComplaintsOpenAtEnd), report.N(p.Satisfaction.ComplaintsOpenAtEnd)],
        ]), null);
        report.ComplaintsSection(c, p);
        report.Add(t["Scorecards"], t["ScorecardsNote"],
            report.Rows(
                [t["ColRep"], t["ColTeam"], t["ColWon"], t["ColLost"], t["ColWinRate"], t["ColWonRevenue"], t["ColTarget"], t["ColAttainment"], t["ColCycleMedian"], t["ColOpenDeals"], t["ColOpenPipeline"], t["ColEscalations"]],
                c.Reps.Select(r => new[]
                {
                    r.Rep, r.Team, report.N(r.Won), report.N(r.Lost), report.P(r.WinRate), report.N(r.WonRevenue), r.Target is { } target ? report.N(target) : "—", report.P(r.Attainment), report.D(r.CycleDaysMedian), report.N(r.OpenAtEnd), report.N(r.PipelineAtEnd), report.N(r.Escalations),
                })),
            null);
        report.CalibrationSection(c);
        return report;
    }

    private void Add(string heading, string? note, Table? table, Chart? chart) => _sections.Add(new Section(heading, note, table, chart));

    private void Headline(PipelineKpis c, PipelineKpis p) => Add(_t["Headline"], null, Rows([_t["Kpi"], c.Period.Label, p.Period.Label, _t["Change"]],
    [
        [_t["DealsWon"], N(c.Won), N(p.Won), Change((decimal)c.Won, p.Won)],
        [_t["DealsLost"], N(c.Lost), N(p.Lost), Change((decimal)c.Lost, p.Lost)],
        [_t["WinRate"], P(c.WinRate), P(p.WinRate), ChangePoints(c.WinRate, p.WinRate)],
        [_t["WonRevenue"], N(c.WonRevenue), N(p.WonRevenue), Change(c.WonRevenue, p.WonRevenue)],
        [_t["CycleMedian"], D(c.CycleDaysMedian), D(p.CycleDaysMedian), ChangeOf(c.CycleDaysMedian, p.CycleDaysMedian)],
        [_t["CycleMean"], D(c.CycleDaysMean), D(p.CycleDaysMean), ChangeOf(c.CycleDaysMean, p.CycleDaysMean)],
        [_t["DealsStarted"], N(c.Started), N(p.Started), Change((decimal)c.Started, p.Started)],
        [_t["OpenAtEnd"], N(c.OpenAtEnd), N(p.OpenAtEnd), Change((decimal)c.OpenAtEnd, p.OpenAtEnd)],
        [_t["PipelineAtEnd"], N(c.PipelineAtEnd), N(p.PipelineAtEnd), Change(c.PipelineAtEnd, p.PipelineAtEnd)],
        [_t["WeightedPipelineAtEnd"], N(c.WeightedPipelineAtEnd), N(p.WeightedPipelineAtEnd), Change(c.WeightedPipelineAtEnd, p.WeightedPipelineAtEnd)],
        [_t["Velocity"], N(c.VelocityPerDay), N(p.VelocityPerDay), Change(c.VelocityPerDay, p.VelocityPerDay)],
        [_t["SatisfactionMean"], D(c.Satisfaction.Mean, "0.00"), D(p.Satisfaction.Mean, "0.00"), "—"],
    ]), null);

    private void TargetsSection(PipelineKpis c)
    {
        if (c.Targets.Count == 0)
        {
            Add(_t["Targets"], _t["NoTarget"], null, null);
            return;
        }

        var note = c.Targets.Any(t => t.Prorated) ? _t["Prorated"] : null;
        Add(
            _t["TargetsVsActuals"],
            note,
            Rows([_t["ColLevel"], _t["ColWho"], _t["ColTarget"], _t["ColWonRevenue"], _t["ColAttainment"], _t["ColPipelineAtStart"], _t["ColCoverage"]], c.Targets.Select(t => new[]
            {
                _t.Level(t.Level), t.Level == "total" ? _t["Everyone"] : $"{_t.TeamName(t.Id, t.Name)} ({t.Id})", N(t.Target), N(t.Won), P(t.Attainment), N(t.PipelineAtStart), t.Coverage is { } x ? x.ToString("0.0", _t.Culture) + "×" : "—",
            })),
            Bars("chart-attainment", _t["ChartAttainment"], c.Targets.Select(t => (t.Level == "total" ? _t.Level("total") : t.Id, (t.Attainment ?? 0) * 100)), percent: true));
    }

    private void ComplaintsSection(PipelineKpis c, PipelineKpis p)
    {
        if (c.Complaints.Recorded == 0 && p.Complaints.Recorded == 0)
        {
            return;
        }

        string[] Line(string key, ComplaintKpis k) =>
            [key, N(k.Recorded), P(k.RespondedWithinSla), N(k.RespondMissed), P(k.ResolvedWithinSla), N(k.ResolveMissed), N(k.Resolved), D(k.ResolveHoursMedian)];
        string[] headers = [_t["ColComplaints"], _t["ColAnsweredInTime"], _t["ColResponseMissed"], _t["ColResolvedInTime"], _t["ColResolutionMissed"], _t["ColResolved"], _t["ColHoursToResolve"]];
        Add(
            _t["Complaints"],
            _t["ComplaintsNote"],
            Rows([_t["ColPeriod"], .. headers], [Line(c.Period.Label, c.Complaints), Line(p.Period.Label, p.Complaints)]),
            null);
        if (c.ComplaintsByTeam.Count > 0)
        {
            Add(_t["ComplaintsByTeam"], null, Rows([_t["ColTeam"], .. headers], c.ComplaintsByTeam.Select(t => Line(t.Key, t.Complaints))), null);
            Add(_t["ComplaintsByRep"], null, Rows([_t["ColRep"], .. headers], c.ComplaintsByRep.Select(t => Line(t.Key, t.Complaints))), null);
        }
    }

    private void TasksSection(PipelineKpis c, PipelineKpis p)
    {
        if (c.Tasks.Due == 0 && p.Tasks.Due == 0)
        {
            Add(_t["Tasks"], _t["NoTasks"], null, null);
            return;
        }

        string[] Line(string key, TaskKpis t) => [key, N(t.Due), N(t.DoneOnTime), N(t.DoneLate), N(t.NotDone), P(t.OnTimeShare)];
        string[] headers = [_t["ColDue"], _t["ColDoneOnTime"], _t["ColDoneLate"], _t["ColNotDone"], _t["ColOnTime"]];
        Add(
            _t["Tasks"],
            _t["TasksNote"],
            Rows([_t["ColPeriod"], .. headers], [Line(c.Period.Label, c.Tasks), Line(p.Period.Label, p.Tasks)]),
            null);
        if (c.TasksByStage.Count > 0)
        {
            Add(_t["TasksByStage"], null, Rows([_t["ColStage"], .. headers], c.TasksByStage.Select(t => Line(_t.Stage(t.Key), t.Tasks))), null);
            Add(_t["TasksByPerson"], _t["TasksByPersonNote"],
                Rows([_t["ColPerson"], .. headers], c.TasksByAssignee.Take(15).Select(t => Line(t.Key, t.Tasks))), null);
        }
    }

    private void FunnelSection(PipelineKpis c)
    {
        if (c.Funnel.Count == 0)
        {
            return;
        }

        Add(
            _t["Funnel"],
            _t.Format("FunnelNote", N(c.Started), c.AsOf is null ? _t["EndOfLog"] : _t["AsOfMoment"]),
            Rows([_t["ColStage"], _t["ColReached"], _t["ColConversion"]], c.Funnel.Select(f => new[] { _t.Stage(f.Stage), N(f.Reached), P(f.ConversionToNext) })),
            Bars("chart-funnel", _t["ChartFunnel"], c.Funnel.Select(f => (_t.Stage(f.Stage), (double)f.Reached))));
    }

    private void StallSection(PipelineKpis c)
    {
        if (c.TimeInStage.Count == 0)
        {
            return;
        }

        Add(
            _t["Stall"],
            _t["StallNote"],
            Rows(
                [_t["ColStage"], _t["ColDeals"], _t["ColLatestP50"], _t["ColLatestP90"], _t["ColTotalP50"], _t["ColTotalP90"], _t["ColThreshold"], _t["ColOverThreshold"]],
                c.TimeInStage.Select(t => new[] { _t.Stage(t.Stage), N(t.Deals), D(t.LatestP50), D(t.LatestP90), D(t.CumulativeP50), D(t.CumulativeP90), t.Threshold ?? "—", $"{N(t.OverThreshold)} ({P(t.Deals == 0 ? null : (double)t.OverThreshold / t.Deals)})" })),
            new Chart("chart-stall", _t["ChartStall"], [.. c.TimeInStage.Select(t => _t.Stage(t.Stage))],
            [
                ("p50", "#3b7dd8", [.. c.TimeInStage.Select(t => t.LatestP50 ?? 0)]),
                ("p90", "#d8893b", [.. c.TimeInStage.Select(t => t.LatestP90 ?? 0)]),
            ], Percent: false));
    }

    private void RisksSection(PipelineKpis c)
    {
        var categories = c.RisksRaised.Keys.Union(c.RisksOpenAtEnd.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        Add(_t["Risks"], null, Rows([_t["ColCategory"], _t["ColRaised"], _t["ColOpenAtEnd"]], categories.Select(k => new[] { k, N(c.RisksRaised.GetValueOrDefault(k)), N(c.RisksOpenAtEnd.GetValueOrDefault(k)) })),
            categories.Count == 0 ? null : Bars("chart-risks", _t["ChartRisks"], categories.Select(k => (k, (double)c.RisksRaised.GetValueOrDefault(k)))));
    }

    private void EscalationsSection(PipelineKpis c) =>
        Add(_t["Escalations"], _t["EscalationsNote"],
            Rows([_t["ColLevelEscalation"], _t["ColNotifications"]], c.EscalationsByLevel.Select(e => new[] { e.Key, N(e.Value) }).Concat(c.EscalationsById.Select(e => new[] { e.Key, N(e.Value) }))),
            c.EscalationsByLevel.Count == 0 ? null : Bars("chart-escalations", _t["ChartEscalations"], c.EscalationsByLevel.Select(e => (e.Key, (double)e.Value))));

    private void CalibrationSection(PipelineKpis c)
    {
        if (c.Calibration.Count == 0)
        {
            return;
        }

        Add(
            _t["Calibration"],
            _t["CalibrationNote"],
            Rows([_t["ColStage"], _t["ColDeclared"], _t["ColClosedDeals"], _t["ColWon"], _t["ColObserved"], _t["ColGap"]], c.Calibration.Select(x => new[] { _t.Stage(x.Stage), P(x.Declared), N(x.Closed), N(x.Won), P(x.Observed), ChangePoints(x.Observed, x.Declared) })),
            new Chart("chart-calibration", _t["ChartCalibration"], [.. c.Calibration.Select(x => _t.Stage(x.Stage))],
            [
                (_t["SeriesDeclared"], "#9aa5b1", [.. c.Calibration.Select(x => x.Declared * 100)]),
                (_t["SeriesObserved"], "#3b7dd8", [.. c.Calibration.Select(x => (x.Observed ?? 0) * 100)]),
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
                b.Append(_t["NoRows"]).Append('\n');
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
        b.Append("<!DOCTYPE html>\n<html lang=\"").Append(_t.Language).Append("\"><head><meta charset=\"utf-8\"><title>").Append(E(Title)).Append("</title>\n");
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
                b.Append("<p>").Append(E(_t["NoRows"])).Append("</p>\n");
            }

            b.Append("</section>\n");
        }

        b.Append("</body></html>\n");
        return b.ToString();
    }

    /// <summary>A labelled horizontal bar chart, inline SVG (no script, nothing fetched); each bar is a <c>rect.bar</c> with its value in <c>data-value</c>.</summary>
    private string Svg(Chart chart)
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
                var text = chart.Percent ? value.ToString("0.#", _t.Culture) + "%" : value.ToString("N0", _t.Culture);
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

    private Table Rows(string[] headers, IEnumerable<string[]> rows)
    {
        var list = rows.ToList();

        // A column is numeric when every cell is a figure (digits, separators, %, ×, —, signs, units).
        var unit = _t["Points"].Trim();
        var numeric = headers.Select((_, i) => i > 0 && list.Count > 0 && list.All(r => r[i].Length > 0 && r[i].Replace(unit, string.Empty, StringComparison.Ordinal).All(ch => char.IsDigit(ch) || " ,.%×—+-()d".Contains(ch, StringComparison.Ordinal)))).ToArray();
        return new Table(headers, list, numeric);
    }

    private Chart Bars(string id, string title, IEnumerable<(string Label, double Value)> bars, bool percent = false)
    {
        var list = bars.ToList();
        return new Chart(id, title, [.. list.Select(x => x.Label)], [(_t["SeriesValue"], "#3b7dd8", [.. list.Select(x => x.Value)])], percent);
    }

    private string N(decimal? value) => value is { } v ? v.ToString("N0", _t.Culture) : "—";

    private string N(int value) => value.ToString("N0", _t.Culture);

    private string P(double? value) => value is { } v ? (v * 100).ToString("0.0", _t.Culture) + "%" : "—";

    private string D(double? value, string format = "0.#") => value is { } v ? v.ToString(format, _t.Culture) : "—";

    private string Change(decimal? now, decimal? before) =>
        now is { } a && before is { } b && b != 0 ? ((a - b) / b * 100).ToString("+0.0;-0.0;0", _t.Culture) + "%" : "—";

    private string ChangeOf(double? now, double? before) => Change((decimal?)now, (decimal?)before);

    private string ChangePoints(double? now, double? before) => now is { } a && before is { } b ? ((a - b) * 100).ToString("+0.0;-0.0;0", _t.Culture) + _t["Points"] : "—";
}
