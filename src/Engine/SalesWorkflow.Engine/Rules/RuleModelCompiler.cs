using System.Linq.Expressions;
using System.Reflection;
using NRules;
using NRules.RuleModel;
using NRules.RuleModel.Builders;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Expressions;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Engine.Rules;

/// <summary>
/// Builds NRules rule models from checked conditions (DESIGN.md D2): one pattern per fact a condition reads, a
/// <c>Collect</c> aggregate per collection, each top-level term as its own condition, and an action that records the
/// result (risks also insert a linked <see cref="RiskRaised"/> so later rules can build on them). Then compiles one
/// session factory per stage holding only the rules that apply there.
/// </summary>
internal static class RuleModelCompiler
{
    private static readonly MethodInfo FiredMethod = typeof(RuleResultCollector).GetMethod(nameof(RuleResultCollector.Fired))!;
    private static readonly MethodInfo RetractedMethod = typeof(RuleResultCollector).GetMethod(nameof(RuleResultCollector.Retracted))!;
    private static readonly MethodInfo InsertLinkedMethod = typeof(IContext).GetMethod(nameof(IContext.InsertLinked), [typeof(object), typeof(object)])!;
    private static readonly ConstructorInfo RiskRaisedConstructor = typeof(RiskRaised).GetConstructor([typeof(string)])!;

    public static IReadOnlyDictionary<string, StageRuleSet> Compile(ProcessDefinition process)
    {
        var conditions = process.CheckedConditions
            ?? throw new InvalidOperationException($"The process '{process.Id}' has condition errors; load it with DefinitionLoader and fix the diagnostics before compiling it.");
        // Stages compile independently; a large process compiles on every core.
        var compiled = new StageRuleSet[process.Stages.Count];
        Parallel.For(0, process.Stages.Count, i => compiled[i] = CompileStage(process, process.Stages[i], conditions));
        return compiled.ToDictionary(s => s.Stage.Id, StringComparer.Ordinal);
    }

    private static StageRuleSet CompileStage(ProcessDefinition process, StageDefinition stage, IReadOnlyDictionary<ConditionSource, CheckedCondition> conditions)
    {
        var descriptors = new List<RuleDescriptor>();
        var definitions = new List<IRuleDefinition>();
        var criteria = new List<(ExitCriterion, int)>();
        var risks = new List<(RiskRule, int)>();
        var escalations = new List<(EscalationDefinition, int)>();

        int Add(RuleKind kind, string id, CheckedCondition condition)
        {
            var descriptor = new RuleDescriptor(descriptors.Count, kind, id);
            descriptors.Add(descriptor);
            definitions.Add(BuildRule(descriptor, condition));
            return descriptor.Index;
        }

        foreach (var criterion in stage.ExitCriteria)
        {
            criteria.Add((criterion, Add(RuleKind.Criterion, criterion.Id, conditions[criterion.Condition])));
        }

        foreach (var risk in process.Risks.Where(r => r.Stages.Contains(stage.Id)))
        {
            risks.Add((risk, Add(RuleKind.Risk, risk.Id, conditions[risk.Condition])));
        }

        foreach (var escalation in process.Escalations.Where(e => e.Condition is not null && e.Stages.Contains(stage.Id)))
        {
            escalations.Add((escalation, Add(RuleKind.EscalationCondition, escalation.Id, conditions[escalation.Condition!])));
        }

        // The declared plugins' C# rules join every stage: they decide for themselves where they apply (DealContext.Stage,
        // StageKind), and their results reach YAML rules as linked facts in the same session.
        var pluginRules = process.LoadedPlugins.Rules;
        definitions.AddRange(pluginRules);
        ISessionFactory? factory = null;
        if (definitions.Count > 0)
        {
            // Each session holds the facts of one deal for one evaluation and is never updated, so identity is by
            // reference: two contacts that share an id (messy CRM data) are still two contacts.
            var compiler = new RuleCompiler { ExpressionCompiler = FastRuleExpressionCompiler.Instance };
            compiler.FactIdentityComparerRegistry.DefaultFactIdentityComparer = ReferenceEqualityComparer.Instance;
            factory = compiler.Compile(definitions);
            factory.Events.LhsExpressionFailedEvent += RuleResultCollector.OnConditionFailed;
            factory.Events.RhsExpressionFailedEvent += RuleResultCollector.OnActionFailed;
        }

        return new StageRuleSet
        {
            Stage = stage,
            Factory = factory,
            Rules = descriptors,
            PluginRuleNames = pluginRules.Count == 0 ? null : process.LoadedPlugins.RuleNames,
            Criteria = criteria,
            Risks = risks,
            EscalationConditions = escalations,
            TimeEscalations = [.. process.Escalations.Where(e => e.TimeInStage is not null && e.Stages.Contains(stage.Id))],
        };
    }

    private static IRuleDefinition BuildRule(RuleDescriptor descriptor, CheckedCondition condition)
    {
        var builder = new RuleBuilder();
        builder.Name(descriptor.RuleName);
        builder.Dependencies().Dependency(typeof(RuleResultCollector), "results");
        var lhs = builder.LeftHandSide();
        var declarations = condition.Declarations.Count > 0 ? condition.Declarations : [FactDeclarations.Deal];
        var patterns = new Dictionary<FactDeclaration, PatternBuilder>();
        foreach (var declaration in declarations)
        {
            var pattern = lhs.Pattern(declaration.ExposedType, declaration.Name);
            if (declaration.IsCollection)
            {
                var aggregate = pattern.Aggregate();
                aggregate.Collect();
                aggregate.Pattern(declaration.FactType, "item_" + declaration.Name);
            }

            patterns[declaration] = pattern;
        }

        // Each term is its own labelled condition, on the pattern of the last fact it reads (NRules needs every
        // declaration a condition uses to be bound before it).
        foreach (var term in condition.Terms)
        {
            var last = term.Declarations.Count > 0 ? term.Declarations[^1] : declarations[0];
            var lambda = term.Declarations.Count > 0 ? term.RuleLambda : Expression.Lambda(term.RuleLambda.Body, Expression.Parameter(last.ExposedType, last.Name));
            patterns[last].Condition(Expressions.ConditionGuards.Guard(lambda));
        }

        var context = Expression.Parameter(typeof(IContext), "ctx");
        var results = Expression.Parameter(typeof(RuleResultCollector), "results");
        Expression body = Expression.Call(results, FiredMethod, Expression.Constant(descriptor.Index));
        if (descriptor.Kind == RuleKind.Risk)
        {
            var raised = Expression.New(RiskRaisedConstructor, Expression.Constant(descriptor.Id));
            body = Expression.Block(body, Expression.Call(context, InsertLinkedMethod, Expression.Constant(descriptor.RuleName, typeof(object)), raised));
        }

        // Fire once when the rule starts matching; a Collect input that changes (another risk raised) updates the match
        // but must not fire again. When a match goes away (a condition on HasRisk turned false), undo the result.
        var actions = builder.RightHandSide();
        actions.Action(Expression.Lambda(body, context, results), ActionTrigger.Activated);
        actions.Action(Expression.Lambda(Expression.Call(results, RetractedMethod, Expression.Constant(descriptor.Index)), context, results), ActionTrigger.Deactivated);
        return builder.Build();
    }
}
