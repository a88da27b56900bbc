using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Definitions;

/// <summary>A character inside a condition maps to its true line and column whatever the YAML quoting style.</summary>
public sealed class ScalarPositionMapTests
{
    private static ConditionSource Condition(string yamlValue)
    {
        var text = $"""
            format: 1
            kind: process
            id: map
            version: 1
            name: Map
            currency: CNY
            stages:
              - id: lead
                name: Lead
                probability: 0.1
                exitCriteria:
                  - id: c
                    when: {yamlValue}
              - {"{"} id: won, name: Won, kind: won {"}"}
              - {"{"} id: lost, name: Lost, kind: lost {"}"}
            transitions:
              requireLossReason: false
            """;
        var set = FirstPartyPlugins.Loader().LoadText(Path.Combine(Path.GetTempPath(), "map.yaml"), text);
        return set.Processes[0].Stages[0].ExitCriteria[0].Condition;
    }

    [Fact]
    public void SpanOf_PlainScalar_MapsOffsetToColumn()
    {
        var condition = Condition("Opportunity.Amount > 100");

        var span = condition.SpanOf(12, 18);

        Assert.Equal((13, 27, 13, 33), (span.Line, span.Column, span.EndLine, span.EndColumn));
    }

    [Fact]
    public void SpanOf_DoubleQuotedWithEscape_SkipsTheQuoteAndCountsTheEscapeAsOneCharacter()
    {
        var condition = Condition("\"Account.Name == \\\"A\\\" && X\"");

        Assert.Equal("Account.Name == \"A\" && X", condition.Text);
        var span = condition.SpanOf(23, 24);
        Assert.Equal((13, 15 + 1 + 25), (span.Line, span.Column));
    }

    [Fact]
    public void SpanOf_SingleQuoted_MapsDoubledQuote()
    {
        var condition = Condition("'Account.Name == ''A'' && X'");

        Assert.Equal("Account.Name == 'A' && X", condition.Text);
        Assert.Equal(15 + 1 + 25, condition.SpanOf(23, 24).Column);
    }

    [Fact]
    public void SpanOf_LiteralBlock_MapsSecondLine()
    {
        var condition = Condition("|\n          Opportunity.Amount > 100 &&\n            Contacts.Any()");

        Assert.Equal("Opportunity.Amount > 100 &&\n  Contacts.Any()\n", condition.Text);
        var offset = condition.Text.IndexOf("Contacts", StringComparison.Ordinal);
        var span = condition.SpanOf(offset, offset + 8);
        Assert.Equal((15, 13), (span.Line, span.Column));
    }

    [Fact]
    public void SpanOf_FoldedBlock_MapsAcrossFoldedLineBreak()
    {
        var condition = Condition(">-\n          Opportunity.Amount > 100 &&\n          Contacts.Any()");

        Assert.Equal("Opportunity.Amount > 100 && Contacts.Any()", condition.Text);
        var offset = condition.Text.IndexOf("Contacts", StringComparison.Ordinal);
        Assert.Equal((15, 11), (condition.SpanOf(offset, offset).Line, condition.SpanOf(offset, offset).Column));
    }

    [Fact]
    public void SpanOf_MultiLinePlainScalar_MapsContinuationLine()
    {
        var condition = Condition("Opportunity.Amount > 100\n          && Contacts.Any()");

        Assert.Equal("Opportunity.Amount > 100 && Contacts.Any()", condition.Text);
        var offset = condition.Text.IndexOf("Contacts", StringComparison.Ordinal);
        Assert.Equal((14, 14), (condition.SpanOf(offset, offset).Line, condition.SpanOf(offset, offset).Column));
    }
}
