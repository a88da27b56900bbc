using System.Collections.Concurrent;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>
/// The daily digest: each person's open tasks due soon and overdue, and the deals escalated to them, as the deals stand,
/// on the store of the project that compiles this file (SQLite in SalesWorkflow.Engine.Tests, PostgreSQL in its own).
/// </summary>
public sealed class DigestTests
{
    /// <summary>The shipped process and organisation, with the east team's manager (and nobody else) taking the digest.</summary>
    private static string Definitions()
    {
        var folder = Directory.CreateTempSubdirectory("sw-digest-").FullName;
        File.Copy(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), Path.Combine(folder, "standard-b2b.yaml"));
        var organisation = File.ReadAllText(Path.Combine(RepoPaths.Definitions, "organisation.yaml"))
            .Replace("language: zh, digest: daily }", "language: zh }", StringComparison.Ordinal)
            .Replace("team: east, manager: director-liu, language: zh }", "team: east, manager: director-liu, language: zh, digest: daily }", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "organisation.yaml"), organisation);
        return folder;
    }

    private static Task<IReadOnlyList<Digest>> Digests(EngineHarness harness, TimeSpan? within = null) =>
        harness.Analytics.BuildDigestsAsync(harness.Clock.GetUtcNow(), within ?? TimeSpan.FromDays(1));

    private static Task<CommandResult> StartOwnedBy(EngineHarness harness, string dealId, string owner, string team) =>
        harness.Submit(new StartTracking(harness.NextId(), dealId, "standard-b2b")
        {
            Opportunity = new Opportunity { Name = dealId, Amount = 300_000, AccountId = "acme", OwnerId = owner },
            Owner = new Owner { Id = owner, Team = team, LastActiveAt = harness.Clock.GetUtcNow() },
            Contacts = [new Contact { Id = "c1", LastContactedAt = harness.Clock.GetUtcNow() }],
        });

    [Fact]
    public async Task ATask_IsDueSoon_ThenOverdue_AndGoneOnceDoneOrOnceTheDealMovesOn()
    {
        await using var harness = new EngineHarness(Definitions());
        await StartOwnedBy(harness, "d1", "li-na", "east");
        await StartOwnedBy(harness, "d2", "li-na", "east");
        var triage = (await harness.Engine.GetDealAsync("d1"))!.Tasks.Single(t => t.Id == "triage");

        // Due in 48 business hours: not within a day of the start, within a week.
        Assert.DoesNotContain(await Digests(harness), d => d.Person.Id == "li-na" && d.DueSoon.Count > 0);
        var week = Assert.Single(await Digests(harness, TimeSpan.FromDays(7)), d => d.Person.Id == "li-na");
        Assert.Equal(["d1", "d2"], week.DueSoon.Select(t => t.DealId));
        Assert.All(week.DueSoon, t => Assert.Equal(("lead", "triage", triage.DueAt), (t.Stage, t.TaskId, (DateTimeOffset?)t.DueAt)));
        Assert.Equal(("李娜", "li.na@example.com", "Asia/Shanghai"), (week.Person.Name, week.Person.Email, week.Person.TimeZone!.Id));

        await harness.Submit(new CompleteTask(harness.NextId(), "d1", "triage"));
        harness.Clock.SetUtcNow(triage.DueAt!.Value.AddHours(1));
        var late = Assert.Single(await Digests(harness), d => d.Person.Id == "li-na");
        Assert.Equal(["d2"], late.Overdue.Select(t => t.DealId));
        Assert.Empty(late.DueSoon);

        // Leaving the stage ends its tasks.
        await harness.Submit(new OverrideGate(harness.NextId(), "d2", "moved on by the director", "sun-li"));
        Assert.DoesNotContain(await Digests(harness), d => d.Person.Id == "li-na" && d.Overdue.Any(t => t.DealId == "d2" && t.TaskId == "triage"));
    }

    [Fact]
    public async Task AStalledDeal_IsInTheDigestOfEveryoneItsLevelsReached_UntilItMoves()
    {
        await using var harness = new EngineHarness(Definitions());
        await StartOwnedBy(harness, "d1", "li-na", "east");

        // Stalled 17 days: level 1 to the owner at 14, level 2 to the east team's manager at 17.
        for (var day = 0; day < 17; day++)
        {
            harness.Clock.Advance(TimeSpan.FromDays(1));
            await harness.Submit(new LogActivity(harness.NextId(), "d1", new Activity { Kind = "call", ContactId = "c1" }));
            await harness.Maintenance.FireDueTimersAsync();
        }

        var digests = await Digests(harness);
        Assert.Equal(new DigestEscalation("d1", "lead", "stalled-deal", 2), Assert.Single(digests.Single(d => d.Person.Id == "li-na").Escalated));
        var manager = digests.Single(d => d.Person.Id == "manager-east");
        Assert.Equal(new DigestEscalation("d1", "lead", "stalled-deal", 2), Assert.Single(manager.Escalated));
        Assert.True(manager.Person.TakesDigest);
        Assert.DoesNotContain(digests, d => d.Person.Id == "director-liu");

        await harness.Submit(new OverrideGate(harness.NextId(), "d1", "moved on by the director", "sun-li"));
        Assert.DoesNotContain(await Digests(harness), d => d.Escalated.Count > 0);
    }

    [Fact]
    public async Task SendingDigests_ReachesOnlyThePeopleWhoTakeOne_WithSomethingInIt()
    {
        var sink = new RecordingDigestSink();
        await using var harness = new EngineHarness(Definitions(), sink: sink);
        await StartOwnedBy(harness, "d1", "li-na", "east");
        await StartOwnedBy(harness, "d2", "chen-jie", "south");
        harness.Clock.Advance(TimeSpan.FromDays(10));
        for (var day = 0; day < 8; day++)
        {
            harness.Clock.Advance(TimeSpan.FromDays(1));
            await harness.Maintenance.FireDueTimersAsync();
            await harness.Maintenance.SweepAsync();
        }

        var sent = await harness.Maintenance.SendDigestsAsync();

        // li-na and chen-jie have overdue triage tasks but take messages, not digests; the east manager takes one.
        var digest = Assert.Single(sink.Digests);
        Assert.Equal(1, sent);
        Assert.Equal("manager-east", digest.Person.Id);
        Assert.Contains(digest.Escalated, e => e.DealId == "d1");
        Assert.DoesNotContain(digest.Escalated, e => e.DealId == "d2");
    }

    [Fact]
    public async Task ALostDeal_OwesNobodyAnything()
    {
        await using var harness = new EngineHarness(Definitions());
        await StartOwnedBy(harness, "d1", "li-na", "east");
        harness.Clock.Advance(TimeSpan.FromDays(10));
        Assert.NotEmpty(await Digests(harness));

        await harness.Submit(new CloseLost(harness.NextId(), "d1", "price"));

        Assert.Empty(await Digests(harness));
    }

    private sealed class RecordingDigestSink : IProcessEventSink, IDigestSink
    {
        public ConcurrentBag<Digest> Digests { get; } = [];

        public ValueTask EmitAsync(ProcessEvent processEvent, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask SendDigestAsync(Digest digest, CancellationToken cancellationToken)
        {
            Digests.Add(digest);
            return ValueTask.CompletedTask;
        }
    }
}
