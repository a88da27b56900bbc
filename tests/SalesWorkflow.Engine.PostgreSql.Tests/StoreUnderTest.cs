using System.Collections.Concurrent;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.PostgreSql.Tests;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>The store this project runs the store contract on (SalesWorkflow.Engine.StoreContract): a fresh database of the shared test server.</summary>
internal sealed class StoreUnderTest : SalesWorkflow.Engine.StoreContract.IStoreUnderTest
{
    private static readonly ConcurrentDictionary<string, string> DatabasesByFolder = new(StringComparer.Ordinal);

    private StoreUnderTest(string connectionString) => ConnectionString = connectionString;

    public string ConnectionString { get; }

    /// <summary>A fresh database, or the one named by <paramref name="folder"/>, which harnesses given the same folder share.</summary>
    public static StoreUnderTest Open(string? folder) =>
        new(folder is null ? PostgresServer.Shared.CreateDatabase() : DatabasesByFolder.GetOrAdd(folder, _ => PostgresServer.Shared.CreateDatabase()));

    public void Configure(SalesWorkflowOptions options) => options.UsePostgreSql(ConnectionString);

    public void Dispose()
    {
        // The server and its databases go when the test run ends (PostgresServer).
    }
}
