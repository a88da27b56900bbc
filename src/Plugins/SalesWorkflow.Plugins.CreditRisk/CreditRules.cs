using NRules.Fluent.Dsl;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Plugins.CreditRisk;

/// <summary>Money overdue for more than 30 days on an open deal: the customer may not pay this one either.</summary>
[Name("credit.overdue-balance"), Description("Money overdue for more than 30 days while the deal is open.")]
public sealed class OverdueBalanceRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        DealContext deal = null!;
        Account account = null!;
        When()
            .Match(() => deal, d => d.StageKind == "open")
            .Match(() => account, a => CreditFunctions.HasOverdue(a, 30));
        Then()
            .Yield(_ => CreditRisks.OverdueBalance());
    }
}

/// <summary>The deal would take the customer over its credit limit.</summary>
[Name("credit.over-limit"), Description("Outstanding balance plus this deal exceeds the credit limit.")]
public sealed class OverLimitRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        DealContext deal = null!;
        Opportunity opportunity = null!;
        Account account = null!;
        When()
            .Match(() => deal, d => d.StageKind == "open")
            .Match(() => opportunity)
            .Match(() => account, a => CreditFunctions.IsOverLimit(opportunity, a));
        Then()
            .Yield(_ => CreditRisks.OverLimit());
    }
}

/// <summary>A poor payment record: fewer than 70% of at least three payments on time.</summary>
[Name("credit.poor-payment-history"), Description("Fewer than 70% of at least three payments made within 5 days of the due date.")]
public sealed class PoorPaymentHistoryRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        DealContext deal = null!;
        Account account = null!;
        When()
            .Match(() => deal, d => d.StageKind == "open")
            .Match(() => account, a => a.Payments.Count >= 3 && CreditFunctions.OnTimeRate(a) < 0.7);
        Then()
            .Yield(_ => CreditRisks.PoorPaymentHistory());
    }
}

/// <summary>Credit is cleared: a granted credit approval, or a score of at least 60 without overdue money.</summary>
[Name("credit.cleared"), Description("A granted `credit` approval, or credit score ≥ 60 and nothing overdue for more than 30 days.")]
public sealed class CreditClearedRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        Account account = null!;
        IEnumerable<Approval> approvals = null!;
        When()
            .Query(() => approvals, q => q.Match<Approval>().Collect())
            .Match(() => account, a => approvals.Any(x => x.Kind == "credit" && x.Granted) || (CreditFunctions.Score(a) >= 60 && !CreditFunctions.HasOverdue(a, 30)));
        Then()
            .Yield(_ => new CriterionMet("credit.cleared"));
    }
}

/// <summary>
/// The risks this plugin raises, built outside the rules: NRules actions are expression trees, which cannot hold the
/// dictionary initialiser the advice needs.
/// </summary>
public static class CreditRisks
{
    /// <summary>The <c>credit.overdue-balance</c> risk.</summary>
    public static RiskRaised OverdueBalance()
    {
        return new RiskRaised("credit.overdue-balance")
        {
            Category = "customer",
            Severity = RiskSeverity.High,
            Weight = 20,
            Advice =
            {
                ["en"] = "Agree a payment plan for the overdue balance with finance before committing new terms; consider prepayment.",
                ["zh"] = "在承诺新条款前，先与财务就逾期款项商定还款计划；考虑预付款。",
            },
        };
    }

    /// <summary>The <c>credit.over-limit</c> risk.</summary>
    public static RiskRaised OverLimit()
    {
        return new RiskRaised("credit.over-limit")
        {
            Category = "customer",
            Severity = RiskSeverity.Medium,
            Weight = 10,
            Advice =
            {
                ["en"] = "Ask finance for a limit increase, split the order, or require a deposit or letter of credit.",
                ["zh"] = "申请提高信用额度、拆分订单，或要求定金/信用证。",
            },
        };
    }

    /// <summary>The <c>credit.poor-payment-history</c> risk.</summary>
    public static RiskRaised PoorPaymentHistory()
    {
        return new RiskRaised("credit.poor-payment-history")
        {
            Category = "customer",
            Severity = RiskSeverity.Medium,
            Weight = 10,
            Advice =
            {
                ["en"] = "Shorten payment terms or ask for milestone payments; involve the account's finance contact early.",
                ["zh"] = "缩短账期或采用里程碑付款；尽早联系客户财务负责人。",
            },
        };
    }
}
