using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Storage;

/// <summary>
/// What one command (or timer batch, or sweep step) changes, decided by pure code from the state loaded inside the
/// transaction. The store writes all of it in that same transaction.
/// </summary>
internal sealed class Decision
{
    /// <summary>The new state of the instance, or null to leave it unchanged.</summary>
    public InstanceRecord? State { get; init; }

    public IReadOnlyList<NewEvent> Events { get; init; } = [];

    /// <summary>Delete every timer of the deal before adding <see cref="NewTimers"/> (the deal left its stage).</summary>
    public bool CancelAllTimers { get; init; }

    /// <summary>Delete the timers of these escalations (their condition stopped holding).</summary>
    public IReadOnlyList<string> CancelTimersOf { get; init; } = [];

    public IReadOnlyList<TimerRecord> NewTimers { get; init; } = [];

    /// <summary>What the caller gets back (and a duplicate of the command later).</summary>
    public required CommandResult Result { get; init; }

    /// <summary>Whether the command id goes into the duplicate ledger (false for internal sweeps).</summary>
    public bool RecordInLedger { get; init; } = true;

    /// <summary>A sweep's "nothing to write" for a deal that changed (or went) before its write: answered, not recorded.</summary>
    public static Decision Unchanged(string dealId) => new()
    {
        RecordInLedger = false,
        Result = new CommandResult { Status = CommandStatus.Duplicate, CommandId = "sweep", DealId = dealId },
    };
}

/// <summary>
/// One round of the re-evaluation sweep, over several <see cref="IProcessStore.SweepBatchAsync"/> calls: the time it
/// evaluates at, when a deal it sweeps is next due (stores shared by several nodes skip deals swept less than a sweep
/// interval ago, by any node), and how far it got (the last deal id it claimed; deals are claimed in id order).
/// </summary>
internal sealed class SweepRound(DateTimeOffset now, DateTimeOffset nextDue)
{
    public DateTimeOffset Now { get; } = now;

    public DateTimeOffset NextDue { get; } = nextDue;

    /// <summary>The last deal claimed so far (null before the first batch); the store moves it on.</summary>
    public string? AfterDealId { get; set; }
}

/// <summary>What one sweep batch did: deals claimed and evaluated (0 ends the round), and deals whose changes were written.</summary>
internal readonly record struct SweepBatch(int Evaluated, int Changed);

/// <summary>A decision the caller made on the instance at <paramref name="RowVersion"/> (null: the deal did not exist).</summary>
internal sealed record DecidedOn(long? RowVersion, Decision Decision);

/// <summary>Work another node may have made ready, as a store shared by several nodes announces it.</summary>
internal enum StoreWork
{
    /// <summary>Escalation timers due now were written.</summary>
    Timers,

    /// <summary>Events were written for the sinks.</summary>
    Outbox,
}

/// <summary>
/// The storage seam of the runtime (DESIGN.md D1): instance rows, the append-only event log, the processed-command
/// ledger, escalation timers and the sink outbox, each change made in one transaction. SQLite implements it in this
/// assembly; PostgreSQL in SalesWorkflow.Engine.PostgreSql. Implementations are thread-safe. A singleton of the
/// container, which disposes it after the engine; <see cref="IDisposable"/> too, for containers disposed synchronously.
/// </summary>
internal interface IProcessStore : IAsyncDisposable, IDisposable
{
    /// <summary>Creates or upgrades the schema; fails with a clear error for a newer, locked, read-only or corrupt database.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Handles one command in one transaction: returns the stored outcome as a duplicate when the command id is known;
    /// otherwise locks the deal, loads it, asks <paramref name="decide"/> and writes the decision. The returned result
    /// has the events' sequence numbers filled in. <paramref name="decidedOn"/>, when the caller already decided on a
    /// loaded instance, is used if the deal is still at that row version (<paramref name="decide"/> must be pure).
    /// </summary>
    Task<CommandResult> ExecuteAsync(string commandId, string dealId, Func<InstanceRecord?, Decision> decide, IReadOnlyList<string> sinks, CancellationToken cancellationToken, DecidedOn? decidedOn = null);

