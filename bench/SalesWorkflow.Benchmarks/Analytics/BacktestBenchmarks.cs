using BenchmarkDotNet.Attributes;
using SalesWorkflow.Benchmarks.Runtime;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Benchmarks.Analytics;

/// <summary>
/// <c>salesflow backtest</c>'s replay (<c>Backtest.Run</c>) over the history of 10,000 deals, against two
/// baselines in the same run: <see cref="RebuildFactsOnly"/> (the same replay deciding no gate: the floor) and
/// <see cref="FullEvaluationPerGate"/> (every gate through a whole <see cref="DealEvaluator.Evaluate"/>, as the backtest
/// did before). The history is recorded by the engine itself: 500 deals worked through standard-b2b over four
/// simulated months (facts, activities, approvals, advances the gates refuse, wins and losses), then copied twenty times
/// under other deal ids. The change replayed is a stricter negotiation gate and a lower stall threshold.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 9)]
public class BacktestBenchmarks
{
    private const int Recorded = 500;
    private readonly List<DealEvent> _events = [];
    private CompiledProcess _from = null!;
    private CompiledProcess _to = null!;

    [Params(10_000)]
    public int Deals { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var recorded = RecordAsync().GetAwaiter().GetResult();
        for (var copy = 0; copy < Deals / Recorded; copy++)
        {
            _events.AddRange(recorded.Select(e => e with { DealId = $"{e.DealId}-{copy}" }));
        }

        var text = File.ReadAllText(RepositoryFiles.Definition("standard-b2b.yaml"));
        _from = Compile(text);
        _to = Compile(text.Replace("version: 1", "version: 2", StringComparison.Ordinal)
            .Replace("      - id: payment-terms-agreed", "      - id: discount-within-policy\n        when: Opportunity.DiscountPercent <= 10\n      - id: payment-terms-agreed", StringComparison.Ordinal)
            .Replace("      timeInStage: 14d", "      timeInStage: 5d", StringComparison.Ordinal)
            .Replace("DaysSince(LastContactAt) > 10", "DaysSince(LastContactAt) > 5", StringComparison.Ordinal));
        var check = Backtest.Run(_events, _from, _to);
        if (check.Deals != Deals || check.Unreproduced != 0 || check.Blocked.Count == 0 || check.Moves < 2 * Deals)
        {
            throw new InvalidOperationException($"Unrealistic history: {check.Deals} deals, {check.Moves} moves, {check.Unreproduced} unreproduced, {check.Blocked.Count} blocked.");
        }

        Console.WriteLine($"// history: {_events.Count:N0} events, {check.Moves:N0} moves, {check.Blocked.Count:N0} blocked, escalation levels {check.EscalationsBefore.Values.Sum():N0} → {check.EscalationsAfter.Values.Sum():N0}");
    }

    [Benchmark(Baseline = true)]
    public BacktestResult RebuildFactsOnly() => Backtest.Run(_events, _from, _to, BacktestGates.None);

    [Benchmark]
    public BacktestResult Replay() => Backtest.Run(_events, _from, _to);

    /// <summary>The replay without condition-triggered escalations (what it did before): their marginal cost.</summary>
    [Benchmark]
    public BacktestResult ReplayWithoutConditionEscalations() => Backtest.Run(_events, _from, _to, BacktestGates.Criteria, conditionEscalations: false);

    [Benchmark]
    public BacktestResult FullEvaluationPerGate() => Backtest.Run(_events, _from, _to, BacktestGates.FullEvaluation);

    private static CompiledProcess Compile(string yaml)
    {
        var set = FirstPartyPlugins.Loader().LoadText(Path.Combine(Path.GetTempPath(), "standard-b2b.yaml"), yaml);
        return set.HasErrors ? throw new InvalidOperationException(string.Join('\n', set.Diagnostics)) : CompiledProcess.Compile(set.Processes.Single());
    }

    /// <summary>Works <see cref="Recorded"/> deals day by day through the engine and returns their event log.</summary>
    private static async Task<List<DealEvent>> RecordAsync()
    {
        await using var fixture = EngineFixture.Create();
        var engine = fixture.Engine;
        var random = new Random(11);
        var deals = Enumerable.Range(0, Recorded).Select(i => new SimulatedDeal($"B-{i:0000}", i, new Random(random.Next()))).ToList();
        for (var day = 0; day < 120; day++)
        {
            // A few new deals a day; every open deal may get some work done today.
            var today = deals.Where(d => d.Open && (d.Started || d.Index < (day + 1) * Recorded / 60)).ToList();
            await Parallel.ForEachAsync(today, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (deal, ct) => await deal.WorkAsync(engine, fixture.Clock, ct));
            fixture.Clock.Advance(TimeSpan.FromDays(1));
        }

        var events = new List<DealEvent>();
        for (long after = 0; ;)
        {
            var page = await engine.ReadEventsAsync(after, 10_000);
            if (page.Count == 0)
            {
                return events;
            }

            events.AddRange(page);
            after = page[^1].Sequence;
        }
    }

