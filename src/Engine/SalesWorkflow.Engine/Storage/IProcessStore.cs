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
/// interval ago, by any node), how far it got (the last deal id it claimed; deals are claimed in id order), and which
/// won deals it takes besides the open ones.
/// </summary>
public sealed class SweepRound
{
    internal SweepRound(DateTimeOffset now, DateTimeOffset nextDue, DateTimeOffset? wonSince = null)
    {
        Now = now;
        NextDue = nextDue;
        WonSince = wonSince;
    }

    /// <summary>
    /// Won deals that entered their won stage at or after this moment are swept too (their care duties fall due with
    /// time, <c>SalesWorkflowOptions.SweepWonDealsFor</c>); null: open deals only. Lost deals are never swept.
    /// </summary>
    public DateTimeOffset? WonSince { get; }

    /// <summary>The time the round evaluates at.</summary>
    public DateTimeOffset Now { get; }

    /// <summary>When a deal swept in this round is next due.</summary>
    public DateTimeOffset NextDue { get; }

    /// <summary>The last deal claimed so far (null before the first batch); the store moves it on.</summary>
    public string? AfterDealId { get; set; }

    /// <summary>
    /// For a store that walks the won deals in a second pass after the open ones (so that each pass follows one
    /// (status, deal id) index): the last won deal claimed, null before the first won batch. The store moves it on.
    /// </summary>
    public string? AfterWonDealId { get; set; }
}

/// <summary>What one sweep batch did.</summary>
/// <param name="Evaluated">Deals claimed and evaluated (0 ends the round).</param>
/// <param name="Changed">Deals whose changes were written.</param>
public readonly record struct SweepBatch(int Evaluated, int Changed);

/// <summary>A change the caller made on the deal at <paramref name="RowVersion"/>, outside the transaction.</summary>
/// <param name="RowVersion">The row version it was decided on (null: the deal did not exist).</param>
/// <param name="Change">The change; used only if the deal is still at <paramref name="RowVersion"/>.</param>
public sealed record DecidedOn(long? RowVersion, DealChange Change);

/// <summary>Work another node may have made ready, as a store shared by several nodes announces it.</summary>
public enum StoreWork
{
    /// <summary>Escalation timers due now were written.</summary>
    Timers,

    /// <summary>Events were written for the sinks.</summary>
    Outbox,
}

/// <summary>
/// The storage seam of the runtime (DESIGN.md D1): deal rows, the append-only event log, the processed-command ledger,
/// escalation timers and the sink outbox, each change made in one transaction. SalesWorkflow.Engine.Sqlite and
/// SalesWorkflow.Engine.PostgreSql implement it; docs/stores.md says what another store must do, and the contract
/// suite (SalesWorkflow.Engine.StoreContract) checks it. The engine owns the protocol: a store runs
/// <see cref="CommandProtocol"/> and <see cref="TimerProtocol"/> inside its transactions and never decides anything
/// itself. Implementations are thread-safe. A singleton of the container, which disposes it after the engine;
/// <see cref="IDisposable"/> too, for containers disposed synchronously.
/// </summary>
public interface IProcessStore : IAsyncDisposable, IDisposable
{
    /// <summary>Creates or upgrades the schema; fails with a clear error for a newer, locked, read-only or corrupt database.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Handles one command in one transaction: returns the stored outcome as a duplicate when the command id is known;
    /// otherwise locks the deal, loads it, asks <paramref name="decide"/> and writes the decision. The returned result
    /// has the events' sequence numbers filled in. <paramref name="decidedOn"/>, when the caller already decided on a
    /// loaded instance, is used if the deal is still at that row version (<paramref name="decide"/> must be pure).
    /// </summary>
    Task<CommandResult> ExecuteAsync(string commandId, string dealId, Func<StoredDeal?, DealChange> decide, IReadOnlyList<string> sinks, CancellationToken cancellationToken, DecidedOn? decidedOn = null);

    /// <summary>The deal as last committed, or null.</summary>
    Task<StoredDeal?> LoadAsync(string dealId, CancellationToken cancellationToken);

    /// <summary>The deal's events in log order, with their evaluations.</summary>
    Task<IReadOnlyList<DealEvent>> LoadEventsAsync(string dealId, CancellationToken cancellationToken);

