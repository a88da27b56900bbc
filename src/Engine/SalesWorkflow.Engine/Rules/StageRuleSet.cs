using NRules;
using SalesWorkflow.Engine.Definitions;

namespace SalesWorkflow.Engine.Rules;

/// <summary>
/// The compiled rules of one stage: its NRules session factory (thread-safe; one cheap session per evaluation) and
/// what each rule stands for.
/// </summary>
internal sealed class StageRuleSet
{
    public required StageDefinition Stage { get; init; }

    /// <summary>Null when the stage has no rules at all (e.g. a lost stage): nothing to match.</summary>
    public ISessionFactory? Factory { get; init; }

    public required IReadOnlyList<RuleDescriptor> Rules { get; init; }

    /// <summary>Names of the plugins' C# rules in the factory, or null when there are none (nothing to query after firing).</summary>
    public IReadOnlySet<string>? PluginRuleNames { get; init; }

    /// <summary>Index of the rule for each exit criterion of the stage, in gate order.</summary>
    public required IReadOnlyList<(ExitCriterion Criterion, int RuleIndex)> Criteria { get; init; }

    public required IReadOnlyList<(RiskRule Risk, int RuleIndex)> Risks { get; init; }

    public required IReadOnlyList<(EscalationDefinition Escalation, int RuleIndex)> EscalationConditions { get; init; }

    public required IReadOnlyList<EscalationDefinition> TimeEscalations { get; init; }
}
