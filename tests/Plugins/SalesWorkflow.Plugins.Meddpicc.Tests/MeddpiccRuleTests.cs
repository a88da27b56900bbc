using NRules;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Plugins.Meddpicc.Tests;

public class MeddpiccRuleTests
{
    public static TheoryData<string, string> FieldElements => new()
    {
        { "metricsAgreed", MeddpiccIds.Metrics },
        { "decisionCriteriaKnown", MeddpiccIds.DecisionCriteria },
        { "decisionProcessKnown", MeddpiccIds.DecisionProcess },
        { "paperProcessKnown", MeddpiccIds.PaperProcess },
        { "painIdentified", MeddpiccIds.Pain },
        { "competitionAssessed", MeddpiccIds.Competition },
    };

    [Theory]
    [MemberData(nameof(FieldElements))]
    public void ElementRule_FieldSet_ReportsOnlyThatCriterion(string field, string criterion)
    {
        var session = new Deal().With(field).Run();

        Assert.Equal([criterion], session.Met());
    }

    [Fact]
    public void ElementRules_NothingQualified_ReportNothing()
    {
        var session = new Deal().WithContact().Run();

        Assert.Empty(session.Met());
    }

    [Fact]
    public void EconomicBuyerRule_ContactWithRole_ReportsCriterion()
    {
        Assert.Equal([MeddpiccIds.EconomicBuyer], new Deal().WithContact(role: "economic-buyer").Run().Met());
        Assert.Empty(new Deal().WithContact(role: "user").Run().Met());
    }

    [Fact]
    public void ChampionRule_ChampionContact_ReportsCriterionOnce()
    {
        var session = new Deal().WithContact(champion: true).WithContact(champion: true).Run();

        Assert.Equal([MeddpiccIds.Champion], session.Met());
    }

    [Theory]
    [InlineData("proposal", "open")]
    [InlineData("lead", "open")]
    [InlineData("after-sales", "won")]
    [InlineData("lost", "lost")]
    public void ElementRules_QualifiedDeal_ReportAllEightInEveryStage(string stage, string kind)
    {
        var deal = Deal.Qualified(stage);
        deal.StageKind = kind;

        var session = deal.Run();

        Assert.Equal(
            new[]
            {
                MeddpiccIds.Champion, MeddpiccIds.Competition, MeddpiccIds.DecisionCriteria, MeddpiccIds.DecisionProcess,
                MeddpiccIds.EconomicBuyer, MeddpiccIds.Metrics, MeddpiccIds.Pain, MeddpiccIds.PaperProcess,
            },
            session.Met());
        Assert.Empty(session.Risks());
    }

    [Theory]
    [InlineData("lead", null, false)]
    [InlineData("needs-analysis", null, false)]
    [InlineData("demo", null, false)]
    [InlineData("trial", null, true)]
    [InlineData("proposal", null, true)]
    [InlineData("closing", null, true)]
    [InlineData("qualification", null, false)]
    [InlineData("qualification", 0.39, false)]
    [InlineData("qualification", 0.4, true)]
    [InlineData("needs-analysis", 0.4, true)]
    [InlineData("proposal", 0.1, true)]
    public void NoChampionRule_RaisesFromPastNeedsAnalysis(string stage, double? probabilityOverride, bool raised)
    {
        var deal = new Deal { Stage = stage }.WithContact(role: "economic-buyer");
        deal.Opportunity.ProbabilityOverride = probabilityOverride;

        var session = deal.Run();

        Assert.Equal(raised, session.Risk(MeddpiccIds.NoChampion) is not null);
    }

    [Fact]
    public void NoChampionRule_ChampionPresent_DoesNotRaise()
    {
        var session = new Deal { Stage = "negotiation" }.WithContact(champion: true).Run();

        Assert.Null(session.Risk(MeddpiccIds.NoChampion));
    }

    [Theory]
    [InlineData("won")]
    [InlineData("lost")]
    public void GapRules_ClosedDeal_RaiseNothing(string kind)
    {
        var deal = new Deal { Stage = "negotiation", StageKind = kind };
        deal.Opportunity.ProbabilityOverride = 0.9;

        Assert.Empty(deal.Run().Risks());
    }

    [Theory]
    [InlineData("trial", null, false)]
    [InlineData("needs-analysis", null, false)]
    [InlineData("proposal", null, true)]
    [InlineData("negotiation", null, true)]
    [InlineData("closing", null, true)]
    [InlineData("custom-stage", 0.49, false)]
    [InlineData("custom-stage", 0.5, true)]
    [InlineData("custom-stage", null, false)]
    public void NoEconomicBuyerRule_RaisesFromProposal(string stage, double? probabilityOverride, bool raised)
    {
        var deal = new Deal { Stage = stage }.WithContact(champion: true);
        deal.Opportunity.ProbabilityOverride = probabilityOverride;

        Assert.Equal(raised, deal.Run().Risk(MeddpiccIds.NoEconomicBuyer) is not null);
    }

