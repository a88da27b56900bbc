using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Plugins;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Engine.Runtime;

/// <summary>
/// The engine behind <see cref="ISalesWorkflowEngine"/> and <see cref="ISalesWorkflowMaintenance"/>: loads and
/// registers the process versions on first use, runs every command through the store in one transaction, and
/// offers committed events to the sinks.
/// </summary>
internal sealed class SalesWorkflowEngine : ISalesWorkflowEngine, ISalesWorkflowMaintenance, Analytics.ISalesWorkflowAnalytics, IAsyncDisposable, IDisposable
{
    private readonly SalesWorkflowOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<IProcessEventSink> _hostSinks;
    private readonly IReadOnlyList<ISalesWorkflowPlugin> _hostPlugins;

    // Set when the engine starts (plugin assemblies load then, not when the container builds the engine), and fixed
    // from then on; every public member starts the engine before it reads them.
    private IReadOnlyList<(string Name, IProcessEventSink Sink)> _sinks = [];
    private IReadOnlyList<string> _sinkNames = [];
    private ProcessRegistry _registry = null!;
    private FactEnrichment _enrichment = null!;
    private CommandProcessor _processor = null!;
    private PluginCatalog? _plugins;
    private bool? _anyProcessEnriches;

    // Bounds each delivery to a sink (Polly's timeout, on the engine clock). Retries are not in-process: the durable
    // outbox retries with back-off across restarts, and dead-letters after MaxSinkAttempts.
    private readonly ResiliencePipeline _sinkPipeline;
    private readonly IProcessStore _store;
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private DateTimeOffset? _outboxGaugesRecordedAt;
    private DateTimeOffset? _lastSweepRoundStartedAt;
    private volatile bool _started;

    public SalesWorkflowEngine(
        IOptions<SalesWorkflowOptions> options,
        IProcessStore store,
        TimeProvider clock,
        IEnumerable<IProcessEventSink> sinks,
        IEnumerable<ISalesWorkflowPlugin> plugins,
        ILogger<SalesWorkflowEngine>? logger = null)
    {
        _options = options.Value;
        _store = store;
        _clock = clock;
        _logger = logger ?? NullLogger<SalesWorkflowEngine>.Instance;
        _hostSinks = [.. sinks];
        _hostPlugins = [.. plugins];
        _sinkPipeline = new ResiliencePipelineBuilder { TimeProvider = clock }.AddTimeout(_options.SinkTimeout).Build();
    }

    /// <summary>The plugins this engine runs with, and why any did not load (known once the engine has started).</summary>
    public PluginCatalog Plugins => _plugins ?? throw new InvalidOperationException("The engine has not started: plugins load in StartAsync.");

    /// <summary>Raised after a commit that produced events for sinks, here or (announced by the store) on another node: wakes the dispatcher.</summary>
    public event EventHandler? EventsCommitted;

    /// <summary>Raised when the store announces escalation timers due now (written by any node): wakes the timer loop.</summary>
    public event EventHandler? TimersDue;