    /// <summary>Events of all deals after a sequence number, in log order; without their evaluations when <paramref name="withEvaluations"/> is false.</summary>
    Task<IReadOnlyList<DealEvent>> LoadEventsAfterAsync(long afterSequence, int limit, bool withEvaluations, CancellationToken cancellationToken);

    /// <summary>
    /// The whole log, without evaluations, condensed into a <see cref="SalesWorkflow.Engine.Analytics.KpiLog"/> as it is read (one statement,
    /// so one consistent snapshot; no event is kept in memory). Built from scratch on each attempt, so a retried read
    /// cannot count an event twice.
    /// </summary>
    Task<SalesWorkflow.Engine.Analytics.KpiLog> LoadKpiLogAsync(CancellationToken cancellationToken);

    /// <summary>True when the store was opened for reading only (nothing may be written).</summary>
    bool IsReadOnly { get; }

    /// <summary>Deals matching <paramref name="query"/>, in deal id order, paged after <see cref="DealQuery.AfterDealId"/>.</summary>
    Task<IReadOnlyList<DealSummary>> QueryAsync(DealQuery query, CancellationToken cancellationToken);

    /// <summary>Claims up to <paramref name="batchSize"/> timers due at <paramref name="now"/> and applies their effects with their deletion, in one transaction.</summary>
    Task<int> FireDueTimersAsync(DateTimeOffset now, int batchSize, Func<StoredDeal, IReadOnlyList<TimerRecord>, DealChange?> fire, IReadOnlyList<string> sinks, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="batchSize"/> open deals (and won ones since <see cref="SweepRound.WonSince"/>) of the sweep <paramref name="round"/> after its
    /// <see cref="SweepRound.AfterDealId"/> (moving it on), re-evaluates each with <paramref name="reevaluate"/> (called
    /// concurrently; null: nothing changed) and writes the changes. A store shared by several nodes claims the batch
    /// with <c>FOR UPDATE SKIP LOCKED</c> in the transaction that writes its effect and marks each deal swept until
    /// <see cref="SweepRound.NextDue"/>, so each deal is evaluated by one node per round; the single-node SQLite store
    /// pages through every open deal.
    /// </summary>
    Task<SweepBatch> SweepBatchAsync(SweepRound round, int batchSize, Func<StoredDeal, DealChange?> reevaluate, IReadOnlyList<string> sinks, CancellationToken cancellationToken);

    /// <summary>Registers a process version; throws <see cref="ProcessVersionConflictException"/> when the same version was registered with other content.</summary>
    Task RegisterProcessVersionAsync(ProcessVersionRecord version, CancellationToken cancellationToken);

    /// <summary>Every registered process version, by process and version.</summary>
    Task<IReadOnlyList<ProcessVersionRecord>> LoadProcessVersionsAsync(CancellationToken cancellationToken);

    /// <summary>Claims outbox entries due for delivery (leased for <paramref name="lease"/>).</summary>
    Task<IReadOnlyList<OutboxEntry>> ClaimOutboxAsync(DateTimeOffset now, int batchSize, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Removes delivered entries.</summary>
    Task CompleteOutboxAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken);

    /// <summary>Records a failed delivery: retried at <paramref name="retryAt"/>, or dead-lettered when null.</summary>
    Task FailOutboxAsync(long id, string failure, DateTimeOffset? retryAt, CancellationToken cancellationToken);

    /// <summary>
    /// Counts the outbox for the engine's gauges (docs/telemetry.md): entries pending and dead-lettered, and the due
    /// moment of the oldest entry due at <paramref name="now"/> (claimed entries are leased into the future, so they
    /// are not due). A read, allowed on a read-only store. Null: the store cannot tell, and the gauges stay silent.
    /// </summary>
    Task<OutboxStatus?> ReadOutboxStatusAsync(DateTimeOffset now, CancellationToken cancellationToken) => Task.FromResult<OutboxStatus?>(null);

    /// <summary>
    /// Until cancelled, calls <paramref name="onWork"/> when any node (this one included) writes work that is ready now,
    /// so idle background loops wake before their poll interval; also after each (re)connection, since announcements
    /// made meanwhile are lost. A hint only: the loops keep polling. The single-node SQLite store announces nothing
    /// (its own engine wakes its loops directly) and returns at once.
    /// </summary>
    Task ListenForWorkAsync(Action<StoreWork> onWork, CancellationToken cancellationToken) => Task.CompletedTask;
}
