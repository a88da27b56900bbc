using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Import;

/// <summary>A webhook call as the CRM made it: what its signature covers.</summary>
public sealed class CrmWebhookRequest
{
    /// <summary>The HTTP method (<c>POST</c>).</summary>
    public required string Method { get; init; }

    /// <summary>The URL the CRM called, as it called it (behind a proxy: the public one, e.g. from forwarded headers).</summary>
    public required Uri Url { get; init; }

    /// <summary>The request headers; looked up without regard to case.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The body, exactly as received: signatures are over these bytes.</summary>
    public required ReadOnlyMemory<byte> Body { get; init; }
}

/// <summary>What to answer the CRM, and what became of each event of the call.</summary>
/// <param name="StatusCode">200 when every event is done (applied, unchanged, stale or ignored); 401 for a signature that does not verify; 400 for a body that does not read; 422 when an event was refused (the CRM may send it again: what was applied is not applied twice).</param>
/// <param name="ContentType">The answer's media type.</param>
/// <param name="Body">The answer: JSON listing each event, or for Salesforce the SOAP acknowledgement it expects.</param>
/// <param name="Events">Each event of the call (or the call itself, when it was refused whole), as recorded.</param>
public sealed record CrmWebhookResponse(int StatusCode, string ContentType, string Body, IReadOnlyList<CrmEventRecord> Events);

/// <summary>What became of a CRM event.</summary>
public enum CrmEventOutcome
{
    /// <summary>Its changes were applied as commands whose ids derive from the event's id.</summary>
    Applied,

    /// <summary>The deal was as the event says already (also: an event received and done before).</summary>
    Unchanged,

    /// <summary>Newer events had set everything it sets: applying it would undo them.</summary>
    Stale,

    /// <summary>Not a change SalesWorkflow follows (another object, a deletion): recorded, nothing applied.</summary>
    Ignored,

    /// <summary>It could not be applied (a value the mapping does not map, a deal it does not describe whole, a signature that does not verify): recorded with the reason, and the payload where it verified, for sending again once mended.</summary>
    Refused,
}

/// <summary>One event (or one refused call) as the ledger keeps it.</summary>
/// <param name="Source">The webhook's name (<c>hubspot</c>): whose event ids these are.</param>
/// <param name="EventId">The CRM's event id (a refused call's: <c>call:</c> and a hash of its body).</param>
/// <param name="DealId">The deal, when the event names one.</param>
/// <param name="OccurredAt">When the change happened in the CRM, when the event says.</param>
/// <param name="ReceivedAt">When it reached SalesWorkflow.</param>
/// <param name="Outcome">What became of it.</param>
/// <param name="Code">Why, in a word: <c>applied</c>, <c>unchanged</c>, <c>duplicate</c>, <c>stale</c>, <c>not-a-deal</c>, <c>deleted</c>, <c>signature</c>, <c>unreadable</c>, <c>unknown-deal</c>, <c>bad-value</c>, <c>rejected</c>.</param>
/// <param name="Message">What happened, in words.</param>
/// <param name="Columns">The export columns the event set, for telling a late event from a newer one.</param>
/// <param name="Payload">A refused event's call body (at most 64 KiB of it), to send again once mended; null otherwise, and for a call whose signature did not verify.</param>
public sealed record CrmEventRecord(
    string Source,
    string EventId,
    string? DealId,
    DateTimeOffset? OccurredAt,
    DateTimeOffset ReceivedAt,
    CrmEventOutcome Outcome,
    string Code,
    string Message,
    IReadOnlyList<string> Columns,
    string? Payload)
{
    /// <summary>True when the event needs nothing more: anything but refused.</summary>
    public bool IsDone => Outcome != CrmEventOutcome.Refused;
}

/// <summary>
/// Where a webhook receiver keeps the events it was sent, so that a redelivered event is not applied again, a late one
/// does not undo a newer one, and a refused one is kept with its reason. The server keeps it in the SalesWorkflow
/// database; <see cref="InMemoryCrmEventLedger"/> is for tests and single-process hosts that accept losing it.
/// </summary>
public interface ICrmEventLedger
{
    /// <summary>The event as recorded, or null when it was never received.</summary>
    Task<CrmEventRecord?> FindAsync(string source, string eventId, CancellationToken cancellationToken);

