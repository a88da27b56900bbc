using NRules.Fluent.Dsl;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Plugins.CustomerCare.Rules;

// What the customer tells us counts in every stage: an unhappy prospect is as much at risk as an unhappy customer.

/// <summary>Raises <c>customer-care.unresolved-complaint</c> (high): a complaint unresolved for more than 3 days, in any stage.</summary>
[Name(CustomerCareIds.UnresolvedComplaint)]
[Description("Any stage: a feedback that is a complaint, not resolved, and older than 3 days (or undated).")]
public sealed class UnresolvedComplaintRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        DealContext deal = null!;
        When()
            .Match(() => deal)
            .Exists<Feedback>(f => CareSchedule.IsOverdueComplaint(deal, f));
        Then().Yield(_ => CareRisks.UnresolvedComplaint());
    }
}

/// <summary>Raises <c>customer-care.low-satisfaction</c>: the latest satisfaction score (1–5) is below 3, in any stage.</summary>
[Name(CustomerCareIds.LowSatisfaction)]
[Description("Any stage: the latest feedback satisfaction score on the 1-5 scale is below 3.")]
public sealed class LowSatisfactionRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        IEnumerable<Feedback> feedback = null!;
        When()
            .Query(() => feedback, q => q.Match<Feedback>().Collect().Where(f => CareSchedule.IsLowSatisfaction(f)));
        Then().Yield(_ => CareRisks.LowSatisfaction(CareSchedule.LatestSatisfaction(feedback) ?? 0));
    }
}
