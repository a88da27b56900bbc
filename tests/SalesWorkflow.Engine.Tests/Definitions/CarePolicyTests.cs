using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Tests.Definitions;

/// <summary><c>care:</c>: the after-sales care a process declares, read into the plan the customer-care plugin follows.</summary>
public sealed class CarePolicyTests
{
    private const string FullCare = """
        care:
          followUpVisit: 10bd
          checkIn:
            every: 90d
            tiers: { strategic: 30d, key: 2w }
          greetings:
            before: 7d
            days:
              - { id: new-year, name: { zh: 元旦, en: New Year }, every: 01-01 }
              - { id: spring-festival, name: { zh: 春节, en: Chinese New Year }, dates: [2027-02-06, 2026-02-17] }
              - { id: win-anniversary, name: { zh: 签约周年, en: Anniversary of the win }, anniversary: win }
        """;

    private static string Process(string care, string plugins = "[customer-care]") => $$"""
        format: 1
        kind: process
        id: care
        version: 1
        name: Care
        currency: CNY
        plugins: {{plugins}}
        fields:
          - { id: tier, on: account, type: enum, values: [strategic, key, standard] }
        stages:
          - { id: lead, name: Lead, probability: 0.1 }
          - { id: after-sales, name: After-sales, kind: won }
          - { id: lost, name: Lost, kind: lost }
        transitions:
          requireLossReason: false
        {{care}}
        """;

