using NRules;
using NRules.RuleModel;
using SalesWorkflow.Plugins.Testing;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Plugins.Meddpicc.Tests;

/// <summary>Compiles the plugin's rules as the engine does and runs a deal through one session.</summary>
internal static class RuleHarness
{
    public static readonly DateTimeOffset Now = new(2026, 6, 15, 9, 0, 0, TimeSpan.Zero);

    private static readonly PluginRuleSessions Sessions = new(typeof(MeddpiccPlugin).Assembly);

    public static IReadOnlyList<IRuleDefinition> Rules => Sessions.Rules;

    /// <summary>NRules' defaults: <c>repository.Compile()</c>.</summary>
    public static ISessionFactory Factory => Sessions.Factory;

    /// <summary>The engine's settings: FastExpressionCompiler and facts identified by reference.</summary>
    public static ISessionFactory EngineLikeFactory => Sessions.EngineLikeFactory;

    public static ISession Run(this Deal deal, ISessionFactory? factory = null) => PluginRuleSessions.Run(factory ?? Factory, deal.Facts());

    public static List<RiskRaised> Risks(this ISession session) =>
        [.. session.Query<RiskRaised>().OrderBy(r => r.RiskId, StringComparer.Ordinal)];

    public static RiskRaised? Risk(this ISession session, string id) =>
        session.Query<RiskRaised>().SingleOrDefault(r => r.RiskId == id);

    public static List<string> Met(this ISession session) =>
        [.. session.Query<CriterionMet>().Select(c => c.CriterionId).OrderBy(id => id, StringComparer.Ordinal)];
}

/// <summary>The facts of one deal, as the engine inserts them.</summary>
internal sealed class Deal
{
    private static readonly FixedOffsetCalendar Calendar = new(TimeSpan.Zero);

    private int _nextId;

    public string Stage { get; set; } = "proposal";

    public string StageKind { get; set; } = "open";

    public DateTimeOffset Now { get; set; } = RuleHarness.Now;

    public Opportunity Opportunity { get; } = new() { Id = "opp-1", Name = "ERP rollout", Amount = 120_000m };

    public List<Contact> Contacts { get; } = [];

    public List<Activity> Activities { get; } = [];

    public DealContext Context => new("standard-b2b", 1, Stage, Now.AddDays(-5), Now, Calendar) { StageKind = StageKind };

    /// <summary>A deal with every MEDDPICC element present.</summary>
    public static Deal Qualified(string stage = "proposal") => new Deal { Stage = stage }
        .With("metricsAgreed", "decisionCriteriaKnown", "decisionProcessKnown", "paperProcessKnown", "painIdentified", "competitionAssessed")
        .WithContact(role: "economic-buyer")
        .WithContact(champion: true);

    public Deal With(params string[] fields)
    {
        foreach (var field in fields)
        {
            Opportunity.Custom.Set(field, true);
        }

        return this;
    }

    public Deal WithContact(string role = "user", bool champion = false)
    {
        Contacts.Add(NewContact(role, champion));
        return this;
    }

    public Contact NewContact(string role = "user", bool champion = false) =>
        new() { Id = "c-" + ++_nextId, Name = "Contact " + _nextId, Role = role, IsChampion = champion };

    public IEnumerable<object> Facts()
    {
        yield return Context;
        yield return Opportunity;
        yield return new Account { Id = "acc-1", Name = "Acme" };
        yield return new Owner { Id = "zhang-wei", Name = "张伟" };
        foreach (var contact in Contacts)
        {
            yield return contact;
        }

        foreach (var activity in Activities)
        {
            yield return activity;
        }
    }
}