    /// <summary>The applied events of the deal that happened after <paramref name="occurredAt"/>.</summary>
    Task<IReadOnlyList<CrmEventRecord>> AppliedAfterAsync(string source, string dealId, DateTimeOffset occurredAt, CancellationToken cancellationToken);

    /// <summary>Records the event, replacing what was recorded under its id (a refused event sent again).</summary>
    Task RecordAsync(CrmEventRecord record, CancellationToken cancellationToken);
}

/// <summary>A ledger in memory: for tests, and for hosts that accept forgetting events at a restart.</summary>
public sealed class InMemoryCrmEventLedger : ICrmEventLedger
{
    private readonly ConcurrentDictionary<(string Source, string EventId), CrmEventRecord> _records = new();

    /// <summary>Every record, in no particular order.</summary>
    public IReadOnlyCollection<CrmEventRecord> Records => [.. _records.Values];

    /// <inheritdoc />
    public Task<CrmEventRecord?> FindAsync(string source, string eventId, CancellationToken cancellationToken) =>
        Task.FromResult(_records.GetValueOrDefault((source, eventId)));

    /// <inheritdoc />
    public Task<IReadOnlyList<CrmEventRecord>> AppliedAfterAsync(string source, string dealId, DateTimeOffset occurredAt, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<CrmEventRecord>>([.. _records.Values.Where(r => r.Source == source && r.DealId == dealId && r.Outcome == CrmEventOutcome.Applied && r.OccurredAt > occurredAt)]);

    /// <inheritdoc />
    public Task RecordAsync(CrmEventRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        _records[(record.Source, record.EventId)] = record;
        return Task.CompletedTask;
    }
}

/// <summary>
/// Live sync (docs/import.md, "Live sync"): receives a CRM's webhook calls, verifies them where the CRM signs, reads
/// each event through the mapping's <c>webhook:</c> and value maps, and applies what changed to the deal as the export
/// import would, with command ids from the CRM's event id, so that a redelivered event changes nothing. A call that
/// does not verify or read, and an event that cannot be applied, are answered with the reason and recorded.
/// </summary>
public sealed class CrmWebhookReceiver
{
    private const int KeptPayloadChars = 64 * 1024;
    private readonly string _source;
    private readonly CrmMapping _mapping;
    private readonly ProcessDefinition _process;
    private readonly byte[] _secret;
    private readonly ICrmEventLedger _ledger;
    private readonly TimeProvider _clock;
    private readonly CrmImporter _importer;

    /// <summary>A receiver for one CRM's webhook.</summary>
    /// <param name="source">The webhook's name, as in its URL (<c>hubspot</c>); event ids are unique within it.</param>
    /// <param name="mapping">A mapping with a <c>webhook:</c> section (every preset has one).</param>
    /// <param name="process">The process the CRM's deals follow.</param>
    /// <param name="secret">What verifies a call: HubSpot's client secret, the Salesforce organization id, the key Dynamics sends, Zoho's token parameter, the <c>json</c> format's signing key.</param>
    /// <param name="ledger">Where the events are recorded.</param>
    /// <param name="clock">The clock for the replay window and the times recorded (default: the system's).</param>
    public CrmWebhookReceiver(string source, CrmMapping mapping, ProcessDefinition process, string secret, ICrmEventLedger ledger, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentNullException.ThrowIfNull(mapping);
        ArgumentNullException.ThrowIfNull(process);
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        ArgumentNullException.ThrowIfNull(ledger);
        if (mapping.Webhook is null)
        {
            throw new ArgumentException($"The mapping {mapping.SourcePath} has no `webhook:` section: it says how exports read, not webhooks.", nameof(mapping));
        }

        var problems = CrmImport.Check(mapping, process).Where(d => d.Severity == Engine.Diagnostics.DiagnosticSeverity.Error).ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException($"The mapping does not fit {process.Id}: {string.Join("; ", problems.Select(p => p.ToString()))}", nameof(mapping));
        }

        _source = source;
        _mapping = mapping;
        _process = process;
        _secret = Encoding.UTF8.GetBytes(secret);
        _ledger = ledger;
        _clock = clock ?? TimeProvider.System;
        _importer = new CrmImporter(mapping, string.Empty, process);
    }

