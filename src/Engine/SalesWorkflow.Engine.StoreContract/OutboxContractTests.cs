using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Sdk.Events;
using Xunit;

namespace SalesWorkflow.Engine.StoreContract;

#pragma warning disable CS1591 // Test methods: each name says what it checks.

/// <summary>
/// The sink outbox: every committed event reaches every sink once, failures are retried and then dead-lettered, the
/// outbox is counted for the engine's gauges, and the trace a change was made in comes back with its entries.
/// </summary>
public abstract class OutboxContractTests : StoreContractTests
{
    private StoreHarness WithSink(IProcessEventSink sink, Action<SalesWorkflowOptions>? configureEngine = null) =>
        new(OpenStore(), configureServices: services => services.AddSingleton(sink), configureEngine: configureEngine);

    [Fact]
    public async Task CommittedEvents_AreDeliveredOnceEach_AndLeaveTheOutbox()
    {
        var sink = new RecordingSink();
        await using var harness = WithSink(sink);
        var started = await harness.Start("o1");
        var store = harness.ProcessStore;

        var before = await store.ReadOutboxStatusAsync(harness.Clock.GetUtcNow(), CancellationToken.None);
        var delivered = await harness.Maintenance.DispatchEventsAsync();
        var again = await harness.Maintenance.DispatchEventsAsync();
        var after = await store.ReadOutboxStatusAsync(harness.Clock.GetUtcNow(), CancellationToken.None);

        Assert.NotEmpty(started.Events);
        Assert.Equal(started.Events.Select(e => e.EventId), sink.Received.Select(e => e.EventId));
        Assert.Equal((started.Events.Count, 0), (delivered, again));
        Assert.Equal(new Storage.OutboxStatus(started.Events.Count, 0, started.Events[0].At), before);
        Assert.Equal(new Storage.OutboxStatus(0, 0, null), after);
    }

    [Fact]
    public async Task AFailingSink_IsRetriedAfterItsBackOff_ThenDeadLettered_AndEachStateCounted()
    {
        var sink = new RecordingSink { Fails = true };
        await using var harness = WithSink(sink, o => o.MaxSinkAttempts = 2);
        var started = await harness.Start("o2");
        var count = started.Events.Count;
        var store = harness.ProcessStore;
        Task<Storage.OutboxStatus?> Status() => store.ReadOutboxStatusAsync(harness.Clock.GetUtcNow(), CancellationToken.None);

        Assert.Equal(0, await harness.Maintenance.DispatchEventsAsync());
        var waiting = await Status();
        harness.Clock.Advance(TimeSpan.FromSeconds(3)); // the first back-off is 2 s
        var due = await Status();
        await harness.Maintenance.DispatchEventsAsync();
        var dead = await Status();

        Assert.Equal(new Storage.OutboxStatus(count, 0, null), waiting);
        Assert.Equal((count, 0L), (due!.Pending, due.DeadLettered));
        Assert.NotNull(due.OldestDueAt);
        Assert.True(due.OldestDueAt <= harness.Clock.GetUtcNow());
        Assert.Equal(new Storage.OutboxStatus(0, count, null), dead);
        Assert.Equal(2 * count, sink.Attempts);
    }

    [Fact]
    public async Task TheTraceACommandWasMadeIn_ComesBackWithItsEntries_SoTheDeliveryJoinsIt()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SalesWorkflowInstrumentation.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var sink = new RecordingSink();
        await using var harness = WithSink(sink);

        ActivityTraceId trace;
        using (var request = new Activity("contract-request").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            trace = request.TraceId;
            await harness.Start("o3");
        }

        Assert.Null(Activity.Current);
        await harness.Maintenance.DispatchEventsAsync();

        Assert.NotEmpty(sink.Traces);
        Assert.All(sink.Traces, t => Assert.Equal(trace, t));
    }

    /// <summary>Keeps what it is given, or refuses it; notes the trace each delivery runs in.</summary>
    private sealed class RecordingSink : IProcessEventSink
    {
        private int _attempts;

        public bool Fails { get; init; }

        public int Attempts => _attempts;

        public ConcurrentQueue<ProcessEvent> Received { get; } = new();

        public ConcurrentQueue<ActivityTraceId> Traces { get; } = new();

        public ValueTask EmitAsync(ProcessEvent e, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            if (Fails)
            {
                throw new InvalidOperationException("the contract's sink refuses every event");
            }

            Received.Enqueue(e);
            if (Activity.Current is { } delivery)
            {
                Traces.Enqueue(delivery.TraceId);
            }

            return ValueTask.CompletedTask;
        }
    }
}
