using NRules;
using NRules.RuleModel;
using SalesWorkflow.Plugins.Testing;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Plugins.CustomerCare.Tests;

/// <summary>Compiles the plugin's rules as the engine does and runs a deal through one session.</summary>
internal static class RuleHarness
{
    private static readonly PluginRuleSessions Sessions = new(typeof(CustomerCarePlugin).Assembly);

    public static IReadOnlyList<IRuleDefinition> Rules => Sessions.Rules;

    /// <summary>NRules' defaults: <c>repository.Compile()</c>.</summary>
    public static ISessionFactory Factory => Sessions.Factory;

    /// <summary>The engine's settings: FastExpressionCompiler and facts identified by reference.</summary>
    public static ISessionFactory EngineLikeFactory => Sessions.EngineLikeFactory;

    public static ISession Run(this Deal deal, ISessionFactory? factory = null) => PluginRuleSessions.Run(factory ?? Factory, deal.Facts());

    public static List<string> RiskIds(this ISession session) =>
        [.. session.Query<RiskRaised>().Select(r => r.RiskId).OrderBy(id => id, StringComparer.Ordinal)];

    public static RiskRaised? Risk(this ISession session, string id) =>
        session.Query<RiskRaised>().SingleOrDefault(r => r.RiskId == id);

    public static bool HasRisk(this ISession session, string id) => session.Query<RiskRaised>().Any(r => r.RiskId == id);

    public static List<string> Met(this ISession session) =>
        [.. session.Query<CriterionMet>().Select(c => c.CriterionId).OrderBy(id => id, StringComparer.Ordinal)];
}

/// <summary>
/// The facts of one deal, as the engine inserts them. By default the deal was won on 2026-05-01 09:00 in Shanghai
/// time and is evaluated on 2026-05-10 (no holiday near).
/// </summary>
internal sealed class Deal
{
    public static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);

    /// <summary>New Year every year and Chinese New Year 2026–2028, greeted 14 days ahead: what the tests' process declares.</summary>
    public static readonly CarePlan Greetings = new()
    {
        Occasions =
        [
            CareOccasion.Yearly("new-year", new Dictionary<string, string> { ["en"] = "New Year", ["zh"] = "元旦" }, 1, 1),
            CareOccasion.OnDates(
                "spring-festival",
                new Dictionary<string, string> { ["en"] = "Chinese New Year", ["zh"] = "春节" },
                [new DateOnly(2026, 2, 17), new DateOnly(2027, 2, 6), new DateOnly(2028, 1, 26)]),
        ],
    };

    private int _nextId;

    public string Stage { get; set; } = "after-sales";

    public string StageKind { get; set; } = "won";

    public DateTimeOffset EnteredStageAt { get; set; } = new(2026, 5, 1, 9, 0, 0, Shanghai);

    public DateTimeOffset Now { get; set; } = new(2026, 5, 10, 9, 0, 0, Shanghai);

    public Opportunity Opportunity { get; } = new() { Id = "opp-1", Name = "ERP rollout", Amount = 120_000m };

    public List<Contact> Contacts { get; } = [];

    public List<Activity> Activities { get; } = [];

    public List<Feedback> Feedback { get; } = [];

    public IBusinessCalendar Calendar { get; set; } = new FixedOffsetCalendar(Shanghai);

    public CarePlan Care { get; set; } = Greetings;

    public DealContext Context => new("standard-b2b", 1, Stage, EnteredStageAt, Now, Calendar) { StageKind = StageKind, Care = Care };

    /// <summary>Won <paramref name="days"/> days before <see cref="Now"/>.</summary>
    public Deal WonDaysAgo(double days)
    {
        EnteredStageAt = Now - TimeSpan.FromDays(days);
        return this;
    }

    public Deal Open(string stage = "proposal")
    {
        Stage = stage;
        StageKind = "open";
        return this;
    }

    public Deal Lost()
    {
        Stage = "lost";
        StageKind = "lost";
        return this;
    }

    public Deal WithActivity(string kind, DateTimeOffset at)
    {
        Activities.Add(NewActivity(kind, at));
        return this;
    }

    public Activity NewActivity(string kind, DateTimeOffset at) => new() { Id = "a-" + ++_nextId, Kind = kind, At = at };

    public Deal WithContact(DateTimeOffset? lastContactedAt)
    {
        Contacts.Add(new Contact { Id = "c-" + ++_nextId, Name = "Contact " + _nextId, LastContactedAt = lastContactedAt });
        return this;
    }

    public Deal WithComplaint(DateTimeOffset? at, bool resolved = false)
    {
        Feedback.Add(NewFeedback(at, complaint: true, resolved: resolved));
        return this;
    }

    public Deal WithScore(int? satisfaction, DateTimeOffset? at)
    {
        Feedback.Add(NewFeedback(at, satisfaction: satisfaction));
        return this;
    }

    public Feedback NewFeedback(DateTimeOffset? at, int? satisfaction = null, bool complaint = false, bool resolved = false) =>
        new() { Id = "f-" + ++_nextId, At = at, Satisfaction = satisfaction, IsComplaint = complaint, Resolved = resolved };

    public IEnumerable<object> Facts()
    {
        yield return Context;
        yield return Opportunity;
        yield return new Account { Id = "acc-1", Name = "Acme" };
        yield return new Owner { Id = "li-na", Name = "李娜" };
        foreach (var contact in Contacts)
        {
            yield return contact;
        }

        foreach (var activity in Activities)
        {
            yield return activity;
        }

        foreach (var feedback in Feedback)
        {
            yield return feedback;
        }
    }
}