    [Fact]
    public void NoEconomicBuyerRule_EconomicBuyerPresent_DoesNotRaise()
    {
        var session = new Deal { Stage = "negotiation" }.WithContact(role: "economic-buyer").Run();

        Assert.Null(session.Risk(MeddpiccIds.NoEconomicBuyer));
    }

    [Fact]
    public void RiskRules_CarryCategorySeverityWeightAndAdvice()
    {
        var session = new Deal { Stage = "negotiation" }.Run();

        var risks = session.Risks();
        Assert.Equal([MeddpiccIds.LowScore, MeddpiccIds.NoChampion, MeddpiccIds.NoEconomicBuyer], risks.Select(r => r.RiskId));
        Assert.All(risks, risk =>
        {
            Assert.Equal("customer", risk.Category);
            Assert.Equal(RiskSeverity.High, risk.Severity);
            Assert.Equal(15, risk.Weight);
            Assert.Equal(["en", "zh"], risk.Advice.Keys.Order(StringComparer.Ordinal));
            Assert.All(risk.Advice.Values, text => Assert.False(string.IsNullOrWhiteSpace(text)));
        });
    }

    [Fact]
    public void LowScoreRule_ProposalWithFourElements_RaisesMedium()
    {
        var deal = new Deal { Stage = "proposal" }
            .With("metricsAgreed", "painIdentified")
            .WithContact(role: "economic-buyer")
            .WithContact(champion: true);

        var risk = deal.Run().Risk(MeddpiccIds.LowScore);

        Assert.NotNull(risk);
        Assert.Equal(RiskSeverity.Medium, risk.Severity);
        Assert.Equal(10, risk.Weight);
        Assert.Equal(
            "Only 4 of 8 MEDDPICC elements are qualified where 5 are expected at this point of the funnel; qualify the missing ones: decision criteria, decision process, paper process, competition.",
            risk.Advice["en"]);
        Assert.Equal("MEDDPICC 八要素仅满足 4 项，当前销售阶段应至少满足 5 项：请补齐决策标准、决策流程、合同审批流程、竞争态势。", risk.Advice["zh"]);
    }

    [Fact]
    public void LowScoreRule_ProposalWithFiveElements_DoesNotRaise()
    {
        var deal = new Deal { Stage = "proposal" }
            .With("metricsAgreed", "painIdentified", "decisionCriteriaKnown")
            .WithContact(role: "economic-buyer")
            .WithContact(champion: true);

        Assert.Null(deal.Run().Risk(MeddpiccIds.LowScore));
    }

    [Fact]
    public void LowScoreRule_NegotiationWithSixElements_RaisesHigh()
    {
        var deal = new Deal { Stage = "negotiation" }
            .With("metricsAgreed", "painIdentified", "decisionCriteriaKnown", "decisionProcessKnown")
            .WithContact(role: "economic-buyer")
            .WithContact(champion: true);

        var risk = deal.Run().Risk(MeddpiccIds.LowScore);

        Assert.NotNull(risk);
        Assert.Equal(RiskSeverity.High, risk.Severity);
        Assert.Equal(15, risk.Weight);
        Assert.Contains("6 of 8", risk.Advice["en"], StringComparison.Ordinal);
        Assert.Contains("7 are expected", risk.Advice["en"], StringComparison.Ordinal);
        Assert.EndsWith("paper process, competition.", risk.Advice["en"], StringComparison.Ordinal);
    }

    [Fact]
    public void LowScoreRule_NegotiationWithSevenElements_DoesNotRaise()
    {
        var deal = new Deal { Stage = "negotiation" }
            .With("metricsAgreed", "painIdentified", "decisionCriteriaKnown", "decisionProcessKnown", "paperProcessKnown")
            .WithContact(role: "economic-buyer")
            .WithContact(champion: true);

        Assert.Null(deal.Run().Risk(MeddpiccIds.LowScore));
    }

    [Theory]
    [InlineData("trial", null)]
    [InlineData("needs-analysis", null)]
    [InlineData("custom-stage", null)]
    [InlineData("custom-stage", 0.49)]
    public void LowScoreRule_BeforeProposal_DoesNotRaise(string stage, double? probabilityOverride)
    {
        var deal = new Deal { Stage = stage };
        deal.Opportunity.ProbabilityOverride = probabilityOverride;

        Assert.Null(deal.Run().Risk(MeddpiccIds.LowScore));
    }

    [Fact]
    public void LowScoreRule_OverrideOnUnknownStage_UsesTheOverride()
    {
        var deal = new Deal { Stage = "custom-stage" };
        deal.Opportunity.ProbabilityOverride = 0.8;

        var risk = deal.Run().Risk(MeddpiccIds.LowScore);

        Assert.NotNull(risk);
        Assert.Equal(RiskSeverity.High, risk.Severity);
    }

