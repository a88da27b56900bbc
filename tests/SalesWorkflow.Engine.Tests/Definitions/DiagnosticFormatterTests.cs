using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Tests.Definitions;

public sealed class DiagnosticFormatterTests
{
    [Fact]
    public void Format_WithSourceLine_PrintsCompilerLineSnippetCaretAndHint()
    {
        var diagnostic = new Diagnostic("SW1001", DiagnosticSeverity.Error, new SourceSpan("p.yaml", 12, 5, 12, 15), "unknown key `probabilty` in stage", "did you mean `probability`?", "    probabilty: 0.3");

        var text = DiagnosticFormatter.Format(diagnostic);

        Assert.Equal(
            "p.yaml(12,5): error SW1001: unknown key `probabilty` in stage\n 12 |     probabilty: 0.3\n    |     ^~~~~~~~~~\n    = hint: did you mean `probability`?",
            text);
    }

    [Fact]
    public void Format_ChineseTextBeforeTheProblem_AlignsCaretUnderWideCharacters()
    {
        var line = "    name: { zh: 标准流程, en: x }";
        var column = line.IndexOf("en", StringComparison.Ordinal) + 1;
        var diagnostic = new Diagnostic("SW1001", DiagnosticSeverity.Warning, new SourceSpan("p.yaml", 3, column, 3, column + 2), "m", null, line);

        var caretLine = DiagnosticFormatter.Format(diagnostic).Split('\n')[2];

        // Four CJK characters take eight terminal columns, not four.
        Assert.Equal("   | " + new string(' ', line.IndexOf("en", StringComparison.Ordinal) + 4) + "^~", caretLine);
    }

    [Fact]
    public void Format_ControlCharactersBeforeTheProblem_AreEscapedAndTheCaretStaysUnderIt()
    {
        // The escape sequence is shown as \u001b (six columns), so the caret moves with it; escaping after formatting
        // used to leave the caret five columns short.
        var line = "name: \u001b[31mX: 1";
        var column = line.IndexOf('X', StringComparison.Ordinal) + 1;
        var diagnostic = new Diagnostic("SW1001", DiagnosticSeverity.Error, new SourceSpan("p.yaml", 1, column, 1, column + 1), "m", null, line);

        var lines = DiagnosticFormatter.Format(diagnostic).Split('\n');

        Assert.Equal(" 1 | name: \\u001b[31mX: 1", lines[1]);
        Assert.Equal(lines[1].IndexOf('X', StringComparison.Ordinal), lines[2].IndexOf('^', StringComparison.Ordinal));
    }

    [Fact]
    public void Format_VeryLongLine_ShowsAWindowAroundTheProblem()
    {
        var line = new string('a', 50_000) + "BAD" + new string('b', 50_000);
        var diagnostic = new Diagnostic("SW1001", DiagnosticSeverity.Error, new SourceSpan("p.yaml", 7, 50_001, 7, 50_004), "m", null, line);

        var lines = DiagnosticFormatter.Format(diagnostic).Split('\n');

        Assert.InRange(lines[1].Length, 100, 300);
        Assert.StartsWith(" 7 | …a", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("b…", lines[1], StringComparison.Ordinal);
        Assert.Equal(lines[1].IndexOf("BAD", StringComparison.Ordinal), lines[2].IndexOf('^', StringComparison.Ordinal));
        Assert.EndsWith("^~~", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ThousandsOfProblemsOnOneLongLine_AreBounded()
    {
        // 3,000 dates that are both holidays and workdays (one alias), on one line of about 40 KB: 3,000 errors that
        // each printed the whole line once made hundreds of megabytes of output.
        var dates = string.Join(", ", Enumerable.Range(0, 3_000).Select(i => new DateOnly(2000, 1, 1).AddDays(i).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
        var yaml = TestProcesses.Header.Replace("currency: CNY", $"currency: CNY\ncalendar:\n  holidays: &days [{dates}]\n  workdays: *days", StringComparison.Ordinal) + """
            stages:
              - { id: lead, name: Lead, probability: 0.1 }

            """ + TestProcesses.Tail;

        var set = TestProcesses.Load(yaml);

        Assert.Equal(DiagnosticBag.MaxPerFile + 1, set.Diagnostics.Count);
        var dropped = Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.TooManyDiagnostics);
        Assert.Contains("the first 1,000 are shown", dropped.Message, StringComparison.Ordinal);
        Assert.True(set.Diagnostics.Sum(d => DiagnosticFormatter.Format(d).Length) < 2_000_000);
    }

    [Fact]
    public void ToJson_ListsCountsAndPositions()
    {
        var diagnostic = new Diagnostic("SW1203", DiagnosticSeverity.Error, new SourceSpan("p.yaml", 8, 1, 8, 7), "no won stage", null, "stages:");

        var json = DiagnosticFormatter.ToJson([diagnostic], ["p.yaml"]);

        using var document = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(1, document.RootElement.GetProperty("errors").GetInt32());
        var first = document.RootElement.GetProperty("diagnostics")[0];
        Assert.Equal("SW1203", first.GetProperty("code").GetString());
        Assert.Equal(8, first.GetProperty("line").GetInt32());
    }
}
