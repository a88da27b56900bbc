using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Engine.Evaluation;

/// <summary>
/// All facts of one evaluation in one object: what compiled condition delegates read when the evaluator explains a
/// failing criterion (and what the plain-delegate benchmark baseline evaluates). Names match the fact declarations.
/// </summary>
internal sealed class DealFacts
{
    public required Opportunity Opportunity { get; init; }

    public required Account Account { get; init; }

    public required Owner Owner { get; init; }

    public required DealContext Deal { get; init; }

    public required IEnumerable<Contact> Contacts { get; init; }

    public required IEnumerable<Activity> Activities { get; init; }

    public required Runtime.ActivityTotals ActivityTotals { get; init; }

    public required IEnumerable<Approval> Approvals { get; init; }

    public required IEnumerable<Feedback> Feedback { get; init; }

    public IEnumerable<RiskRaised> Risks { get; set; } = [];

    public IEnumerable<CriterionMet> CriteriaMet { get; set; } = [];
}
