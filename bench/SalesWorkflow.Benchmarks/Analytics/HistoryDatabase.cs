using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Benchmarks.Analytics;

/// <summary>An SQLite file for the benchmarks that fill it with plain inserts: the engine over it, and its schema.</summary>
internal static class HistoryDatabase
{
    /// <summary>The engine over <paramref name="path"/> with <paramref name="definitions"/> and the first-party plugins.</summary>
    public static ServiceProvider Engine(string path, string definitions)
    {
        var services = new ServiceCollection();
        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(definitions);
            o.UseSqlite($"Data Source={path}");
            o.RunBackgroundServices = false;
        });
        FirstPartyPlugins.AddFirstPartyPlugins(services);
        return services.BuildServiceProvider();
    }

    /// <summary>
    /// The engine that wrote the schema compiled its process into dynamic methods: lets their finalizers run before
    /// the measurement rather than during it.
    /// </summary>
    public static void SettleFinalizers()
    {
        for (var i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>Creates the file with the engine's schema and the definitions' process versions, and nothing else.</summary>
    public static void CreateSchema(string path, string definitions)
    {
        using var provider = Engine(path, definitions);
        _ = provider.GetRequiredService<ISalesWorkflowEngine>().QueryAsync(new DealQuery { Limit = 1 }).GetAwaiter().GetResult();
    }
}
