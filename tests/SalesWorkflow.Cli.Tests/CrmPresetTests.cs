using System.Globalization;
using System.Text.Json;
using CsvHelper;
using SalesWorkflow.Analytics;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Cli.Tests;

/// <summary>
/// Each shipped preset (presets/*.yaml) on a fixture written from the CRM's documented export (tests/Fixtures/crm/…:
/// our own rows, not copied data). The report after `salesflow import --from &lt;crm&gt;` must equal a recount of the
/// CSV made here, independently of the importer: open deals stay open with their expected close date, won and lost
/// counts, won revenue, the open pipeline, loss reasons, and the sales cycle.
/// </summary>
public sealed class CrmPresetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sw-presets-").FullName;

    /// <summary>How to recount one CRM's export: what its columns and values mean, as its documentation says.</summary>
    public sealed record Crm(
        string Preset,
        string Id,
        Func<IReadOnlyDictionary<string, string>, string?> Status,
        string Amount,
        string? ExpectedAmount,
        string Created,
        string Closed,
        string? ExpectedClose,
        string[] DateFormats,
        Func<IReadOnlyDictionary<string, string>, string> LossReason)
    {
        public override string ToString() => Preset;
    }

    private static readonly string[] UsDates = ["M/d/yyyy h:mm tt", "M/d/yyyy"];

    private static readonly Crm HubSpot = new(
        "hubspot", "Record ID",
        row => row["Pipeline"] != "Sales Pipeline" ? null : row["Deal Stage"] switch { "Closed Won" => "won", "Closed Lost" => "lost", _ => "open" },
        "Amount", null, "Create Date", "Close Date", null, ["yyyy-MM-dd HH:mm"],
        row => row["Closed Lost Reason"] switch { "Price" => "price", "Competitor" => "competitor", "Timing" => "timing", _ => "other" });

    public static TheoryData<Crm> Crms() =>
    [
        HubSpot,
        new Crm(
            "salesforce", "Opportunity ID",
            row => row["Stage"] switch { "Closed Won" => "won", "Closed Lost" => "lost", _ => "open" },
            "Amount", null, "Created Date", "Close Date", null, UsDates,
            _ => "other"),
        new Crm(
            "dynamics", "(Do Not Modify) Opportunity",
            row => row["Status"].ToLowerInvariant(),
            "Actual Revenue", "Est. Revenue", "Created On", "Actual Close Date", "Est. Close Date", UsDates,
            row => row["Status Reason"] switch { "Out-Sold" => "competitor", "Canceled" => "no-decision", _ => "other" }),
        new Crm(
            "zoho", "Record Id",
            row => row["Stage"] switch { "Closed Won" => "won", "Closed Lost" or "Closed-Lost to Competition" => "lost", _ => "open" },
            "Amount", null, "Created Time", "Closing Date", null, ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd"],
            row => row["Stage"] == "Closed-Lost to Competition" ? "competitor" : row["Reason For Loss"] switch { "Price" => "price", "Expectation Mismatch" => "requirements-mismatch", _ => "other" }),
        new Crm(
            "fxiaoke", "商机编号",
            row => row["销售阶段"] switch { "赢单" => "won", "输单" or "无效" => "lost", _ => "open" },
            "商机金额", null, "创建时间", "结单日期", null, ["yyyy-MM-dd HH:mm", "yyyy-MM-dd", "yyyy年M月d日", "yyyy/M/d"],
            row => row["销售阶段"] == "无效" ? "requirements-mismatch" : row["输单原因"] switch { "价格太高" => "price", "输给竞争对手" => "competitor", _ => "other" }),
    ];

    [Theory]
    [MemberData(nameof(Crms))]
    public async Task Import_FromAPreset_ReportsWhatARecountOfTheExportGives(Crm crm)
    {
        var export = RepoPaths.Combine("tests", "Fixtures", "crm", crm.Preset);
        var rows = ReadRows(Directory.GetFiles(export, "*.csv").Single(f => !Path.GetFileName(f).StartsWith("OpportunityHistory", StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith("Goals", StringComparison.Ordinal)));
        var database = Path.Combine(_folder, crm.Preset + ".db");

        var import = await CliRunner.RunAsync("import", export, "--from", crm.Preset, "--process", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), "--db", database);
        var report = await CliRunner.RunAsync("report", "--db", database, "--period", "2026", "--format", "json");

        Assert.True(import.ExitCode == 0, import.Out + import.Error);
        await AssertReportIsARecountAsync(crm, rows, import.Out, database);
    }

    /// <summary>The summary of the import and the 2026 review of <paramref name="database"/> against a recount of <paramref name="rows"/>.</summary>
    private static async Task AssertReportIsARecountAsync(Crm crm, List<Dictionary<string, string>> rows, string summary, string database)
    {
        var report = await CliRunner.RunAsync("report", "--db", database, "--period", "2026", "--format", "json");
        Assert.True(report.ExitCode == 0, report.Error);
        var figures = JsonDocument.Parse(report.Out).RootElement.GetProperty("current");
        var deals = rows.Select(r => (Row: r, Status: crm.Status(r))).Where(d => d.Status is not null).ToList();
        var open = deals.Where(d => d.Status == "open").Select(d => d.Row).ToList();
        var won = deals.Where(d => d.Status == "won").Select(d => d.Row).ToList();
        var lost = deals.Where(d => d.Status == "lost").Select(d => d.Row).ToList();
        Assert.NotEmpty(open);
        Assert.NotEmpty(won);
        Assert.NotEmpty(lost);

        // The summary says what the database holds, which is what the export says.
        Assert.Contains($"Imported {deals.Count} deals", summary, StringComparison.Ordinal);
        Assert.Contains($": {open.Count} open, {won.Count} won, {lost.Count} lost.", summary, StringComparison.Ordinal);
        Assert.Equal((won.Count, lost.Count, open.Count), (figures.GetProperty("won").GetInt32(), figures.GetProperty("lost").GetInt32(), figures.GetProperty("openAtEnd").GetInt32()));
        Assert.Equal(won.Sum(r => Money(r[crm.Amount])), figures.GetProperty("wonRevenue").GetDecimal());
        Assert.Equal(open.Sum(r => Money(crm.ExpectedAmount is { } estimated && r[estimated].Length > 0 ? r[estimated] : r[crm.Amount])), figures.GetProperty("pipelineAtEnd").GetDecimal());
        var reasons = lost.GroupBy(crm.LossReason).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(reasons.OrderBy(r => r.Key), figures.GetProperty("lossReasons").EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetInt32())).OrderBy(r => r.Key));

        var cycles = won.Select(r => Day(r[crm.Closed], crm).DayNumber - Day(r[crm.Created], crm).DayNumber).Order().ToList();
        Assert.Equal(cycles.Average(), figures.GetProperty("cycleDaysMean").GetDouble(), precision: 9);
        Assert.Equal(cycles.Count % 2 == 1 ? cycles[cycles.Count / 2] : (cycles[(cycles.Count / 2) - 1] + cycles[cycles.Count / 2]) / 2.0, figures.GetProperty("cycleDaysMedian").GetDouble());

        // Open deals stay open, and keep their close date as the date they are expected to close.
        await using var read = ReadOnlyDatabase.Open(database);
        foreach (var row in open)
        {
            var deal = await read.Engine.GetDealAsync(row[crm.Id]);
            Assert.NotNull(deal);
            Assert.Equal(DealStatus.Open, deal.Status);
            Assert.Equal(Day(row[crm.ExpectedClose ?? crm.Closed], crm), DateOnly.FromDateTime(deal.Opportunity.ExpectedCloseDate!.Value.DateTime));
        }
    }

    [Theory]
    [MemberData(nameof(Crms))]
    public async Task Import_TheSameExportTwice_ChangesNothing(Crm crm)
    {
        var export = RepoPaths.Combine("tests", "Fixtures", "crm", crm.Preset);
        var database = Path.Combine(_folder, crm.Preset + "-twice.db");
        string[] arguments = ["import", export, "--from", crm.Preset, "--process", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), "--db", database];
        await CliRunner.RunAsync(arguments);
        var before = (await CliRunner.RunAsync("report", "--db", database, "--period", "2026", "--format", "json")).Out;

        var again = await CliRunner.RunAsync(arguments);

        Assert.Contains(" 0 commands applied", again.Out, StringComparison.Ordinal);
        Assert.Equal(before, (await CliRunner.RunAsync("report", "--db", database, "--period", "2026", "--format", "json")).Out);
    }

    [Fact]
    public async Task Import_ANewerExport_AppliesOnlyWhatChanged_AndReportsWhatARecountOfTheNewerExportGives()
    {
        var crm = HubSpot;
        var fixture = Directory.GetFiles(RepoPaths.Combine("tests", "Fixtures", "crm", "hubspot"), "*.csv").Single();
        var database = Path.Combine(_folder, "sync.db");
        var process = Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml");
        Assert.Equal(0, (await CliRunner.RunAsync("import", Path.GetDirectoryName(fixture)!, "--from", "hubspot", "--process", process, "--db", database)).ExitCode);

        // A day later the CRM has moved 90210005 forward two stages and 90210008 back one, re-priced 90210006, won 90210007,
        // lost 90210015, reopened 90210016 (lost, now in Contract Sent), won the lost 90210003, given 90210014 to another
        // owner, and has a new deal, 90210019.
        var newer = RepoPaths.Combine("tests", "Fixtures", "crm", "hubspot-2026-12-01");
        var rows = ReadRows(Directory.GetFiles(newer, "*.csv").Single());

        var sync = await CliRunner.RunAsync("import", newer, "--from", "hubspot", "--process", process, "--db", database, "--as-of", "2026-12-01");

        Assert.True(sync.ExitCode == 0, sync.Out + sync.Error);
        Assert.Contains("Deals: 1 new, 8 changed, 9 already imported as the export has them.", sync.Out, StringComparison.Ordinal);
        Assert.Contains("Changed: 3 moved, 4 updated (amount, dates, owner, account, fields), 2 won, 1 lost, 2 reopened.", sync.Out, StringComparison.Ordinal);
        await AssertReportIsARecountAsync(crm, rows, sync.Out, database);
        await using (var read = ReadOnlyDatabase.Open(database))
        {
            async Task<DealState> Deal(string id) => (await read.Engine.GetDealAsync(id))!;
            Assert.Equal(("proposal", new DateOnly(2026, 12, 1)), ((await Deal("90210005")).Stage, DateOnly.FromDateTime((await Deal("90210005")).EnteredStageAt.UtcDateTime)));
            Assert.Equal("proposal", (await Deal("90210008")).Stage);
            Assert.Equal((80_500m, new DateOnly(2027, 1, 15)), ((await Deal("90210006")).Opportunity.Amount, DateOnly.FromDateTime((await Deal("90210006")).Opportunity.ExpectedCloseDate!.Value.DateTime)));
            Assert.Equal((DealStatus.Won, new DateOnly(2026, 11, 25), 43_000m), ((await Deal("90210007")).Status, DateOnly.FromDateTime((await Deal("90210007")).ClosedAt!.Value.DateTime), (await Deal("90210007")).Opportunity.Amount));
            Assert.Equal((DealStatus.Lost, "competitor"), ((await Deal("90210015")).Status, (await Deal("90210015")).LossReason));
            Assert.Equal((DealStatus.Open, "negotiation"), ((await Deal("90210016")).Status, (await Deal("90210016")).Stage));
            Assert.Equal(DealStatus.Won, (await Deal("90210003")).Status);
            Assert.Equal("Li Na", (await Deal("90210014")).Owner.Name);
        }

        // The same newer export again: nothing to apply.
        var again = await CliRunner.RunAsync("import", newer, "--from", "hubspot", "--process", process, "--db", database, "--as-of", "2026-12-02");
        Assert.Contains("Deals: 0 new, 0 changed, 18 already imported as the export has them.", again.Out, StringComparison.Ordinal);
        Assert.Contains(" 0 commands applied", again.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_WithAStageHistory_EntersEachStageOnItsDate_ForwardAndBack()
    {
        // tests/Fixtures/crm/salesforce/OpportunityHistory.csv, a Data Loader extract beside the report: the preset's
        // opportunities pattern (*.csv) leaves it to stageHistory.
        var database = Path.Combine(_folder, "history.db");
        var import = await CliRunner.RunAsync("import", RepoPaths.Combine("tests", "Fixtures", "crm", "salesforce"), "--from", "salesforce", "--process", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), "--db", database);

        Assert.True(import.ExitCode == 0, import.Out + import.Error);
        Assert.Contains("report1764547200000.csv", import.Out, StringComparison.Ordinal);
        var won = (await CliRunner.RunAsync("history", "--db", database, "0065g00000AbCd1")).Out;
        Assert.Matches(@"2026-01-26 12:00\s+stage-changed\s+needs-analysis\s+first-contact → needs-analysis", won);
        Assert.Matches(@"2026-02-16 12:00\s+stage-changed\s+proposal\s+needs-analysis → proposal", won);
        Assert.Matches(@"2026-03-05 12:00\s+stage-changed\s+negotiation\s+proposal → negotiation", won);
        Assert.Matches(@"2026-03-20 17:00\s+deal-won", won);
        Assert.DoesNotContain("stage history unknown", won, StringComparison.Ordinal);
        await using var read = ReadOnlyDatabase.Open(database);
        var lost = (await read.Engine.GetDealAsync("0065g00000AbCd3"))!;
        Assert.Equal((DealStatus.Lost, "needs-analysis"), (lost.Status, lost.LostFromStage));
        var movedBack = (await read.Engine.GetDealAsync("0065g00000AbCe1"))!;
        Assert.Equal(("proposal", new DateOnly(2026, 8, 12)), (movedBack.Stage, DateOnly.FromDateTime(movedBack.EnteredStageAt.DateTime)));
        var open = (await read.Engine.GetDealAsync("0065g00000AbCd6"))!;
        Assert.Equal(("needs-analysis", new DateOnly(2026, 10, 14)), (open.Stage, DateOnly.FromDateTime(open.EnteredStageAt.DateTime)));
        Assert.Null(await read.Engine.GetDealAsync("0065g00000AbCe9")); // history of a deal the export does not hold
    }

    [Fact]
    public async Task Import_AnExportThatCallsAWonDealOpen_LeavesItWon_AndSaysSo()
    {
        var fixture = Directory.GetFiles(RepoPaths.Combine("tests", "Fixtures", "crm", "hubspot"), "*.csv").Single();
        var database = Path.Combine(_folder, "won.db");
        var process = Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml");
        await CliRunner.RunAsync("import", Path.GetDirectoryName(fixture)!, "--from", "hubspot", "--process", process, "--db", database);
        var rows = ReadRows(fixture);
        rows.Single(r => r["Record ID"] == "90210013")["Deal Stage"] = "Contract Sent";
        var newer = Directory.CreateDirectory(Path.Combine(_folder, "reopened-won")).FullName;
        WriteRows(Path.Combine(newer, "deals.csv"), rows);

        var sync = await CliRunner.RunAsync("import", newer, "--from", "hubspot", "--process", process, "--db", database, "--as-of", "2026-12-01");

        Assert.True(sync.ExitCode == 0, sync.Out + sync.Error);
        Assert.Contains("deals.csv(14,1): warning: `90210013` is won in the database and open in the export: a won deal is not reopened, so it is left as it is", sync.Out, StringComparison.Ordinal);
        Assert.Contains("Deals: 0 new, 0 changed, 17 already imported", sync.Out, StringComparison.Ordinal);
        await using var read = ReadOnlyDatabase.Open(database);
        Assert.Equal(DealStatus.Won, (await read.Engine.GetDealAsync("90210013"))!.Status);
    }

    [Fact]
    public async Task Import_WithAnAsOfThatIsNotADay_SaysSoInOneLine()
    {
        var result = await CliRunner.RunAsync("import", RepoPaths.Combine("tests", "Fixtures", "crm", "hubspot"), "--from", "hubspot", "--process", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), "--db", Path.Combine(_folder, "x.db"), "--as-of", "1/12/2026");

        Assert.Equal(ExitCodes.UsageOrIo, result.ExitCode);
        Assert.Equal("salesflow: --as-of takes a day as yyyy-MM-dd, not '1/12/2026'", result.Error.Trim());
        Assert.False(File.Exists(Path.Combine(_folder, "x.db")));
    }

    [Fact]
    public async Task PrintMapping_GivesThePresetFile_ThatImportsAsThePresetDoes()
    {
        var printed = await CliRunner.RunAsync("import", "--from", "hubspot", "--print-mapping");

        Assert.Equal(0, printed.ExitCode);
        Assert.Equal(File.ReadAllText(RepoPaths.Combine("presets", "hubspot.yaml")), printed.Out);
    }

    [Fact]
    public async Task Import_FromAPresetThatDoesNotExist_NamesThoseThatDo()
    {
        var result = await CliRunner.RunAsync("import", _folder, "--from", "pipedrive", "--process", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), "--db", Path.Combine(_folder, "x.db"));

        Assert.Equal(ExitCodes.Invalid, result.ExitCode);
        Assert.Contains("there is no preset `pipedrive`; the presets are dynamics, fxiaoke, hubspot, salesforce, zoho", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "x.db")));
    }

    private static List<Dictionary<string, string>> ReadRows(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        csv.Read();
        csv.ReadHeader();
        var rows = new List<Dictionary<string, string>>();
        while (csv.Read())
        {
            rows.Add(csv.HeaderRecord!.ToDictionary(h => h, h => csv.GetField(h)!.Trim(), StringComparer.Ordinal));
        }

        return rows;
    }

    private static void WriteRows(string path, List<Dictionary<string, string>> rows)
    {
        using var writer = new StreamWriter(path);
        using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
        foreach (var column in rows[0].Keys)
        {
            csv.WriteField(column);
        }

        csv.NextRecord();
        foreach (var row in rows)
        {
            foreach (var value in row.Values)
            {
                csv.WriteField(value);
            }

            csv.NextRecord();
        }
    }

    /// <summary>An amount as the fixtures write it: digits, a decimal point, and separators or currency marks to drop.</summary>
    private static decimal Money(string text)
    {
        var digits = new string(text.Where(c => char.IsAsciiDigit(c) || c == '.').ToArray());
        return digits.Length == 0 ? 0 : decimal.Parse(digits, CultureInfo.InvariantCulture);
    }

    private static DateOnly Day(string text, Crm crm) =>
        DateOnly.FromDateTime(DateTime.ParseExact(text, crm.DateFormats, CultureInfo.GetCultureInfo("en-US"), DateTimeStyles.None));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
