using System.Linq.Expressions;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Expressions;

/// <summary>
/// Checks every condition of a loaded process (exit criteria, risk rules, condition-triggered escalations) against
/// the process's scope, then the references between risk rules: <c>HasRisk</c> must name an existing risk, and risk
/// rules must not depend on each other in a cycle. On success the checked conditions are attached to the process.
/// </summary>
internal static class ConditionValidation
{
    /// <param name="process">The process; its conditions see only the plugins it declared (<see cref="ProcessDefinition.LoadedPlugins"/>).</param>
    /// <param name="available">Every loaded plugin, for hints when a condition uses one the process did not declare.</param>
    /// <param name="diagnostics">Where problems go.</param>
    public static void CheckProcess(ProcessDefinition process, Plugins.PluginCatalog available, DiagnosticBag diagnostics)
    {
        var plugins = new PluginScope(process.LoadedPlugins, available);
        var scope = ConditionScope.For(process.Fields, plugins.Declared.Functions);
        var undeclared = available.NamespaceOwners.Where(n => !process.Plugins.Contains(n.Value)).ToDictionary(n => n.Key, n => n.Value, StringComparer.Ordinal);
        var checkedConditions = new Dictionary<ConditionSource, CheckedCondition>(ReferenceEqualityComparer.Instance);
        var ok = true;

        void Check(ConditionSource source, string? packAlias)
        {
            if (checkedConditions.ContainsKey(source))
            {
                return;
            }

            var result = ConditionChecker.Check(source, scope, diagnostics, undeclared);
            if (result is null)
            {
                ok = false;
                return;
            }

            checkedConditions[source] = packAlias is null ? result : PrefixRiskReferences(result, packAlias + ".");
        }

        foreach (var criterion in process.Stages.SelectMany(s => s.ExitCriteria))
        {
            Check(criterion.Condition, criterion.PackAlias);
        }

        foreach (var risk in process.Risks)
        {
            Check(risk.Condition, risk.PackAlias);
        }

        foreach (var escalation in process.Escalations)
        {
            if (escalation.Condition is { } condition)
            {
                Check(condition, null);
            }
        }

        ok &= CheckRiskReferences(process, plugins, checkedConditions, diagnostics);
        ok &= CheckMetReferences(plugins, checkedConditions, diagnostics);
        ok &= CheckTaskReferences(process, checkedConditions, diagnostics);
        if (ok)
        {
            process.CheckedConditions = checkedConditions;
        }
    }

    public static void CheckPack(RulePack pack, FunctionRegistry functions, DiagnosticBag diagnostics)
    {
        var scope = ConditionScope.For(pack.Fields, functions);
        foreach (var source in pack.Criteria.Select(c => c.Condition).Concat(pack.Risks.Select(r => r.Condition)))
        {
            if (ConditionChecker.Check(source, scope, diagnostics) is { } result)
            {
                foreach (var (riskId, offset) in result.RiskReferences)
                {
                    if (pack.Risks.All(r => r.Id != riskId))
                    {
                        diagnostics.Error(
                            DiagnosticIds.ConditionUnknownRisk,
                            source.SpanOf(offset, offset + riskId.Length + 2),
                            $"the rule pack `{pack.Id}` has no risk rule `{riskId}`",
                            Suggestions.DidYouMean(riskId, pack.Risks.Select(r => r.Id)));
                    }
                }
            }
        }
    }

