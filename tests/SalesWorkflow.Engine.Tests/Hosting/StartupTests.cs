using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Hosting;

/// <summary>What happens when: building the container does no work, plugins load when the engine starts, and the container owns the store.</summary>
public sealed class StartupTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sw-startup-").FullName;

    private ServiceProvider Provider(Action<SalesWorkflow.Engine.Hosting.SalesWorkflowOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddFirstPartyPlugins();
        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"));
            o.UseSqlite($"Data Source={Path.Combine(_folder, "startup.db")}");
            o.RunBackgroundServices = false;
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task APluginThatCannotLoad_FailsTheStart_NotResolvingTheEngine()
    {
        var broken = Directory.CreateDirectory(Path.Combine(_folder, "plugins", "broken")).FullName;
        await using var provider = Provider(o =>
        {
            o.AddPluginsFrom(Path.Combine(_folder, "plugins"));
            o.FailOnPluginErrors = true;
        });

        // Resolving the engine reads no plugin folder: the plugin that appears afterwards is the one the start sees.
        var engine = provider.GetRequiredService<ISalesWorkflowEngine>();
        await File.WriteAllTextAsync(Path.Combine(broken, "broken.dll"), "not an assembly");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => engine.GetDealAsync("D-1"));

        Assert.Contains("Plugins could not be loaded", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "startup.db")));
    }

    [Fact]
    public async Task TheContainer_OwnsTheStore_AndDisposesItSynchronouslyToo()
    {
        var provider = Provider();
        var engine = provider.GetRequiredService<ISalesWorkflowEngine>();
        Assert.Equal(CommandStatus.Applied, (await engine.SubmitAsync(new StartTracking("c1", "D-1", "standard-b2b")
        {
            Opportunity = new Sdk.Facts.Opportunity { Name = "Owned", Amount = 1 },
        })).Status);

        provider.Dispose();

        // The writer connection is closed: the file can be opened for writing and deleted at once.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(Path.Combine(_folder, "startup.db"));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
