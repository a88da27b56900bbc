using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Analytics;

/// <summary>
/// The event log condensed to what the KPIs read, deal by deal: add the events in sequence order (for instance while
/// paging <see cref="ISalesWorkflowEngine.ReadEventsWithoutEvaluationsAsync"/>), then compute any number of queries.
/// Each event's data is read once, when it is added, and the event itself is not kept, so a log far larger than
/// memory would hold as <see cref="DealEvent"/>s can be reported on, and several periods cost one read.
/// Adding is not thread-safe; once the events are in, any number of threads may compute from it.
/// </summary>
public sealed class KpiLog
{
    private readonly Dictionary<string, DealLog> _deals = new(StringComparer.Ordinal);

    private readonly LoggedEvents _events = new();

    // Stage ids, categories, reasons and levels repeat across hundreds of thousands of events: one string each.
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);

    /// <summary>Deals seen so far.</summary>
    public int DealCount => _deals.Count;

    /// <summary>The deals and their condensed events, for walks other than the KPIs' (the digest).</summary>
    internal IReadOnlyDictionary<string, DealLog> Deals => _deals;

    internal LoggedEvents Events => _events;

    /// <summary>Events added so far.</summary>
    public int EventCount { get; private set; }

    /// <summary>
    /// The processes deals were started on, most deals first (then by id), each with the latest version a deal was
    /// started on: what a report picks its process and version from.
    /// </summary>
    public IReadOnlyList<LoggedProcess> Processes =>
        [.. _deals.Values.Where(d => d.StartedAt is not null).GroupBy(d => d.ProcessId!, StringComparer.Ordinal)
            .Select(g => new LoggedProcess(g.Key, g.Count(), g.Max(d => d.ProcessVersion)))
            .OrderByDescending(p => p.Deals).ThenBy(p => p.Id, StringComparer.Ordinal)];

    /// <summary>
    /// Adds one event. Deals may interleave, and a deal's event that comes after a later one of the same deal (pages of
    /// <see cref="ISalesWorkflowEngine.ReadEventsAsync"/> follow transaction-id order, not always sequence order)
    /// is put back in its place by <see cref="DealEvent.Sequence"/>.
    /// </summary>
    public void Add(DealEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        Add(e.DealId, e.At, e.Stage, e.ProcessId, e.ProcessVersion, e.Payload, e.Sequence);
    }

    /// <summary>
    /// Adds one event from the columns the log reads (a store reading its rows calls this directly, with no
    /// <see cref="DealEvent"/> in between); <paramref name="payload"/> is read here and not kept.
    /// </summary>
    internal void Add(string dealId, DateTimeOffset at, string stage, string processId, int processVersion, DealEventPayload payload, long sequence = 0)
    {
        if (!_deals.TryGetValue(dealId, out var deal))
        {
            deal = new DealLog();
            _deals[dealId] = deal;
        }

        // A start read in full (an event added by a caller) and one read slim (streamed by a store) condense alike.
        payload = payload switch
        {
            TrackingStarted full => new KpiTrackingStarted(full.Process, full.Stage, full.Opportunity is { } o ? new KpiAmount(o.Amount) : null, full.Owner is { } owner ? new KpiOwner(owner.Id, owner.Team) : null),
            FactsUpdated full => new KpiFactsUpdated(full.Opportunity is { } o ? new KpiAmount(o.Amount) : null),
            EscalationRaised full => new KpiEscalationRaised(full.Escalation, full.Level, full.Notify),
            _ => payload,
        };
        var logged = Condense(payload, at, stage);
        if (payload is KpiTrackingStarted started && deal.StartedAt is null)
        {
            deal.StartedAt = at;
            deal.ProcessId = Name(processId);
            deal.ProcessVersion = processVersion;
            deal.Process = Name(started.Process is { Length: > 0 } process ? process : null);
            deal.Rep = Name(started.Owner?.Id) ?? string.Empty;
            deal.Team = Name(started.Owner?.Team) ?? string.Empty;
        }

        logged.Next = -1;
        logged.Sequence = sequence;
        var index = _events.Add(logged);
        if (deal.Last < 0)
        {
            deal.First = index;
            deal.Last = index;
        }
        else if (sequence == 0 || _events[deal.Last].Sequence <= sequence)
        {
            _events[deal.Last].Next = index;
            deal.Last = index;
        }
        else
        {
            InsertInSequence(deal, index, sequence);
        }

        EventCount++;
    }

    /// <summary>The rare event that arrives after a later one of its deal: chained after the last one before it.</summary>
    private void InsertInSequence(DealLog deal, int index, long sequence)
    {
        if (_events[deal.First].Sequence > sequence)
        {
            _events[index].Next = deal.First;
            deal.First = index;
            return;
        }

        var before = deal.First;
        while (_events[before].Next >= 0 && _events[_events[before].Next].Sequence <= sequence)
        {
            before = _events[before].Next;
        }

        _events[index].Next = _events[before].Next;
        _events[before].Next = index;
    }

    /// <summary>Adds events in sequence order.</summary>
    public void AddRange(IEnumerable<DealEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            Add(e);
        }
    }

    /// <summary>The KPIs <paramref name="query"/> asks for, over the events added so far.</summary>
    public PipelineKpis Compute(KpiQuery query) => Compute([query])[0];

    /// <summary>Several queries (e.g. a period and the one before it) in one walk over the deals.</summary>
    public IReadOnlyList<PipelineKpis> Compute(IReadOnlyList<KpiQuery> queries)
    {
        ArgumentNullException.ThrowIfNull(queries);
        return KpiCalculator.Compute(_deals.Values, _events, queries);
    }

    /// <summary>What the walk reads of one event; everything else in its payload is dropped here.</summary>
    private LoggedEvent Condense(DealEventPayload payload, DateTimeOffset at, string stage)
    {
        var logged = new LoggedEvent { At = at };
        switch (payload)
        {
            case KpiTrackingStarted started:
                logged.Kind = LoggedKind.Started;
                logged.Name = Name(started.Stage is { Length: > 0 } startStage ? startStage : stage);
                logged.Amount = started.Opportunity?.Amount;
                break;
            case KpiFactsUpdated facts:
                logged.Kind = LoggedKind.FactsUpdated;
                logged.Amount = facts.Opportunity?.Amount;
                break;
            case StageChanged { To: { } to }:
                logged.Kind = LoggedKind.StageChanged;
                logged.Name = Name(to);
                break;
            case DealWon won:
                logged.Kind = LoggedKind.Won;
                logged.Amount = won.Amount;
                break;
            case DealLost lost:
                logged.Kind = LoggedKind.Lost;
                logged.Name = Name(lost.Reason ?? "(none)");
                break;
            case DealReopened reopened:
                logged.Kind = LoggedKind.Reopened;
                logged.Name = Name(reopened.To ?? stage);
                break;
            case AdvanceBlocked blocked:
                logged.Kind = LoggedKind.Blocked;
                logged.Blocking = BlockingKeys(blocked);
                break;
            case RiskRaised { Risk: { } risk } raised:
                logged.Kind = LoggedKind.RiskRaised;
                logged.Name = Name(risk);
                logged.Category = Name(raised.Category ?? "(none)");
                break;
            case RiskCleared { Risk: { } risk }:
                logged.Kind = LoggedKind.RiskCleared;
                logged.Name = Name(risk);
                break;
            case KpiEscalationRaised escalation:
                logged.Kind = LoggedKind.Escalation;
                logged.Name = Name(escalation.Escalation is { Length: > 0 } id ? id : "?");
                logged.Category = Name($"L{escalation.Level} {(escalation.Notify is { Length: > 0 } notify ? notify : "?")}");
                break;
            case TaskCreated task:
                logged.Kind = LoggedKind.TaskCreated;
                logged.Name = Name($"{task.Stage}/{task.TaskId}");
                logged.Category = Name(task.AssignedTo ?? task.AssigneeRole ?? "?");
                logged.Amount = task.DueAt?.UtcTicks;
                break;
            case TaskCompleted task:
                logged.Kind = LoggedKind.TaskCompleted;
                logged.Name = Name($"{task.Stage}/{task.TaskId}");
                logged.Resolved = task.OnTime;
                break;
            case TaskReassigned task:
                logged.Kind = LoggedKind.TaskReassigned;
                logged.Name = Name($"{task.Stage}/{task.TaskId}");
                logged.Category = Name(task.To ?? "?");
                break;
            case ComplaintSlaBreached breach:
                logged.Kind = LoggedKind.SlaBreached;
                logged.Name = breach.Feedback ?? string.Empty;
                logged.Category = Name(breach.Level ?? "?");
                break;
            case FeedbackRecorded feedback:
                logged.Kind = LoggedKind.Feedback;
                logged.Name = feedback.Id ?? string.Empty;
                logged.Complaint = feedback.IsComplaint;
                logged.Resolved = feedback.Resolved;
                logged.Satisfaction = feedback.Satisfaction;
                break;
            default:
                break;
        }

        return logged;
    }

    /// <summary>"stage/criterion" for each failing exit criterion, "stage/checklist:item" for each missing checklist item.</summary>
    private string[] BlockingKeys(AdvanceBlocked blocked)
    {
        var from = blocked.From ?? "?";
        var keys = new List<string>();
        foreach (var criterion in blocked.Failing ?? [])
        {
            keys.Add(Name($"{from}/{criterion?.Criterion ?? "?"}"));
        }

        foreach (var item in blocked.MissingChecklist ?? [])
        {
            if (item is not null)
            {
                keys.Add(Name($"{from}/checklist:{item}"));
            }
        }

        return [.. keys];
    }

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    private string? Name(string? text)
    {
        if (text is null)
        {
            return null;
        }

        ref var known = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_names, text, out _);
        return known ??= text;
    }
}