    /// <summary>One deal's rep: does the stage's work in random order, sometimes asks to advance too early, sometimes loses.</summary>
    private sealed class SimulatedDeal(string id, int index, Random random)
    {
        private int _commands;
        private int _step;
        private int _ticked;
        private string _stage = "lead";
        private readonly Opportunity _opportunity = new()
        {
            Name = $"Deal {index}",
            Amount = random.Next(5, 200) * 10_000,
            Currency = "CNY",
            AccountId = $"A-{index}",
            OwnerId = $"rep-{index % 40}",
            Source = index % 2 == 0 ? "inbound" : "outbound",
            DiscountPercent = random.Next(0, 25),
        };

        public int Index => index;

        public bool Started { get; private set; }

        public bool Open { get; private set; } = true;

        public async Task WorkAsync(ISalesWorkflowEngine engine, TimeProvider clock, CancellationToken ct)
        {
            if (!Started)
            {
                Started = true;
                await EngineFixture.Expect(engine.SubmitAsync(EngineFixture.NewDeal(id, index) with { CommandId = Next(), Opportunity = _opportunity }, ct));
                return;
            }

            if (random.NextDouble() < 0.5)
            {
                return; // not every deal is worked every day
            }

            if (random.NextDouble() < 0.015)
            {
                Open = false;
                await EngineFixture.Expect(engine.SubmitAsync(new CloseLost(Next(), id, random.Next(2) == 0 ? "price" : "timing"), ct));
                return;
            }

            var now = clock.GetUtcNow();
            DealCommand? work = (_stage, _step) switch
            {
                ("first-contact", 0) => Activity(random.Next(2) == 0 ? "meeting" : "visit", "positive", now),
                ("first-contact", 1) => new UpsertFacts(Next(), id) { Contacts = [new Contact { Id = $"{id}-c2", Name = "Director", IsDecisionMaker = random.NextDouble() < 0.85 }] },
                ("needs-analysis", 0) => Facts(o =>
                {
                    o.Custom.Set("budgetConfirmed", random.NextDouble() < 0.9);
                    o.Custom.Set("needsDocumented", true);
                }),
                ("needs-analysis", 1) => Facts(o => o.ExpectedCloseDate = now.AddDays(random.Next(20, 90))),
                ("proposal", 0) => Activity("proposal-sent", random.NextDouble() < 0.8 ? "acknowledged" : "sent", now),
                ("proposal", 1) when _opportunity.DiscountPercent > 10 && random.NextDouble() < 0.8 => new UpsertFacts(Next(), id)
                {
                    Approvals = [new Approval { Id = $"{id}-discount", Kind = "discount", Granted = true, By = "manager", At = now }],
                },
                ("negotiation", 0) => Facts(o => o.Custom.Set("paymentTermsAgreed", random.NextDouble() < 0.9)),
                ("negotiation", 1) => Activity("contract-signed", "positive", now),
                ("negotiation", 2) when _opportunity.Amount >= 1_000_000 => new UpsertFacts(Next(), id)
                {
                    Approvals = [new Approval { Id = $"{id}-credit", Kind = "credit", Granted = true, By = "finance", At = now }],
                },
                (_, < 3) => Activity("call", "positive", now),
                _ => null,
            };
            _step++;
            if (work is not null && random.NextDouble() < 0.85)
            {
                await EngineFixture.Expect(engine.SubmitAsync(work, ct));
                return;
            }

            string[] checklist = _stage switch
            {
                "lead" => ["icp-fit", "source-recorded"],
                "first-contact" => ["meeting-notes"],
                "needs-analysis" => ["stakeholder-interviews", "success-criteria"],
                "proposal" => ["solution-review", "pricing-sheet"],
                _ => ["legal-review", "handover-plan"],
            };
            if (_ticked < checklist.Length && random.NextDouble() < 0.9)
            {
                await EngineFixture.Expect(engine.SubmitAsync(new CompleteChecklistItem(Next(), id, checklist[_ticked++]), ct));
                return;
            }

            // Ready, or trying its luck: the gate decides (a refused advance is recorded too).
            var result = await engine.SubmitAsync(_stage == "negotiation" ? new CloseWon(Next(), id) : new RequestAdvance(Next(), id), ct);
            if (result.Status == CommandStatus.Applied && result.Stage != _stage)
            {
                _stage = result.Stage ?? _stage;
                _step = 0;
                _ticked = 0;
                Open = _stage is not ("after-sales" or "lost");
            }
        }

        private string Next() => $"{id}:{++_commands}";

        private LogActivity Activity(string kind, string outcome, DateTimeOffset at) =>
            new(Next(), id, new Activity { Id = $"{id}-a{_commands}", Kind = kind, At = at, Outcome = outcome, ContactId = $"{id}-c1" });

        private UpsertFacts Facts(Action<Opportunity> change)
        {
            change(_opportunity);
            return new UpsertFacts(Next(), id) { Opportunity = _opportunity };
        }
    }
}
