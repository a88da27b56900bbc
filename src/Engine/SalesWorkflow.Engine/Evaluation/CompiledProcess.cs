using System.Diagnostics;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Expressions;
using SalesWorkflow.Engine.Rules;

namespace SalesWorkflow.Engine.Evaluation;

/// <summary>
/// A process version compiled for evaluation: one NRules session factory per stage plus the delegates that explain a
/// failing criterion. Immutable and thread-safe; compile once per process version, evaluate many deals concurrently.
/// </summary>
public sealed class CompiledProcess
{
    private readonly IReadOnlyDictionary<string, StageRuleSet> _stages;
    private readonly Dictionary<CheckedTerm, Lazy<CompiledTerm>> _terms;

    private CompiledProcess(ProcessDefinition definition, IReadOnlyDictionary<string, StageRuleSet> stages, TimeSpan compileTime)
    {
        Definition = definition;
        _stages = stages;
        CompileTime = compileTime;
        _terms = definition.CheckedConditions!.Values
            .SelectMany(c => c.Terms)
            .Distinct()
            .ToDictionary(t => t, t => new Lazy<CompiledTerm>(() => CompiledTerm.Compile(t)));
    }

    /// <summary>The definition compiled.</summary>
    public ProcessDefinition Definition { get; }

    /// <summary>Process id.</summary>
    public string Id => Definition.Id;

    /// <summary>Process version.</summary>
    public int Version => Definition.Version;

    /// <summary>Content hash of the definition.</summary>
    public string ContentHash => Definition.ContentHash;

    /// <summary>How long compiling took.</summary>
    public TimeSpan CompileTime { get; }

    /// <summary>
    /// Compiles a definition loaded without errors. Throws <see cref="InvalidOperationException"/> when the definition
    /// has condition errors (check <see cref="DefinitionSet.HasErrors"/> first). Costs milliseconds per rule; do it once
    /// per process version.
    /// </summary>
    public static CompiledProcess Compile(ProcessDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var watch = Stopwatch.StartNew();
        var stages = RuleModelCompiler.Compile(definition);
        return new CompiledProcess(definition, stages, watch.Elapsed);
    }

    internal StageRuleSet? Stage(string stageId) => _stages.GetValueOrDefault(stageId);

    internal CompiledTerm Term(CheckedTerm term) => _terms[term].Value;

    internal CheckedCondition Condition(ConditionSource source) => Definition.CheckedConditions![source];
}

/// <summary>A term compiled to delegates over <see cref="DealFacts"/>, for explanations (compiled on first use).</summary>
internal sealed class CompiledTerm
{
    public required CheckedTerm Source { get; init; }

    public required Func<DealFacts, bool> Evaluate { get; init; }

    public required IReadOnlyList<(string Text, Func<DealFacts, object?> Value)> Probes { get; init; }

    public static CompiledTerm Compile(CheckedTerm term) => new()
    {
        Source = term,
        Evaluate = Expressions.ConditionGuards.Guard(term.FactsLambda).Compile(),
        Probes = [.. term.Probes.Select(p => (p.Text, Expressions.ConditionGuards.Guard(p.Value).Compile()))],
    };
}
