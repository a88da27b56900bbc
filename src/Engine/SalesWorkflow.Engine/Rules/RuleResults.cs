using NRules;
using NRules.Diagnostics;
using NRules.Extensibility;

namespace SalesWorkflow.Engine.Rules;

/// <summary>What a compiled rule produces when it fires.</summary>
internal enum RuleKind
{
    Criterion,
    Risk,
    EscalationCondition,
}

/// <summary>One rule of a stage's session factory and what it stands for.</summary>
internal sealed record RuleDescriptor(int Index, RuleKind Kind, string Id)
{
    public string RuleName => Kind switch
    {
        RuleKind.Criterion => "criterion:" + Id,
        RuleKind.Risk => "risk:" + Id,
        _ => "escalation:" + Id,
    };
}

/// <summary>
/// Collects what fired in one session (rule actions call <see cref="Fired"/>) and the rules that threw. It is also the
/// session's dependency resolver, so rule actions receive it as their <c>results</c> dependency; results never go
/// through <c>ISession.Query</c>, which scans working memory and costs more than the whole match.
/// </summary>
internal sealed class RuleResultCollector(int ruleCount) : IDependencyResolver
{
    private readonly bool[] _fired = new bool[ruleCount];

    /// <summary>Errors NRules reported; kept for diagnostics only (incidents are decided on the final facts).</summary>
    public List<(string RuleName, Exception Error)> Errors { get; } = [];

    public bool HasFired(int index) => _fired[index];

    public void Fired(int index) => _fired[index] = true;

    /// <summary>Called when a rule that fired stops matching (its linked facts are retracted by NRules).</summary>
    public void Retracted(int index) => _fired[index] = false;

    public object Resolve(IResolutionContext context, Type serviceType) => this;

    /// <summary>Records a rule whose condition threw and lets the session carry on (the condition counts as false).</summary>
    public static void OnConditionFailed(object? sender, LhsExpressionErrorEventArgs e)
    {
        e.IsHandled = true;
        if (sender is ISession { DependencyResolver: RuleResultCollector collector })
        {
            foreach (var rule in e.Rules)
            {
                collector.Errors.Add((rule.Name, e.Exception ?? new InvalidOperationException("unknown error")));
            }
        }
    }

    /// <summary>Records a rule whose action threw.</summary>
    public static void OnActionFailed(object? sender, RhsExpressionErrorEventArgs e)
    {
        e.IsHandled = true;
        if (sender is ISession { DependencyResolver: RuleResultCollector collector })
        {
            collector.Errors.Add((e.Match.Rule.Name, e.Exception ?? new InvalidOperationException("unknown error")));
        }
    }
}
