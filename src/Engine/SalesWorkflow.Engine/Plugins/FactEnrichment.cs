using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Engine.Plugins;

/// <summary>
/// Runs plugins' fact enrichers (DESIGN.md D5). Look-ups are asynchronous and happen before a command enters its
/// transaction (<see cref="RefreshAsync"/>); deciding stays synchronous and pure by reading only the cache
/// (<see cref="Apply"/>), so a command re-decided by the store's writer sees exactly the values its caller saw. A
/// look-up that fails or times out is cached as a failure for the same duration and shows up as an incident of the
/// evaluation; the command still runs on the facts as they are. Thread-safe.
/// </summary>
internal sealed class FactEnrichment(IReadOnlyList<(string Plugin, IFactEnricher Enricher)> enrichers, TimeProvider clock, ILogger logger)
{
    private readonly ConcurrentDictionary<(int Enricher, string Key), Entry> _cache = new();

    public bool IsEmpty => enrichers.Count == 0;

    /// <summary>Whether a process that uses <paramref name="plugins"/> has any enricher to run.</summary>
    public bool AppliesTo(IReadOnlyList<string> plugins) => enrichers.Any(e => plugins.Contains(e.Plugin, StringComparer.Ordinal));

    /// <summary>Looks up what is missing or expired for this deal's facts, for the enrichers of the process's <paramref name="plugins"/>.</summary>
    public async Task RefreshAsync(string dealId, Opportunity opportunity, Account account, IReadOnlyList<string> plugins, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        for (var i = 0; i < enrichers.Count; i++)
        {
            var (plugin, enricher) = enrichers[i];
            if (!plugins.Contains(plugin, StringComparer.Ordinal))
            {
                continue;
            }

            string? key;
            try
            {
                key = enricher.CacheKey(opportunity, account);
            }
#pragma warning disable CA1031 // A plugin's failure is contained and recorded (DESIGN.md D5).
            catch (Exception ex)
#pragma warning restore CA1031
            {
                RuntimeLog.EnricherFailed(logger, enricher.Name, plugin, dealId, ex.Message);
                continue;
            }

            if (key is null || (_cache.TryGetValue((i, key), out var cached) && cached.ExpiresAt > now))
            {
                continue;
            }

            _cache[(i, key)] = await LookUpAsync(plugin, enricher, dealId, opportunity, account, now, cancellationToken);
        }
    }

    private async Task<Entry> LookUpAsync(string plugin, IFactEnricher enricher, string dealId, Opportunity opportunity, Account account, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Even a result that must not be reused is kept until the command that asked for it has decided.
        var expiresAt = now + (enricher.Policy.CacheFor > TimeSpan.Zero ? enricher.Policy.CacheFor : TimeSpan.FromSeconds(30));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(enricher.Policy.Timeout);
        try
        {
            var value = await enricher.LookUpAsync(opportunity, account, timeout.Token).AsTask().WaitAsync(enricher.Policy.Timeout, clock, cancellationToken);
            return new Entry(value, null, expiresAt);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var message = ex is TimeoutException or OperationCanceledException ? $"timed out after {enricher.Policy.Timeout.TotalSeconds:0.###} s" : $"{ex.GetType().Name}: {ex.Message}";
            RuntimeLog.EnricherFailed(logger, enricher.Name, plugin, dealId, message);
            return new Entry(null, message, expiresAt);
        }
    }

    /// <summary>
    /// The snapshot with every cached enrichment applied (to copies of the opportunity and account, so nothing
    /// enriched is stored as the deal's own facts), and an incident per failed look-up.
    /// </summary>
    public (DealSnapshot Snapshot, IReadOnlyList<RuleIncident> Incidents) Apply(DealSnapshot snapshot, IReadOnlyList<string> plugins)
    {
        if (IsEmpty)
        {
            return (snapshot, []);
        }

        Opportunity? opportunity = null;
        Account? account = null;
        var incidents = new List<RuleIncident>();
        for (var i = 0; i < enrichers.Count; i++)
        {
            var (plugin, enricher) = enrichers[i];
            if (!plugins.Contains(plugin, StringComparer.Ordinal))
            {
                continue; // The process does not use this plugin.
            }

            try
            {
                var key = enricher.CacheKey(opportunity ?? snapshot.Opportunity, account ?? snapshot.Account ?? new Account());
                if (key is null || !_cache.TryGetValue((i, key), out var entry))
                {
                    continue;
                }

                if (entry.Error is not null)
                {
                    incidents.Add(new RuleIncident($"enricher:{plugin}/{enricher.Name}", entry.Error));
                    continue;
                }

                opportunity ??= Copy(snapshot.Opportunity);
                account ??= Copy(snapshot.Account ?? new Account());
                enricher.Apply(entry.Value, opportunity, account);
            }
#pragma warning disable CA1031 // A plugin's failure is contained and recorded (DESIGN.md D5).
            catch (Exception ex)
#pragma warning restore CA1031
            {
                incidents.Add(new RuleIncident($"enricher:{plugin}/{enricher.Name}", $"{ex.GetType().Name}: {ex.Message}"));
            }
        }

        if (opportunity is null && account is null)
        {
            return (snapshot, incidents);
        }

        return (new DealSnapshot
        {
            Opportunity = opportunity ?? snapshot.Opportunity,
            Account = account ?? snapshot.Account,
            Owner = snapshot.Owner,
            Contacts = snapshot.Contacts,
            Activities = snapshot.Activities,
            ActivityTotals = snapshot.ActivityTotals,
            Approvals = snapshot.Approvals,
            Feedback = snapshot.Feedback,
            Stage = snapshot.Stage,
            EnteredStageAt = snapshot.EnteredStageAt,
            ChecklistDone = snapshot.ChecklistDone,
            Tasks = snapshot.Tasks,
            ConditionsSince = snapshot.ConditionsSince,
        }, incidents);
    }

    private static T Copy<T>(T fact) => StorageJson.Deserialize<T>(StorageJson.Serialize(fact));

    private sealed record Entry(object? Value, string? Error, DateTimeOffset ExpiresAt);
}
