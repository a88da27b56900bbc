using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Sqlite.Storage;

namespace SalesWorkflow.Engine.Hosting;

/// <summary>Adds the embedded SQLite store to <see cref="SalesWorkflowOptions"/>: one file, nothing to install.</summary>
public static class SqliteOptionsExtensions
{
    /// <summary>
    /// Stores deals in an SQLite file (created when missing, schema upgraded at start). One engine process writes
    /// it; for several nodes use SalesWorkflow.Engine.PostgreSql. The configuration key <c>SalesWorkflow:Sqlite</c>
    /// calls this.
    /// </summary>
    /// <param name="options">The engine options.</param>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string: <c>Data Source=salesworkflow.db</c>; <c>Mode=ReadOnly</c> opens it for reading only.</param>
    /// <param name="fullSync">Makes every commit survive a power loss, not only a process crash, at the cost of an fsync per commit.</param>
    /// <returns>The same options, for chaining.</returns>
    public static SalesWorkflowOptions UseSqlite(this SalesWorkflowOptions options, string connectionString, bool fullSync = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        return options.UseStore(
            services => new SqliteProcessStore(connectionString, services.GetRequiredService<TimeProvider>(), readOnly: false, fullSync),
            "sqlite:" + new SqliteConnectionStringBuilder(connectionString) { Password = string.Empty }.ConnectionString);
    }
}
