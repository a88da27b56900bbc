using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.PostgreSql.Storage;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Tests;
using Xunit.Abstractions;

namespace SalesWorkflow.Engine.PostgreSql.Tests;

/// <summary>
/// LISTEN/NOTIFY: work committed on one node wakes another, idle node before its poll interval. The nodes' loops wait
/// on a fake clock that the test never moves, with 30 s poll intervals, so a node that only polled would never look
/// again: whatever the idle node does after its start, it does because it was woken.
/// </summary>
public sealed class WorkNotificationTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public Task WorkCommittedOnNodeA_WakesIdleNodeBWellBeforeItsPollInterval() =>
        AssertIdleNodeIsWokenAsync(PostgresServer.Shared.CreateDatabase(), afterListening: null);

    [Fact(OwnServer = true)]
    public async Task AfterTheServerRestarts_TheIdleNodeListensAgain_AndNewWorkStillWakesIt()
    {
        // Issue 15: the LISTEN connection is lost with the server; B must listen again by itself, and the wake-up
        // after the restart must come from a notification (the poll intervals are 30 s on a clock that never moves).
        using var server = PostgresServer.Start();
        var database = server.CreateDatabase();
        await AssertIdleNodeIsWokenAsync(database, afterListening: async () =>
        {
            var restart = Stopwatch.StartNew();
            await Task.Run(server.Restart);
            await WaitUntilListeningAsync(database);
            output.WriteLine($"restart and B listening again: {restart.ElapsedMilliseconds} ms");

            // B's round after its reconnection is done before A commits: what wakes B next is A's notification.
            await Task.Delay(500);
        });
    }

    private async Task AssertIdleNodeIsWokenAsync(string database, Func<Task>? afterListening)
    {
        // standard-b2b with the stalled-deal escalation due on entering a stage: starting a deal writes a timer due now.
        var folder = Directory.CreateTempSubdirectory("sw-notify-");
        var definitions = Path.Combine(folder.FullName, "standard-b2b.yaml");
        var yaml = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"));
        Assert.Contains("timeInStage: 14d", yaml, StringComparison.Ordinal);
        await File.WriteAllTextAsync(definitions, yaml.Replace("timeInStage: 14d", "timeInStage: 0m", StringComparison.Ordinal));
        try
        {
            var watch = Stopwatch.StartNew();
            var arrivals = new ArrivalSink(watch);
            await using var nodeA = Node(database, definitions, new ArrivalSink(watch), backgroundLoops: false);
            await using var nodeB = Node(database, definitions, arrivals, backgroundLoops: true);
            var hosted = nodeB.GetServices<IHostedService>().ToList();
            foreach (var service in hosted)
            {
                await service.StartAsync(CancellationToken.None);
            }

            // B is idle: started, its first rounds done, listening.
            await WaitUntilListeningAsync(database);
            await Task.Delay(200);
            if (afterListening is not null)
            {
                await afterListening();
            }

            var engineA = nodeA.GetRequiredService<ISalesWorkflowEngine>();
            var started = await engineA.SubmitAsync(new StartTracking("c1", "d1", "standard-b2b")
            {
                Opportunity = new Opportunity { Name = "Deal d1", Amount = 100_000, AccountId = "acme", OwnerId = "li-na" },
                Account = new Account { Id = "acme", Industry = "manufacturing" },
                Owner = new Owner { Id = "li-na", OpenDeals = 5, LastActiveAt = Monday },
                Contacts = [new Contact { Id = "c1", Name = "Wang", LastContactedAt = Monday }],
            });
            var committed = watch.Elapsed;
            Assert.Equal(CommandStatus.Applied, started.Status);

            // The outbox entry reaches B's sink (B's dispatcher woken), and the timer due now is fired by B (B's timer
            // loop woken), its escalation event then delivered by B.
            var delivered = await arrivals.WaitForAsync(DealEventTypes.TrackingStarted, TimeSpan.FromSeconds(10));
            var fired = await arrivals.WaitForAsync(DealEventTypes.EscalationRaised, TimeSpan.FromSeconds(10));
            output.WriteLine($"commit on A {committed.TotalMilliseconds:F0} ms; B delivered the event {(delivered - committed).TotalMilliseconds:F0} ms after the commit, fired the timer due now and delivered its escalation {(fired - committed).TotalMilliseconds:F0} ms after it (poll intervals 30 s)");
            Assert.True(delivered - committed < TimeSpan.FromSeconds(3), $"B delivered the event {delivered - committed} after A's commit.");
            Assert.True(fired - committed < TimeSpan.FromSeconds(3), $"B fired the timer {fired - committed} after A's commit.");

            foreach (var service in hosted)
            {
                await service.StopAsync(CancellationToken.None);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static ServiceProvider Node(string database, string definitions, ArrivalSink sink, bool backgroundLoops)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(Monday));
        services.AddSingleton<IProcessEventSink>(sink);
        services.AddFirstPartyPlugins();
        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(definitions);
            o.UsePostgreSql(database);
            o.RunBackgroundServices = backgroundLoops;
            o.TimerPollInterval = TimeSpan.FromSeconds(30);
            o.DispatchPollInterval = TimeSpan.FromSeconds(30);
        });
        return services.BuildServiceProvider();
    }

    private static async Task WaitUntilListeningAsync(string database)
    {
        // Not pooled: after a server restart a pooled connection would be a dead one.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN " + WorkAnnouncer.Channel + "%';", connection);
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("Node B never listened for work.");
    }

    /// <summary>Records when events of each type first arrive, on the test's stopwatch.</summary>
    private sealed class ArrivalSink(Stopwatch watch) : IProcessEventSink
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<TimeSpan>> _arrivals = new(StringComparer.Ordinal);

        public ValueTask EmitAsync(ProcessEvent processEvent, CancellationToken cancellationToken)
        {
            Arrival(processEvent.Type).TrySetResult(watch.Elapsed);
            return ValueTask.CompletedTask;
        }

        public async Task<TimeSpan> WaitForAsync(string type, TimeSpan timeout) =>
            await Arrival(type).Task.WaitAsync(timeout);

        private TaskCompletionSource<TimeSpan> Arrival(string type) =>
            _arrivals.GetOrAdd(type, _ => new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}
