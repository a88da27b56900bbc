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
    string DataJson)
{
    /// <summary>
    /// The people the event is for, with how to reach them: for <c>escalation-raised</c> its recipients, for the task
    /// events the person the task is assigned to, each looked up in the engine's organisation file (docs/notifications.md)
    /// when the event is delivered. Empty for other events. A person the organisation file does not list comes with
    /// their id only.
    /// </summary>
    public IReadOnlyList<EventRecipient> Recipients { get; init; } = [];
}

/// <summary>A person an event is for (<see cref="ProcessEvent.Recipients"/>).</summary>
/// <param name="Id">The person's id.</param>
/// <param name="Name">Display name, when the organisation file gives one.</param>
/// <param name="Email">E-mail address, when the organisation file gives one.</param>
/// <param name="Language">The language to write to them in, when the organisation file says; else the process's first.</param>
public sealed record EventRecipient(string Id, string? Name, string? Email, string? Language);

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
