using System.Text.Json;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Storage;

/// <summary>
/// A deal as a store reads it back: its id, the row version its last write left, and the engine's state as JSON. The
/// JSON belongs to the engine: a store keeps it exactly as given and never reads into it, so the state can grow
/// (tasks, people) without a change to any store.
/// </summary>
/// <param name="DealId">The deal.</param>
/// <param name="RowVersion">The version the last write gave the row (1 after the first).</param>
/// <param name="StateJson">The state, as the engine rendered it.</param>
public sealed record StoredDeal(string DealId, long RowVersion, string StateJson);

/// <summary>The new state of a deal, as a store writes it (see docs/stores.md).</summary>
/// <param name="Columns">What a store keeps in columns for <see cref="IProcessStore.QueryAsync"/> and the sweep (open deals).</param>
/// <param name="UpdatedAt">When the deal last changed.</param>
/// <param name="RowVersion">The version this write gives the row: the loaded one plus one (1 for a new deal).</param>
/// <param name="StateJson">The state to keep, opaque to the store.</param>
public sealed record DealStateWrite(DealSummary Columns, DateTimeOffset UpdatedAt, long RowVersion, string StateJson);

/// <summary>One event to append to the log, rendered by the engine; the store numbers it.</summary>
public sealed class EventToAppend
{
    private readonly DealEventPayload _payload;
    private readonly DealEvaluation? _evaluation;

    internal EventToAppend(NewEvent e, JsonElement data, string? evaluationJson, string processId, int processVersion, string stage, string? actor)
    {
        Actor = actor;
        _payload = e.Payload;
        _evaluation = e.Evaluation;
        EventId = e.EventId;
        Type = e.Type;
        // As the log keeps it (Unix milliseconds), so the first answer, a replay and the history read the same.
        At = StorageJson.Moment(e.At.ToUnixTimeMilliseconds());
        Data = data;
        EvaluationJson = evaluationJson;
        ProcessId = processId;
        ProcessVersion = processVersion;
        Stage = stage;
    }

    /// <summary>The event's stable id (<c>deal:number</c>), unique within the deal.</summary>
    public string EventId { get; }

    /// <summary>Who submitted the command (the <c>actor</c> column), or null: the engine's timers and sweep, or a command that did not say.</summary>
    public string? Actor { get; }

    /// <summary>The event type (docs/events.md).</summary>
    public string Type { get; }

    /// <summary>When it happened.</summary>
    public DateTimeOffset At { get; }

    /// <summary>The payload as stored (the <c>data_json</c> column).</summary>
    public JsonElement Data { get; }

    /// <summary>
    /// The evaluation behind the event (the <c>evaluation_json</c> column), or null: a command's events share one
    /// evaluation, kept once on the first event that carries it and shared back on read (see
    /// <see cref="Relational.StoredEventRows.ShareEvaluations"/>).
    /// </summary>
    public string? EvaluationJson { get; }

    /// <summary>The deal's process after the change (empty when the change wrote no state).</summary>
    public string ProcessId { get; }

    /// <summary>The deal's process version after the change (0 when the change wrote no state).</summary>
    public int ProcessVersion { get; }

    /// <summary>The deal's stage after the change (empty when the change wrote no state).</summary>
    public string Stage { get; }

    /// <summary>The event as the store wrote it, numbered <paramref name="sequence"/>.</summary>
    /// <param name="sequence">The log position the store gave it.</param>
    /// <param name="dealId">The deal.</param>
    /// <param name="commandId">The command (or timer or sweep step) that wrote it.</param>
    /// <returns>The event, its typed payload and evaluation at hand (no parse).</returns>
    public DealEvent Written(long sequence, string dealId, string commandId) => new()
    {
        Sequence = sequence,
        EventId = EventId,
        DealId = dealId,
        Actor = Actor,
        Type = Type,
        At = At,
        CommandId = commandId,
        ProcessId = ProcessId,
        ProcessVersion = ProcessVersion,
        Stage = Stage,
        Data = Data,
        Payload = _payload,
        Evaluation = _evaluation,
    };
}

/// <summary>
/// Everything one command, timer firing or sweep step changes of one deal, decided and rendered by the engine. The
/// store writes all of it in one transaction, or none of it.
/// </summary>
public sealed class DealChange
{
    internal DealChange(Decision decision, DealStateWrite? state, IReadOnlyList<EventToAppend> events, string? traceParent)
    {
        Decision = decision;
        State = state;
        Events = events;
        TraceParent = traceParent;
    }

    /// <summary>
    /// The W3C <c>traceparent</c> of the span that made the change (the command's, the sweep's), or null when nobody
    /// traces. A store keeps it with each outbox entry the change writes and gives it back in
    /// <see cref="OutboxEntry.TraceParent"/>, so a delivery joins the trace of the request that caused it.
    /// </summary>
    public string? TraceParent { get; }

    /// <summary>The decision this renders (the engine's own model).</summary>
    internal Decision Decision { get; }

    /// <summary>The deal's new state, or null to leave the row as it is.</summary>
    public DealStateWrite? State { get; }

