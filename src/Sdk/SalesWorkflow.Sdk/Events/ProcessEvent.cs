namespace SalesWorkflow.Sdk.Events;

/// <summary>
/// An event of a deal's history as event sinks receive it: after it is committed, at least once. <see cref="EventId"/>
/// is stable, so a sink that must act once can remember the ids it has seen.
/// </summary>
/// <param name="EventId">Stable id (<c>deal-id:n</c>).</param>
/// <param name="Sequence">Position in the engine's log.</param>
/// <param name="DealId">The deal.</param>
/// <param name="Type">Event type, such as <c>stage-changed</c>, <c>escalation-raised</c>, <c>deal-won</c>.</param>
/// <param name="At">When it happened.</param>
/// <param name="ProcessId">The deal's process.</param>
/// <param name="ProcessVersion">The deal's process version.</param>
/// <param name="Stage">The deal's stage after the event.</param>
/// <param name="DataJson">The event's data as JSON.</param>
public sealed record ProcessEvent(
    string EventId,
    long Sequence,
    string DealId,
    string Type,
    DateTimeOffset At,
    string ProcessId,
    int ProcessVersion,
    string Stage,
    string DataJson);

/// <summary>
/// Receives committed events (notifications, webhooks, a data warehouse…). Called after commit, at least once per
/// event and sink; a sink that throws is retried with back-off and, after repeated failures, the delivery is
/// dead-lettered. One sink never delays another deal's commands. Implementations must be thread-safe.
/// </summary>
public interface IProcessEventSink
{
    /// <summary>Handles one event; throw to have it retried later.</summary>
    ValueTask EmitAsync(ProcessEvent processEvent, CancellationToken cancellationToken);
}
