using System.Diagnostics;
using System.Globalization;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Expressions;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Tests.Expressions;

/// <summary>
/// Conditions that load but would never finish, or would fill memory, are stopped by the evaluation budget and become
/// an incident of their rule; conditions answer the same under any culture and never overflow silently (issue 15,
/// findings 2 and 6).
/// </summary>
public sealed class ConditionBudgetTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static (CriterionResult Criterion, DealEvaluation Evaluation) Evaluate(string condition, DealSnapshot? deal = null)
    {
        var process = CompiledProcess.Compile(Assert.Single(TestProcesses.WithCriterion(condition) is var set && !set.HasErrors
            ? set.Processes
            : throw new Xunit.Sdk.XunitException(string.Join("\n", set.Diagnostics))));
        var evaluation = DealEvaluator.Evaluate(process, deal ?? Deal(1), Now);
        return (evaluation.Gate.Criteria.Single(), evaluation);
    }

    private static DealSnapshot Deal(int contacts, string name = "title", decimal amount = 1.5m) => new()
    {
        Opportunity = new Opportunity { Id = "d1", Name = name, Amount = amount },
        Stage = "lead",
        EnteredStageAt = Now,
        Contacts = [.. Enumerable.Range(0, contacts).Select(i => new Contact { Id = "c" + i, Name = new string('n', 100) })],
    };

    [Theory]
    [InlineData("Contacts.All(a => Contacts.All(b => Contacts.All(c => c.Id != \"zz\")))")]
    [InlineData("Contacts.Any(a => Contacts.Any(b => Contacts.Any(c => c.Id == \"zz\" && a.Id == b.Id)))")]
    [InlineData("Contacts.Where(a => Contacts.Where(b => Contacts.Count(c => c.Id == b.Id) > 0).Count() > 0).Count() > 0")]
    public void Evaluate_NestedWalksOverALongList_AreStoppedAsAnIncident(string condition)
    {
        var clock = Stopwatch.StartNew();

        var (criterion, evaluation) = Evaluate(condition, Deal(3_000));

        Assert.False(criterion.Passed);
        var incident = Assert.Single(evaluation.Incidents);
        Assert.Contains("budget", incident.Message, StringComparison.Ordinal);
        // 2.7e10 steps unbudgeted; this bounds a hang, it is not a performance measurement.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("9999-12-31", "outside the dates a condition may name (1900 to 2999)")]
    [InlineData("0001-01-01", "outside the dates a condition may name (1900 to 2999)")]
    [InlineData("2026-13-01", "not a date written yyyy-mm-dd")]
    [InlineData("next week\nsw: fake", "not a date written yyyy-mm-dd")]
    public void Evaluate_ADateComputedFromAFact_ThatIsNoDate_IsAnIncidentInTheLoadTimeWords(string name, string problem)
    {
        // The load-time check sees literals only; a text computed from the facts is checked when it is evaluated.
        var (criterion, evaluation) = Evaluate("Date(Opportunity.Name) < now", Deal(1, name: name));

        Assert.False(criterion.Passed);
        var incident = Assert.Single(evaluation.Incidents);
        Assert.Contains(problem, incident.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", incident.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ADateComputedFromAFact_ThatIsADate_Holds()
    {
        var (criterion, evaluation) = Evaluate("Date(Opportunity.Name) < now", Deal(1, name: "2026-03-01"));

        Assert.True(criterion.Passed);
        Assert.Empty(evaluation.Incidents);
    }

    [Fact]
    public void Evaluate_ManyHeavyRules_ShareOneBudgetPerEvaluation()
    {
        // Twenty criteria that each would spend their own budget (150³ steps each, over 1,000,000): without a budget
        // for the whole evaluation, one deal costs twenty budgets, and a thousand such rules cost minutes.
        var criteria = string.Concat(Enumerable.Range(1, 20).Select(i => $"""
                  - id: c{i}
                    when: 'Contacts.Any(a => Contacts.Any(b => Contacts.Any(c => c.Id == "zz")))'

            """));
        var yaml = TestProcesses.Header + $"""
            stages:
              - id: lead
                name: Lead
                probability: 0.1
                exitCriteria:
            {criteria}
            """ + TestProcesses.Tail;
        var process = CompiledProcess.Compile(Assert.Single(TestProcesses.Load(yaml).Processes));

        var evaluation = DealEvaluator.Evaluate(process, Deal(150), Now);

        Assert.Equal(20, evaluation.Incidents.Count);
        var ownBudget = evaluation.Incidents.Count(i => i.Message.Contains("the condition went over its budget", StringComparison.Ordinal));
        var shared = evaluation.Incidents.Count(i => i.Message.Contains("the deal's evaluation went over its budget", StringComparison.Ordinal));
        // About four conditions' worth for the whole evaluation (each stops one step past its own budget, so the
        // fourth meets the shared limit first); the rest stop at their first step.
        var perEvaluation = ConditionLimits.MaxEvaluationLambdaSteps / ConditionLimits.MaxLambdaSteps;
        Assert.InRange(ownBudget, perEvaluation - 1, perEvaluation);
        Assert.Equal(20, ownBudget + shared);

        // The next evaluation has its budget again.
        Assert.Equal(ownBudget, DealEvaluator.Evaluate(process, Deal(150), Now).Incidents.Count(i => i.Message.Contains("the condition went over", StringComparison.Ordinal)));
    }

    [Fact]
    public void Evaluate_NestedConcatenation_IsStoppedBeforeFillingMemory()
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var (criterion, evaluation) = Evaluate(
            "string.Concat(Contacts.Select(a => string.Concat(Contacts.Select(b => string.Concat(Contacts.Select(c => c.Name)))))).Length > 0",
            Deal(300));

        Assert.False(criterion.Passed);
        Assert.Contains("budget", Assert.Single(evaluation.Incidents).Message, StringComparison.Ordinal);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 512L * 1024 * 1024, "allocated more than 512 MB");
    }

    [Fact]
    public void Evaluate_AListWithinTheBudget_StillAnswers()
    {
        var (criterion, evaluation) = Evaluate("Contacts.All(a => Contacts.Any(b => b.Id == a.Id))", Deal(500));

        Assert.True(criterion.Passed);
        Assert.Empty(evaluation.Incidents);
    }

    [Theory]
    [InlineData("Contacts.Count() + 2147483647 < 0")]
    [InlineData("Contacts.Count() * 2147483647 * 2 < 0")]
    [InlineData("-(Contacts.Count() - 2147483647 - 2) < 0")]
    public void Evaluate_IntegerOverflow_IsAnIncidentNotAWrongAnswer(string condition)
    {
        var (criterion, evaluation) = Evaluate(condition);

        Assert.False(criterion.Passed);
        Assert.Contains("overflow", Assert.Single(evaluation.Incidents).Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("-(Contacts.Count()) < 0")]
    [InlineData("-Contacts.Count() + 2 == 1")]
    [InlineData("Contacts.Count() - 2 == -1")]
    public void Evaluate_CheckedArithmeticWithinRange_StillAnswers(string condition)
    {
        var (criterion, evaluation) = Evaluate(condition);

        Assert.True(criterion.Passed);
        Assert.Empty(evaluation.Incidents);
    }

    public static TheoryData<string, string> CultureSensitive() => new()
    {
        { "Opportunity.Name.ToUpper() == \"TITLE\"", "title" },
        { "Opportunity.Name.ToLower() == \"title\"", "TITLE" },
        { "\"x\" + Opportunity.Amount == \"x1.5\"", "title" },
        { "string.Compare(Opportunity.Name, \"b\") < 0", "a" },
        { "Opportunity.Name.StartsWith(\"ti\") && Opportunity.Name.EndsWith(\"le\")", "title" },
        { "string.Compare(Opportunity.Name, \"i\") > 0", "ı" },
    };

    [Theory]
    [MemberData(nameof(CultureSensitive))]
    public void Evaluate_UnderAnyCulture_GivesTheSameAnswer(string condition, string name)
    {
        var answers = UnderEveryCulture.Run(["en-US", "de-DE", "tr-TR", "zh-CN", ""], () => Evaluate(condition, Deal(1, name)).Criterion.Passed);

        Assert.Single(answers.Distinct());
    }
}
