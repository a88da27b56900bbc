using SalesWorkflow.Plugins.Testing;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Plugins;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Plugins.CreditRisk.Tests;

public sealed class CreditRiskTests
{
    private static readonly PluginRuleSessions Sessions = new(typeof(CreditRiskPlugin).Assembly);

    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static Payment Paid(int daysLate) => new() { Id = Guid.NewGuid().ToString(), DueAt = Now.AddDays(-60), PaidAt = Now.AddDays(-60 + daysLate), Amount = 1000 };

    [Theory]
    [InlineData("AAA", 0, 0, 0, 100)]
    [InlineData("", 0, 0, 0, 50)]
    [InlineData("BBB", 50_000, 100_000, 0, 60)]
    [InlineData("BBB", 100_000, 100_000, 90, 25)]
    public void Score_RatingMinusOverdueShareAndDaysPastDue(string rating, int overdue, int outstanding, int daysPastDue, int expected)
    {
        var account = new Account { CreditRating = rating, OverdueAmount = overdue, OutstandingBalance = outstanding, DaysPastDue = daysPastDue };

        Assert.Equal(expected, CreditFunctions.Score(account));
    }

    [Fact]
    public void OnTimeRate_CountsPaymentsWithinFiveDays()
    {
        var account = new Account { Payments = [Paid(0), Paid(5), Paid(6), Paid(30)] };

        Assert.Equal(0.5, CreditFunctions.OnTimeRate(account));
        Assert.Equal(10.25, CreditFunctions.AverageDaysLate(account));
        Assert.Equal(1.0, CreditFunctions.OnTimeRate(new Account()));
    }

    [Fact]
    public void Exposure_IsZeroWithoutALimitAndAboveOneOverIt()
    {
        var deal = new Opportunity { Amount = 60_000 };

        Assert.Equal(0, CreditFunctions.Exposure(deal, new Account { OutstandingBalance = 50_000 }));
        Assert.False(CreditFunctions.IsOverLimit(deal, new Account { OutstandingBalance = 40_000, CreditLimit = 100_000 }));
        Assert.True(CreditFunctions.IsOverLimit(deal, new Account { OutstandingBalance = 40_001, CreditLimit = 100_000 }));
    }

    [Theory]
    [InlineData(30, false)]
    [InlineData(31, true)]
    public void OverdueBalanceRule_FiresAfterThirtyDays(int daysPastDue, bool expected)
    {
        var (risks, _) = Run(new Account { Id = "a", OverdueAmount = 1, OutstandingBalance = 10, DaysPastDue = daysPastDue }, new Opportunity { Id = "o" });

        Assert.Equal(expected, risks.Any(r => r.RiskId == "credit.overdue-balance"));
        Assert.All(risks.Where(r => r.RiskId == "credit.overdue-balance"), r => Assert.Equal((RiskSeverity.High, 20, "customer"), (r.Severity, r.Weight, r.Category)));
    }

    [Fact]
    public void Rules_CreditClearedByApprovalOrScore_OverLimitAndPaymentHistoryRaised()
    {
        var poorPayer = new Account { Id = "a", CreditRating = "B", CreditLimit = 10_000, OutstandingBalance = 9_000, Payments = [Paid(20), Paid(30), Paid(0)] };
        var (risks, met) = Run(poorPayer, new Opportunity { Id = "o", Amount = 5_000 });
        Assert.Equal(["credit.over-limit", "credit.poor-payment-history"], risks.Select(r => r.RiskId).Order(StringComparer.Ordinal));
        Assert.Empty(met);

        var (_, approved) = Run(poorPayer, new Opportunity { Id = "o", Amount = 5_000 }, new Approval { Id = "ap", Kind = "credit", Granted = true });
        Assert.Equal(["credit.cleared"], approved.Select(m => m.CriterionId));

        var (_, good) = Run(new Account { Id = "b", CreditRating = "A" }, new Opportunity { Id = "o", Amount = 5_000 });
        Assert.Equal(["credit.cleared"], good.Select(m => m.CriterionId));
    }

    [Fact]
    public void Register_AddsFunctionsAndRules_AndTheEnricherOnlyWithABureau()
    {
        var registry = new RecordingRegistry();
        new CreditRiskPlugin().Register(registry);
        Assert.Equal(4, registry.Rules.Count);
        Assert.Equal(["credit"], registry.Namespaces);
        Assert.Empty(registry.Enrichers);

        var withBureau = new RecordingRegistry();
        new CreditRiskPlugin(new FixedBureau()).Register(withBureau);
        var enricher = Assert.Single(withBureau.Enrichers);
        var account = new Account { Id = "acme" };
        enricher.Apply(new CreditReport("AA", 50_000), new Opportunity(), account);
        Assert.Equal(("AA", 50_000m), (account.CreditRating, account.CreditLimit));

        var rated = new Account { Id = "acme", CreditRating = "B" };
        enricher.Apply(new CreditReport("AA", 50_000), new Opportunity(), rated);
        Assert.Equal("B", rated.CreditRating);
    }

    [Fact]
    public async Task CsvCreditBureau_ReadsReportsAndRejectsBadLimitsWithLineNumbers()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["account_id,rating,limit", "acme,AA,50000", "globex,B,"]);
            var bureau = new CsvCreditBureau(path);
            Assert.Equal(new CreditReport("AA", 50_000), await bureau.GetReportAsync("acme", default));
            Assert.Equal(new CreditReport("B", null), await bureau.GetReportAsync("globex", default));
            Assert.Null(await bureau.GetReportAsync("initech", default));

            File.WriteAllLines(path, ["acme,AA,lots"]);
            var error = Assert.Throws<FormatException>(() => new CsvCreditBureau(path));
            Assert.Contains(":1: limit `lots` is not a number", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (List<RiskRaised> Risks, List<CriterionMet> Met) Run(Account account, Opportunity opportunity, params Approval[] approvals)
    {
        var context = new DealContext("p", 1, "negotiation", Now.AddDays(-3), Now, new FixedOffsetCalendar(TimeSpan.Zero), new HashSet<string>());
        var session = PluginRuleSessions.Run(Sessions.EngineLikeFactory, [context, opportunity, account, .. approvals]);
        return ([.. session.Query<RiskRaised>()], [.. session.Query<CriterionMet>()]);
    }

    private sealed class FixedBureau : ICreditBureau
    {
        public ValueTask<CreditReport?> GetReportAsync(string accountId, CancellationToken cancellationToken) => ValueTask.FromResult<CreditReport?>(new CreditReport("AA", 1));
    }
}
