using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Sdk.Plugins;

/// <summary>
/// Adds facts before a deal is evaluated, from somewhere slow or remote (a credit bureau, an ERP). The engine calls
/// <see cref="LookUpAsync"/> outside the deal's transaction, within <see cref="EnricherPolicy.Timeout"/>, caches the
/// result per <see cref="CacheKey"/> for <see cref="EnricherPolicy.CacheFor"/>, and then calls <see cref="Apply"/> on
/// the facts it evaluates. A look-up that throws or times out becomes an incident recorded with the command; the
/// command still runs, on the facts as they are. Enriched values are used for the evaluation and are not stored as the
/// deal's own facts. Implementations must be thread-safe.
/// </summary>
public interface IFactEnricher
{
    /// <summary>Name, unique within the plugin (shown in incidents).</summary>
    string Name { get; }

    /// <summary>Timeout and caching.</summary>
    EnricherPolicy Policy { get; }

    /// <summary>The key the result is cached under (e.g. the account id), or null to skip this deal.</summary>
    string? CacheKey(Opportunity opportunity, Account account);

    /// <summary>Looks the data up. The returned value is passed to <see cref="Apply"/>; it must not change afterwards.</summary>
    ValueTask<object?> LookUpAsync(Opportunity opportunity, Account account, CancellationToken cancellationToken);

    /// <summary>Copies a looked-up value onto the facts about to be evaluated. Must be quick, synchronous and pure.</summary>
    void Apply(object? value, Opportunity opportunity, Account account);
}

/// <summary>How long a look-up may take and how long its result is reused.</summary>
/// <param name="Timeout">Longest a look-up may take before it is abandoned (and recorded as an incident).</param>
/// <param name="CacheFor">How long a result is reused for the same key; zero looks up every time.</param>
public sealed record EnricherPolicy(TimeSpan Timeout, TimeSpan CacheFor);
