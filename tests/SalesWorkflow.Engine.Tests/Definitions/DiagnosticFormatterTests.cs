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
