namespace SalesWorkflow.Engine.Runtime;

/// <summary>
/// The embedding API: track deals, submit commands, read state, history and queries. Thread-safe; register it with
/// <c>services.AddSalesWorkflow(...)</c> and inject it. Each command is handled in one database transaction (state,
/// events, duplicate ledger and timers change together or not at all); commands for one deal are serialised.
/// </summary>
public interface ISalesWorkflowEngine
{
    /// <summary>Handles a command: applies it, or recognises a duplicate, or rejects it with the reason.</summary>
    Task<CommandResult> SubmitAsync(DealCommand command, CancellationToken cancellationToken = default);

    /// <summary>The deal's current state, or null when the deal is not tracked.</summary>
    Task<DealState?> GetDealAsync(string dealId, CancellationToken cancellationToken = default);

    /// <summary>The deal's full audit history, oldest first.</summary>
    Task<IReadOnlyList<DealEvent>> GetHistoryAsync(string dealId, CancellationToken cancellationToken = default);

    /// <summary>Deals matching a query (by stage, owner, status, blocked, escalated, at risk), ordered by id.</summary>
    Task<IReadOnlyList<DealSummary>> QueryAsync(DealQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Re-evaluates a deal on its own process version, at <paramref name="at"/> (default: the time of its last
    /// evaluation), for an explanation; null when the deal is not tracked. Changes nothing. The deal is explained as it is
    /// now, so <paramref name="at"/> may not be before it entered its current stage.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="at"/> is before the deal entered its current stage.</exception>
    Task<DealExplanation?> ExplainAsync(string dealId, DateTimeOffset? at = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Events of all deals after the event numbered <paramref name="afterSequence"/> (0 for the start; otherwise the
    /// <see cref="DealEvent.Sequence"/> of the last event a previous page returned), for reports, exports, backtests and
    /// readers that tail the log. Following the cursor gives every committed event exactly once, in a stable order, even
    /// while several nodes write: on PostgreSQL an event is handed out only once no older transaction is still running,
    /// and pages follow (transaction, sequence) order, which across nodes can differ from sequence order (docs/scaling.md).
    /// Within one deal, sequence order is the order things happened: a reader folding deals sorts each deal's events by
    /// <see cref="DealEvent.Sequence"/> (<see cref="Analytics.KpiLog"/> and the backtest do).
    /// </summary>
    Task<IReadOnlyList<DealEvent>> ReadEventsAsync(long afterSequence, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="ReadEventsAsync"/> without the evaluation each command's events carry (<see cref="DealEvent.Evaluation"/>
    /// is null): what KPIs and backtests need, several times cheaper to read (the evaluations are most of the log's bytes).
    /// </summary>
    Task<IReadOnlyList<DealEvent>> ReadEventsWithoutEvaluationsAsync(long afterSequence, int limit, CancellationToken cancellationToken = default);
}

/// <summary>A deal, its evaluation and the process version it runs on.</summary>
/// <param name="Deal">The deal's state.</param>
/// <param name="Evaluation">The evaluation.</param>
/// <param name="Process">The process version the deal runs on.</param>
public sealed record DealExplanation(DealState Deal, Evaluation.DealEvaluation Evaluation, Definitions.ProcessDefinition Process)
{
    /// <summary>The evaluation in words (see <see cref="Evaluation.EvaluationExplainer"/>).</summary>
    public string ToText(string language = "en") => SalesWorkflow.Engine.Evaluation.EvaluationExplainer.Explain(Process, Deal.ToSnapshot(), Evaluation, language);
}

/// <summary>
/// The engine's background work, for hosts that drive it themselves (tests, simulations, batch jobs). With the
/// default hosted services registered by <c>AddSalesWorkflow</c>, none of this needs calling.
/// </summary>
public interface ISalesWorkflowMaintenance
{
    /// <summary>Fires every escalation timer due at the engine clock's now, in batches; returns how many fired.</summary>
    Task<int> FireDueTimersAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Re-evaluates every open deal (time-dependent risks and condition escalations); returns how many changed. On a
    /// database shared by several nodes (PostgreSQL) each deal is evaluated by one node per <c>SweepInterval</c>:
    /// deals another node's sweep has claimed, or swept less than <c>SweepInterval</c> ago, are skipped.
    /// </summary>
    Task<int> SweepAsync(CancellationToken cancellationToken = default);

    /// <summary>Delivers pending events to the registered sinks; returns how many deliveries succeeded.</summary>
    Task<int> DispatchEventsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends the digest of the engine clock's now (tasks due within a day, overdue, escalated) to every person who takes
    /// one (<c>digest: daily</c> in the organisation file) and has something in it, through each registered sink that
    /// is an <see cref="SalesWorkflow.Sdk.Events.IDigestSink"/>; returns how many digests were delivered. Run it once a
    /// day (<c>salesflow digest --send</c> from a scheduler), or let the engine do it at
    /// <see cref="Hosting.SalesWorkflowOptions.SendDigestsAt"/>; a second run the same day reaches nobody twice when the
    /// sink keeps a ledger, as the e-mail plugin does.
    /// </summary>
    /// <exception cref="InvalidOperationException">Some digests could not be delivered (after trying all); the message says whose and why.</exception>
    Task<int> SendDigestsAsync(CancellationToken cancellationToken = default);
}
