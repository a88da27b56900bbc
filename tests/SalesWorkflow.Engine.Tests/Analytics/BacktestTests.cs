using System.Text.Json;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;

namespace SalesWorkflow.Engine.Tests.Analytics;

/// <summary>
/// Backtests of a hand-written history of four deals, small enough that every expected figure is worked out in the
/// comments. Old process: lead needs an amount, proposal a discount of at most 20%, deals stalled 3 days in a stage
/// escalate to the owner and 2 days later to the manager. New process: the lead gate also wants a discount of at most
/// 10%, and the stall threshold is 1 day.
/// </summary>
public sealed class BacktestTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    private static string Yaml(int version, string leadCriteria, string stall) => TestProcesses.Header.Replace("version: 1", $"version: {version}", StringComparison.Ordinal) + $$"""
        stages:
          - id: lead
            name: Lead
            probability: 0.1
            exitCriteria:
              - id: has-amount
                when: Opportunity.Amount > 0
        {{leadCriteria}}
          - id: proposal
            name: Proposal
            probability: 0.5
            exitCriteria:
              - id: discount-ok
                when: Opportunity.DiscountPercent <= 20
        """ + "\n" + TestProcesses.Tail + $$"""
        escalations:
          - id: stalled
            stages: [lead, proposal]
            trigger:
              timeInStage: {{stall}}
            levels:
              - { notify: owner, after: 0m }
              - { notify: manager, after: 2d }

        """;

    private static readonly CompiledProcess Old = TestProcesses.Compile(Yaml(1, string.Empty, "3d"));

    private static readonly CompiledProcess New = TestProcesses.Compile(Yaml(2, """
              - id: discount-policy
                when: Opportunity.DiscountPercent <= 10
        """, "1d"));

    /// <summary>
    /// A: 100,000 at 15% discount, lead 1 day, proposal 5 days, won. B: starts at 25%, lowered to 5% on day 3, lead 4
    /// days, proposal 1 day, won (50,000). C: 80,000 at 18%, lead 2 days, proposal 10 days, lost on day 12. D: no
    /// amount, lost from lead on day 1.
    /// </summary>
    private static List<DealEvent> History()
    {
        var history = new HandWrittenHistory(T0);
        void Start(string deal, decimal amount, decimal discount) =>
            history.Add(deal, DealEventTypes.TrackingStarted, 0, "lead", new { stage = "lead", opportunity = new { amount, discountPercent = discount } });
        void Win(string deal, double day, decimal amount)
        {
            history.Move(deal, day, "proposal", "won");
            history.Add(deal, DealEventTypes.DealWon, day, "won", new { stage = "won", amount });
        }

        Start("A", 100_000, 15);
        history.Move("A", 1, "lead", "proposal");
        Win("A", 6, 100_000);

        Start("B", 50_000, 25);
        history.Add("B", DealEventTypes.FactsUpdated, 3, "lead", new { opportunity = new { amount = 50_000, discountPercent = 5 } });
        history.Move("B", 4, "lead", "proposal");
        Win("B", 5, 50_000);

        Start("C", 80_000, 18);
        history.Move("C", 2, "lead", "proposal");
        history.Lose("C", 12, "proposal");

        Start("D", 0, 0);
        history.Lose("D", 1, "lead");
        return history.Events;
    }

    [Fact]
    public void Run_HandWrittenHistory_BlocksTheMovesTheNewLeadGateRefuses()
    {
        var result = Backtest.Run(History(), Old, New);

        Assert.Equal(4, result.Deals);
        Assert.Equal(5, result.Moves); // A: 2, B: 2, C: 1 (losses are not forward moves)
        Assert.Equal(0, result.Unreproduced);
        Assert.Equal([("A", "lead", 1.0), ("C", "lead", 2.0)], result.Blocked.Select(b => (b.DealId, b.Stage, (b.At - T0).TotalDays)));
        Assert.All(result.Blocked, b => Assert.Equal(["discount-policy"], b.FailingCriteria));
        Assert.Equal(new BlockedWins(1, 100_000m), result.WonDealsBlocked);
        Assert.Equal(1, result.Kpis.LostDealsStoppedEarly);
    }

    [Fact]
    public void Run_HandWrittenHistory_GivesTheKpiDeltas()
    {
        var kpis = Backtest.Run(History(), Old, New).Kpis;

        // lead: A, B, C and D stood in it; A, B and C left it forward; only B's move passes the new gate.
        // proposal: A, B and C stood in it; A and B left it (won); the proposal gate did not change.
        Assert.Equal([new StageConversionDelta("lead", 4, 3, 1, 2), new StageConversionDelta("proposal", 3, 2, 2, 0)], kpis.Stages);
        Assert.Equal(0.75, kpis.Stages[0].ConversionBefore);
        Assert.Equal(0.25, kpis.Stages[0].ConversionAfter);
        Assert.Equal(new BeforeAfter<int>(2, 1), kpis.WonDeals); // A is held at the lead gate
        Assert.Equal(new BeforeAfter<decimal>(150_000m, 50_000m), kpis.WonRevenue);
        Assert.Equal(1, kpis.LostDealsStoppedEarly); // C, held on day 2, lost on day 12
        Assert.Equal(10.0, kpis.LostDaysEarlierTotal);
        Assert.Equal(10.0, kpis.LostDaysEarlierMean);
        // Old (3d, +2d): A proposal 5 days → owner, manager; B lead 4 days → owner; C proposal 10 days → owner, manager: 5.
        // New (1d, +2d): A lead 1 day → owner, proposal 5 → owner, manager; B lead 4 → owner, manager, proposal 1 →
        // owner; C lead 2 → owner, proposal 10 → owner, manager; D lead 1 → owner: 10. Per 100 of the 4 deals.
        Assert.Equal(new BeforeAfter<double>(125.0, 250.0), kpis.EscalationsPer100Deals);
    }

    [Fact]
    public void Run_NoChange_LeavesEveryKpiAsItWas()
    {
        var kpis = Backtest.Run(History(), Old, Old).Kpis;

        Assert.All(kpis.Stages, s => Assert.Equal(s.LeftBefore, s.LeftAfter));
        Assert.Equal(kpis.WonDeals.Before, kpis.WonDeals.After);
        Assert.Equal(0, kpis.LostDealsStoppedEarly);
        Assert.Null(kpis.LostDaysEarlierMean);
        Assert.Equal(kpis.EscalationsPer100Deals.Before, kpis.EscalationsPer100Deals.After);
    }

    [Fact]
    public void Run_GatesThroughDelegates_AgreeWithAWholeEvaluationPerGate()
    {
        // A gate that reads a risk (HasRisk): the fast path must fall back to the rules engine for it.
        var risky = TestProcesses.Compile(Yaml(3, """
              - id: no-high-discount-risk
                when: '!HasRisk("high-discount")'
        """, "1d") + """
        risks:
          - id: high-discount
            category: market
            severity: high
            weight: 10
            when: Opportunity.DiscountPercent > 16

        """);

        foreach (var to in new[] { New, risky })
        {
            var fast = Backtest.Run(History(), Old, to);
            var full = Backtest.Run(History(), Old, to, BacktestGates.FullEvaluation);

            Assert.Equal(full.Blocked.Select(Describe), fast.Blocked.Select(Describe));
            Assert.Equal(full.Unreproduced, fast.Unreproduced);
            Assert.Equal(full.Kpis.Stages, fast.Kpis.Stages);
        }

        Assert.Equal(["C lead no-high-discount-risk"], Backtest.Run(History(), Old, risky).Blocked.Select(Describe));
    }

    private static string Describe(BlockedMove move) => $"{move.DealId} {move.Stage} {string.Join(",", move.FailingCriteria)}";
}
