using SalesWorkflow.Engine.Definitions;

namespace SalesWorkflow.Engine.Analytics;

/// <summary>
/// KPIs straight from the engine's database, registered by <c>AddSalesWorkflow</c> next to the engine: the whole
/// event log read in one statement and condensed as it streams (no <see cref="Runtime.DealEvent"/> list is built, so
/// a report over millions of events stays within the memory its figures need), and the process versions the database
/// knows, whose stages, probabilities, thresholds and targets a <see cref="KpiQuery"/> reports against.
/// Thread-safe. Cost: <see cref="ReadKpiLogAsync"/> reads every event once — about 3 s for 700,000 events
/// on two cores (docs/performance.md) — so read the log once and compute every query from it;
/// <see cref="FindProcessAsync"/> is a lookup.
/// </summary>
public interface ISalesWorkflowAnalytics
{
    /// <summary>The event log as it stands, condensed for <see cref="KpiLog.Compute(IReadOnlyList{KpiQuery})"/> (one consistent snapshot).</summary>
    Task<KpiLog> ReadKpiLogAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Version <paramref name="version"/> of process <paramref name="processId"/>: loaded at start-up, or recorded in the
    /// database when <c>UseStoredProcessVersions</c> is set; null when the engine does not know it.
    /// </summary>
    Task<ProcessDefinition?> FindProcessAsync(string processId, int version, CancellationToken cancellationToken = default);
}
