using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Evaluation;

/// <summary>
/// Everything the evaluator needs to know about one deal: its facts and where it stands in the process. Build one per
/// evaluation; the evaluator never changes it.
/// </summary>
public sealed class DealSnapshot
{
    /// <summary>The deal.</summary>
    public required Opportunity Opportunity { get; init; }

    /// <summary>The customer account; an empty account when unknown.</summary>
    public Account? Account { get; init; }

    /// <summary>The owning rep; an empty owner when unknown.</summary>
    public Owner? Owner { get; init; }

    /// <summary>Contacts at the customer.</summary>
    public IReadOnlyList<Contact> Contacts { get; init; } = [];

    /// <summary>Activities logged on the deal (the engine passes the recent ones; see docs/conditions.md).</summary>
    public IReadOnlyList<Activity> Activities { get; init; } = [];

    /// <summary>Totals over every activity the deal logged; taken from <see cref="Activities"/> when null.</summary>
    internal Runtime.ActivityTotals? ActivityTotals { get; init; }

    /// <summary>The totals the evaluation reads: the deal's own, or those of <see cref="Activities"/> taken whole.</summary>
    internal Runtime.ActivityTotals TotalsForEvaluation() => ActivityTotals ?? Runtime.ActivityTotals.Of(Activities);

    /// <summary>Internal approvals.</summary>
    public IReadOnlyList<Approval> Approvals { get; init; } = [];

    /// <summary>Customer feedback.</summary>
    public IReadOnlyList<Feedback> Feedback { get; init; } = [];

    /// <summary>The stage the deal is in.</summary>
    public required string Stage { get; init; }

    /// <summary>When the deal entered that stage.</summary>
    public required DateTimeOffset EnteredStageAt { get; init; }

    /// <summary>Checklist items of the stage already done.</summary>
    public IReadOnlySet<string> ChecklistDone { get; init; } = new HashSet<string>();

    /// <summary>The tasks of the stage entry, open and done.</summary>
    public IReadOnlyList<DealTask> Tasks { get; init; } = [];

    /// <summary>For condition-triggered escalations: since when each condition has been true (kept by the runtime).</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> ConditionsSince { get; init; } = new Dictionary<string, DateTimeOffset>();
}
