using NRules.Fluent.Dsl;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Plugins.Meddpicc.Rules;

// Risks for the gaps that hurt a forecast, judged on open deals against their funnel position
// (MeddpiccAssessment.FunnelProbability: the shipped stage ids, or the rep's probability override).

/// <summary>Raises <c>meddpicc.no-champion</c> for an open deal past needs analysis (probability ≥ 0.4) without a champion.</summary>
[Name(MeddpiccIds.NoChampion)]
[Description("No contact is a champion although the open deal is past needs analysis (funnel probability >= 0.4).")]
public sealed class NoChampionRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        DealContext deal = null!;
        When()
            .Match(() => deal)
            .Match<Opportunity>(o => MeddpiccAssessment.IsAtLeast(deal, o, MeddpiccAssessment.PastNeedsAnalysis))
            .Not<Contact>(c => MeddpiccAssessment.IsChampion(c));
        Then().Yield(_ => MeddpiccRisks.NoChampion());
    }
}

/// <summary>Raises <c>meddpicc.no-economic-buyer</c> for an open deal in proposal or later (probability ≥ 0.5) without an economic buyer.</summary>
[Name(MeddpiccIds.NoEconomicBuyer)]
[Description("No contact has the role economic-buyer although the open deal is in proposal or later (funnel probability >= 0.5).")]
public sealed class NoEconomicBuyerRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        DealContext deal = null!;
        When()
            .Match(() => deal)
            .Match<Opportunity>(o => MeddpiccAssessment.IsAtLeast(deal, o, MeddpiccAssessment.InProposal))
            .Not<Contact>(c => MeddpiccAssessment.IsEconomicBuyer(c));
        Then().Yield(_ => MeddpiccRisks.NoEconomicBuyer());
    }
}

/// <summary>
/// Raises <c>meddpicc.low-score</c> for an open deal with fewer elements than its funnel position calls for: 5 of 8
/// in proposal (probability ≥ 0.5, medium), 7 of 8 in negotiation or closing (probability ≥ 0.8, high).
/// </summary>
[Name(MeddpiccIds.LowScore)]
[Description("The open deal has fewer MEDDPICC elements than its funnel position calls for: 5 of 8 from probability 0.5, 7 of 8 from 0.8.")]
public sealed class LowScoreRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        DealContext deal = null!;
        IEnumerable<Contact> contacts = null!;
        Opportunity opportunity = null!;
        When()
            .Match(() => deal, d => d.StageKind == "open")
            .Query(() => contacts, q => q.Match<Contact>().Collect())
            .Match(() => opportunity, o => MeddpiccAssessment.Score(o, contacts) < MeddpiccAssessment.RequiredScore(deal.Stage, o.ProbabilityOverride));
        Then().Yield(_ => MeddpiccRisks.LowScore(deal, opportunity, contacts));
    }
}
