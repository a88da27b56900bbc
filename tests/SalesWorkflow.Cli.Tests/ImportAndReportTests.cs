using System.Globalization;
using System.Text.Json;
using CsvHelper;
using SalesWorkflow.Tests;
using Snapshooter;
using Snapshooter.Xunit;

namespace SalesWorkflow.Cli.Tests;

/// <summary>The shipped Maven CRM sample imported once (the slow part), for the tests that read it.</summary>
public sealed class ImportedSampleFixture : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sw-import-").FullName;

    public string DatabasePath => Path.Combine(_folder, "crm.db");

    public string IssuesPath => Path.Combine(_folder, "issues.csv");

    public (int Code, string Output, string Error) Import { get; private set; }

    public async Task InitializeAsync() =>
        Import = await CliRunner.RunAsync("import", RepoPaths.Combine("samples", "maven-crm"), "--db", DatabasePath, "--process", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), "--issues", IssuesPath);

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class ImportAndReportTests(ImportedSampleFixture sample) : IClassFixture<ImportedSampleFixture>
{
    [Fact]
    public void Import_Sample_TakesEveryRowAndReportsEachKnownQuirkWithItsPosition()
    {
        var (code, output, error) = sample.Import;

        Assert.True(code == ExitCodes.Ok, output + error);
        Assert.Contains("Imported 8,800 deals", output, StringComparison.Ordinal);
        Assert.Contains("2,089 open, 4,238 won, 2,473 lost", output, StringComparison.Ordinal);
        Assert.Contains("0 refused", output, StringComparison.Ordinal);
        var issues = File.ReadAllLines(sample.IssuesPath).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(1_480, issues.Count(i => i[4] == "product-alias"));
        Assert.Equal(1_425, issues.Count(i => i[4] == "missing-account"));
        Assert.Equal(500, issues.Count(i => i[4] == "missing-engage-date"));
        Assert.Equal(12, issues.Count(i => i[4] == "sector-alias"));
        Assert.Contains("sales_pipeline.csv(3,3): warning: product `GTXPro` read as `GTX Pro`", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_Sample_KpisEqualAnIndependentComputationOverTheCsv()
    {
        // Independent: straight from the CSV, as an analyst would in a spreadsheet.
        using var reader = new StreamReader(RepoPaths.Combine("samples", "maven-crm", "sales_pipeline.csv"));
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        var rows = csv.GetRecords<dynamic>().Select(r => (IDictionary<string, object>)r).ToList();
        var won = rows.Where(r => (string)r["deal_stage"] == "Won").ToList();
        var lost = rows.Count(r => (string)r["deal_stage"] == "Lost");
        static DateOnly Day(object text) => DateOnly.ParseExact((string)text, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var cycles = won.Select(r => Day(r["close_date"]).DayNumber - Day(r["engage_date"]).DayNumber).Order().ToList();
        var median = cycles.Count % 2 == 1 ? cycles[cycles.Count / 2] : (cycles[(cycles.Count / 2) - 1] + cycles[cycles.Count / 2]) / 2.0;
        var revenue = won.Sum(r => decimal.Parse((string)r["close_value"], CultureInfo.InvariantCulture));

        var (code, output, error) = await CliRunner.RunAsync("report", "--db", sample.DatabasePath, "--period", "2017", "--format", "json");

        Assert.True(code == ExitCodes.Ok, output + error);
        var current = JsonDocument.Parse(output).RootElement.GetProperty("current");
        Assert.Equal(won.Count, current.GetProperty("won").GetInt32());
        Assert.Equal(lost, current.GetProperty("lost").GetInt32());
        Assert.Equal((double)won.Count / (won.Count + lost), current.GetProperty("winRate").GetDouble(), 12);
        Assert.Equal(revenue, current.GetProperty("wonRevenue").GetDecimal());
        Assert.Equal(cycles.Average(), current.GetProperty("cycleDaysMean").GetDouble(), 9);
        Assert.Equal(median, current.GetProperty("cycleDaysMedian").GetDouble());
    }

    [Fact]
    public async Task Report_Html_IsOneSelfContainedFileWithItsCharts()
    {
        var file = Path.Combine(Path.GetDirectoryName(sample.DatabasePath)!, "report.html");

        var (code, output, error) = await CliRunner.RunAsync("report", "--db", sample.DatabasePath, "--period", "2017-Q3", "--format", "html", "--out", file);

        Assert.True(code == ExitCodes.Ok, output + error);
        Assert.Contains("written to", output, StringComparison.Ordinal);
        var html = await File.ReadAllTextAsync(file);
        Assert.Contains("<svg id=\"chart-revenue\"", html, StringComparison.Ordinal);
        Assert.Equal(3, html.Split("<svg id=\"chart-revenue\"")[1].Split("</svg>")[0].Split("class=\"bar\"").Length - 1); // one bar per month of the quarter
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("md")]
    [InlineData("json")]
    [InlineData("html")]
    public async Task Report_Sample_MatchesItsSnapshot(string format)
    {
        var file = Path.Combine(Path.GetDirectoryName(sample.DatabasePath)!, $"snapshot.{format}");
        var (code, output, error) = await CliRunner.RunAsync("report", "--db", sample.DatabasePath, "--period", "2017-Q3", "--team", "Central", "--format", format, "--language", "en", "--out", file);

        Assert.True(code == ExitCodes.Ok, output + error);
        Snapshot.Match(await File.ReadAllTextAsync(file), SnapshotNameExtension.Create(format));
    }

    [Fact]
    public async Task Report_InChinese_MatchesItsSnapshot_AndIsTheDefault_ForAProcessWhoseFirstLanguageIsChinese()
    {
        var (code, chinese, error) = await CliRunner.RunAsync("report", "--db", sample.DatabasePath, "--period", "2017-Q3", "--team", "Central", "--language", "zh");
        var (defaultCode, byDefault, _) = await CliRunner.RunAsync("report", "--db", sample.DatabasePath, "--period", "2017-Q3", "--team", "Central");

        Assert.True(code == ExitCodes.Ok && defaultCode == ExitCodes.Ok, error);
        Assert.Equal(chinese, byDefault); // standard-b2b declares languages: [zh, en]
        Assert.StartsWith("# 销售回顾 2017-Q3\n\n标准B2B销售流程 (standard-b2b v2)，团队 Central\n", chinese, StringComparison.Ordinal);
        Snapshot.Match(chinese, SnapshotNameExtension.Create("zh_md"));
    }

    [Theory]
    [InlineData("md")]
    [InlineData("html")]
    public async Task Report_InEitherLanguage_HasTheSameFigures_InTheSameOrder_AndNoWordOfTheOther(string format)
    {
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var language in new[] { "en", "zh" })
        {
            var file = Path.Combine(Path.GetDirectoryName(sample.DatabasePath)!, $"figures-{language}.{format}");
            var (code, output, error) = await CliRunner.RunAsync("report", "--db", sample.DatabasePath, "--period", "2017", "--format", format, "--language", language, "--out", file);
            Assert.True(code == ExitCodes.Ok, output + error);
            outputs[language] = System.Net.WebUtility.HtmlDecode(await File.ReadAllTextAsync(file));
        }

        // Figure for figure: every number of the English report is in the Chinese one, in the same place in the order.
        static List<string> Figures(string text) => [.. System.Text.RegularExpressions.Regex.Matches(text, @"(?<![\w.])[-+]?\d[\d,]*(\.\d+)?%?").Select(m => m.Value)];
        Assert.Equal(Figures(outputs["en"]), Figures(outputs["zh"]));
        // No heading or label of the English report is left in the Chinese one.
        var words = Texts("ReviewText.resx").Where(t => t.Value.Length > 3 && !t.Value.Contains('{', StringComparison.Ordinal) && t.Value != " pts").ToList();
        // (As words: `team` inside an escalation id such as `level-2/team-lead` is data, not a label.)
        Assert.Empty(words.Where(w => System.Text.RegularExpressions.Regex.IsMatch(outputs["zh"], $@"(?<![\w/-]){System.Text.RegularExpressions.Regex.Escape(w.Value)}(?![\w/-])")).Where(w => !IsPartOfProcessData(w.Value)).Select(w => w.Key));
        if (format == "html")
        {
            Assert.Contains("<html lang=\"zh\">", outputs["zh"], StringComparison.Ordinal);
            Assert.Contains("<html lang=\"en\">", outputs["en"], StringComparison.Ordinal);
        }
    }

    /// <summary>Labels that are also ids of the process's data: standard-b2b's risk rules have the category `team` (no names declared for it).</summary>
    private static bool IsPartOfProcessData(string word) => word is "team";

    [Fact]
    public void TheReportsResourceFiles_HaveTheSameKeys_AndPlaceholders_InBothLanguages()
    {
        var english = Texts("ReviewText.resx");
        var chinese = Texts("ReviewText.zh.resx");

        Assert.Equal(english.Keys.Order(StringComparer.Ordinal), chinese.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, text) in english)
        {
            static string Holes(string t) => string.Join(",", System.Text.RegularExpressions.Regex.Matches(t, @"\{\d\}").Select(m => m.Value).Order(StringComparer.Ordinal));
            Assert.True(Holes(text) == Holes(chinese[key]), $"{key}: `{text}` and `{chinese[key]}` take different placeholders");
            Assert.False(string.IsNullOrWhiteSpace(chinese[key]), key);
            Assert.True(text != chinese[key], $"{key} is not translated: `{text}`");
        }

        // Every key the report asks for is in the files: a report asks only for keys that exist (a missing one throws).
        var code = File.ReadAllText(RepoPaths.Combine("src", "Analytics", "SalesWorkflow.Analytics", "ReviewReport.cs")) + File.ReadAllText(RepoPaths.Combine("src", "Analytics", "SalesWorkflow.Analytics", "ReviewText.cs"));
        var asked = System.Text.RegularExpressions.Regex.Matches(code, @"(?:_t|\bt|this)\[""(\w+)""\]|Format\(""(\w+)""").Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(asked.Except(english.Keys));
        Assert.Empty(english.Keys.Except(asked));
    }

    [Fact]
    public async Task Report_InALanguageItIsNotWrittenIn_IsAUsageError()
    {
        var (code, _, error) = await CliRunner.RunAsync("report", "--db", sample.DatabasePath, "--period", "2017", "--language", "fr");

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("--language is en or zh, not `fr`", error, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Texts(string file) =>
        System.Xml.Linq.XDocument.Load(RepoPaths.Combine("src", "Analytics", "SalesWorkflow.Analytics", "Resources", file)).Root!.Elements("data")
            .ToDictionary(d => d.Attribute("name")!.Value, d => d.Element("value")!.Value, StringComparer.Ordinal);

    [ChromiumFact]
    public async Task Report_Html_RendersItsChartsInHeadlessChromium()
    {
        var folder = Directory.CreateTempSubdirectory("sw-chromium-").FullName;
        try
        {
            var file = Path.Combine(folder, "report.html");
            var (code, output, error) = await CliRunner.RunAsync("report", "--db", sample.DatabasePath, "--period", "2017", "--format", "html", "--out", file);
            Assert.True(code == ExitCodes.Ok, output + error);

            var charts = await HeadlessChromium.MeasureChartsAsync(await File.ReadAllTextAsync(file), folder);

            // Every chart is laid out, visible, with a bar per figure drawn to scale: the bar for the largest value
            // sets the scale, and every other bar's rendered width matches its value on it (to a pixel).
            Assert.Superset(new HashSet<string> { "chart-revenue", "chart-funnel", "chart-stall", "chart-calibration" }, charts.Select(c => c.Id).ToHashSet());
            foreach (var chart in charts)
            {
                Assert.True(chart.Visible && chart.Width >= 600 && chart.Height > 40, $"{chart.Id} is not laid out: {chart}");
                Assert.NotEmpty(chart.Bars);
                var largest = chart.Bars.MaxBy(b => b.Value)!;
                Assert.True(largest.Width > 100, $"{chart.Id}: the largest bar is {largest.Width}px wide");
                foreach (var bar in chart.Bars)
                {
                    Assert.InRange(bar.Width, (bar.Value * largest.Width / largest.Value) - 1, (bar.Value * largest.Width / largest.Value) + 1);
                }
            }

            Assert.Equal(12, charts.Single(c => c.Id == "chart-revenue").Bars.Count); // one bar per month of 2017
            Assert.True(charts.Single(c => c.Id == "chart-revenue").Bars.Count(b => b.Value > 0 && b.Width > 0) >= 10);

            // And Chromium draws it: a real PNG, not a blank page.
            var png = await HeadlessChromium.ScreenshotAsync(file, folder);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
            Assert.True(png.Length > 30_000, $"the screenshot is only {png.Length} bytes");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Report_BadPeriodOrFormat_IsAUsageError()
    {
        Assert.Equal(ExitCodes.UsageOrIo, (await CliRunner.RunAsync("report", "--db", sample.DatabasePath, "--period", "2017-Q5")).ExitCode);
        Assert.Equal(ExitCodes.UsageOrIo, (await CliRunner.RunAsync("report", "--db", sample.DatabasePath, "--period", "2017", "--format", "pdf")).ExitCode);
        Assert.Equal(ExitCodes.UsageOrIo, (await CliRunner.RunAsync("report", "--db", sample.DatabasePath, "--period", "2017", "--as-of", "yesterday")).ExitCode);
        var (code, _, error) = await CliRunner.RunAsync("report", "--db", sample.DatabasePath, "--period", "2017", "--process", "nope");
        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("no deal runs process `nope`", error, StringComparison.Ordinal);
    }
}

/// <summary>Bad CRM input: every problem reported with its position, nothing guessed, the good rows still imported.</summary>
public sealed class ImportBadInputTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sw-import-bad-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private void Mapping(string extra = "") => Write("mapping.yaml", File.ReadAllText(RepoPaths.Combine("samples", "maven-crm", "mapping.yaml")) + extra);

    private Task<(int ExitCode, string Out, string Error)> Import() =>
        CliRunner.RunAsync("import", _folder, "--db", Path.Combine(_folder, "x.db"), "--process", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"));

    [Fact]
    public async Task Import_BadRows_AreReportedByLineAndColumnAndTheRestIsImported()
    {
        Mapping();
        foreach (var file in new[] { "sales_teams.csv", "accounts.csv", "products.csv" })
        {
            File.Copy(RepoPaths.Combine("samples", "maven-crm", file), Path.Combine(_folder, file));
        }

        Write("sales_pipeline.csv", """
            opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value
            OK1,Moses Frase,GTX Basic,Cancity,Won,2016-10-20,2017-03-01,1054
            OK1,Moses Frase,GTX Basic,Cancity,Won,2016-10-20,2017-03-01,1054
            BAD2,Moses Frase,GTX Basic,Cancity,Sold,2016-10-20,2017-03-01,1054
            BAD3,Moses Frase,Quantum Box,Cancity,Won,2016-10-20,2017-03-01,1054
            BAD4,Moses Frase,GTX Basic,Cancity,Won,2016-10-20,03/01/2017,1054
            BAD5,Moses Frase,GTX Basic,Cancity,Lost,2017-03-20,2017-03-01,0
            BAD6,Moses Frase,GTX Basic,Cancity,Won,2016-10-20,2017-03-01,lots
            OK7,Nobody Known,MG Special,Nowhere Inc,Engaging,2016-11-02,,

            """);

        var (code, output, _) = await Import();

        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("Imported 2 deals", output, StringComparison.Ordinal);
        Assert.Contains("sales_pipeline.csv(3,1): error: opportunity `OK1` appears twice", output, StringComparison.Ordinal);
        Assert.Contains("sales_pipeline.csv(4,5): error: CRM stage `Sold` is not in the mapping", output, StringComparison.Ordinal);
        Assert.Contains("sales_pipeline.csv(5,3): error: product `Quantum Box` is not in the products file", output, StringComparison.Ordinal);
        Assert.Contains("sales_pipeline.csv(6,7): error: `03/01/2017` is not a date", output, StringComparison.Ordinal);
        Assert.Contains("sales_pipeline.csv(7,7): error: closed 2017-03-01 before it was engaged 2017-03-20", output, StringComparison.Ordinal);
        Assert.Contains("sales_pipeline.csv(8,8): error: amount `lots` is not a non-negative number", output, StringComparison.Ordinal);
        Assert.Contains("sales_pipeline.csv(9,2): warning: sales agent `Nobody Known` is not in the teams file", output, StringComparison.Ordinal);
        Assert.Contains("sales_pipeline.csv(9,4): warning: account `Nowhere Inc` is not in the accounts file", output, StringComparison.Ordinal);

        // Importing again is safe: the same deals, nothing applied twice.
        var (_, again, _) = await Import();
        Assert.Contains("0 commands applied", again, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_AValueWithALineBreak_CannotForgeAnIssueLine()
    {
        Mapping();
        SampleSideFiles();
        Write("sales_pipeline.csv", PipelineHeader + Rows(1, 2) +
            "BAD3,Moses Frase,GTX Basic,Cancity,\"Sold\nsales_pipeline.csv(1,1): warning: all is fine\",2016-10-20,2017-03-01,1054\n");

        var (_, output, _) = await Import();

        Assert.Contains("CRM stage `Sold\\u000asales_pipeline.csv(1,1)", output, StringComparison.Ordinal);
        Assert.DoesNotContain(output.Split('\n'), line => line.TrimStart().StartsWith("sales_pipeline.csv(1,1)", StringComparison.Ordinal));
    }

    private void SampleSideFiles()
    {
        foreach (var file in new[] { "sales_teams.csv", "accounts.csv", "products.csv" })
        {
            File.Copy(RepoPaths.Combine("samples", "maven-crm", file), Path.Combine(_folder, file), overwrite: true);
        }
    }

    private const string PipelineHeader = "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n";

    private static string Rows(int from, int count) => string.Concat(Enumerable.Range(from, count).Select(i =>
        $"OK{i},Moses Frase,GTX Basic,Cancity,Won,2016-10-20,2017-03-01,1054\n"));

    [Fact]
    public async Task Import_UnclosedQuote_IsReportedAtItsLineInsteadOfSwallowingTheRest()
    {
        Mapping();
        SampleSideFiles();
        Write("sales_pipeline.csv", PipelineHeader + Rows(1, 5) + "BAD,Moses Frase,\"GTX Basic,Cancity,Won,2016-10-20,2017-03-01,1054\n" + Rows(6, 289));

        var (code, output, _) = await Import();

        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("sales_pipeline.csv(7,1): error: a quote opened on this line is never closed", output, StringComparison.Ordinal);
        Assert.True(output.Contains("(289 more line(s))", StringComparison.Ordinal), output);
        Assert.Contains("Imported 5 deals", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_RowWithAnExtraField_IsReportedNotMisread()
    {
        Mapping();
        SampleSideFiles();
        Write("sales_pipeline.csv", PipelineHeader + Rows(1, 2) + "COMMA,Moses Frase,GTX Basic,Cancity,Won,2016-10-20,2017-03-01,1,054\n" + Rows(3, 2));

        var (code, output, _) = await Import();

        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("sales_pipeline.csv(4,1): error: this row has 9 fields and the header 8 (an unquoted comma", output, StringComparison.Ordinal);
        Assert.Contains("Imported 4 deals", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_PlaceholderDate_IsAnErrorOfItsRowAndTheImportCanRunAgain()
    {
        Mapping();
        SampleSideFiles();
        Write("sales_pipeline.csv", PipelineHeader + Rows(1, 3) + "FAR,Moses Frase,GTX Basic,Cancity,Won,2016-10-20,9999-12-30,1054\n" + Rows(4, 3));

        var (code, output, error) = await Import();
        var (againCode, again, againError) = await Import();

        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("sales_pipeline.csv(5,7): error: `9999-12-30` is outside the years 1900 to 2999", output, StringComparison.Ordinal);
        Assert.Contains("Imported 6 deals", output, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", error + againError, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Invalid, againCode);
        Assert.Contains("0 commands applied", again, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_Markdown_NamesFromTheCrmCannotCarryHtmlOrMarkdown()
    {
        Mapping();
        SampleSideFiles();
        const string Owner = "<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3)) | *";
        Write("sales_pipeline.csv", PipelineHeader + $"XSS1,\"{Owner}\",GTX Basic,Cancity,Won,2017-01-10,2017-02-01,1054\n" + Rows(2, 2));
        await Import();

        var (code, markdown, error) = await CliRunner.RunAsync("report", "--db", Path.Combine(_folder, "x.db"), "--period", "2017-Q1", "--format", "md");

        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains("&lt;script&gt;", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("[x](", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain(" | *", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_HugeField_IsRefusedAtItsLine()
    {
        Mapping();
        SampleSideFiles();
        Write("sales_pipeline.csv", PipelineHeader + Rows(1, 2) + "HUGE,Moses Frase,GTX Basic," + new string('x', 10_000_000) + ",Won,2016-10-20,2017-03-01,1054\n");

        var (code, output, error) = await Import();

        Assert.NotEqual(ExitCodes.Ok, code);
        Assert.Contains("sales_pipeline.csv(4,1): error:", output + error, StringComparison.Ordinal);
        Assert.Contains("100,000 characters", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_MappingWithAnUnknownKey_IsAnErrorWithItsPosition()
    {
        Mapping("lossReasn: other\n");

        var (code, _, error) = await Import();

        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Matches(@"mapping\.yaml\(\d+,1\): error SW\d{4}: .*lossReasn", error);
    }

    [Theory]
    [InlineData("../outside.csv")]
    [InlineData("/etc/passwd")]
    public async Task Import_MappingNamingAFileOutsideItsFolder_IsRefusedWithoutShowingIt(string written)
    {
        var outside = Path.Combine(Path.GetDirectoryName(_folder)!, "outside.csv");
        File.WriteAllText(outside, "root:x:0:0:SECRET-LINE\n");
        try
        {
            Mapping();
            Write("mapping.yaml", File.ReadAllText(Path.Combine(_folder, "mapping.yaml")).Replace("opportunities: sales_pipeline.csv", $"opportunities: '{written}'", StringComparison.Ordinal));

            var (code, output, error) = await Import();

            Assert.Equal(ExitCodes.Invalid, code);
            Assert.Contains("may not be read", error + output, StringComparison.Ordinal);
            Assert.DoesNotContain("SECRET", error + output, StringComparison.Ordinal);
            Assert.DoesNotContain("root:x", error + output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(_folder, "x.db")));
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public async Task Import_MissingColumn_StopsBeforeAnythingIsWritten()
    {
        Mapping();
        Write("sales_pipeline.csv", "opportunity_id,sales_agent\nX,Y\n");

        var (code, _, error) = await Import();

        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("sales_pipeline.csv(1,1): error: the header lacks `deal_stage`", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "x.db")));
    }
}
