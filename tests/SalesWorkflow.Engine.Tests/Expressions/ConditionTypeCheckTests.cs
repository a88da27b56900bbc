using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Tests.Expressions;

/// <summary>Conditions are type-checked at load; an error names the exact line and column inside the condition and hints at a fix.</summary>
public sealed class ConditionTypeCheckTests
{
    private static Diagnostic SingleError(string condition)
    {
        var set = TestProcesses.WithCriterion(condition);
        return Assert.Single(set.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    private static int ColumnOf(string condition, string word) => TestProcesses.CriterionColumn + 1 + condition.IndexOf(word, StringComparison.Ordinal);

    [Theory]
    [InlineData("Opportunity.Amount > 100000 && Contacts.Any(c => c.IsDecisionMaker)")]
    [InlineData("DaysSince(LastActivityAt) > 10")]
    [InlineData("Opportunity.budgetConfirmed && Opportunity.requirementChanges >= 3")]
    [InlineData("Opportunity.dealType == \"renewal\" || Account.tier == \"strategic\"")]
    [InlineData("Contacts.Sum(c => c.influence ?? 0) > 5")]
    [InlineData("Activities.Count(a => a.Kind == \"call\" && a.At > now.AddDays(-7)) >= 2")]
    [InlineData("HasOutcome(\"proposal-sent\", \"acknowledged\") and HasApproval(\"discount\")")]
    [InlineData("Opportunity.CreatedAt < Date(\"2026-07-01\") && Activities.Any(a => a.At > Date(\"2026-01-01\"))")]
    [InlineData("BusinessDaysSince(Opportunity.CreatedAt) > 5 && Deal.BusinessDaysInStage < 30")]
    [InlineData("Opportunity.Competitors.Contains(\"BigCorp\") || Opportunity.Name.StartsWith(\"Acme\")")]
    [InlineData("Account.Payments.Any(p => p.DaysLate > 30) || Account.DaysPastDue > 60")]
    [InlineData("Opportunity.ExpectedCloseDate != null && Opportunity.ExpectedCloseDate.Value.Year == 2026")]
    [InlineData("Feedback.Where(f => f.Satisfaction != null).Average(f => f.Satisfaction.Value) < 3")]
    [InlineData("Abs(Opportunity.DiscountPercent - 10) < Max(1, Min(2, 3))")]
    [InlineData("ChecklistDone(\"icp-fit\") && !IsBlank(Opportunity.NextStep) && RecentActivities(14) > 0")]
    [InlineData("now.Subtract(Opportunity.CreatedAt).TotalDays > 30 && DaysUntil(Opportunity.ExpectedCloseDate) < 0")]
    [InlineData("Activities.Any(a => DaysSince(a.At) < 7 && a.ContactId == Opportunity.OwnerId)")]
    [InlineData("Contacts.Any(c => c.Role == \"economic-buyer\" && BusinessDaysSince(c.LastContactedAt) <= 5)")]
    public void Load_ValidCondition_HasNoDiagnostics(string condition)
    {
        var set = TestProcesses.WithCriterion(condition);

        Assert.True(set.Diagnostics.Count == 0, string.Join("\n", set.Diagnostics));
        Assert.NotNull(set.Processes.Single().CheckedConditions);
    }

    [Fact]
    public void Load_UnknownField_PointsAtTheFieldWithDidYouMean()
    {
        const string condition = "Opportunity.Amount > 1 && Contacts.Any(c => c.IsDecisionMakr)";

        var error = SingleError(condition);

        Assert.Equal(DiagnosticIds.ConditionUnknownName, error.Code);
        Assert.Equal((TestProcesses.CriterionLine, ColumnOf(condition, "IsDecisionMakr")), (error.Span.Line, error.Span.Column));
        Assert.Equal("did you mean `IsDecisionMaker`?", error.Hint);
    }

    [Fact]
    public void Load_UnknownCustomField_SuggestsTheDeclaredOne()
    {
        var error = SingleError("Opportunity.budgetConfirmd");

        Assert.Equal(DiagnosticIds.ConditionUnknownName, error.Code);
        Assert.Equal("did you mean `budgetConfirmed`?", error.Hint);
    }

    [Fact]
    public void Load_WrongCaseRootName_SuggestsTheRightCase()
    {
        var error = SingleError("opportunity.Amount > 0");

        Assert.Equal(DiagnosticIds.ConditionUnknownName, error.Code);
        Assert.Equal(ColumnOf("opportunity.Amount > 0", "opportunity"), error.Span.Column);
        Assert.Equal("did you mean `Opportunity`?", error.Hint);
    }

    [Fact]
    public void Load_UnknownFunction_SuggestsTheClosestFunction()
    {
        var error = SingleError("HasActivty(\"meeting\")");

        Assert.Equal(DiagnosticIds.ConditionUnknownName, error.Code);
        Assert.Equal("did you mean `HasActivity`?", error.Hint);
    }

    [Fact]
    public void Load_FunctionWithWrongArguments_ListsTheSignatures()
    {
        var error = SingleError("HasActivity(1)");

        Assert.Equal(DiagnosticIds.ConditionTypeMismatch, error.Code);
        Assert.Contains("HasActivity(string kind) → bool", error.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Opportunity.Amount > \"big\"")]
    [InlineData("Opportunity.budgetConfirmed > 1")]
    [InlineData("Opportunity.Name > 3")]
    public void Load_TypeMismatch_IsReported(string condition)
    {
        Assert.Equal(DiagnosticIds.ConditionTypeMismatch, SingleError(condition).Code);
    }

    [Fact]
    public void Load_InvalidDateLiteral_IsReportedAtTheLiteral()
    {
        const string condition = "Opportunity.CreatedAt < Date(\"2026-13-01\")";

        var error = SingleError(condition);

        Assert.Equal(DiagnosticIds.ConditionTypeMismatch, error.Code);
        Assert.Equal(ColumnOf(condition, "\"2026-13-01\""), error.Span.Column);
    }

    [Fact]
    public void Load_CountPropertyOfAList_SuggestsCountCall()
    {
        var error = SingleError("Contacts.Count > 1");

        Assert.Equal("count a list with `Count()`, e.g. `Contacts.Count() > 1`", error.Hint);
    }

    [Fact]
    public void Load_ValueInsteadOfCondition_ReportsNotBoolean()
    {
        Assert.Equal(DiagnosticIds.ConditionNotBoolean, SingleError("Opportunity.Amount").Code);
    }

    [Fact]
    public void Load_EnumComparedWithUndeclaredValue_SuggestsTheValue()
    {
        const string condition = "Opportunity.dealType == \"renewel\"";

        var error = SingleError(condition);

        Assert.Equal(DiagnosticIds.ConditionEnumValue, error.Code);
        Assert.Equal(ColumnOf(condition, "\"renewel\""), error.Span.Column);
        Assert.Equal("did you mean `renewal`?", error.Hint);
    }

    [Fact]
    public void Load_SyntaxError_PointsAtTheProblem()
    {
        var error = SingleError("Opportunity.Amount > (1 +");

        Assert.Equal(DiagnosticIds.ConditionSyntax, error.Code);
        Assert.Equal(TestProcesses.CriterionLine, error.Span.Line);
    }

    [Fact]
    public void Load_ErrorOnSecondLineOfBlockCondition_ReportsThatLine()
    {
        var yaml = TestProcesses.Header + """
            stages:
              - id: lead
                name: Lead
                probability: 0.1
                exitCriteria:
                  - id: c1
                    when: |
                      Opportunity.Amount > 100000 &&
                        Contacts.Any(c => c.IsDecisionMakr)
            """ + "\n" + TestProcesses.Tail;

        var error = Assert.Single(TestProcesses.Load(yaml).Diagnostics);

        var offset = yaml.IndexOf("IsDecisionMakr", StringComparison.Ordinal);
        var line = yaml[..offset].Count(c => c == '\n') + 1;
        var column = offset - yaml.LastIndexOf('\n', offset - 1);
        Assert.Equal((line, column), (error.Span.Line, error.Span.Column));
    }

    [Fact]
    public void Load_HasRiskOfUnknownRisk_IsReportedAtTheLiteral()
    {
        var error = SingleError("HasRisk(\"price-war\")");

        Assert.Equal(DiagnosticIds.ConditionUnknownRisk, error.Code);
        Assert.Equal(ColumnOf("HasRisk(\"price-war\")", "\"price-war\""), error.Span.Column);
    }

    [Fact]
    public void Load_RisksDependingOnEachOtherInACircle_IsReported()
    {
        var yaml = TestProcesses.Header + """
            stages:
              - { id: lead, name: Lead, probability: 0.1 }
            """ + "\n" + TestProcesses.Tail + """
            risks:
              - { id: a, category: market, severity: low, weight: 5, when: 'HasRisk("b")' }
              - { id: b, category: market, severity: low, weight: 5, when: 'HasRisk("c") || Opportunity.Amount > 5' }
              - { id: c, category: market, severity: low, weight: 5, when: 'HasRisk("a")' }
            """;

        var set = TestProcesses.Load(yaml);

        var error = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.ConditionRiskCycle, error.Code);
        Assert.Contains("a → b → c → a", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TwoRiskRulesWithOneId_IsADuplicate_AndTheCycleCheckStillSeesBothConditions()
    {
        // Found by the mutation test: a duplicated rule made the cycle check throw instead of reporting SW1201.
        var yaml = TestProcesses.Header + """
            stages:
              - { id: lead, name: Lead, probability: 0.1 }
            """ + "\n" + TestProcesses.Tail + """
            risks:
              - { id: a, category: market, severity: low, weight: 5, when: 'Opportunity.Amount > 5' }
              - { id: a, category: market, severity: low, weight: 5, when: 'HasRisk("b")' }
              - { id: b, category: market, severity: low, weight: 5, when: 'HasRisk("a")' }
            """;

        var codes = TestProcesses.Load(yaml).Diagnostics.Select(d => d.Code).Order(StringComparer.Ordinal).ToList();

        Assert.Equal([DiagnosticIds.DuplicateId, DiagnosticIds.ConditionRiskCycle], codes);
    }
}