    /// <summary>Until cancelled, turns the store's announcements of ready work into <see cref="TimersDue"/> and <see cref="EventsCommitted"/>.</summary>
    public async Task ListenForWorkAsync(CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken);
        await _store.ListenForWorkAsync(
            work =>
            {
                if (work == StoreWork.Timers)
                {
                    TimersDue?.Invoke(this, EventArgs.Empty);
                }
                else if (_sinkNames.Count > 0)
                {
                    EventsCommitted?.Invoke(this, EventArgs.Empty);
                }
            },
            cancellationToken);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_started)
        {
            return;
        }

        await _startGate.WaitAsync(cancellationToken);
        try
        {
            if (_started)
            {
                return;
            }

            // Plugin assemblies load here, when the host starts (or on first use without a host): a plugin that fails
            // fails the start, not the building of the service provider.
            var catalog = _plugins ?? PluginCatalog.Load(_hostPlugins, _options.PluginFolders);
            _plugins = catalog;
            _sinks = [.. _hostSinks.Select(s => (s.GetType().FullName ?? s.GetType().Name, s)), .. catalog.Sinks];
            _sinkNames = [.. _sinks.Select(s => s.Name).Distinct(StringComparer.Ordinal)];
            _enrichment = new FactEnrichment(catalog.Enrichers, _clock, _logger);
            _registry = new ProcessRegistry(new DefinitionLoaderOptions { Plugins = catalog });
            _processor = new CommandProcessor(_registry, _enrichment, _options.TrackStageTasks);
            foreach (var plugin in Plugins.Plugins)
            {
                RuntimeLog.PluginLoaded(_logger, plugin.Name, plugin.Version, plugin.Source);
            }

            foreach (var diagnostic in Plugins.Diagnostics)
            {
                RuntimeLog.PluginRejected(_logger, diagnostic.ToString());
            }

            if (_options.FailOnPluginErrors && Plugins.Diagnostics.Count > 0)
            {
                throw new InvalidOperationException("Plugins could not be loaded (FailOnPluginErrors is set):" + Environment.NewLine + string.Join(Environment.NewLine, Plugins.Diagnostics));
            }

            await _store.InitializeAsync(cancellationToken);
            await _registry.InitializeAsync(_options.DefinitionPaths, _store, cancellationToken);
            _started = true;
            if (_logger.IsEnabled(LogLevel.Information))
            {
                var versions = _registry.Versions.Count();
                RuntimeLog.Started(_logger, versions, _options.StoreDescription ?? "custom");
            }
        }
        finally
        {
            _startGate.Release();
        }
    }

    public async Task<CommandResult> SubmitAsync(DealCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (string.IsNullOrWhiteSpace(command.CommandId) || string.IsNullOrWhiteSpace(command.DealId))
        {
            throw new ArgumentException("A command needs a CommandId and a DealId.", nameof(command));
        }

        // Commands often arrive deserialised from a request, where a required fact can be null despite the type.
        var missing = command switch
        {
            StartTracking { Opportunity: null } => "StartTracking needs an Opportunity.",
            LogActivity { Activity: null } => "LogActivity needs an Activity.",
            RecordFeedback { Feedback: null } => "RecordFeedback needs the Feedback.",
            _ => null,
        };
        if (missing is not null)
        {
            throw new ArgumentException(missing, nameof(command));
        }

        await StartAsync(cancellationToken);

        // The command is decided later (the writer may batch it) and perhaps more than once: from here on it reads its
        // own copy of the caller's facts, so a caller changing its objects meanwhile changes nothing.
        command = CommandFacts.Copy(command);
        // A child of the caller's span (the HTTP request, the message handler), if any: the command joins its trace.
        using var activity = SalesWorkflowTelemetry.ActivitySource.StartActivity("salesworkflow.command");
        activity?.SetTag("salesworkflow.command.type", command.GetType().Name);
        activity?.SetTag("salesworkflow.command.id", command.CommandId);
        activity?.SetTag("salesworkflow.deal.id", command.DealId);
        var commandContext = activity?.Context ?? default;
        var traceParent = TraceParentOf(activity ?? Activity.Current);
        var started = Stopwatch.GetTimestamp();
        if (!_enrichment.IsEmpty)
        {
            await EnrichAsync(command, cancellationToken);
        }

        var now = _clock.GetUtcNow();
        CommandResult result;
        using (var commit = SalesWorkflowTelemetry.ActivitySource.StartActivity("salesworkflow.commit"))
        {
            // Deciding may run on the store's writer thread, and more than once (ahead, then again on a conflict):
            // each decision is a span under the command, whichever thread it runs on.
            result = await _store.ExecuteAsync(command.CommandId, command.DealId, row =>
            {
                using var decide = SalesWorkflowTelemetry.ActivitySource.StartActivity("salesworkflow.decide", ActivityKind.Internal, commandContext);
                return DealChange.Render(_processor.Decide(command, InstanceRecord.FromOrNull(row), now), row?.RowVersion, command.Actor, traceParent);
            }, _sinkNames, cancellationToken);
            commit?.SetTag("salesworkflow.events", result.Events.Count);
        }

        var outcome = result.Status.ToString().ToLowerInvariant();
        SalesWorkflowTelemetry.CommandDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, SalesWorkflowTelemetry.Tag("type", command.GetType().Name), SalesWorkflowTelemetry.Tag("outcome", outcome));
        SalesWorkflowTelemetry.Commands.Add(1, SalesWorkflowTelemetry.Tag("type", command.GetType().Name), SalesWorkflowTelemetry.Tag("outcome", outcome));
        activity?.SetTag("salesworkflow.command.outcome", outcome);
        activity?.SetTag("salesworkflow.deal.stage", result.Stage);
        if (result.Rejection is { } rejection)
        {
            activity?.SetTag("salesworkflow.rejection.code", rejection.Code);
            if (rejection.Code == "gate-failed")
            {
                SalesWorkflowTelemetry.GateRefusals.Add(1, SalesWorkflowTelemetry.Tag("stage", result.Stage));
            }
        }
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var type = command.GetType().Name;
            var status = result.Status.ToString();
            RuntimeLog.CommandHandled(_logger, command.CommandId, type, command.DealId, status);
        }
        if (result.Status == CommandStatus.Applied && result.Events.Count > 0 && _sinkNames.Count > 0)
        {
            EventsCommitted?.Invoke(this, EventArgs.Empty);
        }

        return result;
    }

    /// <summary>Runs plugins' enrichers for the facts the command will be decided on (outside any transaction).</summary>
    private async Task EnrichAsync(DealCommand command, CancellationToken cancellationToken)
    {
        // Only deals of processes that use a plugin with enrichers need the extra read. The registry is fixed once
        // started, so this is decided once (racing first commands may both compute it: same answer).
        _anyProcessEnriches ??= _registry.Versions.Any(v => _registry.Find(v.Id, v.Version) is { } p && _enrichment.AppliesTo(p.Definition.Plugins));
        if (_anyProcessEnriches == false)
        {
            return;
        }

        var stored = command is StartTracking ? null : InstanceRecord.FromOrNull(await _store.LoadAsync(command.DealId, cancellationToken));
        var process = command is StartTracking begin
            ? _registry.Find(begin.ProcessId, begin.Version ?? _registry.LatestVersion(begin.ProcessId) ?? 0)
            : stored is null ? null : _registry.Find(stored.ProcessId, stored.ProcessVersion);
        if (process is null || !_enrichment.AppliesTo(process.Definition.Plugins))
        {
            return;
        }

        var opportunity = command switch
        {
            StartTracking start => start.Opportunity,
            UpsertFacts { Opportunity: { } upserted } => upserted,
            _ => stored?.Opportunity,
        };
        var account = command switch
        {
            StartTracking start => start.Account,
            UpsertFacts { Account: { } upserted } => upserted,
            _ => stored?.Account,
        };
        if (opportunity is not null)
        {
            await _enrichment.RefreshAsync(command.DealId, opportunity, account ?? new Sdk.Facts.Account(), process.Definition.Plugins, cancellationToken);
        }
    }

    public async Task<DealState?> GetDealAsync(string dealId, CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        return InstanceRecord.FromOrNull(await _store.LoadAsync(dealId, cancellationToken))?.ToState();
    }

    public async Task<IReadOnlyList<DealEvent>> GetHistoryAsync(string dealId, CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        return await _store.LoadEventsAsync(dealId, cancellationToken);
    }

    public async Task<IReadOnlyList<DealSummary>> QueryAsync(DealQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await StartAsync(cancellationToken);
        return await _store.QueryAsync(query, cancellationToken);
    }

    public async Task<DealExplanation?> ExplainAsync(string dealId, DateTimeOffset? at = null, CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        var instance = InstanceRecord.FromOrNull(await _store.LoadAsync(dealId, cancellationToken));
        if (instance is null)
        {
            return null;
        }

        if (at is { } moment && moment < instance.EnteredStageAt)
        {
            // Its facts are today's: before the stage began they would read as negative days in stage.
            throw new ArgumentOutOfRangeException(nameof(at), moment, string.Create(CultureInfo.InvariantCulture, $"{moment:O} is before deal '{dealId}' entered its stage {instance.Stage} at {instance.EnteredStageAt:O}; explain it at that moment or later."));
        }

        var process = _registry.Find(instance.ProcessId, instance.ProcessVersion)
            ?? throw new InvalidOperationException($"The deal runs on {instance.ProcessId} v{instance.ProcessVersion}, which is not available.");
        var evaluation = Evaluation.DealEvaluator.Evaluate(process, instance.ToSnapshot(), at ?? instance.LastEvaluation.EvaluatedAt);
        return new DealExplanation(instance.ToState(), evaluation, process.Definition);
    }

    public async Task<IReadOnlyList<DealEvent>> ReadEventsAsync(long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        return await _store.LoadEventsAfterAsync(afterSequence, limit, withEvaluations: true, cancellationToken);
    }

    public async Task<IReadOnlyList<DealEvent>> ReadEventsWithoutEvaluationsAsync(long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        return await _store.LoadEventsAfterAsync(afterSequence, limit, withEvaluations: false, cancellationToken);
    }

    public async Task<IReadOnlyList<Digest>> BuildDigestsAsync(DateTimeOffset at, TimeSpan dueWithin, OrganisationDefinition? organisation = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dueWithin, TimeSpan.Zero);
        await StartAsync(cancellationToken);
        var log = await _store.LoadKpiLogAsync(cancellationToken);
        var current = new Dictionary<string, DealSummary>(StringComparer.Ordinal);
        string? after = null;
        while (true)
        {
            var page = await _store.QueryAsync(new DealQuery { AfterDealId = after, Limit = 10_000 }, cancellationToken);
            foreach (var deal in page)
            {
                current[deal.DealId] = deal;
            }

            if (page.Count < 10_000)
            {
                break;
            }

            after = page[^1].DealId;
        }

        return Analytics.DigestBuilder.Build(log, current, organisation ?? _registry.Organisation, at, dueWithin);
    }

    public async Task<int> SendDigestsAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        var (sent, _, failures) = await SendDigestsToAsync(_clock.GetUtcNow(), static _ => true, cancellationToken);
        return failures.Count == 0 ? sent : throw DigestsFailed(sent, failures);
    }

    /// <summary>
    /// The <see cref="Hosting.SalesWorkflowOptions.SendDigestsAt"/> schedule's round: sends the digest of each person
    /// who takes one, whose day (in their time zone) has reached <paramref name="sendAt"/>, and who
    /// <paramref name="sentOn"/> says has not had that day's yet; records them there once every digest sink took theirs
    /// (or there was nothing to tell). Someone whose delivery failed is tried again at the next round.
    /// </summary>
    internal async Task SendDueDigestsAsync(TimeOnly sendAt, Dictionary<string, DateOnly> sentOn, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken);
        if (_registry.Organisation is not { } organisation || !_sinks.Any(s => s.Sink is IDigestSink))
        {
            return;
        }

        var now = _clock.GetUtcNow();
        var due = new Dictionary<string, DateOnly>(StringComparer.Ordinal);
        foreach (var person in organisation.People.Values.Where(p => p.TakesDigest))
        {
            var local = TimeZoneInfo.ConvertTime(now, person.TimeZone ?? TimeZoneInfo.Utc).DateTime;
            var day = DateOnly.FromDateTime(local);
            if (TimeOnly.FromDateTime(local) >= sendAt && (!sentOn.TryGetValue(person.Id, out var last) || last < day))
            {
                due[person.Id] = day;
            }
        }

        if (due.Count == 0)
        {
            return;
        }

        var (sent, done, failures) = await SendDigestsToAsync(now, p => due.ContainsKey(p.Id), cancellationToken);
        foreach (var person in done)
        {
            sentOn[person] = due[person];
        }

        if (failures.Count > 0)
        {
            throw DigestsFailed(sent, failures);
        }
    }

    /// <summary>Sends the digests at <paramref name="at"/> of the people <paramref name="isFor"/> picks; returns how many were delivered, whom every sink took theirs for (or who had nothing to be told), and what failed.</summary>
    private async Task<(int Sent, List<string> Done, List<string> Failures)> SendDigestsToAsync(DateTimeOffset at, Func<EventRecipient, bool> isFor, CancellationToken cancellationToken)
    {
        var sinks = _sinks.Select(s => s.Sink).OfType<IDigestSink>().ToList();
        var sent = 0;
        var done = new List<string>();
        var failures = new List<string>();
        if (sinks.Count == 0)
        {
            return (sent, done, failures);
        }

        foreach (var digest in await BuildDigestsAsync(at, TimeSpan.FromDays(1), cancellationToken: cancellationToken))
        {
            if (!digest.Person.TakesDigest || !isFor(digest.Person))
            {
                continue;
            }

            var delivered = true;
            foreach (var sink in digest.IsEmpty ? [] : sinks)
            {
                try
                {
                    await sink.SendDigestAsync(digest, cancellationToken);
                    sent++;
                }
#pragma warning disable CA1031 // One person's failed digest must not keep the others from theirs; all are reported at the end.
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
                {
                    delivered = false;
                    failures.Add($"{digest.Person.Id}: {ex.Message}");
                }
            }

            if (delivered)
            {
                done.Add(digest.Person.Id);
            }
        }

        return (sent, done, failures);
    }

    private static InvalidOperationException DigestsFailed(int sent, List<string> failures) =>
        new($"{failures.Count} digest(s) not delivered ({sent} delivered): {string.Join("; ", failures)}");

    public async Task<Analytics.KpiLog> ReadKpiLogAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        return await _store.LoadKpiLogAsync(cancellationToken);
    }

    public async Task<Definitions.ProcessDefinition?> FindProcessAsync(string processId, int version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(processId);
        await StartAsync(cancellationToken);
        return _registry.Find(processId, version)?.Definition;
    }

    public async Task<IReadOnlyList<Analytics.RunnableProcess>> ListProcessesAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        return _registry.Processes;
    }

    public async Task<Definitions.DefinitionSet> LoadDefinitionAsync(string entryPath, IReadOnlyDictionary<string, string> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entryPath);
        ArgumentNullException.ThrowIfNull(files);
        await StartAsync(cancellationToken);
        return new Definitions.DefinitionLoader(new Definitions.DefinitionLoaderOptions { Plugins = Plugins }).LoadSources(entryPath, files);
    }

    public async Task<int> FireDueTimersAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        var total = 0;
        Activity? span = null; // started, back-dated, once a batch fires something: an idle poll leaves no span
        var startedAt = TimeProvider.System.GetUtcNow(); // spans are in real time, whatever the engine's clock says
        var traceParent = TraceParentOf(Activity.Current); // the caller's: the timers span starts only once something fired
        while (true)
        {
            var now = _clock.GetUtcNow();
            var fired = await _store.FireDueTimersAsync(now, _options.TimerBatchSize, (row, timers) => _processor.FireTimers(InstanceRecord.From(row), timers, now) is { } fired ? DealChange.Render(fired, row.RowVersion, traceParent: traceParent) : null, _sinkNames, cancellationToken);
            total += fired;
            if (fired > 0 && span is null)
            {
                span = SalesWorkflowTelemetry.ActivitySource.StartActivity("salesworkflow.timers", ActivityKind.Internal, parentContext: default, startTime: startedAt);
            }

            if (fired < _options.TimerBatchSize)
            {
                break;
            }
        }

        span?.SetTag("salesworkflow.timers.fired", total);
        span?.Dispose();
        RecordSweepLag();
        if (total > 0)
        {
            SalesWorkflowTelemetry.TimersFired.Add(total);
            RuntimeLog.TimersFired(_logger, total);
            if (_sinkNames.Count > 0)
            {
                EventsCommitted?.Invoke(this, EventArgs.Empty);
            }
        }

        return total;
    }

    public async Task<int> SweepAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);

        // One round, batch after batch until the store has no open deal left for it. Each batch is claimed, evaluated
        // and written by the store in one go; on a store shared by several nodes, another node's round takes other
        // deals, so each deal is evaluated once whichever nodes sweep.
        var now = _clock.GetUtcNow();
        var round = new SweepRound(now, now + _options.SweepInterval, _options.SweepWonDealsFor > TimeSpan.Zero ? now - _options.SweepWonDealsFor : null);
        var changed = 0;
        var evaluated = 0;
        var started = Stopwatch.GetTimestamp();
        using var span = SalesWorkflowTelemetry.ActivitySource.StartActivity("salesworkflow.sweep");
        var traceParent = TraceParentOf(span ?? Activity.Current);
        while (true)
        {
            var batch = await _store.SweepBatchAsync(round, _options.SweepBatchSize, row => _processor.Reevaluate(InstanceRecord.From(row), now) is { } changed ? DealChange.Render(changed, row.RowVersion, traceParent: traceParent) : null, _sinkNames, cancellationToken);
            if (batch.Evaluated == 0)
            {
                break;
            }

            SalesWorkflowTelemetry.SweepEvaluations.Add(batch.Evaluated);
            changed += batch.Changed;
            evaluated += batch.Evaluated;
        }

        SalesWorkflowTelemetry.SweepDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        _lastSweepRoundStartedAt = now;
        RecordSweepLag();
        span?.SetTag("salesworkflow.sweep.evaluated", evaluated);
        span?.SetTag("salesworkflow.sweep.changed", changed);

        SalesWorkflowTelemetry.SweepChanges.Add(changed);
        RuntimeLog.SweepDone(_logger, changed);
        if (changed > 0 && _sinkNames.Count > 0)
        {
            EventsCommitted?.Invoke(this, EventArgs.Empty);
        }

        return changed;
    }

    public async Task<int> DispatchEventsAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        if (_sinks.Count == 0)
        {
            await RecordOutboxGaugesAsync(cancellationToken);
            return 0;
        }

        var delivered = 0;
        while (true)
        {
            var now = _clock.GetUtcNow();
            var batch = await _store.ClaimOutboxAsync(now, 200, OutboxLease, cancellationToken);
            if (batch.Count == 0)
            {
                await RecordOutboxGaugesAsync(cancellationToken);
                return delivered;
            }

            // Each sink gets its own entries in log order, concurrently with the other sinks: a slow or dead endpoint
            // delays only itself. A sink that times out is not tried again in this round (its other entries are
            // claimed again when their lease ends), so an unresponsive endpoint costs one timeout per round.
            var counts = await Task.WhenAll(batch.GroupBy(e => e.Sink, StringComparer.Ordinal)
                .Select(group => DeliverAsync(group.Key, [.. group], cancellationToken)));
            delivered += counts.Sum();
        }
    }

    /// <summary>
    /// The W3C <c>traceparent</c> a change keeps with its outbox entries, or null: no span, or one of the old
    /// hierarchical format, which a delivery could not join anyway.
    /// </summary>
    private static string? TraceParentOf(Activity? activity) =>
        activity is { IdFormat: ActivityIdFormat.W3C } ? activity.Id : null;

    /// <summary>
    /// Records the outbox gauges after a dispatch round, when anybody listens and at most once a second: a count over
    /// the outbox is cheap but not free, and rounds run after every commit. The store-wide figures are the same on every
    /// node of a shared store, so a dashboard takes their maximum, not their sum.
    /// </summary>
    private async Task RecordOutboxGaugesAsync(CancellationToken cancellationToken)
    {
        if (!SalesWorkflowTelemetry.OutboxPending.Enabled && !SalesWorkflowTelemetry.OutboxDeadLettered.Enabled && !SalesWorkflowTelemetry.OutboxLag.Enabled)
        {
            return;
        }

        var now = _clock.GetUtcNow();
        if (_outboxGaugesRecordedAt is { } last && now - last < TimeSpan.FromSeconds(1) && now >= last)
        {
            return;
        }

        _outboxGaugesRecordedAt = now;
        if (await _store.ReadOutboxStatusAsync(now, cancellationToken) is not { } status)
        {
            return;
        }

        SalesWorkflowTelemetry.OutboxPending.Record(status.Pending);
        SalesWorkflowTelemetry.OutboxDeadLettered.Record(status.DeadLettered);
        SalesWorkflowTelemetry.OutboxLag.Record(status.OldestDueAt is { } due && due < now ? (now - due).TotalSeconds : 0);
    }

    /// <summary>
    /// Records how long ago this node's last finished sweep round began: at the end of each round, and at every timer
    /// poll, so a sweep that stopped finishing shows as a lag that keeps growing. Nothing before the first round ends.
    /// </summary>
    private void RecordSweepLag()
    {
        if (_lastSweepRoundStartedAt is { } started && SalesWorkflowTelemetry.SweepLag.Enabled)
        {
            SalesWorkflowTelemetry.SweepLag.Record(Math.Max(0, (_clock.GetUtcNow() - started).TotalSeconds));
        }
    }

    /// <summary>How long claimed outbox entries stay reserved for this dispatcher (longer than a sink's share of a batch may take).</summary>
    private TimeSpan OutboxLease => TimeSpan.FromMinutes(1) + _options.SinkTimeout;

    private async Task<int> DeliverAsync(string sinkName, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        var sink = _sinks.FirstOrDefault(s => s.Name == sinkName).Sink;
        if (sink is null)
        {
            // The sink is no longer registered (configuration changed): nobody will take these events.
            foreach (var entry in entries)
            {
                await _store.FailOutboxAsync(entry.Id, "sink not registered", null, cancellationToken);
            }

            return 0;
        }

        var done = new List<long>(entries.Count);
        var started = _clock.GetTimestamp();
        foreach (var entry in entries)
        {
            if (_clock.GetElapsedTime(started) > OutboxLease - _options.SinkTimeout)
            {
                break; // Stay inside the lease: what is left is claimed again later, never by two dispatchers at once.
            }

            // One span per delivery, in the trace of the command (or sweep) that wrote the event when the outbox kept
            // one; otherwise under the caller's span, if any. The stored value is read from the database: parsed, never trusted.
            var parent = entry.TraceParent is { } stored && ActivityContext.TryParse(stored, null, isRemote: true, out var context) ? context : default;
            using var span = SalesWorkflowTelemetry.ActivitySource.StartActivity("salesworkflow.sink.deliver", ActivityKind.Producer, parentContext: parent);
            span?.SetTag("salesworkflow.sink", sinkName);
            span?.SetTag("salesworkflow.event.type", entry.Event.Type);
            span?.SetTag("salesworkflow.event.id", entry.Event.EventId);
            span?.SetTag("salesworkflow.deal.id", entry.Event.DealId);
            span?.SetTag("salesworkflow.delivery.attempt", entry.Attempts + 1);
            try
            {
                // WaitAsync: a sink that ignores the token is abandoned at the timeout instead of holding the dispatcher.
                await _sinkPipeline.ExecuteAsync(static async (state, token) => await state.Sink.EmitAsync(state.Event, token).AsTask().WaitAsync(token), (Sink: sink, Event: ToProcessEvent(entry.Event, _registry.Organisation)), cancellationToken);
                done.Add(entry.Id);
                SalesWorkflowTelemetry.SinkDeliveries.Add(1, SalesWorkflowTelemetry.Tag("sink", sinkName), SalesWorkflowTelemetry.Tag("outcome", "delivered"));
            }
            catch (DeliveryDeferredException deferred)
            {
                // Not a failure (a recipient's quiet hours): offered again then, and never dead-lettered for it.
                var retryAt = deferred.NotBefore > _clock.GetUtcNow() ? deferred.NotBefore : _clock.GetUtcNow() + Backoff(1);
                span?.SetTag("salesworkflow.delivery.deferred_until", retryAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                await _store.FailOutboxAsync(entry.Id, deferred.Message, retryAt, cancellationToken);
                SalesWorkflowTelemetry.SinkDeliveries.Add(1, SalesWorkflowTelemetry.Tag("sink", sinkName), SalesWorkflowTelemetry.Tag("outcome", "deferred"));
            }
#pragma warning disable CA1031 // A sink's failure is contained: recorded, retried later, never propagated to the engine.
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                var attempt = entry.Attempts + 1;
                var message = ex is TimeoutRejectedException ? $"no answer within {_options.SinkTimeout.TotalSeconds:0.###} s" : ex.Message;
                span?.SetStatus(ActivityStatusCode.Error, message);
                if (attempt >= _options.MaxSinkAttempts)
                {
                    RuntimeLog.SinkDeadLettered(_logger, ex, entry.Sink, entry.Event.EventId, attempt);
                    await _store.FailOutboxAsync(entry.Id, message, null, cancellationToken);
                    SalesWorkflowTelemetry.SinkDeliveries.Add(1, SalesWorkflowTelemetry.Tag("sink", sinkName), SalesWorkflowTelemetry.Tag("outcome", "dead-lettered"));
                    SalesWorkflowTelemetry.DeadLetters.Add(1, SalesWorkflowTelemetry.Tag("sink", sinkName));
                }
                else
                {
                    var retryAt = _clock.GetUtcNow() + Backoff(attempt); // From the failure, not the claim: a timeout takes a while.
                    RuntimeLog.SinkFailed(_logger, ex, entry.Sink, entry.Event.EventId, attempt, retryAt);
                    await _store.FailOutboxAsync(entry.Id, message, retryAt, cancellationToken);
                    SalesWorkflowTelemetry.SinkDeliveries.Add(1, SalesWorkflowTelemetry.Tag("sink", sinkName), SalesWorkflowTelemetry.Tag("outcome", "failed"));
                }

                if (ex is TimeoutRejectedException)
                {
                    break;
                }
            }
        }

        await _store.CompleteOutboxAsync(done, cancellationToken);
        return done.Count;
    }

    /// <summary>Exponential back-off between deliveries to a failing sink: 2 s, 4 s, 8 s… capped at 10 minutes.</summary>
    private static TimeSpan Backoff(int attempt) => TimeSpan.FromSeconds(Math.Min(600, Math.Pow(2, attempt)));

    internal static ProcessEvent ToProcessEvent(DealEvent e, OrganisationDefinition? organisation = null) =>
        new(e.EventId, e.Sequence, e.DealId, e.Type, e.At, e.ProcessId, e.ProcessVersion, e.Stage, e.Data.GetRawText())
        {
            Recipients = [.. RecipientIds(e.Payload).Distinct(StringComparer.Ordinal).Select(id => organisation?.People.GetValueOrDefault(id) is { } person
                ? new EventRecipient(id, person.Name, person.Email, person.Language) { QuietHours = person.QuietHours, TakesDigest = person.TakesDigest, TimeZone = person.TimeZone }
                : new EventRecipient(id, null, null, null))],
        };

    /// <summary>Who an event is for, by person id: the people an escalation reached, the person a task is assigned to.</summary>
    private static IEnumerable<string> RecipientIds(DealEventPayload payload) => payload switch
    {
        EscalationRaised { Recipients: { } recipients } => recipients,
        TaskCreated { AssignedTo: { } person } => [person],
        TaskOverdue { AssignedTo: { } person } => [person],
        TaskReassigned { To: { } person } => [person],
        ComplaintSlaBreached { Recipients: { } recipients } => recipients,
        _ => [],
    };

    // The store is the container's (a singleton it disposes after the engine).
    public ValueTask DisposeAsync()
    {
        _startGate.Dispose();
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _startGate.Dispose();
}
