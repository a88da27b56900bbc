using System.Linq.Expressions;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Evaluation;

namespace SalesWorkflow.Engine.Expressions;

/// <summary>A condition that passed parsing, type checking and the sandbox, split into its top-level terms.</summary>
internal sealed class CheckedCondition
{
    public required ConditionSource Source { get; init; }

    public required IReadOnlyList<CheckedTerm> Terms { get; init; }

    /// <summary>Risk ids the condition reads through <c>HasRisk("…")</c>, with the offset of each literal.</summary>
    public required IReadOnlyList<(string RiskId, int Offset)> RiskReferences { get; init; }

    /// <summary>Ids the condition reads through <c>Met("…")</c> (reported by plugins' C# rules), with the offset of each literal.</summary>
    public IReadOnlyList<(string CriterionId, int Offset)> MetReferences { get; init; } = [];

    /// <summary>Task ids the condition reads through <c>TaskDone("…")</c> or <c>TaskOverdue("…")</c>, with the offset of each literal.</summary>
    public IReadOnlyList<(string TaskId, int Offset)> TaskReferences { get; init; } = [];

    /// <summary>Every fact declaration any term reads, in pattern order.</summary>
    public IReadOnlyList<FactDeclaration> Declarations =>
        [.. FactDeclarations.All.Where(d => Terms.Any(t => t.Declarations.Contains(d)))];
}

/// <summary>One top-level <c>&amp;&amp;</c> term: its own labelled NRules condition, and the unit an explanation names.</summary>
internal sealed class CheckedTerm
{
    public required string Text { get; init; }

    /// <summary>Offset of the term inside the condition text.</summary>
    public required int Offset { get; init; }

    public required SourceSpan Span { get; init; }

    /// <summary>The term over NRules declarations: parameters named and ordered as <see cref="Declarations"/>.</summary>
    public required LambdaExpression RuleLambda { get; init; }

    /// <summary>The fact declarations the term reads, in pattern order.</summary>
    public required IReadOnlyList<FactDeclaration> Declarations { get; init; }

    /// <summary>The term over one <see cref="DealFacts"/> parameter, compiled for explanations and baselines.</summary>
    public required Expression<Func<DealFacts, bool>> FactsLambda { get; init; }

    /// <summary>The values an explanation shows for this term, over <see cref="DealFacts"/>.</summary>
    public required IReadOnlyList<(string Text, Expression<Func<DealFacts, object?>> Value)> Probes { get; init; }
}
