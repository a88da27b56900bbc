using NRules.Fluent.Dsl;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Plugins.Meddpicc.Rules;

// One rule per MEDDPICC element: each reports its criterion, in every stage, while the element is present.

/// <summary>Reports <c>meddpicc.metrics</c> while the customer agrees the quantified benefits.</summary>
[Name(MeddpiccIds.Metrics)]
[Description("MEDDPICC Metrics: the customer agrees the quantified benefits (Opportunity.metricsAgreed).")]
public sealed class MetricsRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        When().Match<Opportunity>(o => MeddpiccAssessment.Metrics(o));
        Then().Yield(_ => new CriterionMet(MeddpiccIds.Metrics));
    }
}

/// <summary>Reports <c>meddpicc.economic-buyer</c> while a contact has the role <c>economic-buyer</c>.</summary>
[Name(MeddpiccIds.EconomicBuyer)]
[Description("MEDDPICC Economic buyer: a contact has the role economic-buyer.")]
public sealed class EconomicBuyerRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        When()
            .Match<Opportunity>()
            .Exists<Contact>(c => MeddpiccAssessment.IsEconomicBuyer(c));
        Then().Yield(_ => new CriterionMet(MeddpiccIds.EconomicBuyer));
    }
}

/// <summary>Reports <c>meddpicc.decision-criteria</c> while the decision criteria are known.</summary>
[Name(MeddpiccIds.DecisionCriteria)]
[Description("MEDDPICC Decision criteria: the customer's decision criteria are known (Opportunity.decisionCriteriaKnown).")]
public sealed class DecisionCriteriaRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        When().Match<Opportunity>(o => MeddpiccAssessment.DecisionCriteria(o));
        Then().Yield(_ => new CriterionMet(MeddpiccIds.DecisionCriteria));
    }
}

/// <summary>Reports <c>meddpicc.decision-process</c> while the decision process is known.</summary>
[Name(MeddpiccIds.DecisionProcess)]
[Description("MEDDPICC Decision process: the customer's decision process is known (Opportunity.decisionProcessKnown).")]
public sealed class DecisionProcessRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        When().Match<Opportunity>(o => MeddpiccAssessment.DecisionProcess(o));
        Then().Yield(_ => new CriterionMet(MeddpiccIds.DecisionProcess));
    }
}

/// <summary>Reports <c>meddpicc.paper-process</c> while the paper process is known.</summary>
[Name(MeddpiccIds.PaperProcess)]
[Description("MEDDPICC Paper process: the legal, procurement and signing steps are known (Opportunity.paperProcessKnown).")]
public sealed class PaperProcessRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        When().Match<Opportunity>(o => MeddpiccAssessment.PaperProcess(o));
        Then().Yield(_ => new CriterionMet(MeddpiccIds.PaperProcess));
    }
}

/// <summary>Reports <c>meddpicc.pain</c> while the business pain is identified.</summary>
[Name(MeddpiccIds.Pain)]
[Description("MEDDPICC Identify pain: the business pain is identified (Opportunity.painIdentified).")]
public sealed class PainRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        When().Match<Opportunity>(o => MeddpiccAssessment.Pain(o));
        Then().Yield(_ => new CriterionMet(MeddpiccIds.Pain));
    }
}

/// <summary>Reports <c>meddpicc.champion</c> while a contact is a champion.</summary>
[Name(MeddpiccIds.Champion)]
[Description("MEDDPICC Champion: a contact sells for us inside the customer (Contact.IsChampion).")]
public sealed class ChampionRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        When()
            .Match<Opportunity>()
            .Exists<Contact>(c => MeddpiccAssessment.IsChampion(c));
        Then().Yield(_ => new CriterionMet(MeddpiccIds.Champion));
    }
}

/// <summary>Reports <c>meddpicc.competition</c> while the competition is assessed.</summary>
[Name(MeddpiccIds.Competition)]
[Description("MEDDPICC Competition: the competitive situation is assessed (Opportunity.competitionAssessed).")]
public sealed class CompetitionRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        When().Match<Opportunity>(o => MeddpiccAssessment.Competition(o));
        Then().Yield(_ => new CriterionMet(MeddpiccIds.Competition));
    }
}
