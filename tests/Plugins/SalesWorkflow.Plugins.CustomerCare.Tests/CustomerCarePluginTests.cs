using System.Reflection;
using System.Text.RegularExpressions;
using NRules;
using NRules.Fluent.Dsl;
using SalesWorkflow.Plugins.Testing;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Sdk.Plugins;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Plugins.CustomerCare.Tests;

public class CustomerCarePluginTests
{
    [Fact]
    public void Plugin_NameAndVersion_FollowTheContract()
    {
        var plugin = new CustomerCarePlugin();

        Assert.Equal("customer-care", plugin.Name);
        Assert.Matches(new Regex("^[a-z0-9-]+$"), plugin.Name);
        Assert.Matches(new Regex(@"^\d+\.\d+\.\d+$"), plugin.Version);
    }

    [Fact]
    public void Register_AddsEveryRuleOfTheAssemblyAndNothingElse()
    {
        var registry = new RecordingRegistry();

        new CustomerCarePlugin().Register(registry);

        var ruleTypes = typeof(CustomerCarePlugin).Assembly.GetTypes()
            .Where(t => typeof(Rule).IsAssignableFrom(t) && !t.IsAbstract)
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
        Assert.Equal(ruleTypes, registry.Rules.OrderBy(t => t.FullName, StringComparer.Ordinal));
        Assert.Equal(6, registry.Rules.Distinct().Count());
        Assert.Empty(registry.Functions);
        Assert.Empty(registry.Others);
    }

    [Fact]
    public void Register_NullRegistry_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => new CustomerCarePlugin().Register(null!));
    }

    [Fact]
    public void RuleTypes_ArePublicWithNameDescriptionAndParameterlessConstructor()
    {
        var registry = new RecordingRegistry();
        new CustomerCarePlugin().Register(registry);

        Assert.All(registry.Rules, type =>
        {
            Assert.True(type.IsPublic, type.Name);
            Assert.NotNull(type.GetConstructor(Type.EmptyTypes));
            Assert.NotNull(type.GetCustomAttribute<NameAttribute>());
            Assert.NotNull(type.GetCustomAttribute<DescriptionAttribute>());
        });

        // The attributes' values are read back through the rule definitions NRules builds from them.
        var names = RuleHarness.Rules.Select(r => r.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            [
                CustomerCareIds.CheckInOverdue, CustomerCareIds.FollowUpVisitDone, CustomerCareIds.FollowUpVisitOverdue,
                CustomerCareIds.HolidayGreetingDue, CustomerCareIds.LowSatisfaction, CustomerCareIds.UnresolvedComplaint,
            ],
            names);
        Assert.All(names, name => Assert.StartsWith("customer-care.", name, StringComparison.Ordinal));
        Assert.All(RuleHarness.Rules, rule => Assert.False(string.IsNullOrWhiteSpace(rule.Description), rule.Name));
    }

    [Fact]
    public void RuleDefinitions_DeclareNoDependencies()
    {
        Assert.All(RuleHarness.Rules, rule => Assert.Empty(rule.DependencyGroup.Dependencies));
    }

    [Fact]
    public void Rules_SameFactsInAnyOrder_GiveTheSameResults()
    {
        var deal = Busy();
        var baseline = Describe(deal.Run());
        Assert.Equal(
            "customer-care.follow-up-visit-done|customer-care.check-in-overdue:Medium:10,customer-care.holiday-greeting-due:Low:5,customer-care.low-satisfaction:Medium:10,customer-care.unresolved-complaint:High:15",
            baseline.Split('\n')[0]);

        var facts = deal.Facts().ToList();
        for (var shift = 1; shift < facts.Count; shift += 2)
        {
            var session = RuleHarness.Factory.CreateSession();
            foreach (var fact in facts.Skip(shift).Concat(facts.Take(shift)).Reverse())
            {
                session.Insert(fact);
            }

            session.Fire();
            Assert.Equal(baseline, Describe(session));
        }
    }

    [Fact]
    public void Rules_EngineCompilerSettings_GiveTheSameResults()
    {
        var deal = Busy();

        Assert.Equal(Describe(deal.Run()), Describe(deal.Run(RuleHarness.EngineLikeFactory)));
    }

    [Fact]
    public void Rules_NewSessionAfterFactsChange_ReflectsOnlyTheNewFacts()
    {
        var deal = Busy();
        Assert.NotEmpty(deal.Run().RiskIds());

        deal.Now = new DateTimeOffset(2026, 6, 1, 9, 0, 0, Deal.Shanghai);
        deal.Feedback.Clear();
        deal.WithActivity("call", deal.Now.AddDays(-1));

        var session = deal.Run();
        Assert.Empty(session.RiskIds());
        Assert.Equal([CustomerCareIds.FollowUpVisitDone], session.Met());
    }

    // Won 100 days before 2026-02-10 with a visit right after, nothing since; an old complaint and a low score.
    private static Deal Busy()
    {
        var deal = new Deal { Now = new DateTimeOffset(2026, 2, 10, 9, 0, 0, Deal.Shanghai) }.WonDaysAgo(100);
        deal.WithActivity("visit", deal.EnteredStageAt.AddDays(3))
            .WithActivity("email", deal.EnteredStageAt.AddDays(4))
            .WithContact(deal.EnteredStageAt.AddDays(4))
            .WithComplaint(deal.Now.AddDays(-8))
            .WithScore(4, deal.Now.AddDays(-60))
            .WithScore(2, deal.Now.AddDays(-8));
        return deal;
    }

    private static string Describe(ISession session) =>
        string.Join(',', session.Met()) + "|" +
        string.Join(',', session.Query<RiskRaised>().OrderBy(r => r.RiskId, StringComparer.Ordinal).Select(r => $"{r.RiskId}:{r.Severity}:{r.Weight}")) + "\n" +
        string.Join('\n', session.Query<RiskRaised>().OrderBy(r => r.RiskId, StringComparer.Ordinal)
            .SelectMany(r => r.Advice.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + "=" + a.Value)));
}
