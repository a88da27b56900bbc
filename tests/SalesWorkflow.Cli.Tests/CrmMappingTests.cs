using System.Text;
using SalesWorkflow.Cli.Commands;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Import;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Cli.Tests;

/// <summary>
/// The general mapping (issue 20): positioned mistakes, the date, number, currency and encoding formats of real CRM
/// exports, columns that go by several names or that an export lacks, and status, loss-reason and owner value maps.
/// </summary>
public sealed class CrmMappingTests : IDisposable
{
    private static readonly Lazy<ProcessDefinition> Process = new(() =>
        PluginSupport.Loader(PluginSupport.Load(null, TextWriter.Null)).Load([Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml")]).Processes.Single());

    private readonly string _folder = Directory.CreateTempSubdirectory("sw-crm-mapping-").FullName;

    private const string Header = """
        format: 1
        kind: crm-mapping
        files: { opportunities: deals.csv }
        columns:
          opportunities: { id: Id, stage: Stage, owner: Owner, engagedAt: Created, closedAt: Closed, amount: Amount, lossReason: Reason }
        stages:
          Open: { stage: proposal }
          Won: { status: won }
          Lost: { status: lost }
        lossReasons: { Too expensive: price }
        lossReason: other

        """;

    private static CrmMapping Mapping(string extra = "")
    {
        var result = CrmMapping.Parse("mapping.yaml", Header + extra);
        Assert.True(result.Mapping is not null, string.Join("\n", result.Diagnostics));
        return result.Mapping;
    }

    private (IReadOnlyList<CrmDeal> Deals, IReadOnlyList<ImportIssue> Issues) Read(CrmMapping mapping, string csv, Encoding? encoding = null)
    {
        File.WriteAllBytes(Path.Combine(_folder, "deals.csv"), (encoding ?? new UTF8Encoding(false)).GetBytes(csv));
        var importer = new CrmImporter(mapping, _folder, Process.Value);
        var deals = importer.Read();
        return (deals, importer.Issues);
    }

    private const string WithHistory = """
        format: 1
        kind: crm-mapping
        files: { opportunities: deals.csv, stageHistory: history.csv }
        columns:
          opportunities: { id: Id, stage: Stage, owner: Owner, engagedAt: Created, closedAt: Closed, amount: Amount }
          stageHistory: { deal: Deal, stage: Stage, at: At }
        stages:
          Early: { stage: first-contact }
          Open: { stage: proposal }
          Won: { status: won }
          Lost: { status: lost }
        lossReason: other

        """;

    [Fact]
    public void AStageHistory_GivesEachDealItsStagesInOrder_AndReportsRowsItCannotTake()
    {
        var mapping = CrmMapping.Parse("mapping.yaml", WithHistory).Mapping!;
        File.WriteAllText(Path.Combine(_folder, "history.csv"), """
            Deal,Stage,At
            d1,Open,2026-02-10
            d1,Early,2026-01-05
            d1,Early,2026-01-20
            d1,Won,2026-03-01
            d2,Sideways,2026-01-10
            d2,Open,2026-13-01
            d2,Open,2025-12-01
            d3,Open,2026-01-10
            d3,Open,
            """);

        var (deals, issues) = Read(mapping, """
            Id,Stage,Owner,Created,Closed,Amount
            d1,Won,Li,2026-01-05,2026-03-01,100
            d2,Early,Li,2026-01-02,2026-06-30,100
            d3,Early,Li,2026-01-02,2026-06-30,100
            """);

        var d1 = deals.Single(d => d.Id == "d1");
        Assert.Equal("first-contact", d1.StartStage);
        Assert.Equal(["proposal"], d1.History.Select(h => h.Stage));
        Assert.Equal(new DateOnly(2026, 2, 10), DateOnly.FromDateTime(d1.History[0].At.DateTime));
        // d3 ends in the stage its row gives, after its history.
        var d3 = deals.Single(d => d.Id == "d3");
        Assert.Equal("proposal", d3.StartStage);
        Assert.Equal(["first-contact"], d3.History.Select(h => h.Stage));
        Assert.Equal(
            [
                "history.csv(10,3): error: a stage history row needs the date the stage was entered: row skipped",
                "history.csv(6,2): error: CRM stage `Sideways` is not in the mapping's `stages` (Early, Open, Won, Lost): history row skipped",
                "history.csv(7,3): error: `2026-13-01` is not a date (yyyy-MM-dd): row skipped",
                "history.csv(8,1): warning: `d2` entered a stage on 2025-12-01, outside its life (2026-01-02 to open): left out",
            ],
            issues.Select(i => i.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AStageHistoryFileWithoutItsColumns_IsAMappingError()
    {
        var result = CrmMapping.Parse("mapping.yaml", WithHistory.Replace("  stageHistory: { deal: Deal, stage: Stage, at: At }\n", string.Empty, StringComparison.Ordinal));

        Assert.Null(result.Mapping);
        Assert.Contains(result.Diagnostics, d => d.ToString().Contains("`history.csv` is named under `files:` but `columns:` does not say which of its columns hold what", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryImportCode_IsInTheDiagnosticsReference()
    {
        var reference = File.ReadAllText(RepoPaths.Combine("docs", "diagnostics.md"));
        var codes = typeof(ImportDiagnosticIds).GetFields().Select(f => (string)f.GetValue(null)!).ToList();

        Assert.Equal(5, codes.Count);
        Assert.All(codes, code => Assert.Contains($"| {code} |", reference, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("dates: { formats: [\"yyyy-MM\"] }", "(13,20): error SW4003: the date format `yyyy-MM` does not give back the day it wrote")]
    [InlineData("dates: { culture: xx-Nowhere }", "(13,19): error SW4003: `xx-Nowhere` is not a culture .NET knows")]
    [InlineData("numbers: { decimalSeparator: \";\" }", "(13,30): error SW4003: `;` is not a decimal separator")]
    [InlineData("numbers: { decimalSeparator: \",\", groupSeparator: \",\" }", "error SW4003: `,` cannot separate groups of digits here")]
    [InlineData("datez: {}", "(13,1): error SW1001: unknown key `datez`")]
    [InlineData("statuses: { Open: maybe }", "(13,19): error SW1005: `maybe` is not allowed here")]
    [InlineData("webhook: { format: hubspot, properties: { dealstage: Deal Phase } }", "(13,54): error SW4003: `webhook.properties.dealstage`: `Deal Phase` is not a column `columns.opportunities` reads")]
    [InlineData("webhook: { format: pipedrive }", "(13,20): error SW1005: `pipedrive` is not allowed here")]
    public void AMistakeInTheMapping_IsAnErrorAtItsLineAndColumn(string line, string expected)
    {
        var result = CrmMapping.Parse("mapping.yaml", Header + "\n" + line + "\n");

        Assert.Null(result.Mapping);
        Assert.True(result.Diagnostics.Any(d => d.ToString().Contains(expected, StringComparison.Ordinal)), string.Join("\n", result.Diagnostics));
    }

    [Fact]
    public void StagesAndReasonsTheProcessLacks_AreErrorsAtTheirPlaceInTheMapping()
    {
        var mapping = Mapping("engagedStage: qualifying\n");
        var withBadReason = CrmMapping.Parse("mapping.yaml", Header.Replace("Too expensive: price", "Too expensive: pricey", StringComparison.Ordinal)).Mapping!;

        var stage = Assert.Single(CrmImport.Check(mapping, Process.Value));
        var reason = Assert.Single(CrmImport.Check(withBadReason, Process.Value));

        Assert.Equal(("SW4004", 12, 15), (stage.Code, stage.Span.Line, stage.Span.Column));
        Assert.Contains("`qualifying` is not an open stage of standard-b2b", stage.Message, StringComparison.Ordinal);
        Assert.Equal(("SW4004", 10, 31), (reason.Code, reason.Span.Line, reason.Span.Column));
        Assert.Contains("price, competitor", reason.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"$7,450,000.00\"", "", 7_450_000.00)]
    [InlineData("USD 126500.50", "", 126_500.50)]
    [InlineData("\"¥1,200\"", "", 1_200)]
    [InlineData("1200 元", "", 1_200)]
    [InlineData("\"1.054,50\"", "numbers: { decimalSeparator: \",\", groupSeparator: \".\" }", 1_054.50)]
    [InlineData("\"1 054,50\"", "numbers: { decimalSeparator: \",\", groupSeparator: \" \" }", 1_054.50)]
    public void Amounts_AreReadInTheExportsFormat_WithCurrencyMarks(string amount, string format, double expected)
    {
        var (deals, issues) = Read(Mapping(format), $"Id,Stage,Owner,Created,Closed,Amount,Reason\nD1,Won,Jane,2026-01-05,2026-02-01,{amount},\n");

        Assert.Empty(issues);
        Assert.Equal((decimal)expected, Assert.Single(deals).Opportunity.Amount);
    }

    [Theory]
    [InlineData("\"1,05\"", "")] // a decimal comma where the format has a decimal point
    [InlineData("\"1.054,50\"", "")]
    [InlineData("\"1,054.50\"", "numbers: { decimalSeparator: \",\", groupSeparator: \".\" }")]
    [InlineData("$$5", "")]
    public void AnAmountNotPlainlyInTheExportsFormat_IsAnErrorAtItsColumn(string amount, string format)
    {
        var (deals, issues) = Read(Mapping(format), $"Id,Stage,Owner,Created,Closed,Amount,Reason\nD1,Won,Jane,2026-01-05,2026-02-01,{amount},\n");

        Assert.Empty(deals);
        Assert.Equal(("bad-amount", 2, 6), (issues.Single().Kind, issues.Single().Line, issues.Single().Column));
    }

    [Theory]
    [InlineData("\"2/26/2018 3:04 PM\"", "[\"M/d/yyyy h:mm tt\"]", "culture: en-US")]
    [InlineData("26-02-2018", "[\"dd-MM-yyyy\"]", "")]
    [InlineData("2018.02.26", "[\"yyyy.MM.dd\"]", "")]
    [InlineData("2018年2月26日", "[\"yyyy年M月d日\"]", "")]
    [InlineData("26 févr. 2018", "[\"d MMM yyyy\"]", "culture: fr-FR")]
    public void Dates_AreReadInTheExportsFormats(string created, string formats, string culture)
    {
        var mapping = Mapping($"dates: {{ formats: {formats}{(culture.Length > 0 ? ", " + culture : string.Empty)} }}\n");

        var (deals, issues) = Read(mapping, $"Id,Stage,Owner,Created,Closed,Amount,Reason\nD1,Open,Jane,{created},,100,\n");

        Assert.Empty(issues);
        Assert.Equal(new DateTime(2018, 2, 26), Assert.Single(deals).EngagedAt.Date);
    }

    [Fact]
    public void AnOpenDealsCloseDate_IsItsExpectedCloseDate_AndItStaysOpen()
    {
        var (deals, issues) = Read(Mapping(), "Id,Stage,Owner,Created,Closed,Amount,Reason\nD1,Open,Jane,2026-01-05,2026-12-20,5000,\n");

        Assert.Empty(issues);
        var deal = Assert.Single(deals);
        Assert.Equal(("open", null), (deal.Status, deal.ClosedAt));
        Assert.Equal(new DateTime(2026, 12, 20), deal.Opportunity.ExpectedCloseDate!.Value.Date);
        Assert.Equal(5000, deal.Opportunity.Amount);
    }

    [Fact]
    public void LossReasons_AreMapped_AnUnmappedOneFallsBackWithAWarning_AndTheCrmsWordsAreKept()
    {
        var (deals, issues) = Read(Mapping(), """
            Id,Stage,Owner,Created,Closed,Amount,Reason
            D1,Lost,Jane,2026-01-05,2026-02-01,100,Too expensive
            D2,Lost,Jane,2026-01-05,2026-02-01,100,Legal said no
            D3,Lost,Jane,2026-01-05,2026-02-01,100,
            D4,Lost,Jane,2026-01-05,2026-02-01,100,competitor

            """);

        Assert.Equal([("price", "Too expensive"), ("other", "Legal said no"), ("other", null), ("competitor", "competitor")], deals.Select(d => (d.LossReason, d.CrmLossReason)));
        var warning = Assert.Single(issues);
        Assert.Equal(("unmapped-loss-reason", 3, 7, false), (warning.Kind, warning.Line, warning.Column, warning.IsError));
    }

    [Fact]
    public void AStatusColumn_DecidesOpenWonLost_AndAClosedDealMayHaveNoStage()
    {
        var mapping = CrmMapping.Parse("mapping.yaml", """
            format: 1
            kind: crm-mapping
            files: { opportunities: deals.csv }
            columns:
              opportunities: { id: Id, status: Status, stage: Phase, owner: Owner, engagedAt: Created, closedAt: Actual Close, expectedCloseAt: Est. Close, amount: Actual, expectedAmount: Estimate }
            statuses: { Open: open, Won: won, Lost: lost }
            stages: { 1-Qualify: { stage: first-contact }, 4-Close: { stage: negotiation } }
            lossReason: other
            dates: { formats: ["M/d/yyyy"] }
            """).Mapping!;

        var (deals, issues) = Read(mapping, """
            Id,Status,Phase,Owner,Created,Actual Close,Est. Close,Actual,Estimate
            D1,Open,1-Qualify,Jane,1/5/2026,,3/1/2026,,"$9,000.00"
            D2,Won,,Jane,1/5/2026,2/20/2026,2/1/2026,"$8,500.00","$9,000.00"
            D3,Lost,4-Close,Jane,1/5/2026,2/21/2026,2/1/2026,,"$9,000.00"
            D4,Paused,1-Qualify,Jane,1/5/2026,,3/1/2026,,100
            D5,Open,,Jane,1/5/2026,,3/1/2026,,100

            """);

        Assert.Equal([("D1", "open", 9_000m), ("D2", "won", 8_500m), ("D3", "lost", 9_000m)], deals.Select(d => (d.Id, d.Status, d.Opportunity.Amount)));
        Assert.Equal(new DateTime(2026, 3, 1), deals[0].Opportunity.ExpectedCloseDate!.Value.Date);
        Assert.Equal(new DateTime(2026, 2, 20), deals[1].ClosedAt!.Value.Date);
        Assert.Equal([("unknown-status", 5, 2), ("unknown-stage", 6, 3)], issues.Select(i => (i.Kind, i.Line, i.Column)));
    }

    [Fact]
    public void AColumnGoesByTheFirstOfItsNamesTheHeaderHas_AndADetailColumnTheExportLacksIsAWarning()
    {
        var mapping = CrmMapping.Parse("mapping.yaml", Header.Replace("id: Id,", "id: [Record ID, Deal ID],", StringComparison.Ordinal)).Mapping!;

        var (deals, issues) = Read(mapping, "Deal ID,Stage,Owner,Created,Closed,Amount\nD1,Won,Jane,2026-01-05,2026-02-01,100\n");

        Assert.Equal("D1", Assert.Single(deals).Id);
        var warning = Assert.Single(issues);
        Assert.Equal(("column-not-in-export", 1, false), (warning.Kind, warning.Line, warning.IsError));
        Assert.Contains("no `Reason`", warning.Message, StringComparison.Ordinal);

        var (_, missing) = Read(mapping, "Opportunity,Stage,Owner,Created,Closed,Amount\nD1,Won,Jane,2026-01-05,2026-02-01,100\n");
        Assert.Contains("the header lacks `Record ID` or `Deal ID`", Assert.Single(missing).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AGb18030Export_IsReadWhenTheMappingSaysSo_AndOtherwiseRefusedWithThatAdvice()
    {
        var csv = "Id,Stage,Owner,Created,Closed,Amount,Reason\n商机-1,Won,李娜,2026-01-05,2026-02-01,100,\n商机-2,Won,张伟,2026-01-05,2026-02-01,100,\n";
        System.Text.Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var gb18030 = System.Text.Encoding.GetEncoding("GB18030");

        var (refused, why) = Read(Mapping(), csv, gb18030);
        var (deals, issues) = Read(Mapping("encoding: gb18030\n"), csv, gb18030);

        Assert.Empty(refused);
        Assert.Contains("set `encoding: gb18030` in the mapping", Assert.Single(why).Message, StringComparison.Ordinal);
        Assert.Empty(issues);
        Assert.Equal([("商机-1", "李娜"), ("商机-2", "张伟")], deals.Select(d => (d.Id, d.Owner.Id)));
    }

    [Fact]
    public void AUtf8ExportWithABomAndCrlf_IsReadAsWithout()
    {
        var (deals, issues) = Read(Mapping(), "Id,Stage,Owner,Created,Closed,Amount,Reason\r\nD1,Won,Jane,2026-01-05,2026-02-01,100,\r\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        Assert.Empty(issues);
        Assert.Equal(("D1", 100m), (Assert.Single(deals).Id, deals[0].Opportunity.Amount));
    }

    [Fact]
    public void Owners_AreMappedToPersonIds_AnUnlistedOneIsImportedAsWrittenWithAWarning()
    {
        var (deals, issues) = Read(Mapping("owners: { Jane Doe: jane-doe }\n"), "Id,Stage,Owner,Created,Closed,Amount,Reason\nD1,Won,Jane Doe,2026-01-05,2026-02-01,100,\nD2,Won,Max Roe,2026-01-05,2026-02-01,100,\n");

        Assert.Equal([("jane-doe", "Jane Doe"), ("Max Roe", "Max Roe")], deals.Select(d => (d.Owner.Id, d.Owner.Name)));
        Assert.Equal(("unknown-owner", 3, 3), (issues.Single().Kind, issues.Single().Line, issues.Single().Column));
    }

    [Fact]
    public void AFormulaCell_IsKeptAsText_NeverEvaluated()
    {
        var mapping = CrmMapping.Parse("mapping.yaml", Header.Replace("id: Id,", "id: Id, name: Name,", StringComparison.Ordinal)).Mapping!;

        var (deals, _) = Read(mapping, "Id,Name,Stage,Owner,Created,Closed,Amount,Reason\nD1,\"=HYPERLINK(\"\"http://x\"\")\",Won,@SUM(A1),2026-01-05,2026-02-01,100,\n");

        Assert.Equal(("=HYPERLINK(\"http://x\")", "@SUM(A1)"), (Assert.Single(deals).Opportunity.Name, deals[0].Owner.Id));
    }

    [Fact]
    public void APatternForTheFile_MatchesExactlyOneFile()
    {
        var mapping = CrmMapping.Parse("mapping.yaml", Header.Replace("opportunities: deals.csv", "opportunities: \"*deals*.csv\"", StringComparison.Ordinal)).Mapping!;
        File.WriteAllText(Path.Combine(_folder, "hubspot-deals-1.csv"), "Id,Stage,Owner,Created,Closed,Amount,Reason\nD1,Won,Jane,2026-01-05,2026-02-01,100,\n");

        var one = new CrmImporter(mapping, _folder, Process.Value);
        Assert.Single(one.Read());
        Assert.Equal("hubspot-deals-1.csv", one.OpportunitiesFile);

        File.WriteAllText(Path.Combine(_folder, "hubspot-deals-2.csv"), "Id\n");
        var two = new CrmImporter(mapping, _folder, Process.Value);
        Assert.Empty(two.Read());
        Assert.Contains("2 files in", Assert.Single(two.Issues).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyExport_IsAnErrorAtItsFirstLine_AndAHeaderOnlyOneHoldsNoDeals()
    {
        var (none, empty) = Read(Mapping(), string.Empty);
        var (noDeals, headerOnly) = Read(Mapping(), "Id,Stage,Owner,Created,Closed,Amount,Reason\r\n");

        Assert.Empty(none);
        Assert.Equal(("empty-file", 1, 1, true), (empty.Single().Kind, empty.Single().Line, empty.Single().Column, empty.Single().IsError));
        Assert.Empty(noDeals);
        Assert.Empty(headerOnly);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
