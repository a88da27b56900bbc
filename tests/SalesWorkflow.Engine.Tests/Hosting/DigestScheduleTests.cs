using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Hosting;

/// <summary>
/// <see cref="SalesWorkflowOptions.SendDigestsAt"/>: the engine sends each person's daily digest at that time of their
/// own day, once a day, retrying whoever's delivery failed; a host (the server) needs no scheduler of its own.
/// </summary>
public sealed class DigestScheduleTests : IDisposable
{
    private static readonly TimeOnly EightOClock = new(8, 0);
    private readonly string _folder = Directory.CreateTempSubdirectory("sw-digest-schedule-").FullName;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 2, 1, 0, 0, TimeSpan.Zero)); // 09:00 in Shanghai, 02:00 in Berlin
    private readonly RecordingDigestSink _sink = new();

    /// <summary>The shipped process and organisation, with li-na (Shanghai) and chen-jie (Berlin) taking the digest, and not the director.</summary>
    private string Definitions()
    {
        var folder = Path.Combine(_folder, "definitions");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), Path.Combine(folder, "standard-b2b.yaml"));
        var organisation = File.ReadAllText(Path.Combine(RepoPaths.Definitions, "organisation.yaml"))
            .Replace("language: zh, digest: daily }", "language: zh }", StringComparison.Ordinal)
            .Replace("team: east, language: zh }", "team: east, language: zh, digest: daily }", StringComparison.Ordinal)
            .Replace("team: south, language: zh }", "team: south, language: zh, digest: daily, timeZone: Europe/Berlin }", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "organisation.yaml"), organisation);
        return folder;
    }

    private ServiceProvider Engine(TimeOnly? sendAt, bool runBackgroundServices = false)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddSingleton<IProcessEventSink>(_sink);
        services.AddFirstPartyPlugins();
        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(Definitions());
            o.UseSqlite($"Data Source={Path.Combine(_folder, "digests.db")}");
            o.RunBackgroundServices = runBackgroundServices;
            o.SendDigestsAt = sendAt;
        });
        return services.BuildServiceProvider();
    }

    /// <summary>A deal each for li-na and chen-jie, whose triage tasks are overdue ten days later.</summary>
    private async Task TwoOverdueDeals(ServiceProvider provider)
    {
        var engine = provider.GetRequiredService<ISalesWorkflowEngine>();
        foreach (var (deal, owner, team) in new[] { ("d1", "li-na", "east"), ("d2", "chen-jie", "south") })
        {
            var result = await engine.SubmitAsync(new StartTracking($"start-{deal}", deal, "standard-b2b")
            {
                Opportunity = new Opportunity { Name = deal, Amount = 300_000, AccountId = "acme", OwnerId = owner },
                Owner = new Owner { Id = owner, Team = team, LastActiveAt = _clock.GetUtcNow() },
            });
            Assert.Equal(CommandStatus.Applied, result.Status);
        }

        _clock.Advance(TimeSpan.FromDays(10)); // 12 March, 01:00 UTC: 09:00 in Shanghai, 02:00 in Berlin
    }

    private static Task Round(ServiceProvider provider, Dictionary<string, DateOnly> sentOn) =>
        provider.GetRequiredService<SalesWorkflowEngine>().SendDueDigestsAsync(EightOClock, sentOn, CancellationToken.None);

    [Fact]
    public async Task EachPerson_GetsTheirDigestAtEightOfTheirOwnDay_OnceADay()
    {
        await using var provider = Engine(EightOClock);
        await TwoOverdueDeals(provider);
        var sentOn = new Dictionary<string, DateOnly>(StringComparer.Ordinal);

        await Round(provider, sentOn);
        await Round(provider, sentOn);
        Assert.Equal(["li-na"], _sink.People); // 09:00 in Shanghai; not yet eight in Berlin
        Assert.Equal(["d1"], _sink.Digests.Single().Overdue.Select(t => t.DealId));

        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 12, 6, 59, 0, TimeSpan.Zero)); // 07:59 in Berlin
        await Round(provider, sentOn);
        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 12, 7, 0, 0, TimeSpan.Zero)); // 08:00 in Berlin
        await Round(provider, sentOn);
        await Round(provider, sentOn);
        Assert.Equal(["li-na", "chen-jie"], _sink.People);

        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 12, 23, 59, 0, TimeSpan.Zero)); // 07:59 on the 13th in Shanghai
        await Round(provider, sentOn);
        Assert.Equal(2, _sink.People.Count);
        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 13, 0, 0, 0, TimeSpan.Zero)); // 08:00 on the 13th in Shanghai
        await Round(provider, sentOn);
        Assert.Equal(["li-na", "chen-jie", "li-na"], _sink.People);
        Assert.Equal(new DateTimeOffset(2026, 3, 13, 0, 0, 0, TimeSpan.Zero), _sink.Digests[^1].At);
    }

    [Fact]
    public async Task AFailedDelivery_IsRetriedAtTheNextRound_ForThatPersonOnly()
    {
        await using var provider = Engine(EightOClock);
        await TwoOverdueDeals(provider);
        _clock.SetUtcNow(new DateTimeOffset(2026, 3, 12, 7, 0, 0, TimeSpan.Zero)); // eight in Berlin, 15:00 in Shanghai
        _sink.FailFor = "li-na";
        var sentOn = new Dictionary<string, DateOnly>(StringComparer.Ordinal);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => Round(provider, sentOn));
        Assert.Contains("li-na: mail server down", failure.Message, StringComparison.Ordinal);
        Assert.Equal(["chen-jie"], _sink.People);

        _sink.FailFor = null;
        await Round(provider, sentOn);
        await Round(provider, sentOn);
        Assert.Equal(["chen-jie", "li-na"], _sink.People);
    }

    [Fact]
    public async Task TheHostedSchedule_SendsWithNoCallFromTheHost()
    {
        await using var provider = Engine(EightOClock, runBackgroundServices: true);
        await TwoOverdueDeals(provider);
        var loop = provider.GetServices<IHostedService>().OfType<DigestLoop>().Single();

        await loop.StartAsync(CancellationToken.None);
        try
        {
            using var waited = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (_sink.People.Count == 0)
            {
                await Task.Delay(20, waited.Token);
            }
        }
        finally
        {
            await loop.StopAsync(CancellationToken.None);
        }

        Assert.Equal(["li-na"], _sink.People);
    }

    [Fact]
    public async Task WithoutATime_NoScheduleRuns()
    {
        await using var provider = Engine(sendAt: null, runBackgroundServices: true);
        await TwoOverdueDeals(provider);
        var loop = provider.GetServices<IHostedService>().OfType<DigestLoop>().Single();

        await loop.StartAsync(CancellationToken.None);

        // It ends by itself (a configured loop runs until stopped), having sent nothing.
        await loop.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(_sink.People);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private sealed class RecordingDigestSink : IProcessEventSink, IDigestSink
    {
        private readonly ConcurrentQueue<Digest> _digests = new();

        public string? FailFor { get; set; }

        public List<Digest> Digests => [.. _digests];

        public List<string> People => [.. _digests.Select(d => d.Person.Id)];

        public ValueTask EmitAsync(ProcessEvent processEvent, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask SendDigestAsync(Digest digest, CancellationToken cancellationToken)
        {
            if (digest.Person.Id == FailFor)
            {
                throw new InvalidOperationException("mail server down");
            }

            _digests.Enqueue(digest);
            return ValueTask.CompletedTask;
        }
    }
}
