using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace SalesWorkflow.Engine.Hosting;

/// <summary>
/// The names under which the engine reports traces and metrics (docs/telemetry.md): one
/// <see cref="System.Diagnostics.ActivitySource"/> and one <see cref="System.Diagnostics.Metrics.Meter"/>. With
/// OpenTelemetry, <c>AddSalesWorkflowInstrumentation()</c> (package SalesWorkflow.Engine.OpenTelemetry) adds both;
/// without it, <c>AddSource(SalesWorkflowInstrumentation.ActivitySourceName)</c> and
/// <c>AddMeter(SalesWorkflowInstrumentation.MeterName)</c> do the same.
/// </summary>
public static class SalesWorkflowInstrumentation
{
    /// <summary>The activity source of every span the engine starts (<c>salesworkflow.command</c>, …).</summary>
    public const string ActivitySourceName = "SalesWorkflow";

    /// <summary>The meter of every metric the engine records (<c>salesworkflow.commands</c>, …).</summary>
    public const string MeterName = "SalesWorkflow";
}

/// <summary>The library's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named <c>SalesWorkflow</c> (DESIGN.md D6); every name is in docs/telemetry.md.</summary>
internal static class SalesWorkflowTelemetry
{
    public const string Name = SalesWorkflowInstrumentation.ActivitySourceName;

    private static readonly string? Version = typeof(SalesWorkflowTelemetry).Assembly.GetName().Version?.ToString();

    public static readonly ActivitySource ActivitySource = new(Name, Version);

    public static readonly Meter Meter = new(SalesWorkflowInstrumentation.MeterName, Version);

    public static readonly Counter<long> Commands = Meter.CreateCounter<long>("salesworkflow.commands", unit: "{command}", description: "Commands handled, by command type and outcome (applied, duplicate, rejected).");

    public static readonly Histogram<double> CommandDuration = Meter.CreateHistogram<double>("salesworkflow.command.duration", unit: "s", description: "Time to handle a command, enrichment, decision and transaction included.");

    public static readonly Histogram<double> EvaluationDuration = Meter.CreateHistogram<double>("salesworkflow.evaluation.duration", unit: "s", description: "Time to evaluate one deal against its stage's rules.");

    public static readonly Counter<long> GateRefusals = Meter.CreateCounter<long>("salesworkflow.gate.refusals", unit: "{refusal}", description: "Requests to move a deal on that its stage's gate refused, by process and stage.");

    public static readonly Counter<long> TimersFired = Meter.CreateCounter<long>("salesworkflow.timers.fired", unit: "{timer}", description: "Escalation timers fired.");

    public static readonly Counter<long> SweepChanges = Meter.CreateCounter<long>("salesworkflow.sweep.changes", unit: "{deal}", description: "Deals changed by the re-evaluation sweep.");

    public static readonly Counter<long> SweepEvaluations = Meter.CreateCounter<long>("salesworkflow.sweep.evaluations", unit: "{deal}", description: "Deals re-evaluated by this node's sweep (on a shared store, each deal by one node per round).");

    public static readonly Histogram<double> SweepDuration = Meter.CreateHistogram<double>("salesworkflow.sweep.duration", unit: "s", description: "Time one sweep round took on this node.");

    public static readonly Counter<long> SinkDeliveries = Meter.CreateCounter<long>("salesworkflow.sink.deliveries", unit: "{delivery}", description: "Event deliveries to sinks, by sink and outcome (delivered, failed, dead-lettered, deferred).");

    public static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>("salesworkflow.sink.dead_letters", unit: "{event}", description: "Events a sink gave up on after MaxSinkAttempts, by sink: each needs a person to look at it.");

    public static readonly Gauge<long> OutboxPending = Meter.CreateGauge<long>("salesworkflow.outbox.pending", unit: "{entry}", description: "Outbox entries not yet delivered (due or waiting for a retry), store-wide; recorded after dispatch rounds.");

    public static readonly Gauge<long> OutboxDeadLettered = Meter.CreateGauge<long>("salesworkflow.outbox.dead_lettered", unit: "{entry}", description: "Outbox entries a sink gave up on, kept in the store for a person, store-wide.");

    public static readonly Gauge<double> OutboxLag = Meter.CreateGauge<double>("salesworkflow.outbox.lag", unit: "s", description: "How long the longest-waiting outbox entry that is due has waited; 0 when the dispatcher keeps up.");

    public static readonly Gauge<double> SweepLag = Meter.CreateGauge<double>("salesworkflow.sweep.lag", unit: "s", description: "Time since this node's last finished sweep round began; grows past SweepInterval when the sweep falls behind.");

    /// <summary>Tag pairs, without the allocation noise at each call site.</summary>
    public static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);
}

/// <summary>Log messages of the runtime, source-generated with stable event ids.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "SalesWorkflow started: {Processes} process version(s), store {Store}")]
    public static partial void Started(ILogger logger, int processes, string store);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Command {CommandId} ({CommandType}) for deal {DealId}: {Status}")]
    public static partial void CommandHandled(ILogger logger, string commandId, string commandType, string dealId, string status);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Fired {Count} escalation timer(s)")]
    public static partial void TimersFired(ILogger logger, int count);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Sweep re-evaluated open deals: {Changed} changed")]
    public static partial void SweepDone(ILogger logger, int changed);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Event sink {Sink} failed on event {EventId} (attempt {Attempt}); retrying at {RetryAt}")]
    public static partial void SinkFailed(ILogger logger, Exception exception, string sink, string eventId, int attempt, DateTimeOffset retryAt);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Event sink {Sink} gave up on event {EventId} after {Attempts} attempts; dead-lettered")]
    public static partial void SinkDeadLettered(ILogger logger, Exception exception, string sink, string eventId, int attempts);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Plugin {Plugin} {Version} loaded from {Source}")]
    public static partial void PluginLoaded(ILogger logger, string plugin, string version, string source);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Error, Message = "Plugin not loaded: {Diagnostic}")]
    public static partial void PluginRejected(ILogger logger, string diagnostic);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Enricher {Enricher} of plugin {Plugin} failed for deal {DealId}: {Error}")]
    public static partial void EnricherFailed(ILogger logger, string enricher, string plugin, string dealId, string error);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "Background loop {Loop} failed; it will try again")]
    public static partial void LoopFailed(ILogger logger, Exception exception, string loop);
}
