namespace SalesWorkflow.Sdk.Events;

/// <summary>A task in a digest: open, on a deal, due at a moment.</summary>
/// <param name="DealId">The deal.</param>
/// <param name="Stage">The stage the task belongs to.</param>
/// <param name="TaskId">The task id.</param>
/// <param name="DueAt">When it is (or was) due.</param>
public sealed record DigestTask(string DealId, string Stage, string TaskId, DateTimeOffset DueAt);

/// <summary>An escalation in a digest: a deal escalated to the person, at a level.</summary>
/// <param name="DealId">The deal.</param>
/// <param name="Stage">The stage it is in.</param>
/// <param name="Escalation">The escalation id.</param>
/// <param name="Level">The highest level raised, which reached the person.</param>
public sealed record DigestEscalation(string DealId, string Stage, string Escalation, int Level);

/// <summary>
/// One person's daily digest (docs/notifications.md): their open tasks coming due soon, those overdue, and the deals
/// escalated to them, as the deals stand at <see cref="At"/>. Built by the engine; delivered by digest sinks.
/// </summary>
/// <param name="Person">Who it is for, with how to reach them.</param>
/// <param name="At">The moment it describes.</param>
/// <param name="DueSoon">Open tasks due from <see cref="At"/> on, within the digest's horizon, soonest first.</param>
/// <param name="Overdue">Open tasks whose due moment has passed, oldest first.</param>
/// <param name="Escalated">Open escalations that reached the person, by deal.</param>
public sealed record Digest(EventRecipient Person, DateTimeOffset At, IReadOnlyList<DigestTask> DueSoon, IReadOnlyList<DigestTask> Overdue, IReadOnlyList<DigestEscalation> Escalated)
{
    /// <summary>True when there is nothing to tell.</summary>
    public bool IsEmpty => DueSoon.Count == 0 && Overdue.Count == 0 && Escalated.Count == 0;
}

/// <summary>
/// An event sink that also delivers digests: the engine hands it one <see cref="Digest"/> per person when digests are
/// sent (<c>salesflow digest --send</c>, or <c>SendDigestsAsync</c> in a host). Sending the same person's digest of the
/// same day twice must not reach them twice.
/// </summary>
public interface IDigestSink
{
    /// <summary>Delivers one digest; throw when it could not be.</summary>
    ValueTask SendDigestAsync(Digest digest, CancellationToken cancellationToken);
}