    /// <summary>
    /// A plugin id (<c>meddpicc.champion</c>) must start with the name of a loaded plugin: a typo or a missing
    /// <c>--plugins</c> is an error. An id that matches none of that plugin's rule names is only a warning, since a
    /// rule may report ids other than its own name.
    /// </summary>
    private static bool CheckPluginId(PluginScope scope, ConditionSource source, string id, int offset, string function, DiagnosticBag diagnostics)
    {
        var plugins = scope.Declared;
        var dot = id.IndexOf('.', StringComparison.Ordinal);
        var plugin = dot > 0 ? id[..dot] : id;
        var span = source.SpanOf(offset, offset + id.Length + 2);
        if (!plugins.HasPlugin(plugin) && scope.Available.HasPlugin(plugin))
        {
            diagnostics.Error(
                DiagnosticIds.ConditionUnknownPluginResult,
                span,
                $"`{function}(\"{id}\")` needs the plugin `{plugin}`, which the process does not use",
                $"list it under `plugins:` at the top of the process, e.g. `plugins: [{plugin}]`");
            return false;
        }

        if (!plugins.HasPlugin(plugin))
        {
            var loaded = scope.Available.Plugins.Select(p => p.Name).ToList();
            diagnostics.Error(
                DiagnosticIds.ConditionUnknownPluginResult,
                span,
                dot > 0 ? $"`{function}(\"{id}\")` needs the plugin `{plugin}`, which is not loaded" : $"`{function}(\"{id}\")` names no plugin: plugin results are written `plugin-name.id`",
                loaded.Count == 0 ? "load it with --plugins <folder> (or AddSalesWorkflowPlugin<T>() when embedding)" : Suggestions.DidYouMean(plugin, loaded) ?? $"loaded plugins: {string.Join(", ", loaded)}");
            return false;
        }

        if (!plugins.RuleNames.Contains(id))
        {
            diagnostics.Warning(
                DiagnosticIds.ConditionUnknownPluginResult,
                span,
                $"no rule of the plugin `{plugin}` is named `{id}`; the condition holds only if one of its rules reports that id",
                Suggestions.DidYouMean(id, plugins.RuleNames.Where(n => n.StartsWith(plugin + ".", StringComparison.Ordinal))));
        }

        return true;
    }

    private static bool CheckTaskReferences(ProcessDefinition process, Dictionary<ConditionSource, CheckedCondition> conditions, DiagnosticBag diagnostics)
    {
        var ok = true;
        var taskIds = process.Stages.SelectMany(s => s.Tasks).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var (source, condition) in conditions)
        {
            foreach (var (taskId, offset) in condition.TaskReferences)
            {
                if (!taskIds.Contains(taskId))
                {
                    ok = false;
                    diagnostics.Error(
                        DiagnosticIds.ConditionUnknownTask,
                        source.SpanOf(offset, offset + taskId.Length + 2),
                        $"no stage of the process has a task `{taskId}`",
                        Suggestions.DidYouMean(taskId, taskIds) ?? "conditions read the tasks a stage declares under `tasks:`");
                }
            }
        }

