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
public sealed record EventRecipient(string Id, string? Name, string? Email, string? Language)
{
    /// <summary>When the person is not to be disturbed, from the organisation file; null for never.</summary>
    public QuietHours? QuietHours { get; init; }

    /// <summary>The person's time zone (theirs, else the organisation's), for times written to them; null when the organisation file gives none.</summary>
    public TimeZoneInfo? TimeZone { get; init; }

    /// <summary>
    /// True when the person takes a daily digest (<see cref="Digest"/>) instead of a message per escalation or overdue
    /// task (the organisation file's <c>digest: daily</c>).
    /// </summary>
    public bool TakesDigest { get; init; }
}

/// <summary>
/// A person's quiet hours: every day from <see cref="From"/> to <see cref="Until"/> in <see cref="TimeZone"/>; a period
/// that ends before it starts (<c>22:00-08:00</c>) runs over midnight. Delivery plugins hold a message to the person
/// until the period ends.
/// </summary>
/// <param name="From">When the quiet period starts (inclusive).</param>
/// <param name="Until">When it ends (exclusive).</param>
/// <param name="TimeZone">The person's time zone.</param>
public sealed record QuietHours(TimeOnly From, TimeOnly Until, TimeZoneInfo TimeZone)
{
    /// <summary>The moment the quiet period <paramref name="now"/> falls in ends, or null when <paramref name="now"/> is not quiet.</summary>
    public DateTimeOffset? EndAfter(DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(TimeZone);
        var local = TimeZoneInfo.ConvertTime(now, TimeZone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        var today = DateOnly.FromDateTime(local.DateTime);
        DateOnly? endDay = From == Until ? null
            : From < Until ? (time >= From && time < Until ? today : null)
            : time >= From ? today.AddDays(1)
            : time < Until ? today
            : null;
        if (endDay is not { } day)
        {
            return null;
        }

        // A wall-clock end that a DST change skips is taken as the first moment after the gap.
        var end = day.ToDateTime(Until);
        while (TimeZone.IsInvalidTime(end))
        {
            end = end.AddMinutes(1);
        }

        return new DateTimeOffset(end, TimeZone.GetUtcOffset(end));
    }
}

/// <summary>
/// Thrown by a sink that will not deliver an event yet (its recipient is in quiet hours, a digest collects it): the
/// outbox offers the event again at <see cref="NotBefore"/>. A deferral is not a failure: it never dead-letters the
/// delivery, however often it happens.
/// </summary>
public sealed class DeliveryDeferredException : Exception
{
    /// <summary>Defers a delivery until <paramref name="notBefore"/>.</summary>
    public DeliveryDeferredException(DateTimeOffset notBefore, string message)
        : base(message) => NotBefore = notBefore;

    /// <summary>Creates the exception with a default message (for serializers and analyzers).</summary>
    public DeliveryDeferredException()
        : this(DateTimeOffset.MinValue, "Delivery deferred.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DeliveryDeferredException(string message)
        : this(DateTimeOffset.MinValue, message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public DeliveryDeferredException(string message, Exception innerException)
        : base(message, innerException) => NotBefore = DateTimeOffset.MinValue;

    /// <summary>When to offer the event again.</summary>
    public DateTimeOffset NotBefore { get; }
}

/// <summary>
/// Receives committed events (notifications, webhooks, a data warehouse…). Called after commit, at least once per
/// event and sink; a sink that throws is retried with back-off and, after repeated failures, the delivery is
/// dead-lettered. One sink never delays another deal's commands. Implementations must be thread-safe.
/// </summary>
public interface IProcessEventSink
{
    /// <summary>Handles one event; throw to have it retried later, or <see cref="DeliveryDeferredException"/> to have it offered again at a given moment.</summary>
    ValueTask EmitAsync(ProcessEvent processEvent, CancellationToken cancellationToken);
}
