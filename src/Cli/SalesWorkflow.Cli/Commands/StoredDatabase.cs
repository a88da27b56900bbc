using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Cli.Commands;

/// <summary>
/// An existing SalesWorkflow database opened for reading, for <c>explain --db</c>, <c>history</c>, <c>report</c> and <c>backtest</c>: the process
/// versions come from the database itself (each deal is explained against the version it runs on, even one whose
/// file has changed since), and nothing is written, so it is safe next to a running application.
/// </summary>
internal sealed class StoredDatabase : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private StoredDatabase(ServiceProvider services)
    {
        _services = services;
        Engine = services.GetRequiredService<ISalesWorkflowEngine>();
        Analytics = services.GetRequiredService<ISalesWorkflowAnalytics>();
    }

    public ISalesWorkflowEngine Engine { get; }

    public ISalesWorkflowAnalytics Analytics { get; }

    /// <summary>Opens <paramref name="path"/> (an SQLite file, or a PostgreSQL connection string or URI), or says on <paramref name="error"/> why it cannot and returns null.</summary>
    public static StoredDatabase? Open(string path, TextWriter error, IReadOnlyList<string>? pluginFolders = null)
    {
        var postgres = PostgreSqlOptionsExtensions.IsPostgreSqlConnectionString(path);
        if (!postgres && !File.Exists(path))
        {
            error.WriteLine($"salesflow: no database at '{path}' (create one with `salesflow demo --db {path}`, or point --db at your application's file)");
            return null;
        }

        var services = new ServiceCollection();
        services.AddSalesWorkflow(o =>
        {
            o.UseStoredProcessVersions = true;
            if (postgres)
            {
                o.UsePostgreSqlReadOnly(path);
            }
            else
            {
                o.UseSqlite($"Data Source={path};Mode=ReadOnly");
            }

            o.RunBackgroundServices = false;
        });
        PluginSupport.AddTo(services, pluginFolders);
        return new StoredDatabase(services.BuildServiceProvider());
    }

    /// <summary>The whole event log in sequence order, without the evaluations (reports and backtests read all of it and need none).</summary>
    public async Task<List<DealEvent>> ReadAllEventsAsync(CancellationToken cancellationToken)
    {
        var events = new List<DealEvent>();
        for (long after = 0; ;)
        {
            var page = await Engine.ReadEventsWithoutEvaluationsAsync(after, 10_000, cancellationToken);
            if (page.Count == 0)
            {
                return events;
            }

            events.AddRange(page);
            after = page[^1].Sequence;
        }
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