    [Fact]
    public void ChampionAdded_ByUpdate_RetractsRiskAndReportsCriterion()
    {
        var deal = new Deal { Stage = "proposal" }.WithContact(role: "user");
        var session = deal.Run();
        Assert.NotNull(session.Risk(MeddpiccIds.NoChampion));
        Assert.DoesNotContain(MeddpiccIds.Champion, session.Met());

        deal.Contacts[0].IsChampion = true;
        session.Update(deal.Contacts[0]);
        session.Fire();

        Assert.Null(session.Risk(MeddpiccIds.NoChampion));
        Assert.Contains(MeddpiccIds.Champion, session.Met());
    }

    [Fact]
    public void ChampionRemoved_ByRetract_WithdrawsCriterionAndRaisesRisk()
    {
        var deal = new Deal { Stage = "proposal" }.WithContact(champion: true);
        var session = deal.Run();
        Assert.Contains(MeddpiccIds.Champion, session.Met());

        session.Retract(deal.Contacts[0]);
        session.Fire();

        Assert.DoesNotContain(MeddpiccIds.Champion, session.Met());
        Assert.NotNull(session.Risk(MeddpiccIds.NoChampion));
    }

    [Fact]
    public void FieldCleared_ByUpdate_WithdrawsCriterion()
    {
        var deal = new Deal().With("metricsAgreed");
        var session = deal.Run();
        Assert.Equal([MeddpiccIds.Metrics], session.Met());

        deal.Opportunity.Custom.Set("metricsAgreed", false);
        session.Update(deal.Opportunity);
        session.Fire();

        Assert.Empty(session.Met());
    }

    [Fact]
    public void LowScoreRule_ContactInsertedLater_UpdatesAdviceThenRetracts()
    {
        var deal = new Deal { Stage = "proposal" }.With("metricsAgreed", "painIdentified", "decisionCriteriaKnown");
        var session = deal.Run();
        Assert.Contains("3 of 8", session.Risk(MeddpiccIds.LowScore)!.Advice["en"], StringComparison.Ordinal);

        session.Insert(deal.NewContact(champion: true));
        session.Fire();
        var updated = session.Risk(MeddpiccIds.LowScore);
        Assert.NotNull(updated);
        Assert.Contains("4 of 8", updated.Advice["en"], StringComparison.Ordinal);
        Assert.DoesNotContain("champion", updated.Advice["en"], StringComparison.Ordinal);

        session.Insert(deal.NewContact(role: "economic-buyer"));
        session.Fire();
        Assert.Null(session.Risk(MeddpiccIds.LowScore));
    }

    [Fact]
    public void GapRules_OverrideLowered_RetractsRisks()
    {
        var deal = new Deal { Stage = "custom-stage" };
        deal.Opportunity.ProbabilityOverride = 0.9;
        var session = deal.Run();
        Assert.Equal(3, session.Risks().Count);

        deal.Opportunity.ProbabilityOverride = 0.2;
        session.Update(deal.Opportunity);
        session.Fire();

        Assert.Empty(session.Risks());
    }

    [Fact]
    public void Rules_SameFactsInAnyOrder_GiveTheSameResults()
    {
        var deal = new Deal { Stage = "negotiation" }
            .With("metricsAgreed", "paperProcessKnown")
            .WithContact(role: "user")
            .WithContact(champion: true)
            .WithContact(role: "cfo");
        var baseline = Describe(deal.Run());

        for (var i = 0; i < 5; i++)
        {
            var session = RuleHarness.Factory.CreateSession();
            var facts = deal.Facts().ToList();
            facts.Reverse();
            foreach (var fact in i % 2 == 0 ? facts : [.. facts.Skip(i).Concat(facts.Take(i))])
            {
                session.Insert(fact);
            }

            session.Fire();
            Assert.Equal(baseline, Describe(session));
        }
    }

    [Fact]
    public void Rules_EngineCompilerSettings_GiveTheSameResults()
    {
        var deal = new Deal { Stage = "negotiation" }.With("metricsAgreed").WithContact(champion: true).WithContact();

        Assert.Equal(Describe(deal.Run()), Describe(deal.Run(RuleHarness.EngineLikeFactory)));
        Assert.Equal(
            "meddpicc.champion,meddpicc.metrics|meddpicc.low-score:High:15,meddpicc.no-economic-buyer:High:15",
            Describe(deal.Run(RuleHarness.EngineLikeFactory)).Split('\n')[0]);
    }

    private static string Describe(ISession session) =>
        string.Join(',', session.Met()) + "|" + string.Join(',', session.Risks().Select(r => $"{r.RiskId}:{r.Severity}:{r.Weight}")) + "\n" +
        string.Join('\n', session.Risks().SelectMany(r => r.Advice.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + "=" + a.Value)));
}