    Task<InstanceRecord?> LoadAsync(string dealId, CancellationToken cancellationToken);

    Task<IReadOnlyList<DealEvent>> LoadEventsAsync(string dealId, CancellationToken cancellationToken);

    /// <summary>Events of all deals after a sequence number, in log order; without their evaluations when <paramref name="withEvaluations"/> is false.</summary>
    Task<IReadOnlyList<DealEvent>> LoadEventsAfterAsync(long afterSequence, int limit, bool withEvaluations, CancellationToken cancellationToken);

    /// <summary>
    /// The whole log, without evaluations, condensed into a <see cref="Analytics.KpiLog"/> as it is read (one statement,
    /// so one consistent snapshot; no event is kept in memory). Built from scratch on each attempt, so a retried read
    /// cannot count an event twice.
    /// </summary>
    Task<Analytics.KpiLog> LoadKpiLogAsync(CancellationToken cancellationToken);

    /// <summary>True when the store was opened for reading only (nothing may be written).</summary>
    bool IsReadOnly { get; }

    Task<IReadOnlyList<DealSummary>> QueryAsync(DealQuery query, CancellationToken cancellationToken);

    /// <summary>Claims up to <paramref name="batchSize"/> timers due at <paramref name="now"/> and applies their effects with their deletion, in one transaction.</summary>
    Task<int> FireDueTimersAsync(DateTimeOffset now, int batchSize, Func<InstanceRecord, IReadOnlyList<TimerRecord>, Decision?> fire, IReadOnlyList<string> sinks, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="batchSize"/> open deals of the sweep <paramref name="round"/> after its
    /// <see cref="SweepRound.AfterDealId"/> (moving it on), re-evaluates each with <paramref name="reevaluate"/> (called
    /// concurrently; null: nothing changed) and writes the changes. A store shared by several nodes claims the batch
    /// with <c>FOR UPDATE SKIP LOCKED</c> in the transaction that writes its effect and marks each deal swept until
    /// <see cref="SweepRound.NextDue"/>, so each deal is evaluated by one node per round; the single-node SQLite store
    /// pages through every open deal.
    /// </summary>
    Task<SweepBatch> SweepBatchAsync(SweepRound round, int batchSize, Func<InstanceRecord, Decision?> reevaluate, IReadOnlyList<string> sinks, CancellationToken cancellationToken);

    /// <summary>Registers a process version; throws <see cref="ProcessVersionConflictException"/> when the same version was registered with other content.</summary>
    Task RegisterProcessVersionAsync(ProcessVersionRecord version, CancellationToken cancellationToken);

    Task<IReadOnlyList<ProcessVersionRecord>> LoadProcessVersionsAsync(CancellationToken cancellationToken);

    /// <summary>Claims outbox entries due for delivery (leased for <paramref name="lease"/>).</summary>
    Task<IReadOnlyList<OutboxEntry>> ClaimOutboxAsync(DateTimeOffset now, int batchSize, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Removes delivered entries.</summary>
    Task CompleteOutboxAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken);

    /// <summary>Records a failed delivery: retried at <paramref name="retryAt"/>, or dead-lettered when null.</summary>
    Task FailOutboxAsync(long id, string error, DateTimeOffset? retryAt, CancellationToken cancellationToken);

    /// <summary>
    /// Until cancelled, calls <paramref name="onWork"/> when any node (this one included) writes work that is ready now,
    /// so idle background loops wake before their poll interval; also after each (re)connection, since announcements
    /// made meanwhile are lost. A hint only: the loops keep polling. The single-node SQLite store announces nothing
    /// (its own engine wakes its loops directly) and returns at once.
    /// </summary>
    Task ListenForWorkAsync(Action<StoreWork> onWork, CancellationToken cancellationToken) => Task.CompletedTask;
}