/// <summary>A process deals in a <see cref="KpiLog"/> were started on.</summary>
/// <param name="Id">The process id.</param>
/// <param name="Deals">How many deals were started on it (any version).</param>
/// <param name="LatestVersion">The latest version a deal was started on.</param>
public sealed record LoggedProcess(string Id, int Deals, int LatestVersion);

/// <summary>
/// Every deal's condensed events in one store, chained deal by deal through <see cref="LoggedEvent.Next"/>, in chunks
/// of a fixed size on the large-object heap: the garbage collector never copies them and growing never copies them
/// either, where a list per deal would be copied from generation to generation as the log grows (that copying, not
/// reading the rows, was most of the cost of loading a large log).
/// </summary>
internal sealed class LoggedEvents
{
    private const int ChunkBits = 14;
    private const int ChunkSize = 1 << ChunkBits;
    private readonly List<LoggedEvent[]> _chunks = [];
    private int _count;

    public ref LoggedEvent this[int index] => ref _chunks[index >> ChunkBits][index & (ChunkSize - 1)];

    /// <summary>Stores <paramref name="logged"/> and returns its index.</summary>
    public int Add(in LoggedEvent logged)
    {
        if ((_count & (ChunkSize - 1)) == 0)
        {
            _chunks.Add(new LoggedEvent[ChunkSize]);
        }

        this[_count] = logged;
        return _count++;
    }
}