    private static (int Line, int Column) PositionOf(string yaml, string text)
    {
        var lines = yaml.Split('\n');
        var line = Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal));
        return (line + 1, lines[line].IndexOf(text, StringComparison.Ordinal) + 1);
    }

    [Fact]
    public void Care_Declared_IsReadIntoThePlan_PerAccountTier()
    {
        var set = TestProcesses.Load(Process(FullCare));

        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        var care = set.Processes[0].Care;
        Assert.False(care.IsNone);
        Assert.Equal(new CareInterval(10, BusinessDays: true), care.FollowUpVisit);
        Assert.Equal(new CareInterval(7, BusinessDays: false), care.GreetingLead);
        Assert.Equal(["new-year", "spring-festival", "win-anniversary"], care.Occasions.Select(o => o.Id));
        Assert.Equal((1, 1), (care.Occasions[0].Month, care.Occasions[0].Day));
        Assert.Equal([new DateOnly(2026, 2, 17), new DateOnly(2027, 2, 6)], care.Occasions[1].Dates);
        Assert.True(care.Occasions[2].IsWinAnniversary);
        Assert.Equal("春节", care.Occasions[1].Name["zh"]);

        Assert.Equal(new CareInterval(90, false), care.For(null).CheckIn);
        Assert.Equal(new CareInterval(30, false), care.For(Tiered("strategic")).CheckIn);
        Assert.Equal(new CareInterval(14, false), care.For(Tiered("key")).CheckIn);
        Assert.Equal(new CareInterval(90, false), care.For(Tiered("standard")).CheckIn);
        Assert.Same(care.For(Tiered("key")), care.For(Tiered("key")));
    }

    [Fact]
    public void Care_NotDeclared_IsTheDefaultPlan_WithNoGreetingDays()
    {
        var set = TestProcesses.Load(Process(string.Empty));

        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        Assert.True(set.Processes[0].Care.IsNone);
        Assert.Same(CarePlan.Default, set.Processes[0].Care.For(Tiered("strategic")));
        Assert.Empty(CarePlan.Default.Occasions);
        Assert.Equal((30, 90, 14), (CarePlan.Default.FollowUpVisit.Days, CarePlan.Default.CheckIn.Days, CarePlan.Default.GreetingLead.Days));
    }

    [Fact]
    public void Care_ChangesTheContentHash_AndEveryValueOfItCounts()
    {
        var without = TestProcesses.Load(Process(string.Empty)).Processes[0].ContentHash;
        var with = TestProcesses.Load(Process(FullCare)).Processes[0].ContentHash;
        var otherDate = TestProcesses.Load(Process(FullCare.Replace("2027-02-06", "2027-02-07", StringComparison.Ordinal))).Processes[0].ContentHash;
        var otherTier = TestProcesses.Load(Process(FullCare.Replace("key: 2w", "key: 3w", StringComparison.Ordinal))).Processes[0].ContentHash;
        var otherName = TestProcesses.Load(Process(FullCare.Replace("en: New Year", "en: New Year's Day", StringComparison.Ordinal))).Processes[0].ContentHash;

        Assert.Equal(5, new[] { without, with, otherDate, otherTier, otherName }.Distinct().Count());
    }

    [Theory]
    [InlineData("followUpVisit: 36h", "36h", DiagnosticIds.InvalidDuration, "is not a number of days")]
    [InlineData("followUpVisit: 16bh", "16bh", DiagnosticIds.InvalidDuration, "is not a number of days")]
    [InlineData("followUpVisit: 1d12h", "1d12h", DiagnosticIds.InvalidDuration, "is not a number of days")]
    [InlineData("followUpVisit: soon", "soon", DiagnosticIds.InvalidDuration, "")]
    [InlineData("checkIn: { tiers: { stratgic: 30d } }", "stratgic", DiagnosticIds.UnknownCareTier, "`stratgic` is not a value of the account field `tier`")]
    [InlineData("greetings: { days: [{ id: leap, name: Leap, every: 02-29 }] }", "02-29", DiagnosticIds.InvalidValue, "is not a day of every year")]
    [InlineData("greetings: { days: [{ id: bad, name: Bad, every: 13-01 }] }", "13-01", DiagnosticIds.InvalidValue, "is not a day of every year")]
    [InlineData("greetings: { days: [{ id: bad, name: Bad, every: 1-1 }] }", "1-1", DiagnosticIds.InvalidValue, "is not a day of every year")]
    [InlineData("greetings: { days: [{ id: bad, name: Bad, dates: [2026-02-30] }] }", "2026-02-30", DiagnosticIds.InvalidValue, "")]
    [InlineData("greetings: { days: [{ id: bad, name: Bad, anniversary: birthday }] }", "birthday", DiagnosticIds.InvalidEnumValue, "")]
    public void Care_BadValue_IsAnErrorAtIt(string care, string at, string code, string message)
    {
        var yaml = Process("care:\n  " + care);

        var error = Assert.Single(TestProcesses.Load(yaml).Diagnostics, d => d.Severity == DiagnosticSeverity.Error);

        Assert.Equal(code, error.Code);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(PositionOf(yaml, at), (error.Span.Line, error.Span.Column));
    }

    [Fact]
    public void Care_UnknownTier_SuggestsTheClosestValue()
    {
        var error = Assert.Single(TestProcesses.Load(Process("care:\n  checkIn: { tiers: { stratgic: 30d } }")).Diagnostics);

        Assert.Contains("strategic", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Care_TiersWithoutAnAccountTierField_IsAnError()
    {
        var yaml = Process("care:\n  checkIn: { tiers: { strategic: 30d } }").Replace("  - { id: tier, on: account,", "  - { id: segment, on: account,", StringComparison.Ordinal);

        var error = Assert.Single(TestProcesses.Load(yaml).Diagnostics, d => d.Severity == DiagnosticSeverity.Error);

        Assert.Equal(DiagnosticIds.UnknownCareTier, error.Code);
        Assert.Contains("does not declare", error.Message, StringComparison.Ordinal);
        Assert.Equal(PositionOf(yaml, "tiers"), (error.Span.Line, error.Span.Column));
    }

    [Fact]
    public void Care_GreetingDayWithTwoKindsOfDate_OrNone_OrADuplicateId_IsAnError()
    {
        var both = TestProcesses.Load(Process("care:\n  greetings: { days: [{ id: a, name: A, every: 01-01, dates: [2026-01-01] }] }"));
        var neither = TestProcesses.Load(Process("care:\n  greetings: { days: [{ id: a, name: A }] }"));
        var twice = TestProcesses.Load(Process("care:\n  greetings: { days: [{ id: a, name: A, every: 01-01 }, { id: a, name: B, every: 05-01 }] }"));

        Assert.True(both.HasErrors);
        Assert.True(neither.HasErrors);
        Assert.Equal(DiagnosticIds.DuplicateId, Assert.Single(twice.Diagnostics, d => d.Severity == DiagnosticSeverity.Error).Code);
    }

    [Fact]
    public void Care_WithoutTheCustomerCarePlugin_IsAWarningThatItHasNoEffect()
    {
        var yaml = Process(FullCare, plugins: "[]");

        var warning = Assert.Single(TestProcesses.Load(yaml).Diagnostics);

        Assert.Equal((DiagnosticIds.CareWithoutPlugin, DiagnosticSeverity.Warning), (warning.Code, warning.Severity));
        Assert.Equal(PositionOf(yaml, "care:"), (warning.Span.Line, warning.Span.Column));
    }

    private static Account Tiered(string tier) => new() { Id = "acme", Custom = new CustomFields().Set("tier", tier) };
}
