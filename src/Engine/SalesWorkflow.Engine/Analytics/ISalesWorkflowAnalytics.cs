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

    /// <summary>
    /// Every process the engine can run, with each version it knows (from the definitions and the database) and the one
    /// new deals start on. A lookup.
    /// </summary>
    Task<IReadOnlyList<RunnableProcess>> ListProcessesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Loads a process from texts held in memory (an upload, an editor's buffer) with the plugins the engine runs,
    /// reading nothing from disk: see <see cref="DefinitionLoader.LoadSources"/>. Nothing is registered; compile a
    /// process of the result to test or backtest it.
    /// </summary>
    Task<DefinitionSet> LoadDefinitionAsync(string entryPath, IReadOnlyDictionary<string, string> files, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every person's digest at <paramref name="at"/> (docs/notifications.md): the open tasks of each deal's current
    /// stage entry due before <paramref name="at"/> + <paramref name="dueWithin"/> (overdue when due before
    /// <paramref name="at"/>), and the deals still escalated, each given to the people its assignee or role stands for
    /// on the deal now: in <paramref name="organisation"/>, else the engine's organisation file (without either, only
    /// owners and named people are reached). People with nothing are left out. Reads the log once, as
    /// <see cref="ReadKpiLogAsync"/> does, and the deals' columns; writes nothing.
    /// </summary>
    Task<IReadOnlyList<SalesWorkflow.Sdk.Events.Digest>> BuildDigestsAsync(DateTimeOffset at, TimeSpan dueWithin, OrganisationDefinition? organisation = null, CancellationToken cancellationToken = default);
}

/// <summary>A process the engine can run: every version it knows, and the one new deals start on (null when none does, e.g. only older versions are stored and the definitions hold another process).</summary>
/// <param name="Id">The process id.</param>
/// <param name="LatestVersion">The version new deals start on.</param>
/// <param name="Versions">Every version known, oldest first.</param>
public sealed record RunnableProcess(string Id, int? LatestVersion, IReadOnlyList<int> Versions);
