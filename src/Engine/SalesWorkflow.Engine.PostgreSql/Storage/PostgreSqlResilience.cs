using Npgsql;
using Polly;
using Polly.Retry;
using SalesWorkflow.Engine.Storage;

namespace SalesWorkflow.Engine.PostgreSql.Storage;

/// <summary>How hard the store retries a transaction that failed for a reason that may pass.</summary>
internal sealed record PostgreSqlStoreSettings
{
    /// <summary>Retries after the first attempt (default 10: with the delays below, about 12 s of patience).</summary>
    public int MaxRetryAttempts { get; init; } = 10;

    /// <summary>First delay; doubles per attempt, with jitter (default 50 ms).</summary>
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest delay between two attempts (default 2 s).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Runs each store operation as a whole transaction inside a Polly retry pipeline. Retried: errors Npgsql marks
/// transient (connection lost, server starting or shutting down, too many connections), no host taking writes yet
/// while a standby is promoted (a multi-host connection string), serialization failures
/// (40001), deadlocks (40P01) and unique violations (23505, two nodes creating the same deal, ledger entry or
/// process version at once: the retry finds the winner's row). Every operation is safe to repeat: a command's retry is
/// answered from the duplicate ledger if its first commit did happen. What still fails becomes a
/// <see cref="SalesWorkflowStoreException"/> whose message says what to do.
/// </summary>
internal sealed class PostgreSqlResilience
{
    private readonly ResiliencePipeline _pipeline;
    private readonly string _database;
    private readonly PostgreSqlStoreSettings _settings;

    public PostgreSqlResilience(PostgreSqlStoreSettings settings, string database)
    {
        _settings = settings;
        _database = database;
        _pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(IsRetryable),
                MaxRetryAttempts = settings.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.FirstDelay,
                MaxDelay = settings.MaxDelay,
                OnRetry = arguments =>
                {
                    // A broken connection may be back in the pool; the next attempt must not pick up its siblings.
                    if (arguments.Outcome.Exception is NpgsqlException { InnerException: IOException or System.Net.Sockets.SocketException or EndOfStreamException } or PostgresException { SqlState: "57P01" or "57P02" or "57P03" })
                    {
                        NpgsqlConnection.ClearAllPools();
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>Whether a failed transaction may succeed when run again from the start.</summary>
    internal static bool IsRetryable(NpgsqlException exception) => exception switch
    {
        PostgresException { SqlState: "40001" or "40P01" or "23505" or "57P01" or "57P02" or "57P03" or "55P03" } => true,
        PostgresException postgres => postgres.IsTransient || postgres.SqlState.StartsWith("08", StringComparison.Ordinal),

        // With several hosts (Target Session Attributes=primary), while a standby is being promoted no host takes
        // writes: Npgsql says "No suitable host was found." (no inner exception), or gives one failure per host.
        { InnerException: AggregateException hosts } => hosts.InnerExceptions.All(e => e is NpgsqlException host ? IsRetryable(host) : e is IOException or System.Net.Sockets.SocketException or TimeoutException),
        { InnerException: null } when exception.GetType() == typeof(NpgsqlException) && exception.Message.StartsWith("No suitable host", StringComparison.Ordinal) => true,
        _ => exception.IsTransient,
    };

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(async ct => await operation(ct), cancellationToken);
        }
        catch (NpgsqlException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Translate(ex);
        }
    }

    public Task RunAsync(Func<CancellationToken, Task<bool>> operation, CancellationToken cancellationToken) => RunAsync<bool>(operation, cancellationToken);

    private SalesWorkflowStoreException Translate(NpgsqlException ex) => ex switch
    {
        PostgresException { SqlState: "28P01" or "28000" } => new($"PostgreSQL at {_database} refused the login: check Username and Password in the connection string.", isTransient: false, ex),
        PostgresException { SqlState: "3D000" } => new($"The PostgreSQL database {_database} does not exist: create it (CREATE DATABASE) or fix Database= in the connection string.", isTransient: false, ex),
        PostgresException { SqlState: "42501" } => new($"The PostgreSQL user may not use {_database} ({ex.Message}): grant it the rights to create and write the SalesWorkflow tables.", isTransient: false, ex),
        PostgresException { SqlState: "53100" } => new($"The disk of the PostgreSQL server {_database} is full.", isTransient: true, ex),
        _ when IsRetryable(ex) => new(
            $"PostgreSQL at {_database} could not be used ({ex.Message}), even after {_settings.MaxRetryAttempts} retries. Nothing was half-applied; a command may or may not have committed: resubmit it with the same command id once the database is back.",
            isTransient: true,
            ex),
        _ => new($"PostgreSQL at {_database} failed: {ex.Message}", isTransient: false, ex),
    };
}