/// <summary>Where one deal's condensed events are (in sequence order), and who owns it (from its first start).</summary>
internal sealed class DealLog
{
    /// <summary>The deal's first event in the log's event array (each event gives the next one); -1 before any.</summary>
    public int First { get; set; } = -1;

    /// <summary>The deal's latest event, which the next one is chained to.</summary>
    public int Last { get; set; } = -1;

    /// <summary>When the deal's first start happened, or null (a deal seen only through later events is not reported).</summary>
    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>The process the start's data names (what a query's process is matched against).</summary>
    public string? Process { get; set; }

    /// <summary>The process and version the start event was recorded on.</summary>
    public string? ProcessId { get; set; }

    public int ProcessVersion { get; set; }

    public string Rep { get; set; } = string.Empty;

    public string Team { get; set; } = string.Empty;
}

/// <summary>The kinds of event the KPIs read; every other event only moves time on.</summary>
internal enum LoggedKind : byte
{
    Other,
    Started,
    FactsUpdated,
    StageChanged,
    Won,
    Lost,
    Reopened,
    Blocked,
    RiskRaised,
    RiskCleared,
    Escalation,
    Feedback,
    TaskCreated,
    TaskCompleted,
    TaskReassigned,
    SlaBreached,
}

/// <summary>
/// What the KPIs read of one event. <see cref="Name"/> and <see cref="Category"/> mean what the kind says. A struct:
/// a log holds one per event, and hundreds of thousands of small objects would cost the garbage collector more than
/// the walk costs.
/// </summary>
internal struct LoggedEvent
{
    public LoggedKind Kind { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>The same deal's next event in the log's event array, or -1.</summary>
    public int Next { get; set; }

    /// <summary>The event's <see cref="DealEvent.Sequence"/> where it was added with one (0 when streamed in order by a store).</summary>
    public long Sequence { get; set; }

    /// <summary>
    /// Start: the stage; stage change, reopening: the stage entered; loss: the reason; risk: its id; escalation: its id;
    /// feedback: its id; task events: "stage/task".
    /// </summary>
    public string? Name { get; set; }

    /// <summary>Risk raised: its category; escalation: "L{level} {who is notified}"; task created or reassigned: who does it (the person, else the role).</summary>
    public string? Category { get; set; }

    /// <summary>Start, facts update: the opportunity amount set (null when not given); win: the amount won; task created: its due moment's UTC ticks (exact in a decimal; null for no due date).</summary>
    public decimal? Amount { get; set; }

    /// <summary>Advance blocked: what blocked it, as "stage/criterion" and "stage/checklist:item".</summary>
    public string[]? Blocking { get; set; }

    public bool Complaint { get; set; }

    /// <summary>Feedback: the complaint is resolved; task completed: by its due moment.</summary>
    public bool Resolved { get; set; }

    public int? Satisfaction { get; set; }
}
