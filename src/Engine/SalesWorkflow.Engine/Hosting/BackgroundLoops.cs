using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Hosting;

/// <summary>Starts the engine with the host, so bad definitions or an unusable database stop the host at start-up.</summary>
internal sealed class EngineStartup(SalesWorkflowEngine engine) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => engine.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// A background loop of the engine (timers, sweep, sink dispatch): runs its work, then waits on the injected clock
/// (so tests drive it with a fake clock). A failure is logged and the loop carries on.
/// </summary>
internal abstract class EngineLoop(SalesWorkflowEngine engine, IOptions<SalesWorkflowOptions> options, TimeProvider clock, ILogger? logger) : BackgroundService
{
    protected SalesWorkflowEngine Engine => engine;

    protected SalesWorkflowOptions Options => options.Value;

    protected abstract string Name { get; }

    protected abstract TimeSpan Interval { get; }

    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    /// <summary>Completes early when there is work before the interval ends (e.g. a commit for the dispatcher).</summary>
    protected virtual Task WakeAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Options.RunBackgroundServices)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping (or disposed without a stop, after a failed host start): the round's failure is the shutdown's
                // (a disposed engine, a closed store), and whatever it left undone is durable and resumed at the next start.
                return;
            }
#pragma warning disable CA1031 // The loop must survive a failed round (a locked database, a bug in one deal) and try again.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                RuntimeLog.LoopFailed(logger ?? NullLogger.Instance, ex, Name);
            }

            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var delay = Task.Delay(Interval, clock, wake.Token);
            var early = WakeAsync(wake.Token);
            await Task.WhenAny(delay, early);
            await wake.CancelAsync();
            try
            {
                await Task.WhenAll(delay, early);
            }
            catch (OperationCanceledException)
            {
                // One of the two waits was cancelled by the other finishing.
            }
        }
    }
}

/// <summary>Fires due escalation timers; woken early when a node announces timers due now, and polling otherwise.</summary>
internal sealed class TimerLoop : EngineLoop
{
    private readonly WakeSignal _signal = new();

    public TimerLoop(SalesWorkflowEngine engine, IOptions<SalesWorkflowOptions> options, TimeProvider clock, ILogger<TimerLoop>? logger = null)
        : base(engine, options, clock, logger) =>
        engine.TimersDue += (_, _) => _signal.Set();

    protected override string Name => "timers";

    protected override TimeSpan Interval => Options.TimerPollInterval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => Engine.FireDueTimersAsync(cancellationToken);

    protected override Task WakeAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);
}

/// <summary>
/// Listens for work other nodes announce through the store (PostgreSQL LISTEN/NOTIFY) and wakes this node's timer and
/// dispatch loops; ends at once on a store that announces nothing (SQLite).
/// </summary>
internal sealed class WorkListener(SalesWorkflowEngine engine, IOptions<SalesWorkflowOptions> options) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.RunBackgroundServices ? engine.ListenForWorkAsync(stoppingToken) : Task.CompletedTask;
}

/// <summary>
/// An auto-reset wake-up: any number of <see cref="Set"/> calls before a wait end one wait. A one-slot channel rather
/// than a semaphore because it needs no disposal: the host disposes a loop while its last round may still be waiting
/// and commits may still signal it, and a disposed semaphore then threw into the log (and into the one-line "port in
/// use" error of <c>salesflow serve</c>).
/// </summary>
internal sealed class WakeSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Set() => _channel.Writer.TryWrite(true);

    public async Task WaitAsync(CancellationToken cancellationToken) => await _channel.Reader.ReadAsync(cancellationToken);
}

/// <summary>Re-evaluates open deals so time-dependent risks and condition escalations are noticed.</summary>
internal sealed class SweepLoop(SalesWorkflowEngine engine, IOptions<SalesWorkflowOptions> options, TimeProvider clock, ILogger<SweepLoop>? logger = null)
    : EngineLoop(engine, options, clock, logger)
{
    protected override string Name => "sweep";

    protected override TimeSpan Interval => Options.SweepInterval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => Engine.SweepAsync(cancellationToken);
}

/// <summary>
/// Sends the daily digests at <see cref="SalesWorkflowOptions.SendDigestsAt"/> of each person's day; does not run when
/// that is unset. Checks once a minute, which costs a look at the organisation's people until someone's time comes.
/// </summary>
internal sealed class DigestLoop(SalesWorkflowEngine engine, IOptions<SalesWorkflowOptions> options, TimeProvider clock, ILogger<DigestLoop>? logger = null)
    : EngineLoop(engine, options, clock, logger)
{
    // Who has had which day's digest from this node; lost on a restart, when the sinks' ledgers keep anyone from a second one.
    private readonly Dictionary<string, DateOnly> _sentOn = new(StringComparer.Ordinal);

    protected override string Name => "digests";

    protected override TimeSpan Interval => TimeSpan.FromMinutes(1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Options.SendDigestsAt is null ? Task.CompletedTask : base.ExecuteAsync(stoppingToken);

    protected override Task RunOnceAsync(CancellationToken cancellationToken) =>
        Engine.SendDueDigestsAsync(Options.SendDigestsAt!.Value, _sentOn, cancellationToken);
}

/// <summary>Delivers committed events to the sinks; woken by every commit (on any node, where the store announces them), and polling for retries.</summary>
internal sealed class DispatchLoop : EngineLoop
{
    private readonly WakeSignal _signal = new();

    public DispatchLoop(SalesWorkflowEngine engine, IOptions<SalesWorkflowOptions> options, TimeProvider clock, ILogger<DispatchLoop>? logger = null)
        : base(engine, options, clock, logger) =>
        engine.EventsCommitted += (_, _) => _signal.Set();

    protected override string Name => "dispatch";

    protected override TimeSpan Interval => Options.DispatchPollInterval;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => Engine.DispatchEventsAsync(cancellationToken);

    protected override Task WakeAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);
}
