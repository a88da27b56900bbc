using System.Text.Json;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Tests.Evaluation;

public sealed class DealEvaluatorTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private const string Stages = """
        stages:
          - id: lead
            name: Lead
            probability: 0.1
            checklist:
              - { id: qualified, text: Qualified }
              - { id: nice-to-have, text: Optional, required: false }
            exitCriteria:
              - id: amount-known
                when: Opportunity.Amount > 0 && Opportunity.Amount < 5000000
              - id: close-date-soon
                when: Opportunity.ExpectedCloseDate.Value < now.AddDays(90)
              - id: has-contacts
                when: Contacts.Count() >= 2
          - id: proposal
            name: Proposal
            probability: 0.5
            exitCriteria:
              - { id: sent, when: 'HasActivity("proposal-sent")' }

        """;

    private static CompiledProcess Process(string extra = "") =>
        TestProcesses.Compile(TestProcesses.Header + Stages + TestProcesses.Tail + extra);

    private static DealSnapshot Deal(Action<Opportunity>? configure = null, string stage = "lead", IReadOnlyList<Contact>? contacts = null)
    {
        var opportunity = new Opportunity { Id = "d1", Amount = 1000, ExpectedCloseDate = Start.AddDays(30) };
        configure?.Invoke(opportunity);
        return new DealSnapshot
        {
            Opportunity = opportunity,
            Stage = stage,
            EnteredStageAt = Start,
            Contacts = contacts ?? [new Contact { Id = "c" }, new Contact { Id = "c" }],
            ChecklistDone = new HashSet<string> { "qualified" },
        };
    }

    [Fact]
    public void Evaluate_AllCriteriaHold_GatePasses()
    {
        var evaluation = DealEvaluator.Evaluate(Process(), Deal(), Start.AddDays(1));

        Assert.True(evaluation.Gate.Passed);
        Assert.All(evaluation.Gate.Criteria, c => Assert.True(c.Passed));
        Assert.Equal(0.1, evaluation.Probability);
        Assert.Equal(100, evaluation.Health);
        Assert.Empty(evaluation.Incidents);
    }

    [Fact]
    public void Evaluate_TwoContactsWithTheSameId_AreBothCounted()
    {
        // Messy CRM data: identity inside a session is by reference, so duplicates are not silently merged.
        var evaluation = DealEvaluator.Evaluate(Process(), Deal(contacts: [new Contact { Id = "dup" }, new Contact { Id = "dup" }]), Start);

        Assert.True(evaluation.Gate.Criteria.Single(c => c.Id == "has-contacts").Passed);
    }

    [Fact]
    public void Evaluate_SecondTermFails_NamesThatTermAndTheValuesItRead()
    {
        var evaluation = DealEvaluator.Evaluate(Process(), Deal(o => o.Amount = 9_000_000), Start);

        var criterion = evaluation.Gate.Criteria.Single(c => c.Id == "amount-known");
        Assert.False(criterion.Passed);
        Assert.Equal("Opportunity.Amount < 5000000", criterion.FailingTerm);
        Assert.Equal([new ValueRead("Opportunity.Amount", "9,000,000")], criterion.ValuesRead);
        var yamlLines = (TestProcesses.Header + Stages).Split('\n');
        var span = criterion.FailingTermSpan!.Value;
        Assert.Equal(yamlLines[span.Line - 1].IndexOf("Opportunity.Amount < 5000000", StringComparison.Ordinal) + 1, span.Column);
    }

    [Fact]
    public void Evaluate_ConditionThatThrows_BecomesAnIncidentWhileOtherRulesStillRun()
    {
        var evaluation = DealEvaluator.Evaluate(Process(), Deal(o => o.ExpectedCloseDate = null), Start);

        var criterion = evaluation.Gate.Criteria.Single(c => c.Id == "close-date-soon");
        Assert.False(criterion.Passed);
        Assert.NotNull(criterion.Incident);
        Assert.Contains(evaluation.Incidents, i => i.Rule == "criterion:close-date-soon");
        Assert.True(evaluation.Gate.Criteria.Single(c => c.Id == "amount-known").Passed);
        Assert.False(evaluation.Gate.Passed);
    }

    private const string ListRisks = """
        risks:
          - { id: last-visit-old, category: customer, severity: low, weight: 1, when: 'Activities.Where(a => a.Kind == "visit").Max(a => a.At) < now' }
          - { id: first-contact-nameless, category: customer, severity: low, weight: 1, when: 'Contacts.First().Name == ""' }

        """;

    [Fact]
    public void Evaluate_CollectionConditionValidOnTheFinalFacts_HasNoIncidentEvenIfItThrewOnAPartialCollection()
    {
        var deal = Deal();
        var snapshot = new DealSnapshot
        {
            Opportunity = deal.Opportunity,
            Stage = "lead",
            EnteredStageAt = Start,
            Contacts = [new Contact { Id = "c1", Name = "Wang" }],
            Activities = [new Activity { Id = "a1", Kind = "call", At = Start }, new Activity { Id = "a2", Kind = "visit", At = Start }],
        };

        var evaluation = DealEvaluator.Evaluate(Process(ListRisks), snapshot, Start.AddDays(1));

        Assert.Empty(evaluation.Incidents);
        Assert.Equal(["last-visit-old"], evaluation.Risks.Select(r => r.Id));
    }

    [Fact]
    public void Evaluate_CollectionConditionThatThrowsOnTheFinalFacts_IsAnIncident()
    {
        var deal = Deal();
        var snapshot = new DealSnapshot { Opportunity = deal.Opportunity, Stage = "lead", EnteredStageAt = Start };

        var evaluation = DealEvaluator.Evaluate(Process(ListRisks), snapshot, Start);

        Assert.Equal(["risk:first-contact-nameless", "risk:last-visit-old"], evaluation.Incidents.Select(i => i.Rule));
        Assert.Empty(evaluation.Risks);
    }

    [Fact]
    public void Evaluate_MissingRequiredChecklistItem_BlocksTheGate()
    {
        var deal = Deal();
        var unticked = new DealSnapshot { Opportunity = deal.Opportunity, Stage = "lead", EnteredStageAt = Start, Contacts = deal.Contacts };

        var evaluation = DealEvaluator.Evaluate(Process(), unticked, Start);

        Assert.False(evaluation.Gate.Passed);
        Assert.Equal(["qualified"], evaluation.Gate.MissingChecklist);
        Assert.All(evaluation.Gate.Criteria, c => Assert.True(c.Passed));
    }

    [Fact]
    public void Evaluate_SameInputsTwice_GivesTheSameEvaluation()
    {
        var process = Process(Risks);
        var deal = Deal(o => o.DiscountPercent = 30);

        var first = JsonSerializer.Serialize(DealEvaluator.Evaluate(process, deal, Start.AddDays(20)));
        var second = JsonSerializer.Serialize(DealEvaluator.Evaluate(process, deal, Start.AddDays(20)));

        Assert.Equal(first, second);
    }

    private const string Risks = """
        risks:
          - { id: discount, category: market, severity: high, weight: 30, when: 'Opportunity.DiscountPercent > 20' }
          - { id: big, category: customer, severity: low, weight: 5, when: 'Opportunity.Amount > 100000', stages: [proposal] }
          - { id: calm, category: team, severity: low, weight: 1, when: '!HasRisk("discount")' }
          - { id: storm, category: team, severity: critical, weight: 80, when: 'HasRisk("discount") && HasRisk("calm") == false' }

        """;

    [Fact]
    public void Evaluate_ChainedRisks_FollowOtherRisksBothWays()
    {
        var process = Process(Risks);

        var quiet = DealEvaluator.Evaluate(process, Deal(), Start);
        var discounted = DealEvaluator.Evaluate(process, Deal(o => o.DiscountPercent = 30), Start);

        Assert.Equal(["calm"], quiet.Risks.Select(r => r.Id));
        Assert.Equal(99, quiet.Health);
        Assert.Equal(["discount", "storm"], discounted.Risks.Select(r => r.Id));
        Assert.Equal(0, discounted.Health);
    }

    [Fact]
    public void Evaluate_RiskScopedToAnotherStage_IsNotRaised()
    {
        var process = Process(Risks);

        var inLead = DealEvaluator.Evaluate(process, Deal(o => o.Amount = 200000), Start);
        var inProposal = DealEvaluator.Evaluate(process, Deal(o => o.Amount = 200000, stage: "proposal"), Start);

        Assert.DoesNotContain(inLead.Risks, r => r.Id == "big");
        Assert.Contains(inProposal.Risks, r => r.Id == "big");
    }

    private const string Escalations = """
        escalations:
          - id: stalled
            trigger: { timeInStage: 14d }
            levels:
              - { notify: owner, after: 0m }
              - { notify: manager, after: 3d }
              - { notify: director, after: 7d }
          - id: slow-bd
            stages: [proposal]
            trigger: { timeInStage: 5bd }
            levels:
              - { notify: owner, after: 0m }
          - id: silent
            trigger: { condition: 'DaysSince(LastContactAt) > 10' }
            levels:
              - { notify: owner, after: 0m }
              - { notify: manager, after: 2d }

        """;

    [Theory]
    [InlineData(13.99, new int[0])]
    [InlineData(14, new[] { 1 })]
    [InlineData(16.9, new[] { 1 })]
    [InlineData(17, new[] { 1, 2 })]
    [InlineData(21, new[] { 1, 2, 3 })]
    public void Evaluate_TimeInStageEscalation_LevelsBecomeDueOnTime(double days, int[] levels)
    {
        var deal = Deal(o => o.Amount = 1);
        var contacted = new DealSnapshot
        {
            Opportunity = deal.Opportunity,
            Stage = "lead",
            EnteredStageAt = Start,
            Contacts = [new Contact { Id = "c", LastContactedAt = Start.AddDays(days) }],
        };

        var evaluation = DealEvaluator.Evaluate(Process(Escalations), contacted, Start.AddDays(days));

        Assert.Equal(levels, evaluation.Escalations.Where(e => e.Id == "stalled").Select(e => e.Level));
    }

    [Fact]
    public void Evaluate_BusinessDayEscalation_SkipsTheWeekend()
    {
        var deal = Deal(stage: "proposal");
        var friday = new DateTimeOffset(2026, 3, 6, 9, 0, 0, TimeSpan.Zero);
        var snapshot = new DealSnapshot { Opportunity = deal.Opportunity, Stage = "proposal", EnteredStageAt = friday, Contacts = deal.Contacts };

        var thursday = DealEvaluator.Evaluate(Process(Escalations), snapshot, friday.AddDays(6));
        var friday2 = DealEvaluator.Evaluate(Process(Escalations), snapshot, friday.AddDays(7));

        Assert.DoesNotContain(thursday.Escalations, e => e.Id == "slow-bd");
        Assert.Contains(friday2.Escalations, e => e.Id == "slow-bd" && e.DueAt == friday.AddDays(7));
    }

    [Fact]
    public void Evaluate_ConditionEscalation_CountsFromWhenTheConditionWasFirstSeen()
    {
        var deal = Deal();
        var since = Start.AddDays(3);
        var snapshot = new DealSnapshot
        {
            Opportunity = deal.Opportunity,
            Stage = "lead",
            EnteredStageAt = Start,
            ConditionsSince = new Dictionary<string, DateTimeOffset> { ["silent"] = since },
        };

        var evaluation = DealEvaluator.Evaluate(Process(Escalations), snapshot, since.AddDays(2));

        Assert.Equal(["silent"], evaluation.ActiveEscalationConditions);
        Assert.Equal([1, 2], evaluation.Escalations.Where(e => e.Id == "silent").Select(e => e.Level));
        Assert.All(evaluation.Escalations.Where(e => e.Id == "silent"), e => Assert.True(e.IsConditionTriggered));
    }

    [Theory]
    [InlineData("lead", 0.35, 0.35, true)]
    [InlineData("won", 0.35, 1.0, false)]
    [InlineData("lost", 0.35, 0.0, false)]
    public void Evaluate_Probability_UsesOverrideOnlyInOpenStages(string stage, double overrideValue, double expected, bool overridden)
    {
        var evaluation = DealEvaluator.Evaluate(Process(), Deal(o => o.ProbabilityOverride = overrideValue, stage: stage), Start);

        Assert.Equal(expected, evaluation.Probability);
        Assert.Equal(overridden, evaluation.ProbabilityOverridden);
    }

    [Fact]
    public void Evaluate_UnknownStage_ThrowsWithTheStageName()
    {
        var error = Assert.Throws<ArgumentException>(() => DealEvaluator.Evaluate(Process(), Deal(stage: "negotiation"), Start));

        Assert.Contains("'negotiation'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_ManyThreadsOnOneCompiledProcess_AgreeWithASingleThread()
    {
        var process = Process(Risks + Escalations);
        var deals = Enumerable.Range(0, 200).Select(i => Deal(o => { o.Id = "d" + i; o.Amount = i * 10_000; o.DiscountPercent = i % 40; })).ToList();
        var expected = deals.Select(d => JsonSerializer.Serialize(DealEvaluator.Evaluate(process, d, Start.AddDays(15)))).ToList();

        var actual = await Task.WhenAll(deals.Select(d => Task.Run(() => JsonSerializer.Serialize(DealEvaluator.Evaluate(process, d, Start.AddDays(15))))));

        Assert.Equal(expected, actual);
    }
}