    /// <summary>How far a signed call's timestamp may be from now (default 5 minutes, as HubSpot's docs advise): an older call is a replay.</summary>
    public TimeSpan ReplayWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Verifies the call, reads its events, applies each, records them, and says what to answer.</summary>
    /// <param name="engine">The engine the deals are in.</param>
    /// <param name="request">The call.</param>
    /// <param name="cancellationToken">Stops the work; what was applied is recorded when it is applied.</param>
    /// <returns>The answer and each event's record.</returns>
    public async Task<CrmWebhookResponse> ReceiveAsync(ISalesWorkflowEngine engine, CrmWebhookRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(request);
        var now = _clock.GetUtcNow();
        var format = _mapping.Webhook!.Format;
        var headers = new Dictionary<string, string>(request.Headers, StringComparer.OrdinalIgnoreCase);
        var call = new WebhookCall(request.Method, request.Url, headers, request.Body);
        if (WebhookFormats.Verify(format, call, _secret, now, ReplayWindow) is { } refusal)
        {
            return await RefuseCallAsync(401, "signature", refusal, keepPayload: false, request.Body, now, cancellationToken);
        }

        var (events, problem) = WebhookFormats.Read(format, call, _mapping.Webhook, _mapping.Columns.Id);
        if (events is null)
        {
            return await RefuseCallAsync(400, "unreadable", problem!, keepPayload: true, request.Body, now, cancellationToken);
        }

        var records = new List<CrmEventRecord>();
        // Decoded once per call, and only when an event of it is refused.
        var keptPayload = new Lazy<string>(() => Kept(request.Body), LazyThreadSafetyMode.None);
        foreach (var received in events)
        {
            records.Add(await ReceiveEventAsync(engine, received, keptPayload, now, cancellationToken));
        }

        var status = records.All(r => r.IsDone) ? 200 : 422;
        return format == "salesforce"
            ? new CrmWebhookResponse(status == 200 ? 200 : 500, "text/xml; charset=utf-8", WebhookFormats.SalesforceAck(status == 200), records)
            : new CrmWebhookResponse(status, "application/json; charset=utf-8", Summary(records), records);
    }

    private async Task<CrmWebhookResponse> RefuseCallAsync(int status, string code, string message, bool keepPayload, ReadOnlyMemory<byte> body, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // One record per distinct body: the same bad call sent again is one record, not a growing pile.
        var record = new CrmEventRecord(_source, "call:" + Convert.ToHexStringLower(SHA256.HashData(body.Span))[..32], null, null, now, CrmEventOutcome.Refused, code, message, [], keepPayload ? Kept(body) : null);
        await _ledger.RecordAsync(record, cancellationToken);
        return _mapping.Webhook!.Format == "salesforce" && status == 400
            ? new CrmWebhookResponse(500, "text/xml; charset=utf-8", WebhookFormats.SalesforceAck(false), [record])
            : new CrmWebhookResponse(status, "application/json; charset=utf-8", Summary([record]), [record]);
    }

    private async Task<CrmEventRecord> ReceiveEventAsync(ISalesWorkflowEngine engine, WebhookEvent received, Lazy<string> keptPayload, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var values = Columns(received.Properties);
        var dealId = received.DealId is { Length: > 0 } named ? named : values.GetValueOrDefault(_mapping.Columns.Id)?.Trim();
        var occurredAt = received.OccurredAt ?? now;
        CrmEventRecord Record(CrmEventOutcome outcome, string code, string message) =>
            new(_source, received.EventId, dealId, occurredAt, now, outcome, code, message, [.. values.Keys.Order(StringComparer.Ordinal)], outcome == CrmEventOutcome.Refused ? keptPayload.Value : null);

        if (await _ledger.FindAsync(_source, received.EventId, cancellationToken) is { IsDone: true } earlier)
        {
            // Redelivered: answered as before, and not recorded again, so that its first outcome stays.
            return earlier with { Outcome = earlier.Outcome == CrmEventOutcome.Applied ? CrmEventOutcome.Unchanged : earlier.Outcome, Code = "duplicate", Message = $"received before ({earlier.Code}): nothing applied again" };
        }

        var record = await ApplyAsync(engine, received, dealId, values, occurredAt, Record, cancellationToken);
        await _ledger.RecordAsync(record, cancellationToken);
        return record;
    }

