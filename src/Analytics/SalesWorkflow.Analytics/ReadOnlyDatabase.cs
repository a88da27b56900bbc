using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Analytics;

/// <summary>
/// An existing SalesWorkflow database opened for reading only: an SQLite file, or a PostgreSQL connection string or
/// URI. The process versions come from the database itself, so each deal is explained against the version it runs on
/// (even one whose file has changed since), and nothing is written: safe next to a running application. For tools,
/// reports and backtests; an application embeds the engine with <c>AddSalesWorkflow</c> instead. Thread-safe, as the
/// engine is.
/// </summary>
public sealed class ReadOnlyDatabase : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private ReadOnlyDatabase(ServiceProvider services)
    {
        _services = services;
        Engine = services.GetRequiredService<ISalesWorkflowEngine>();
        Analytics = services.GetRequiredService<ISalesWorkflowAnalytics>();
    }

    /// <summary>The engine over the database (reads only: a command is refused).</summary>
    public ISalesWorkflowEngine Engine { get; }

    /// <summary>KPIs over the database's event log.</summary>
    public ISalesWorkflowAnalytics Analytics { get; }

    /// <summary>
    /// Opens <paramref name="database"/> for reading. <paramref name="configureServices"/> adds what the stored processes
    /// need besides (their plugins). Nothing is read until the first call; a file that is not a SalesWorkflow database
    /// fails then, with a <see cref="Engine.Storage.SalesWorkflowStoreException"/> that says what it is.
    /// </summary>
    /// <exception cref="FileNotFoundException">No SQLite file at <paramref name="database"/>.</exception>
    public static ReadOnlyDatabase Open(string database, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        var postgres = PostgreSqlOptionsExtensions.IsPostgreSqlConnectionString(database);
        if (!postgres && !File.Exists(database))
        {
            throw new FileNotFoundException($"No database at '{database}'.", database);
        }

        var services = new ServiceCollection();
        services.AddSalesWorkflow(o =>
        {
            o.UseStoredProcessVersions = true;
            if (postgres)
            {
                o.UsePostgreSqlReadOnly(database);
            }
            else
            {
                o.UseSqlite($"Data Source={database};Mode=ReadOnly");
            }

            o.RunBackgroundServices = false;
        });
        configureServices?.Invoke(services);
        return new ReadOnlyDatabase(services.BuildServiceProvider());
    }

    /// <summary>The whole event log, without the evaluations (reports and backtests read all of it and need none).</summary>
    public async Task<IReadOnlyList<DealEvent>> ReadAllEventsAsync(CancellationToken cancellationToken = default) =>
        await EventLog.ReadAllAsync(Engine, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
