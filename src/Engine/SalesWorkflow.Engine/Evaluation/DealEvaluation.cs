using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Engine.Evaluation;

/// <summary>
/// The outcome of evaluating one deal at one moment: the stage gate with the reason for every failing criterion,
/// checklist status, risks and health, escalations due and the effective probability. A pure function of (compiled
/// process, snapshot, now); stored with events so that any decision can be explained later.
/// </summary>
public sealed record DealEvaluation
{
    /// <summary>Process id.</summary>
    public required string ProcessId { get; init; }

    /// <summary>Process version.</summary>
    public required int ProcessVersion { get; init; }

    /// <summary>Content hash of the process version.</summary>
    public required string ContentHash { get; init; }

    /// <summary>The stage evaluated.</summary>
    public required string Stage { get; init; }

    /// <summary>The evaluation time.</summary>
    public required DateTimeOffset EvaluatedAt { get; init; }

    /// <summary>The stage gate: exit criteria and required checklist items.</summary>
    public required GateResult Gate { get; init; }

    /// <summary>Every checklist item of the stage.</summary>
    public required IReadOnlyList<ChecklistStatus> Checklist { get; init; }

    /// <summary>Risks raised, by id.</summary>
    public required IReadOnlyList<RaisedRisk> Risks { get; init; }

    /// <summary>Health score 0–100: 100 minus the weights of the raised risks, never below 0 (docs/conditions.md).</summary>
    public required int Health { get; init; }

    /// <summary>Escalation levels due now, by escalation and level.</summary>
    public required IReadOnlyList<DueEscalation> Escalations { get; init; }

    /// <summary>Condition-triggered escalations whose condition holds now (the runtime tracks since when).</summary>
    public required IReadOnlyList<string> ActiveEscalationConditions { get; init; }

    /// <summary>Effective win probability: the rep's override, else the stage default (1 when won, 0 when lost).</summary>
    public required double Probability { get; init; }

    /// <summary>True when <see cref="Probability"/> is the rep's override rather than the stage default.</summary>
    public required bool ProbabilityOverridden { get; init; }

    /// <summary>Rules that threw while evaluating (their result counts as false); empty when all went well.</summary>
    public required IReadOnlyList<RuleIncident> Incidents { get; init; }

    /// <summary>
    /// Checks the process's plugins reported met (their C# rules' <c>CriterionMet</c> ids, what <c>Met("…")</c> reads),
    /// in id order; empty when the process uses no plugin rules.
    /// </summary>
    public IReadOnlyList<string> ChecksMet { get; init; } = [];
}

/// <summary>The gate of the current stage.</summary>
public sealed record GateResult
{
    /// <summary>True when every exit criterion holds and every required checklist item is done.</summary>
    public required bool Passed { get; init; }

    /// <summary>Every exit criterion, in the order of the definition.</summary>
    public required IReadOnlyList<CriterionResult> Criteria { get; init; }

    /// <summary>Required checklist items not done.</summary>
    public required IReadOnlyList<string> MissingChecklist { get; init; }

    /// <summary>Ids of the failing criteria.</summary>
    public IEnumerable<string> FailingCriteria => Criteria.Where(c => !c.Passed).Select(c => c.Id);
}

/// <summary>One exit criterion and, when it fails, why.</summary>
public sealed record CriterionResult
{
    /// <summary>Criterion id.</summary>
    public required string Id { get; init; }

    /// <summary>Whether it holds.</summary>
    public required bool Passed { get; init; }

    /// <summary>The first top-level term that failed, as written in the YAML; null when passed.</summary>
    public string? FailingTerm { get; init; }

    /// <summary>Where the failing term is written.</summary>
    public SourceSpan? FailingTermSpan { get; init; }

    /// <summary>The values the failing term read.</summary>
    public IReadOnlyList<ValueRead> ValuesRead { get; init; } = [];

    /// <summary>The error when the criterion could not be evaluated.</summary>
    public string? Incident { get; init; }
}

/// <summary>A value a condition read, as shown in explanations.</summary>
/// <param name="Expression">The expression as written, e.g. <c>Opportunity.DiscountPercent</c>.</param>
/// <param name="Value">Its value, formatted for people.</param>
public sealed record ValueRead(string Expression, string Value);

/// <summary>A checklist item and whether it is done.</summary>
/// <param name="Id">Item id.</param>
/// <param name="Required">Whether leaving the stage needs it.</param>
/// <param name="Done">Whether it is done.</param>
public sealed record ChecklistStatus(string Id, bool Required, bool Done);

/// <summary>A risk raised on the deal.</summary>
/// <param name="Id">Risk rule id.</param>
/// <param name="Category">Category.</param>
/// <param name="Severity">Severity.</param>
/// <param name="Weight">Points taken off health.</param>
public sealed record RaisedRisk(string Id, string Category, RiskSeverity Severity, int Weight)
{
    /// <summary>Advice by language, for a risk raised by a plugin's C# rule (YAML risks keep theirs in the definition).</summary>
    public IReadOnlyDictionary<string, string>? Advice { get; init; }
}

/// <summary>An escalation level that is due.</summary>
/// <param name="Id">Escalation id.</param>
/// <param name="Level">Level number, from 1.</param>
/// <param name="Notify">Who is notified.</param>
/// <param name="DueAt">When the level became due.</param>
/// <param name="Since">When the escalation started (trigger time).</param>
/// <param name="IsConditionTriggered">True for a condition trigger, false for time in stage.</param>
public sealed record DueEscalation(string Id, int Level, string Notify, DateTimeOffset DueAt, DateTimeOffset Since, bool IsConditionTriggered);

/// <summary>A rule that threw during evaluation.</summary>
/// <param name="Rule">Rule id, such as <c>criterion:budget-confirmed</c>.</param>
/// <param name="Message">What went wrong.</param>
public sealed record RuleIncident(string Rule, string Message);