    private async Task<CrmEventRecord> ApplyAsync(
        ISalesWorkflowEngine engine,
        WebhookEvent received,
        string? dealId,
        Dictionary<string, string> values,
        DateTimeOffset occurredAt,
        Func<CrmEventOutcome, string, string, CrmEventRecord> record,
        CancellationToken cancellationToken)
    {
        switch (received.Kind)
        {
            case WebhookEventKind.Other:
                return record(CrmEventOutcome.Ignored, "not-a-deal", received.Note ?? "not a change of a deal");
            case WebhookEventKind.Deleted:
                return record(CrmEventOutcome.Ignored, "deleted", "deleted in the CRM: SalesWorkflow keeps the deal and its history (close it lost where it was lost)");
        }

        if (dealId is not { Length: > 0 })
        {
            return record(CrmEventOutcome.Refused, "bad-value", $"the event names no deal (no `{_mapping.Columns.Id}`)");
        }

        if (_mapping.Columns.Pipeline is { } pipeline && _mapping.Pipelines.Count > 0 && values.TryGetValue(pipeline, out var named) && !_mapping.Pipelines.Contains(named.Trim(), StringComparer.Ordinal))
        {
            return record(CrmEventOutcome.Ignored, "other-pipeline", $"pipeline `{named.Trim()}` is not one the mapping follows ({string.Join(", ", _mapping.Pipelines)})");
        }

        // A late event (they arrive out of order) sets only what no newer applied event of the deal has set.
        var newer = await _ledger.AppliedAfterAsync(_source, dealId, occurredAt, cancellationToken);
        var covered = newer.SelectMany(r => r.Columns).ToHashSet(StringComparer.Ordinal);
        foreach (var column in values.Keys.Where(k => covered.Contains(k) && k != _mapping.Columns.Id).ToList())
        {
            values.Remove(column);
        }

        if (covered.Count > 0 && values.Keys.All(k => k == _mapping.Columns.Id))
        {
            return record(CrmEventOutcome.Stale, "stale", $"newer events of `{dealId}` set all it sets: nothing applied");
        }

        var issues = new List<ImportIssue>();
        var row = new WebhookRow($"{_source} event {received.EventId}", values, issues, _process.Calendar.TimeZone);
        var totals = new ImportTotals();
        var ids = $"crm:{_source}:{received.EventId}:";
        var held = await engine.GetDealAsync(dealId, cancellationToken);
        if (held is null)
        {
            var missing = _mapping.Columns.Required.Where(c => !values.ContainsKey(c) && c != _mapping.Columns.Status && c != _mapping.Columns.Id).ToList();
            if (missing.Count > 0)
            {
                return record(CrmEventOutcome.Refused, "unknown-deal", $"`{dealId}` is not in the database, and the event does not describe it whole (it lacks {string.Join(", ", missing)}): import an export of the CRM first, or send the whole deal");
            }

            if (_importer.ReadDeal(row, dealId, [], [], []) is not { } deal)
            {
                return record(CrmEventOutcome.Refused, "bad-value", Words(issues));
            }

            var started = await _importer.StartAsync(engine, deal, totals, cancellationToken, ids + "start");
            if (started.Status != CommandStatus.Rejected && deal.Status != "open")
            {
                started = await _importer.CloseAsync(engine, deal, ids, totals, cancellationToken);
            }

            return started.Status == CommandStatus.Rejected
                ? record(CrmEventOutcome.Refused, "rejected", $"the engine refused it: {started.Rejection?.Message}")
                : record(CrmEventOutcome.Applied, "applied", $"`{dealId}` started in {deal.OpenStage}{(deal.Status == "open" ? string.Empty : $" and closed {deal.Status}")}{Warnings(issues)}");
        }

        var patched = _importer.PatchDeal(row, held, values.Keys.ToHashSet(StringComparer.Ordinal), occurredAt);
        if (patched is null)
        {
            return record(CrmEventOutcome.Refused, "bad-value", Words(issues));
        }

        var plan = CrmSync.Plan(patched, held, _process, _mapping);
        if (plan.WonInDatabase)
        {
            return record(CrmEventOutcome.Unchanged, "won-in-database", $"`{dealId}` is won in the database and {patched.Status} in the CRM: a won deal is not reopened, so it is left as it is");
        }

        if (plan.Changes == SyncChange.None)
        {
            return record(CrmEventOutcome.Unchanged, "unchanged", $"`{dealId}` is as the event says already{Warnings(issues)}");
        }

        var result = await _importer.SyncAsync(engine, patched, held, plan, totals, cancellationToken, ids);
        return result.Status == CommandStatus.Rejected
            ? record(CrmEventOutcome.Refused, "rejected", $"the engine refused it: {result.Rejection?.Message}")
            : record(CrmEventOutcome.Applied, "applied", $"`{dealId}`: {Changes(plan.Changes)}{(totals.Duplicates > 0 && totals.Applied == 0 ? " (applied before)" : string.Empty)}{Warnings(issues)}");
    }