        return ok;
    }

    private static bool CheckMetReferences(PluginScope plugins, Dictionary<ConditionSource, CheckedCondition> conditions, DiagnosticBag diagnostics)
    {
        var ok = true;
        foreach (var (source, condition) in conditions)
        {
            foreach (var (id, offset) in condition.MetReferences)
            {
                ok &= CheckPluginId(plugins, source, id, offset, "Met", diagnostics);
            }
        }

        return ok;
    }

    private static bool CheckRiskReferences(ProcessDefinition process, PluginScope plugins, Dictionary<ConditionSource, CheckedCondition> conditions, DiagnosticBag diagnostics)
    {
        var ok = true;
        var riskIds = process.Risks.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var (source, condition) in conditions)
        {
            foreach (var (riskId, offset) in condition.RiskReferences)
            {
                if (!riskIds.Contains(riskId) && riskId.Contains('.', StringComparison.Ordinal) && plugins.Available.HasPlugin(riskId[..riskId.IndexOf('.', StringComparison.Ordinal)]))
                {
                    ok &= CheckPluginId(plugins, source, riskId, offset, "HasRisk", diagnostics);
                }
                else if (!riskIds.Contains(riskId))
                {
                    ok = false;
                    var local = riskId.Contains('.', StringComparison.Ordinal) ? riskId[(riskId.IndexOf('.', StringComparison.Ordinal) + 1)..] : riskId;
                    var qualified = riskIds.FirstOrDefault(r => r.EndsWith("." + riskId, StringComparison.Ordinal));
                    diagnostics.Error(
                        DiagnosticIds.ConditionUnknownRisk,
                        source.SpanOf(offset, offset + local.Length + 2),
                        $"the process has no risk rule `{riskId}`",
                        qualified is not null ? $"did you mean `{qualified}`? Risks of rule packs carry the pack's alias" : Suggestions.DidYouMean(riskId, riskIds));
                }
            }
        }

        // Risk rules that depend on each other in a circle would raise and retract each other forever.
        // Two rules with one id are SW1201 already; here they are one node with the references of both.
        var edges = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var risk in process.Risks)
        {
            if (!edges.TryGetValue(risk.Id, out var references))
            {
                edges[risk.Id] = references = [];
            }

            if (conditions.TryGetValue(risk.Condition, out var condition))
            {
                references.AddRange(condition.RiskReferences.Select(x => x.RiskId).Where(riskIds.Contains));
            }
        }
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new List<string>();
        var reported = new HashSet<string>(StringComparer.Ordinal);

        void Visit(string id)
        {
            state[id] = 1;
            stack.Add(id);
            foreach (var next in edges[id])
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    var cycle = stack.Skip(stack.IndexOf(next)).Append(next).ToList();
                    var rule = process.Risks.First(r => r.Id == id);
                    var (_, offset) = conditions[rule.Condition].RiskReferences.First(x => x.RiskId == next);
                    if (reported.Add(string.Join(">", cycle.Order(StringComparer.Ordinal))))
                    {
                        diagnostics.Error(
                            DiagnosticIds.ConditionRiskCycle,
                            rule.Condition.SpanOf(offset, offset + next.Length + 2),
                            "risk rules depend on each other in a circle: " + string.Join(" → ", cycle),
                            "a risk may build on other risks, but not on itself through them; remove one of the HasRisk references");
                    }

                    ok = false;
                }
                else if (state.GetValueOrDefault(next) == 0)
                {
                    Visit(next);
                }
            }

            stack.RemoveAt(stack.Count - 1);
            state[id] = 2;
        }

        foreach (var id in edges.Keys)
        {
            if (state.GetValueOrDefault(id) == 0)
            {
                Visit(id);
            }
        }

        return ok;
    }

    /// <summary>Inside a rule pack, <c>HasRisk("x")</c> means the pack's own risk, imported as <c>alias.x</c>.</summary>
    private static CheckedCondition PrefixRiskReferences(CheckedCondition condition, string prefix)
    {
        if (condition.RiskReferences.Count == 0)
        {
            return condition;
        }

        var prefixer = new RiskPrefixer(prefix);
        return new CheckedCondition
        {
            Source = condition.Source,
            RiskReferences = [.. condition.RiskReferences.Select(r => (prefix + r.RiskId, r.Offset))],
            Terms = [.. condition.Terms.Select(t => new CheckedTerm
            {
                Text = t.Text,
                Offset = t.Offset,
                Span = t.Span,
                RuleLambda = (LambdaExpression)prefixer.Visit(t.RuleLambda),
                Declarations = t.Declarations,
                FactsLambda = (Expression<Func<Evaluation.DealFacts, bool>>)prefixer.Visit(t.FactsLambda),
                Probes = t.Probes,
            })],
        };
    }

    private sealed class RiskPrefixer(string prefix) : ExpressionVisitor
    {
        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            if (node.Method.DeclaringType == typeof(ConditionFunctions) && node.Method.Name == nameof(ConditionFunctions.HasRisk) &&
                node.Arguments[1] is ConstantExpression { Value: string id })
            {
                return Expression.Call(node.Method, Visit(node.Arguments[0]), Expression.Constant(prefix + id));
            }

            return base.VisitMethodCall(node);
        }
    }
}

/// <summary>The plugins a process declared, and every loaded plugin (for hints about the ones it did not declare).</summary>
internal sealed record PluginScope(Plugins.PluginCatalog Declared, Plugins.PluginCatalog Available);
