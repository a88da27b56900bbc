using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Storage;

/// <summary>
/// What a store provides for one command, inside one transaction it has begun: the primitives of
/// <see cref="CommandProtocol"/>. A store may group round trips (PostgreSQL locks and reads the ledger and the state in
/// one, and writes and commits in the next) or run many commands in one transaction (SQLite's group commit, one
/// savepoint each); the order of the steps is the protocol's.
/// </summary>
public interface ICommandTransaction
{
    /// <summary>
    /// Locks the deal until the transaction ends, then reads the command id's ledger entry and the deal's row version
    /// (null: no such deal). The state comes back too when <paramref name="loadState"/> (a store may return it anyway).
    /// </summary>
    Task<LockedDeal> LockAsync(string commandId, string dealId, bool loadState, CancellationToken cancellationToken);

    /// <summary>The deal's state, under the lock.</summary>
    Task<StoredDeal?> LoadStateAsync(string dealId, CancellationToken cancellationToken);

    /// <summary>The events a ledger entry names, in log order.</summary>
    Task<IReadOnlyList<DealEvent>> LoadEventsAsync(LedgerEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the decision made on the deal at <paramref name="loadedVersion"/>: its state (refused unless the row is
    /// still at that version), timers, events with their outbox entries, and the ledger entry when one is given (its
    /// event sequence numbers are the store's to add). Returns the events as written.
    /// </summary>
    Task<IReadOnlyList<DealEvent>> WriteAsync(string commandId, string dealId, long? loadedVersion, DealChange change, LedgerEntry? ledger, CancellationToken cancellationToken);
}

/// <summary>What <see cref="ICommandTransaction.LockAsync"/> read under the lock.</summary>
/// <param name="Ledger">The command id's ledger entry, or null when the command is new.</param>
/// <param name="RowVersion">The deal's row version, or null when there is no such deal.</param>
/// <param name="State">The deal, when it was asked for (or the store read it anyway).</param>
public sealed record LockedDeal(LedgerEntry? Ledger, long? RowVersion, StoredDeal? State);

/// <summary>
/// What the processed-command ledger keeps of a result, the same on every store: enough to answer a duplicate (its
/// events by their stable ids). <see cref="EventSeqs"/> is an index a store may add to find them faster; ledgers
/// written by SQLite before the shape was shared hold only it.
/// </summary>
/// <param name="DealId">The deal the command was for.</param>
/// <param name="Status">Its outcome.</param>
/// <param name="Stage">The deal's stage after it.</param>
/// <param name="Rejection">Why it was refused, if it was.</param>
/// <param name="EventIds">The stable ids of the events it wrote.</param>
public sealed record LedgerEntry(string DealId, CommandStatus Status, string? Stage, Rejection? Rejection, IReadOnlyList<string> EventIds)
{
    /// <summary>The events' sequence numbers, when the store keeps them (an index to find them faster).</summary>
    public IReadOnlyList<long> EventSeqs { get; init; } = [];

    /// <summary>
    /// The submission that wrote the entry (see <see cref="CommandProtocol.RunAsync"/>): a store's own retry after a
    /// commit whose answer was lost finds its own attempt here and answers with the outcome, not "duplicate".
    /// </summary>
    public string? Attempt { get; init; }

    internal static LedgerEntry Of(DealChange change, string dealId, string? attempt) =>
        new(dealId, change.Result.Status, change.Result.Stage, change.Result.Rejection, [.. change.Events.Select(e => e.EventId)]) { Attempt = attempt };

    /// <summary>The entry as a store keeps it (one JSON shape on every store).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => StorageJson.Serialize(this);

    /// <summary>Reads an entry <see cref="ToJson"/> wrote; JSON of another shape is a <see cref="SalesWorkflowStoreException"/>.</summary>
    /// <param name="json">The stored text.</param>
    /// <returns>The entry.</returns>
    public static LedgerEntry FromJson(string json) => StorageJson.Deserialize<LedgerEntry>(json);
}

/// <summary>
/// The command protocol, once for every store: ledger check, lock, load, decide, write, ledger, inside the store's
/// transaction. A command id already in the ledger is answered with its stored outcome; one used before for another
/// deal is refused. A decision made ahead (outside the transaction) is used only if the deal is still at the row
/// version it was made on; otherwise the command is decided again, which is safe because deciding is pure.
/// </summary>
public static class CommandProtocol
{
    /// <summary>
    /// Runs one command in <paramref name="transaction"/>. <paramref name="attempt"/> is one submission's token, the
    /// same for every retry the store makes of it (null when the store never retries): a retry that finds its own token
    /// in the ledger is answered as the first attempt would have been, since its commit happened, only the answer was
    /// lost on the way back, and the caller submitted once.
    /// </summary>
    public static async Task<CommandResult> RunAsync(
        ICommandTransaction transaction, string commandId, string dealId, Func<StoredDeal?, DealChange> decide, DecidedOn? decidedOn, string? attempt, CancellationToken cancellationToken)
    {
        var locked = await transaction.LockAsync(commandId, dealId, loadState: decidedOn is null, cancellationToken);
        if (locked.Ledger is { } entry)
        {
            if (entry.DealId != dealId)
            {
                return CommandIdReused(commandId, dealId, entry.DealId);
            }

            var stored = Duplicate(commandId, entry, await transaction.LoadEventsAsync(entry, cancellationToken));
            return attempt is not null && entry.Attempt == attempt ? stored with { Status = entry.Status } : stored;
        }

        DealChange decision;
        if (decidedOn is not null && decidedOn.RowVersion == locked.RowVersion)
        {
            decision = decidedOn.Change;
        }
        else
        {
            var state = locked.State ?? (locked.RowVersion is null ? null : await transaction.LoadStateAsync(dealId, cancellationToken));
            decision = decide(state);
        }

        var ledger = decision.RecordInLedger ? LedgerEntry.Of(decision, dealId, attempt) : null;
        var events = await transaction.WriteAsync(commandId, dealId, locked.RowVersion, decision, ledger, cancellationToken);
        return decision.Result with { Events = events };
    }

    /// <summary>The stored outcome of a command handled before, answered as a duplicate.</summary>
    private static CommandResult Duplicate(string commandId, LedgerEntry entry, IReadOnlyList<DealEvent> read)
    {
        var events = Relational.StoredEventRows.ShareEvaluations([.. read]);
        return new CommandResult
        {
            Status = CommandStatus.Duplicate,
            CommandId = commandId,
            DealId = entry.DealId,
            Stage = entry.Stage,
            Rejection = entry.Rejection,
            Events = events,
            Evaluation = events.LastOrDefault(e => e.Evaluation is not null)?.Evaluation,
        };
    }

    /// <summary>A command id already used for another deal: a caller bug that must not pass as a harmless duplicate.</summary>
    internal static CommandResult CommandIdReused(string commandId, string dealId, string otherDeal) => new()
    {
        Status = CommandStatus.Rejected,
        CommandId = commandId,
        DealId = dealId,
        Rejection = new Rejection("command-id-reused", $"The command id '{commandId}' was already used for deal '{otherDeal}'; every command needs its own id."),
    };
}

/// <summary>What a store provides to fire escalation timers, inside one transaction it has begun (<see cref="TimerProtocol"/>).</summary>
public interface ITimerTransaction
{
    /// <summary>Claims up to <paramref name="limit"/> timers due at <paramref name="now"/>, oldest first; a store shared by several nodes skips timers another node has claimed.</summary>
    Task<IReadOnlyList<TimerRecord>> ClaimDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Locks the deals and loads their state: a deal that does not exist maps to null; one a command holds right now is
    /// left out (a store shared by several nodes never waits here while holding timer locks, so it cannot deadlock with
    /// a command about to cancel those timers).
    /// </summary>
    Task<IReadOnlyDictionary<string, StoredDeal?>> LockDealsAsync(IReadOnlyList<string> dealIds, CancellationToken cancellationToken);

    /// <summary>Deletes the timers that fire, in the transaction that writes their effects.</summary>
    Task DeleteAsync(IReadOnlyList<TimerRecord> timers, CancellationToken cancellationToken);

    /// <summary>Writes a deal's decision (as <see cref="ICommandTransaction.WriteAsync"/>, without a ledger entry).</summary>
    Task WriteAsync(string dealId, long? loadedVersion, DealChange change, CancellationToken cancellationToken);
}

/// <summary>
/// Firing escalation timers, once for every store: claim the due timers, lock their deals, delete the timers and write
/// their effects in the same transaction, so a timer fires exactly once. Timers of a deal that is busy stay for the
/// next round; timers of a deal that no longer exists are deleted.
/// </summary>
public static class TimerProtocol
{
    /// <summary>Returns how many timers fired (0: nothing to commit).</summary>
    public static async Task<int> FireAsync(
        ITimerTransaction transaction, DateTimeOffset now, int batchSize, Func<StoredDeal, IReadOnlyList<TimerRecord>, DealChange?> fire, CancellationToken cancellationToken)
    {
        var timers = await transaction.ClaimDueAsync(now, batchSize, cancellationToken);
        if (timers.Count == 0)
        {
            return 0;
        }

        var deals = await transaction.LockDealsAsync([.. timers.Select(t => t.DealId).Distinct(StringComparer.Ordinal)], cancellationToken);
        var firing = timers.Where(t => deals.ContainsKey(t.DealId)).ToList();
        if (firing.Count == 0)
        {
            return 0;
        }

        await transaction.DeleteAsync(firing, cancellationToken);
        foreach (var group in firing.GroupBy(t => t.DealId, StringComparer.Ordinal))
        {
            if (deals[group.Key] is { } instance && fire(instance, [.. group]) is { } decision)
            {
                await transaction.WriteAsync(group.Key, instance.RowVersion, decision, cancellationToken);
            }
        }

        return firing.Count;
    }
}
