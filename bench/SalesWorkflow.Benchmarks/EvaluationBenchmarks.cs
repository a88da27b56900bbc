using BenchmarkDotNet.Attributes;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Results;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Benchmarks;

/// <summary>
/// One deal evaluated against standard-b2b in each open stage, next to a baseline that evaluates the same conditions
/// of that stage as plain compiled delegates (no rules engine, no explanation). Target: under 50 µs per evaluation.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class EvaluationBenchmarks
{
    private CompiledProcess _process = null!;
    private DealSnapshot _deal = null!;
    private DealFacts _facts = null!;
    private Func<DealFacts, bool>[] _baseline = [];
    private Func<DealFacts, bool>[] _guarded = [];
    private readonly DateTimeOffset _now = new(2026, 3, 20, 10, 0, 0, TimeSpan.FromHours(8));

    [Params("lead", "first-contact", "needs-analysis", "proposal", "negotiation")]
    public string Stage { get; set; } = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        var set = FirstPartyPlugins.Loader().Load([RepositoryFiles.Definition("standard-b2b.yaml")]);
        var definition = set.Processes.Single();
        _process = CompiledProcess.Compile(definition);
        _deal = TypicalDeal(Stage, _now);
        _facts = new DealFacts
        {
            Opportunity = _deal.Opportunity,
            Account = _deal.Account!,
            Owner = _deal.Owner!,
            Deal = new DealContext(definition.Id, definition.Version, Stage, _deal.EnteredStageAt, _now, definition.Calendar, _deal.ChecklistDone),
            Contacts = _deal.Contacts,
            Activities = _deal.Activities,
            ActivityTotals = SalesWorkflow.Engine.Runtime.ActivityTotals.Of(_deal.Activities),
            Approvals = _deal.Approvals,
            Feedback = _deal.Feedback,
            Risks = [new RiskRaised("competitor-present")],
        };

        // The baseline evaluates every condition the stage's session holds, term by term, as plain delegates.
        var stage = definition.FindStage(Stage)!;
        var sources = stage.ExitCriteria.Select(c => c.Condition)
            .Concat(definition.Risks.Where(r => r.Stages.Contains(Stage)).Select(r => r.Condition))
            .Concat(definition.Escalations.Where(e => e.Condition is not null && e.Stages.Contains(Stage)).Select(e => e.Condition!));
        _baseline = [.. sources.Select(s => definition.CheckedConditions![s]).Select(c =>
        {
            var terms = c.Terms.Select(t => t.FactsLambda.Compile()).ToArray();
            return (Func<DealFacts, bool>)(f => terms.All(t => t(f)));
        })];

        // The same delegates as the engine compiles them: under the evaluation budget, checked and culture-invariant.
        _guarded = [.. sources.Select(s => definition.CheckedConditions![s]).Select(c =>
        {
            var terms = c.Terms.Select(t => SalesWorkflow.Engine.Expressions.ConditionGuards.Guard(t.FactsLambda).Compile()).ToArray();
            return (Func<DealFacts, bool>)(f => terms.All(t => t(f)));
        })];
    }

    [Benchmark(Baseline = true)]
    public int PlainDelegates() => Holding(_baseline);

    /// <summary>The price of the guards (budget counting, checked arithmetic, invariant text) against <see cref="PlainDelegates"/>.</summary>
    [Benchmark]
    public int GuardedDelegates() => Holding(_guarded);

    private int Holding(Func<DealFacts, bool>[] conditions)
    {
        var holding = 0;
        foreach (var condition in conditions)
        {
            if (condition(_facts))
            {
                holding++;
            }
        }

        return holding;
    }

    [Benchmark]
    public DealEvaluation Evaluate() => DealEvaluator.Evaluate(_process, _deal, _now);

    internal static DealSnapshot TypicalDeal(string stage, DateTimeOffset now) => new()
    {
        Opportunity = new Opportunity
        {
            Id = "bench-1",
            Name = "Acme ERP",
            Amount = 1_200_000,
            DiscountPercent = 12,
            Competitors = ["BigCorp"],
            AccountId = "acme",
            ExpectedCloseDate = now.AddDays(45),
            Custom = new CustomFields().Set("budgetConfirmed", true).Set("needsDocumented", false).Set("requirementChanges", 1m),
        },
        Account = new Account { Id = "acme", Industry = "manufacturing", OverdueAmount = 0, DaysPastDue = 0 },
        Owner = new Owner { Id = "li-na", OpenDeals = 25, LastActiveAt = now.AddDays(-1) },
        Contacts =
        [
            new Contact { Id = "c1", Role = "economic-buyer", IsDecisionMaker = true, LastContactedAt = now.AddDays(-4) },
            new Contact { Id = "c2", Role = "user" },
            new Contact { Id = "c3", Role = "champion", IsChampion = true },
        ],
        Activities =
        [
            new Activity { Id = "a1", Kind = "meeting", At = now.AddDays(-12) },
            new Activity { Id = "a2", Kind = "proposal-sent", At = now.AddDays(-6), Outcome = "neutral" },
            new Activity { Id = "a3", Kind = "call", At = now.AddDays(-4) },
        ],
        Approvals = [new Approval { Id = "p1", Kind = "discount", Granted = true }],
        Stage = stage,
        EnteredStageAt = now.AddDays(-9),
        ChecklistDone = new HashSet<string> { "icp-fit" },
    };
}
