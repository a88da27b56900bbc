using System.Reflection;
using System.Text.RegularExpressions;
using NRules.Fluent.Dsl;
using SalesWorkflow.Plugins.Testing;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Plugins.Meddpicc.Tests;

public class MeddpiccPluginTests
{
    private static readonly Type[] AllowedFunctionTypes =
    [
        typeof(string), typeof(bool), typeof(int), typeof(long), typeof(double), typeof(decimal), typeof(DateTimeOffset),
        typeof(int?), typeof(long?), typeof(double?), typeof(decimal?), typeof(DateTimeOffset?), typeof(bool?),
        typeof(Opportunity), typeof(Account), typeof(Contact), typeof(Activity), typeof(Approval), typeof(Feedback),
        typeof(Owner), typeof(DealContext), typeof(IEnumerable<Contact>), typeof(IEnumerable<Activity>),
        typeof(IEnumerable<Approval>), typeof(IEnumerable<Feedback>),
    ];

    [Fact]
    public void Plugin_NameAndVersion_FollowTheContract()
    {
        var plugin = new MeddpiccPlugin();

        Assert.Equal("meddpicc", plugin.Name);
        Assert.Matches(new Regex("^[a-z0-9-]+$"), plugin.Name);
        Assert.Matches(new Regex(@"^\d+\.\d+\.\d+$"), plugin.Version);
    }

    [Fact]
    public void Register_AddsEveryRuleOfTheAssemblyAndTheFunctions()
    {
        var registry = new RecordingRegistry();

        new MeddpiccPlugin().Register(registry);

        var ruleTypes = typeof(MeddpiccPlugin).Assembly.GetTypes()
            .Where(t => typeof(Rule).IsAssignableFrom(t) && !t.IsAbstract)
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
        Assert.Equal(ruleTypes, registry.Rules.OrderBy(t => t.FullName, StringComparer.Ordinal));
        Assert.Equal(registry.Rules.Count, registry.Rules.Distinct().Count());
        Assert.Equal([("meddpicc", typeof(MeddpiccAssessment))], registry.Functions);
        Assert.Empty(registry.Others);
    }

    [Fact]
    public void Register_NullRegistry_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => new MeddpiccPlugin().Register(null!));
    }

    [Fact]
    public void RuleTypes_ArePublicWithNameDescriptionAndParameterlessConstructor()
    {
        var registry = new RecordingRegistry();
        new MeddpiccPlugin().Register(registry);

        foreach (var type in registry.Rules)
        {
            Assert.True(type.IsPublic, type.Name);
            Assert.NotNull(type.GetConstructor(Type.EmptyTypes));
            Assert.NotNull(type.GetCustomAttribute<NameAttribute>());
            Assert.NotNull(type.GetCustomAttribute<DescriptionAttribute>());
        }

        // The attributes' values are read back through the rule definitions NRules builds from them.
        var names = RuleHarness.Rules.Select(r => r.Name).ToList();
        Assert.All(names, name => Assert.StartsWith("meddpicc.", name, StringComparison.Ordinal));
        Assert.All(RuleHarness.Rules, rule => Assert.False(string.IsNullOrWhiteSpace(rule.Description), rule.Name));
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(11, names.Count);
    }

    [Fact]
    public void RuleDefinitions_DeclareNoDependencies()
    {
        Assert.Equal(11, RuleHarness.Rules.Count);
        Assert.All(RuleHarness.Rules, rule => Assert.Empty(rule.DependencyGroup.Dependencies));
    }

    [Fact]
    public void Functions_UseOnlyTypesConditionsMayPass()
    {
        var methods = typeof(MeddpiccAssessment).GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly);

        Assert.Equal(
            [
                "Champion", "Competition", "DecisionCriteria", "DecisionProcess", "EconomicBuyer", "FunnelProbability",
                "IsChampion", "IsEconomicBuyer", "Metrics", "Missing", "Pain", "PaperProcess", "RequiredScore", "Score",
            ],
            methods.Select(m => m.Name).Order(StringComparer.Ordinal));
        Assert.All(methods, method =>
        {
            Assert.Contains(method.ReturnType, AllowedFunctionTypes);
            Assert.All(method.GetParameters(), p => Assert.Contains(p.ParameterType, AllowedFunctionTypes));
        });
        Assert.Equal(methods.Length, methods.Select(m => m.Name).Distinct(StringComparer.Ordinal).Count());
    }
}
