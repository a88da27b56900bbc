using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Plugins.Meddpicc.Tests;

public class MeddpiccAssessmentTests
{
    public static TheoryData<string, Func<Opportunity, bool>> OpportunityElements => new()
    {
        { "metricsAgreed", MeddpiccAssessment.Metrics },
        { "decisionCriteriaKnown", MeddpiccAssessment.DecisionCriteria },
        { "decisionProcessKnown", MeddpiccAssessment.DecisionProcess },
        { "paperProcessKnown", MeddpiccAssessment.PaperProcess },
        { "painIdentified", MeddpiccAssessment.Pain },
        { "competitionAssessed", MeddpiccAssessment.Competition },
    };

    [Theory]
    [MemberData(nameof(OpportunityElements))]
    public void OpportunityElement_ReadsThePackField(string field, Func<Opportunity, bool> element)
    {
        var opportunity = new Opportunity();
        Assert.False(element(opportunity));

        opportunity.Custom.Set(field, false);
        Assert.False(element(opportunity));

        opportunity.Custom.Set(field, true);
        Assert.True(element(opportunity));
    }

    [Fact]
    public void OpportunityElement_OtherFieldSet_IsNotPresent()
    {
        var opportunity = new Opportunity();
        opportunity.Custom.Set("budgetConfirmed", true).Set("metricsAgreed", "yes");

        Assert.Equal(0, MeddpiccAssessment.Score(opportunity, []));
    }

    [Theory]
    [InlineData("economic-buyer", true)]
    [InlineData("Economic-Buyer", false)]
    [InlineData("champion", false)]
    [InlineData("", false)]
    public void EconomicBuyer_MatchesTheRoleExactly(string role, bool expected)
    {
        var contact = new Contact { Role = role, IsDecisionMaker = true };

        Assert.Equal(expected, MeddpiccAssessment.IsEconomicBuyer(contact));
        Assert.Equal(expected, MeddpiccAssessment.EconomicBuyer([new Contact(), contact]));
    }

    [Fact]
    public void Champion_NeedsIsChampion()
    {
        Assert.False(MeddpiccAssessment.Champion([]));
        Assert.False(MeddpiccAssessment.Champion([new Contact { Role = "champion" }]));
        Assert.True(MeddpiccAssessment.Champion([new Contact(), new Contact { IsChampion = true }]));
    }

    [Fact]
    public void Score_CountsEachElementOnce()
    {
        var deal = new Deal();
        Assert.Equal(0, MeddpiccAssessment.Score(deal.Opportunity, deal.Contacts));

        deal.With("metricsAgreed");
        Assert.Equal(1, MeddpiccAssessment.Score(deal.Opportunity, deal.Contacts));

        deal.WithContact(champion: true).WithContact(champion: true);
        Assert.Equal(2, MeddpiccAssessment.Score(deal.Opportunity, deal.Contacts));

        deal.WithContact(role: "economic-buyer");
        Assert.Equal(3, MeddpiccAssessment.Score(deal.Opportunity, deal.Contacts));

        var qualified = Deal.Qualified();
        Assert.Equal(8, MeddpiccAssessment.Score(qualified.Opportunity, qualified.Contacts));
    }

    [Fact]
    public void Missing_ListsGapsInMeddpiccOrder()
    {
        var deal = new Deal().With("decisionCriteriaKnown", "painIdentified").WithContact(champion: true);

        Assert.Equal(
            "metrics,economic-buyer,decision-process,paper-process,competition",
            MeddpiccAssessment.Missing(deal.Opportunity, deal.Contacts));
    }

    [Fact]
    public void Missing_CompleteDeal_IsEmpty()
    {
        var deal = Deal.Qualified();

        Assert.Equal(string.Empty, MeddpiccAssessment.Missing(deal.Opportunity, deal.Contacts));
    }

    [Fact]
    public void Missing_NothingPresent_ListsAllEight()
    {
        Assert.Equal(
            "metrics,economic-buyer,decision-criteria,decision-process,paper-process,pain,champion,competition",
            MeddpiccAssessment.Missing(new Opportunity(), []));
    }

    [Theory]
    [InlineData("lead", 0.05)]
    [InlineData("first-contact", 0.1)]
    [InlineData("needs-analysis", 0.25)]
    [InlineData("proposal", 0.5)]
    [InlineData("negotiation", 0.8)]
    [InlineData("discovery", 0.1)]
    [InlineData("demo", 0.25)]
    [InlineData("trial", 0.45)]
    [InlineData("closing", 0.85)]
    public void FunnelProbability_ShippedStage_IsItsDefault(string stage, double expected)
    {
        Assert.Equal(expected, MeddpiccAssessment.FunnelProbability(stage, null));
    }

    [Theory]
    [InlineData("qualification", null, null)]
    [InlineData("", null, null)]
    [InlineData("after-sales", null, null)]
    [InlineData("qualification", 0.3, 0.3)]
    [InlineData("proposal", 0.3, 0.5)]
    [InlineData("needs-analysis", 0.6, 0.6)]
    [InlineData("lead", 1.5, 1.0)]
    [InlineData("qualification", -0.2, 0.0)]
    [InlineData("lead", double.NaN, 0.05)]
    public void FunnelProbability_TakesTheHigherOfStageAndOverride(string stage, double? probabilityOverride, double? expected)
    {
        Assert.Equal(expected, MeddpiccAssessment.FunnelProbability(stage, probabilityOverride));
    }

    [Fact]
    public void FunnelProbability_NullStage_UsesTheOverrideOnly()
    {
        Assert.Null(MeddpiccAssessment.FunnelProbability(null!, null));
        Assert.Equal(0.7, MeddpiccAssessment.FunnelProbability(null!, 0.7));
    }

    [Theory]
    [InlineData("needs-analysis", null, 0)]
    [InlineData("trial", null, 0)]
    [InlineData("proposal", null, 5)]
    [InlineData("negotiation", null, 7)]
    [InlineData("closing", null, 7)]
    [InlineData("unknown", null, 0)]
    [InlineData("unknown", 0.49, 0)]
    [InlineData("unknown", 0.5, 5)]
    [InlineData("unknown", 0.79, 5)]
    [InlineData("unknown", 0.8, 7)]
    [InlineData("lead", 0.8, 7)]
    public void RequiredScore_FollowsTheFunnelThresholds(string stage, double? probabilityOverride, int expected)
    {
        Assert.Equal(expected, MeddpiccAssessment.RequiredScore(stage, probabilityOverride));
    }

    [Fact]
    public void Functions_SameArguments_SameResult()
    {
        var deal = new Deal().With("metricsAgreed", "paperProcessKnown").WithContact(champion: true);
        var reversed = Enumerable.Reverse(deal.Contacts).ToList();

        Assert.Equal(MeddpiccAssessment.Score(deal.Opportunity, deal.Contacts), MeddpiccAssessment.Score(deal.Opportunity, reversed));
        Assert.Equal(MeddpiccAssessment.Missing(deal.Opportunity, deal.Contacts), MeddpiccAssessment.Missing(deal.Opportunity, reversed));
    }
}
