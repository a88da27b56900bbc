using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Analytics;

/// <summary>Reading a whole event log, as reports and backtests do.</summary>
public static class EventLog
{
    private const int Page = 10_000;

    /// <summary>
    /// Every event of the engine's log in sequence order, without the stored evaluations (reports and backtests read all
    /// of it and evaluate again where they need to), read a page at a time; <paramref name="keep"/>, when given, picks
    /// the events kept (for instance one process's).
    /// </summary>
    public static async Task<List<DealEvent>> ReadAllAsync(ISalesWorkflowEngine engine, Func<DealEvent, bool>? keep = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var events = new List<DealEvent>();
        for (long after = 0; ;)
        {
            var page = await engine.ReadEventsWithoutEvaluationsAsync(after, Page, cancellationToken);
            if (page.Count == 0)
            {
                return events;
            }

            events.AddRange(keep is null ? page : page.Where(keep));
            after = page[^1].Sequence;
        }
    }
}