    /// <summary>The events to append, in order; each gets an outbox entry per sink.</summary>
    public IReadOnlyList<EventToAppend> Events { get; }

    /// <summary>Delete every timer of the deal before adding <see cref="NewTimers"/> (the deal left its stage).</summary>
    public bool CancelAllTimers => Decision.CancelAllTimers;

    /// <summary>Delete the deal's timers of these escalations (their condition stopped holding).</summary>
    public IReadOnlyList<string> CancelTimersOf => Decision.CancelTimersOf;

    /// <summary>Timers to add.</summary>
    public IReadOnlyList<TimerRecord> NewTimers => Decision.NewTimers;

    /// <summary>What the caller gets back; the store fills in the written events.</summary>
    public CommandResult Result => Decision.Result;

    /// <summary>Whether the command id goes into the processed-command ledger (false for sweep steps).</summary>
    public bool RecordInLedger => Decision.RecordInLedger;

    /// <summary>
    /// Renders <paramref name="decision"/>, made on the deal as loaded at <paramref name="loadedVersion"/> (null: a new
    /// deal): the state's JSON with its next row version, the events' data, each shared evaluation once, and who
    /// asked (<paramref name="actor"/>, on every event), and the trace to deliver its events in (<paramref name="traceParent"/>).
    /// </summary>
    internal static DealChange Render(Decision decision, long? loadedVersion, string? actor = null, string? traceParent = null)
    {
        DealStateWrite? state = null;
        if (decision.State is { } record)
        {
            record.RowVersion = (loadedVersion ?? 0) + 1;
            state = new DealStateWrite(record.ToSummary(), record.UpdatedAt, record.RowVersion, StorageJson.Serialize(record));
        }

        var kept = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var events = new EventToAppend[decision.Events.Count];
        for (var i = 0; i < events.Length; i++)
        {
            var e = decision.Events[i];
            var keep = e.Evaluation is not null && kept.Add(e.Evaluation);
            events[i] = new EventToAppend(
                e,
                DealEventCodec.Encode(e.Payload),
                keep ? StorageJson.Serialize(e.Evaluation) : null,
                decision.State?.ProcessId ?? string.Empty,
                decision.State?.ProcessVersion ?? 0,
                decision.State?.Stage ?? string.Empty,
                actor);
        }

        return new DealChange(decision, state, events, traceParent is { Length: <= OutboxEntry.MaxTraceParentLength } ? traceParent : null);
    }

    /// <summary>A sweep's "nothing to write" for a deal that changed (or went) before its write: answered, not recorded.</summary>
    /// <param name="dealId">The deal.</param>
    /// <returns>A change that writes nothing and is not recorded in the ledger.</returns>
    public static DealChange Unchanged(string dealId) => Render(Decision.Unchanged(dealId), null);
}

/// <summary>A timer for one level of an escalation (or another durable deadline of a deal).</summary>
/// <param name="DealId">The deal.</param>
/// <param name="EscalationId">What fires.</param>
/// <param name="Level">The escalation level.</param>
/// <param name="DueAt">When it is due.</param>
/// <param name="StageEpoch">The stage entry it was scheduled in; a timer of an earlier entry is stale and ignored.</param>
public sealed record TimerRecord(string DealId, string EscalationId, int Level, DateTimeOffset DueAt, int StageEpoch)
{
    /// <summary>Store-assigned id (0 before it is stored).</summary>
    public long Id { get; init; }
}

/// <summary>A process version as registered in the store, with the files needed to rebuild it later.</summary>
/// <param name="ProcessId">The process.</param>
/// <param name="Version">Its version.</param>
/// <param name="ContentHash">The hash of its content; the same version registered with another hash is a conflict.</param>
/// <param name="Sources">The definition files by path.</param>
/// <param name="EntryPath">The process file among <paramref name="Sources"/>.</param>
public sealed record ProcessVersionRecord(string ProcessId, int Version, string ContentHash, IReadOnlyDictionary<string, string> Sources, string EntryPath);

/// <summary>An event waiting for delivery to one sink.</summary>
/// <param name="Id">The outbox entry.</param>
/// <param name="Sink">The sink's name.</param>
/// <param name="Attempts">Deliveries tried so far.</param>
/// <param name="Event">The event.</param>
public sealed record OutboxEntry(long Id, string Sink, int Attempts, DealEvent Event)
{
    /// <summary>The longest trace parent a store needs to keep (W3C version 00 is 55 characters).</summary>
    public const int MaxTraceParentLength = 128;

    /// <summary>The <see cref="DealChange.TraceParent"/> of the change that wrote the entry, as stored; null when none was given.</summary>
    public string? TraceParent { get; init; }
}

/// <summary>What is waiting in a store's outbox, store-wide (every node of a shared store reads the same).</summary>
/// <param name="Pending">Entries not yet delivered and not dead-lettered, due or waiting for a retry.</param>
/// <param name="DeadLettered">Entries a sink gave up on, kept for a person to look at.</param>
/// <param name="OldestDueAt">When the longest-waiting entry that is due now became due (null: none is due).</param>
public sealed record OutboxStatus(long Pending, long DeadLettered, DateTimeOffset? OldestDueAt);
