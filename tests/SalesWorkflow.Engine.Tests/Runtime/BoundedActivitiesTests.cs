using CsCheck;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>
/// A deal keeps a bounded window of its activities and totals over all of them (issue 14, item 7): the state stops
/// growing with the history, and the activity functions stay exact.
/// </summary>
public sealed class BoundedActivitiesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private static Activity Act(int n, string kind, string outcome = "", int minutes = -1) =>
        new() { Id = $"a{n}", Kind = kind, Outcome = outcome, At = T0.AddMinutes(minutes < 0 ? n : minutes) };

    [Fact]
    public async Task LongHistory_StateKeepsTheRecentWindow_AndCountsOutcomesAndLastTimesStayExact()
    {
        var folder = Directory.CreateTempSubdirectory("sw-bounded-").FullName;
        var definition = Path.Combine(folder, "test.yaml");
        await File.WriteAllTextAsync(definition, TestProcesses.WithCriterionYaml(
            "ActivityCount(\"call\") == 150 && HasOutcome(\"meeting\", \"first\") && HasActivity(\"visit\") && LastActivityAt > Date(\"2026-01-01\")"));
        await using var harness = new EngineHarness(definition, folder: folder);
        await harness.Submit(new StartTracking("s", "D", "test") { Opportunity = new Opportunity { Name = "Long", Amount = 1 } });

        // The only visit and the "first" meeting are logged first; 150 calls and 10 later meetings push them out of the window.
        await harness.Submit(new LogActivity("v", "D", Act(0, "visit")));
        await harness.Submit(new LogActivity("m0", "D", Act(1, "meeting", "first")));
        for (var i = 0; i < 150; i++)
        {
            await harness.Submit(new LogActivity($"c{i}", "D", Act(10 + i, "call")));
        }

        for (var i = 0; i < 10; i++)
        {
            await harness.Submit(new LogActivity($"m{i + 1}", "D", Act(200 + i, "meeting", "later")));
        }

        var deal = (await harness.Engine.GetDealAsync("D"))!;
        // The 50 latest, the only visit, and the only meeting with outcome "first" (the latest of its kind and outcome).
        Assert.Equal(ActivityHistory.RecentLimit + 2, deal.Activities.Count);
        Assert.Contains(deal.Activities, a => a.Outcome == "first");
        Assert.Contains(deal.Activities, a => a.Kind == "visit");
        Assert.True(deal.Activities.Count(a => a.Kind == "call") < 150); // ActivityCount("call") == 150 below reads the totals
        Assert.True(Assert.Single(deal.LastEvaluation.Gate.Criteria).Passed, deal.LastEvaluation.Gate.Criteria[0].FailingTerm);
        Assert.Equal(150, deal.ToSnapshot().ActivityTotals!.CountOf("call")); // a what-if on the state counts as the engine does

        // The fold of the log keeps the same window, so a backtest reads what the live deal read.
        var projection = new DealProjection();
        foreach (var e in await harness.Engine.GetHistoryAsync("D"))
        {
            projection.Apply(e);
        }

        Assert.Equal(deal.Activities.Select(a => a.Id), projection.Activities.Select(a => a.Id));
    }

    [Fact]
    public void StateWrittenBeforeTotals_LoadsWithTotalsOfEveryActivity_AndATrimmedWindow()
    {
        var record = new InstanceRecord
        {
            DealId = "D",
            ProcessId = "p",
            ProcessVersion = 1,
            Stage = "lead",
            Status = DealStatus.Open,
            EnteredStageAt = T0,
            Opportunity = new Opportunity(),
            Account = new Account(),
            Owner = new Owner(),
            Activities = [.. Enumerable.Range(0, 300).Select(i => Act(i, i % 3 == 0 ? "meeting" : "call"))],
            LastEvaluation = null!,
            CreatedAt = T0,
            UpdatedAt = T0,
        };
        var json = StorageJson.Serialize(record);
        Assert.DoesNotContain("activityTotals", json, StringComparison.Ordinal);

        var loaded = StorageJson.Deserialize<InstanceRecord>(json);

        Assert.Equal((300, 100, 200), (loaded.ActivityTotals!.Total, loaded.ActivityTotals.CountOf("meeting"), loaded.ActivityTotals.CountOf("call")));
        Assert.Equal(ActivityHistory.RecentLimit, loaded.Activities.Count);
        Assert.Equal(T0.AddMinutes(299), loaded.ActivityTotals.LastAt);
    }

    [Fact]
    public void Record_AnyHistory_WindowIsBoundedHoldsTheLatestAndTotalsMatchTheFullList()
    {
        // Generated histories: kinds from a small set, times in any order, ids unique.
        var activity = Gen.Select(Gen.Int[0, 5], Gen.Int[0, 100_000], Gen.Int[0, 3]);
        activity.Array[0, 400].Sample(history =>
        {
            var window = new List<Activity>();
            var totals = new ActivityTotals();
            var all = history.Select((h, i) => Act(i, $"k{h.Item1}", $"o{h.Item3}", h.Item2)).ToList();
            foreach (var a in all)
            {
                ActivityHistory.Record(window, totals, a);
            }

            Assert.True(window.Count <= ActivityHistory.RecentLimit + 6 + 24); // 6 kinds, 24 (kind, outcome) pairs
            Assert.Equal(all.Count, totals.Total);
            foreach (var kind in all.Select(a => a.Kind).Distinct())
            {
                var ofKind = all.Where(a => a.Kind == kind).ToList();
                Assert.Equal(ofKind.Count, totals.CountOf(kind));
                Assert.Contains(window, a => a.Kind == kind && a.At == ofKind.Max(o => o.At));
                Assert.All(ofKind.Select(o => o.Outcome).Distinct(), outcome => Assert.True(totals.HasOutcome(kind, outcome)));
            }

            foreach (var pair in all.GroupBy(a => (a.Kind, a.Outcome)))
            {
                Assert.Contains(window, a => (a.Kind, a.Outcome) == pair.Key && a.At == pair.Max(o => o.At));
            }

            var latest = all.OrderByDescending(a => a.At).Take(ActivityHistory.RecentLimit).Select(a => a.At).ToList();
            Assert.All(latest, at => Assert.Contains(window, a => a.At == at));
            Assert.Equal(all.Count == 0 ? null : all.Max(a => a.At), totals.LastAt);
        }, iter: 300);
    }

    [Fact]
    public void Record_SameIdAgain_ReplacesInTheWindowAndCountsOnce()
    {
        var window = new List<Activity>();
        var totals = new ActivityTotals();
        ActivityHistory.Record(window, totals, Act(1, "call"));
        ActivityHistory.Record(window, totals, Act(1, "meeting"));

        Assert.Equal((1, 0, 1), (totals.Total, totals.CountOf("call"), totals.CountOf("meeting")));
        Assert.Equal("meeting", Assert.Single(window).Kind);
    }

    [Fact]
    public void Record_TenThousandDistinctKinds_WindowAndTotalsStayBounded()
    {
        // Hostile or unmapped data: every activity of a kind of its own.
        var window = new List<Activity>();
        var totals = new ActivityTotals();
        for (var i = 0; i < 10_000; i++)
        {
            ActivityHistory.Record(window, totals, Act(i, $"kind-{i}", $"outcome-{i}"));
        }

        Assert.True(window.Count <= ActivityHistory.RecentLimit + (2 * ActivityTotals.KindLimit), $"{window.Count} activities kept");
        Assert.Equal((10_000, ActivityTotals.KindLimit), (totals.Total, totals.Kinds.Count));
        Assert.Equal(T0.AddMinutes(9_999), totals.LastAt);
    }

    [Fact]
    public async Task LogActivity_WithNullTextsAsADeserialisedRequestCarries_IsRecordedWithEmptyTexts()
    {
        await using var harness = new EngineHarness();
        await harness.Start("D");

        var result = await harness.Submit(new LogActivity("n", "D", new Activity { Kind = null!, Outcome = null!, Notes = null!, ContactId = null!, At = T0 }));

        Assert.Equal(CommandStatus.Applied, result.Status);
        Assert.Contains((await harness.Engine.GetDealAsync("D"))!.Activities, a => a.Kind.Length == 0 && a.Outcome.Length == 0);
    }

    [Fact]
    public void Trim_AnAcknowledgedProposalFollowedByARevisedOneAndSixtyCalls_KeepsTheAcknowledgedOne()
    {
        // The shipped proposal gate reads Activities.Any(a => a.Kind == "proposal-sent" && a.Outcome == "acknowledged").
        var window = new List<Activity>();
        var totals = new ActivityTotals();
        ActivityHistory.Record(window, totals, Act(0, "proposal-sent", "acknowledged"));
        ActivityHistory.Record(window, totals, Act(1, "proposal-sent"));
        for (var i = 0; i < 60; i++)
        {
            ActivityHistory.Record(window, totals, Act(2 + i, "call"));
        }

        Assert.Contains(window, a => a.Kind == "proposal-sent" && a.Outcome == "acknowledged");
    }
}
