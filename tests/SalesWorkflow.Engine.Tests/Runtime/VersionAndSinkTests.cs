using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Runtime;

public sealed class VersionAndSinkTests
{
    private static string CopyProcess(string folder, int version, string? change = null)
    {
        var text = RepoPaths.StandardB2bAt(version);
        if (change is not null)
        {
            text = text.Replace("Opportunity.DiscountPercent <= 10", change, StringComparison.Ordinal);
        }

        var path = Path.Combine(folder, $"standard-b2b-v{version}.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Deals_StayOnTheirVersion_UntilMigrated()
    {
        var folder = Directory.CreateTempSubdirectory("sw-versions-").FullName;
        var definitions = Path.Combine(folder, "definitions");
        Directory.CreateDirectory(definitions);
        CopyProcess(definitions, 1);
        await using (var first = new EngineHarness(definitions, folder: folder))
        {
            var started = await first.Start("old");
            Assert.True(started.Status == CommandStatus.Applied, started.Rejection?.Message);
        }

        // Version 2 arrives; the file of version 1 is gone, but its stored sources still let old deals run.
        File.Delete(Path.Combine(definitions, "standard-b2b-v1.yaml"));
        CopyProcess(definitions, 2, "Opportunity.DiscountPercent <= 12");
        await using var second = new EngineHarness(definitions, folder: folder);
        await second.Start("new");
        await second.Submit(new CompleteChecklistItem(second.NextId(), "old", "icp-fit"));

        Assert.Equal(1, (await second.Engine.GetDealAsync("old"))!.ProcessVersion);
        Assert.Equal(2, (await second.Engine.GetDealAsync("new"))!.ProcessVersion);
        var migrated = await second.Submit(new MigrateVersion(second.NextId(), "old", 2));
        Assert.Equal(CommandStatus.Applied, migrated.Status);
        Assert.Equal(2, (await second.Engine.GetDealAsync("old"))!.ProcessVersion);
        Assert.Contains(migrated.Events, e => e.Type == DealEventTypes.VersionMigrated);
        var toMissing = await second.Submit(new MigrateVersion(second.NextId(), "old", 5));
        Assert.Equal("unknown-version", toMissing.Rejection!.Code);
    }

    [Fact]
    public async Task StoredVersionsAlone_NewDealsStartOnTheNewestStoredVersion()
    {
        var folder = Directory.CreateTempSubdirectory("sw-versions-").FullName;
        var definitions = Path.Combine(folder, "definitions");
        Directory.CreateDirectory(definitions);
        var v1 = CopyProcess(definitions, 1);
        string database;
        await using (var first = new EngineHarness(definitions, folder: folder))
        {
            await first.Start("old");
            database = first.Store.DatabasePath;
        }

        File.Delete(v1);
        CopyProcess(definitions, 2, "Opportunity.DiscountPercent <= 12");
        await using (var second = new EngineHarness(definitions, folder: folder))
        {
            await second.Start("new");
        }

        // A server without a definitions folder runs what the database holds, and starts new deals on the newest.
        await using var provider = new ServiceCollection()
            .AddFirstPartyPlugins()
            .AddSalesWorkflow(o =>
            {
                o.UseStoredProcessVersions = true;
                o.UseSqlite($"Data Source={database}");
                o.RunBackgroundServices = false;
            })
            .BuildServiceProvider();
        var engine = provider.GetRequiredService<ISalesWorkflowEngine>();
        var analytics = provider.GetRequiredService<ISalesWorkflowAnalytics>();

        var process = Assert.Single(await analytics.ListProcessesAsync());
        Assert.Equal(("standard-b2b", (int?)2), (process.Id, process.LatestVersion));
        Assert.Equal([1, 2], process.Versions);
        var started = await engine.SubmitAsync(new StartTracking("c-newest", "newest", "standard-b2b")
        {
            Opportunity = new Sdk.Facts.Opportunity { Name = "Newest", Amount = 1_000, AccountId = "acme", OwnerId = "li-na" },
            Account = new Sdk.Facts.Account { Id = "acme", Industry = "manufacturing" },
        });
        Assert.True(started.Status == CommandStatus.Applied, started.Rejection?.Message);
        Assert.Equal(2, (await engine.GetDealAsync("newest"))!.ProcessVersion);

        // An uploaded version loads with the engine's plugins and shows its own relative name, never a disk path.
        var text = RepoPaths.StandardB2bAt(3);
        var set = await analytics.LoadDefinitionAsync("standard-b2b.yaml", new Dictionary<string, string>
        {
            ["standard-b2b.yaml"] = text.Replace("probability: 0.05", "probabilty: 0.05", StringComparison.Ordinal),
        });
        var typo = Assert.Single(set.Diagnostics, d => d.Code == "SW1001");
        Assert.Equal("standard-b2b.yaml", typo.Span.File);
        var good = await analytics.LoadDefinitionAsync("standard-b2b.yaml", new Dictionary<string, string> { ["standard-b2b.yaml"] = text });
        Assert.False(good.HasErrors, string.Join("\n", good.Diagnostics));
        Assert.Equal(3, Assert.Single(good.Processes).Version);
    }

    [Fact]
    public async Task ChangedContentWithoutVersionBump_IsRefusedAtStart()
    {
        var folder = Directory.CreateTempSubdirectory("sw-versions-").FullName;
        var definitions = Path.Combine(folder, "definitions");
        Directory.CreateDirectory(definitions);
        var path = CopyProcess(definitions, 1);
        await using (var first = new EngineHarness(definitions, folder: folder))
        {
            await first.Start("d1");
        }

        File.WriteAllText(path, File.ReadAllText(path).Replace("Opportunity.DiscountPercent <= 10", "Opportunity.DiscountPercent <= 15", StringComparison.Ordinal));
        await using var second = new EngineHarness(definitions, folder: folder);

        var error = await Assert.ThrowsAsync<ProcessVersionConflictException>(() => second.Engine.GetDealAsync("d1"));
        Assert.Contains("Bump `version:`", error.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingSink(int failuresBeforeSuccess) : IProcessEventSink
    {
        private int _failures;

        public ConcurrentBag<string> Received { get; } = [];

        public ValueTask EmitAsync(ProcessEvent processEvent, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _failures) <= failuresBeforeSuccess)
            {
                throw new InvalidOperationException("sink down");
            }

            Received.Add(processEvent.EventId);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Never answers, and ignores cancellation (the worst kind of endpoint).</summary>
    private sealed class HungSink : IProcessEventSink
    {
        public int Calls;

        public async ValueTask EmitAsync(ProcessEvent processEvent, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
        }
    }

    [Fact]
    public async Task HungSink_TimesOutWithoutHoldingUpTheOtherSinks()
    {
        var healthy = new RecordingSink(0);
        var hung = new HungSink();
        await using var harness = new EngineHarness(sink: healthy, extraSink: hung);
        await harness.Start("d1");
        await harness.PassLeadGate("d1");
        var events = (await harness.Engine.GetHistoryAsync("d1")).Count;

        var dispatch = harness.Maintenance.DispatchEventsAsync();

        // The healthy sink gets everything while the hung one is still waiting (time on the fake clock stands still).
        var waited = Stopwatch.StartNew();
        while (healthy.Received.Count < events && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(20);
        }

        Assert.Equal(events, healthy.Received.Count);
        Assert.False(dispatch.IsCompleted);
        Assert.Equal(1, hung.Calls);

        // At the sink timeout the hung delivery fails, and the round ends without trying its other events.
        harness.Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(events, await dispatch.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(1, hung.Calls);
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={harness.Store.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT last_error FROM outbox WHERE attempts = 1;";
        Assert.Equal("no answer within 30 s", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Sink_ReceivesEveryCommittedEvent()
    {
        var sink = new RecordingSink(0);
        await using var harness = new EngineHarness(sink: sink);
        await harness.Start("d1");
        await harness.PassLeadGate("d1");

        await harness.Maintenance.DispatchEventsAsync();

        var history = await harness.Engine.GetHistoryAsync("d1");
        Assert.Equal(history.Select(e => e.EventId).Order(), sink.Received.Order());
    }

    [Fact]
    public async Task FailingSink_IsRetriedWithBackoffUntilItSucceeds()
    {
        var sink = new RecordingSink(failuresBeforeSuccess: 3);
        await using var harness = new EngineHarness(sink: sink);
        await harness.Start("d1");
        var events = (await harness.Engine.GetHistoryAsync("d1")).Count;

        for (var i = 0; i < 6; i++)
        {
            await harness.Maintenance.DispatchEventsAsync();
            harness.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(events, sink.Received.Distinct().Count());
    }

    [Fact]
    public async Task SinkThatNeverRecovers_IsDeadLetteredAndTheEngineCarriesOn()
    {
        var sink = new RecordingSink(failuresBeforeSuccess: int.MaxValue);
        await using var harness = new EngineHarness(sink: sink);
        await harness.Start("d1");

        for (var i = 0; i < 15; i++)
        {
            await harness.Maintenance.DispatchEventsAsync();
            harness.Clock.Advance(TimeSpan.FromMinutes(20));
        }

        Assert.Empty(sink.Received);
        Assert.Equal(CommandStatus.Applied, (await harness.Start("d2")).Status);
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={harness.Store.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM outbox WHERE dead_lettered = 1 AND attempts >= 10;";
        Assert.True((long)(await command.ExecuteScalarAsync())! > 0);
    }

    /// <summary>Holds every event until a fixed moment (a recipient's quiet hours), then takes it.</summary>
    private sealed class QuietUntilSink(DateTimeOffset until, TimeProvider clock) : IProcessEventSink
    {
        public int Offers;

        public ConcurrentBag<string> Received { get; } = [];

        public ValueTask EmitAsync(ProcessEvent processEvent, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Offers);
            if (clock.GetUtcNow() < until)
            {
                throw new DeliveryDeferredException(until, "in quiet hours");
            }

            Received.Add(processEvent.EventId);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task DeferredDelivery_IsOfferedAgainAtItsMoment_AndNeverDeadLettered()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 14, 0, 0, TimeSpan.Zero));
        var until = clock.GetUtcNow().AddHours(10);
        var sink = new QuietUntilSink(until, clock);
        await using var harness = new EngineHarness(sink: sink);
        harness.Clock.SetUtcNow(clock.GetUtcNow());
        await harness.Start("d1");

        // Offered once, deferred; not offered again before its moment however often the dispatcher runs, and far more
        // rounds than MaxSinkAttempts (10) would allow for failures.
        await harness.Maintenance.DispatchEventsAsync();
        var offers = sink.Offers;
        Assert.True(offers > 0);
        for (var i = 0; i < 12; i++)
        {
            harness.Clock.Advance(TimeSpan.FromMinutes(45));
            clock.SetUtcNow(harness.Clock.GetUtcNow());
            await harness.Maintenance.DispatchEventsAsync();
        }

        Assert.Equal(offers, sink.Offers);
        Assert.Empty(sink.Received);

        harness.Clock.SetUtcNow(until);
        clock.SetUtcNow(until);
        await harness.Maintenance.DispatchEventsAsync();

        Assert.Equal(offers, sink.Received.Count);
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={harness.Store.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM outbox WHERE dead_lettered = 1;";
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
    }
}
