using System.Text.Json;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;

namespace SalesWorkflow.Engine.Tests.Analytics;

/// <summary>
/// Condition-triggered escalations in a backtest, on a hand-written history of two deals whose every expected level is
/// worked out in the comments. The escalation <c>no-contact</c> fires when the customer has not been contacted for more
/// than N days (N = 10 before, 5 after): the owner at once, the manager 2 days later. Runtime cadence: a sweep every
/// 15 minutes from midnight UTC, timers polled every second, so a clock starts at the first quarter hour after the
/// threshold and each level fires when due.
/// </summary>
public sealed class BacktestConditionEscalationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    private static string Yaml(int version, int days) => TestProcesses.Header.Replace("version: 1", $"version: {version}", StringComparison.Ordinal) + $$"""
        stages:
          - id: lead
            name: Lead
            probability: 0.1
          - id: proposal
            name: Proposal
            probability: 0.5
        """ + "\n" + TestProcesses.Tail + $$"""
        escalations:
          - id: no-contact
            trigger:
              condition: DaysSince(LastContactAt) > {{days}}
            levels:
              - { notify: owner, after: 0m }
              - { notify: manager, after: 2d }

        """;

    private static readonly CompiledProcess Old = TestProcesses.Compile(Yaml(1, 10));

    private static readonly CompiledProcess New = TestProcesses.Compile(Yaml(2, 5));

    /// <summary>
    /// E: last contacted on day 0, called on day 14, lost on day 25. F: last contacted on day 0, moved to proposal on
    /// day 11.5, lost on day 13.
    /// </summary>
    private static List<DealEvent> History()
    {
        var history = new HandWrittenHistory(T0);
        void Start(string deal) => history.Add(deal, DealEventTypes.TrackingStarted, 0, "lead", new
        {
            stage = "lead",
            opportunity = new { amount = 10_000 },
            contacts = new[] { new { id = "c1", lastContactedAt = T0 } },
        });

        Start("E");
        history.Add("E", DealEventTypes.ActivityLogged, 14, "lead", new { id = "a1", kind = "call", at = T0.AddDays(14) });
        history.Lose("E", 25, "lead");

        Start("F");
        history.Move("F", 11.5, "lead", "proposal");
        history.Lose("F", 13, "proposal");
        return history.Events;
    }

    [Fact]
    public void Run_ShorterNoContactThreshold_FiresTheLevelsEachClockReaches()
    {
        var result = Backtest.Run(History(), Old, New);

        // Old (> 10 days): E from day 10 + 15 min: owner, manager (day 12); the call on day 14 stops it; from day 24 +
        // 15 min: owner, the manager's day 26 never comes (lost on day 25). F from day 10 + 15 min: owner; the move on day
        // 11.5 restarts the clock (still no contact): owner again, the manager's day 13.5 never comes. 4 owner, 1 manager.
        Assert.Equal(new Dictionary<string, int> { ["no-contact L1 (owner)"] = 4, ["no-contact L2 (manager)"] = 1 }, result.EscalationsBefore);
        // New (> 5 days): E from day 5: owner, manager (day 7); from day 19: owner, manager (day 21). F from day 5: owner,
        // manager (day 7); restarted on day 11.5: owner. 4 owner, 3 manager.
        Assert.Equal(new Dictionary<string, int> { ["no-contact L1 (owner)"] = 4, ["no-contact L2 (manager)"] = 3 }, result.EscalationsAfter);
        Assert.Equal(new BeforeAfter<int>(4, 4), result.NotificationsByRole["owner"]);
        Assert.Equal(new BeforeAfter<int>(1, 3), result.NotificationsByRole["manager"]);
        Assert.Equal(new BeforeAfter<double>(250.0, 350.0), result.Kpis.EscalationsPer100Deals);
    }

    [Fact]
    public void Run_NightlySweep_StartsTheClockAtTheFirstSweepAndFiresAtThePolls()
    {
        // A sweep at 18:00 UTC only, timers at 17:00 and 18:00 (after the sweep), as the demo runs them.
        var nightly = new BacktestCadence
        {
            SweepInterval = TimeSpan.FromDays(1),
            SweepOffset = TimeSpan.FromHours(18),
            TimerPollInterval = TimeSpan.FromDays(1),
            TimerPollOffsets = [TimeSpan.FromHours(17), TimeSpan.FromHours(18)],
        };

        var result = Backtest.Run(History(), Old, Old, nightly);

        // E: from day 10 18:00: owner at once, manager at day 12 18:00; restarted at day 24 18:00: owner. F: from day 10
        // 18:00: owner; the move on day 11.5 (12:00) restarts it, the owner's timer fires at the 17:00 poll; the
        // manager's (day 13.5) never comes. 4 owner, 1 manager, as with the fine cadence.
        Assert.Equal(new Dictionary<string, int> { ["no-contact L1 (owner)"] = 4, ["no-contact L2 (manager)"] = 1 }, result.EscalationsBefore);
        Assert.Equal(result.EscalationsBefore, result.EscalationsAfter);
    }

    [Fact]
    public void Run_ConditionNeverHolds_FiresNothing()
    {
        var patient = TestProcesses.Compile(Yaml(3, 100));

        var result = Backtest.Run(History(), patient, patient);

        Assert.Empty(result.EscalationsBefore);
        Assert.Empty(result.EscalationsAfter);
    }
}