    /// <summary>The event's properties as the export's columns: through <c>webhook.properties</c>, or named as a column already.</summary>
    private Dictionary<string, string> Columns(IReadOnlyDictionary<string, string> properties)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (property, value) in properties)
        {
            if ((_mapping.Webhook!.Properties.TryGetValue(property, out var column) ? column : _mapping.CanonicalColumn(property)) is { } named)
            {
                values[named] = value;
            }
        }

        return values;
    }

    private static string Changes(SyncChange changes) => string.Join(", ", new[]
    {
        changes.HasFlag(SyncChange.Reopened) ? "reopened" : null,
        changes.HasFlag(SyncChange.Updated) ? "facts updated" : null,
        changes.HasFlag(SyncChange.Moved) ? "moved" : null,
        changes.HasFlag(SyncChange.Won) ? "won" : null,
        changes.HasFlag(SyncChange.Lost) ? "lost" : null,
    }.OfType<string>());

    private static string Words(List<ImportIssue> issues) => string.Join("; ", issues.Where(i => i.IsError).Select(i => i.Message).DefaultIfEmpty("the event could not be read"));

    private static string Warnings(List<ImportIssue> issues) => issues.Any(i => !i.IsError) ? " (" + string.Join("; ", issues.Where(i => !i.IsError).Select(i => i.Message)) + ")" : string.Empty;

    private static string Kept(ReadOnlyMemory<byte> body)
    {
        var text = Encoding.UTF8.GetString(body.Span);
        return text.Length <= KeptPayloadChars ? text : text[..KeptPayloadChars];
    }

    private static string Summary(List<CrmEventRecord> records) => System.Text.Json.JsonSerializer.Serialize(new
    {
        received = records.Count,
        events = records.Select(r => new { id = r.EventId, deal = r.DealId, outcome = r.Outcome.ToString().ToLowerInvariant(), code = r.Code, message = r.Message }),
    });

    /// <summary>A webhook event's values as a record the importer reads: dates normalised to days in the process's time zone.</summary>
    private sealed class WebhookRow(string where, Dictionary<string, string> values, List<ImportIssue> issues, TimeZoneInfo zone) : CrmRow
    {
        private static readonly string[] IsoDay = ["yyyy-MM-dd"];

        public override int Line => 0;

        public override IReadOnlyList<string>? DateFormats => IsoDay;

        public override AmountFormat? Amounts => AmountFormat.Default;

        public override string Value(string column) => values.TryGetValue(column, out var value) ? Normalised(value.Trim()) : string.Empty;

        public override void Error(string column, string kind, string message) => issues.Add(new ImportIssue(where, 0, 0, true, kind, $"`{column}`: {message.Replace(": row skipped", string.Empty, StringComparison.Ordinal)}"));

        public override void Warning(string column, string kind, string message) => issues.Add(new ImportIssue(where, 0, 0, false, kind, $"`{column}`: {message}"));

        /// <summary>A time (epoch milliseconds, <c>/Date(…)/</c>, ISO 8601 with a time) as its day where the process is; anything else as it is.</summary>
        private string Normalised(string value)
        {
            DateTimeOffset? moment = null;
            var digits = value.StartsWith("/Date(", StringComparison.Ordinal) && value.EndsWith(")/", StringComparison.Ordinal) ? value[6..^2].Split('+', '-')[0] : value;
            if (digits.Length is >= 12 and <= 14 && digits.All(char.IsAsciiDigit) && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms < 253_402_300_799_000)
            {
                moment = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            }
            else if (value.Length > 10 && value[4] == '-' && value[10] == 'T' && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                moment = parsed;
            }

            return moment is { } at ? TimeZoneInfo.ConvertTime(at, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : value;
        }
    }
}
