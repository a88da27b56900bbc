using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Plugins.CustomerCare.Tests;

public class FeedbackRuleTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    [Fact]
    public void UnresolvedComplaint_ExactlyThreeDaysOld_DoesNotRaise()
    {
        var deal = new Deal();
        deal.WithComplaint(deal.Now.AddDays(-3));

        Assert.False(deal.Run().HasRisk(CustomerCareIds.UnresolvedComplaint));
    }

    [Fact]
    public void UnresolvedComplaint_JustOverThreeDaysOld_RaisesHigh()
    {
        var deal = new Deal();
        deal.WithComplaint(deal.Now.AddDays(-3) - Tick);

        var risk = deal.Run().Risk(CustomerCareIds.UnresolvedComplaint);

        Assert.NotNull(risk);
        Assert.Equal("customer", risk.Category);
        Assert.Equal(RiskSeverity.High, risk.Severity);
        Assert.Equal(15, risk.Weight);
        Assert.Contains("3 days", risk.Advice["en"], StringComparison.Ordinal);
        Assert.Contains("3天", risk.Advice["zh"], StringComparison.Ordinal);
    }

    [Fact]
    public void UnresolvedComplaint_Undated_CountsAsOld()
    {
        Assert.True(new Deal().WithComplaint(null).Run().HasRisk(CustomerCareIds.UnresolvedComplaint));
    }

    [Fact]
    public void UnresolvedComplaint_ResolvedOrNotAComplaint_DoesNotRaise()
    {
        var deal = new Deal();
        deal.WithComplaint(deal.Now.AddDays(-10), resolved: true);
        deal.Feedback.Add(deal.NewFeedback(deal.Now.AddDays(-10), satisfaction: 4));

        Assert.False(deal.Run().HasRisk(CustomerCareIds.UnresolvedComplaint));
    }

    [Theory]
    [InlineData("open")]
    [InlineData("won")]
    [InlineData("lost")]
    public void UnresolvedComplaint_AnyStage_Raises(string kind)
    {
        var deal = new Deal();
        deal = kind switch { "open" => deal.Open("negotiation"), "lost" => deal.Lost(), _ => deal };
        deal.WithComplaint(deal.Now.AddDays(-5));

        Assert.True(deal.Run().HasRisk(CustomerCareIds.UnresolvedComplaint));
    }

    [Fact]
    public void UnresolvedComplaint_SeveralOverdue_RaisesOnce()
    {
        var deal = new Deal();
        deal.WithComplaint(deal.Now.AddDays(-5)).WithComplaint(deal.Now.AddDays(-9)).WithComplaint(null);

        Assert.Single(deal.Run().RiskIds(), CustomerCareIds.UnresolvedComplaint);
    }

    [Fact]
    public void UnresolvedComplaint_ResolvedByUpdate_RetractsRisk()
    {
        var deal = new Deal();
        deal.WithComplaint(deal.Now.AddDays(-5)).WithComplaint(deal.Now.AddDays(-7));
        var session = deal.Run();
        Assert.True(session.HasRisk(CustomerCareIds.UnresolvedComplaint));

        deal.Feedback[0].Resolved = true;
        session.Update(deal.Feedback[0]);
        session.Fire();
        Assert.True(session.HasRisk(CustomerCareIds.UnresolvedComplaint));

        deal.Feedback[1].Resolved = true;
        session.Update(deal.Feedback[1]);
        session.Fire();
        Assert.False(session.HasRisk(CustomerCareIds.UnresolvedComplaint));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, false)]
    [InlineData(5, false)]
    public void LowSatisfaction_LatestScoreBelowThree_Raises(int score, bool raised)
    {
        var deal = new Deal();
        deal.WithScore(5, deal.Now.AddDays(-30)).WithScore(score, deal.Now.AddDays(-1));

        Assert.Equal(raised, deal.Run().HasRisk(CustomerCareIds.LowSatisfaction));
    }

    [Fact]
    public void LowSatisfaction_Raised_CarriesScoreInAdvice()
    {
        var deal = new Deal();
        deal.WithScore(2, deal.Now.AddDays(-1));

        var risk = deal.Run().Risk(CustomerCareIds.LowSatisfaction);

        Assert.NotNull(risk);
        Assert.Equal("customer", risk.Category);
        Assert.Equal(RiskSeverity.Medium, risk.Severity);
        Assert.Equal(10, risk.Weight);
        Assert.Equal("The customer's latest satisfaction score is 2 of 5; call them to understand why and agree an improvement plan.", risk.Advice["en"]);
        Assert.Equal("客户最近一次满意度评分为 2 分（满分5分）：请致电了解原因，并与客户商定改进计划。", risk.Advice["zh"]);
    }

    [Fact]
    public void LowSatisfaction_EarlierLowScoreSinceImproved_DoesNotRaise()
    {
        var deal = new Deal();
        deal.WithScore(4, deal.Now.AddDays(-1)).WithScore(1, deal.Now.AddDays(-40));

        Assert.False(deal.Run().HasRisk(CustomerCareIds.LowSatisfaction));
    }

    [Fact]
    public void LowSatisfaction_UndatedScore_IsOlderThanDatedOnes()
    {
        var deal = new Deal();
        deal.WithScore(1, null).WithScore(4, deal.Now.AddDays(-300));
        Assert.False(deal.Run().HasRisk(CustomerCareIds.LowSatisfaction));

        var undatedOnly = new Deal().WithScore(2, null);
        Assert.True(undatedOnly.Run().HasRisk(CustomerCareIds.LowSatisfaction));
    }

    [Fact]
    public void LowSatisfaction_TieOnTime_TakesTheLowestWhateverTheOrder()
    {
        var at = new Deal().Now.AddDays(-2);
        var first = new Deal().WithScore(4, at).WithScore(2, at);
        var second = new Deal().WithScore(2, at).WithScore(4, at);

        Assert.True(first.Run().HasRisk(CustomerCareIds.LowSatisfaction));
        Assert.True(second.Run().HasRisk(CustomerCareIds.LowSatisfaction));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    [InlineData(-1)]
    public void LowSatisfaction_ScoreOutsideScale_IsIgnored(int invalid)
    {
        var deal = new Deal();
        deal.WithScore(4, deal.Now.AddDays(-10)).WithScore(invalid, deal.Now.AddDays(-1));

        Assert.False(deal.Run().HasRisk(CustomerCareIds.LowSatisfaction));
    }

    [Fact]
    public void LowSatisfaction_NoScores_DoesNotRaise()
    {
        var deal = new Deal();
        deal.WithComplaint(deal.Now.AddDays(-1)).WithScore(null, deal.Now);

        Assert.False(deal.Run().HasRisk(CustomerCareIds.LowSatisfaction));
        Assert.False(new Deal().Run().HasRisk(CustomerCareIds.LowSatisfaction));
    }

    [Theory]
    [InlineData("open")]
    [InlineData("lost")]
    public void LowSatisfaction_AnyStage_Raises(string kind)
    {
        var deal = kind == "open" ? new Deal().Open("trial") : new Deal().Lost();
        deal.WithScore(1, deal.Now.AddDays(-1));

        Assert.True(deal.Run().HasRisk(CustomerCareIds.LowSatisfaction));
    }

    [Fact]
    public void LowSatisfaction_NewerBetterScoreInserted_RetractsThenUpdateRaisesAgain()
    {
        var deal = new Deal();
        deal.WithScore(2, deal.Now.AddDays(-10));
        var session = deal.Run();
        Assert.Contains("2 of 5", session.Risk(CustomerCareIds.LowSatisfaction)!.Advice["en"], StringComparison.Ordinal);

        var newer = deal.NewFeedback(deal.Now.AddDays(-1), satisfaction: 5);
        session.Insert(newer);
        session.Fire();
        Assert.False(session.HasRisk(CustomerCareIds.LowSatisfaction));

        newer.Satisfaction = 1;
        session.Update(newer);
        session.Fire();
        Assert.Contains("1 of 5", session.Risk(CustomerCareIds.LowSatisfaction)!.Advice["en"], StringComparison.Ordinal);
    }
}
