using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.PostgreSql.Storage;

namespace SalesWorkflow.Engine.Hosting;

/// <summary>Adds the PostgreSQL store to <see cref="SalesWorkflowOptions"/>: several engine processes share one database.</summary>
public static class PostgreSqlOptionsExtensions
{
    /// <summary>
    /// Stores deals in PostgreSQL (schema created or upgraded at start, safely when several nodes start at once).
    /// Every node of an application points at the same database; commands for one deal are serialised across nodes,
    /// due timers are claimed by one node each, and a node that dies leaves nothing locked. See docs/scaling.md.
    /// </summary>
    /// <param name="options">The engine options.</param>
    /// <param name="connectionString">An Npgsql connection string (<c>Host=db;Database=sales;Username=app;Password=…</c>) or a <c>postgres://user:password@host:port/database</c> URI.</param>
    /// <returns>The same options, for chaining.</returns>
    public static SalesWorkflowOptions UsePostgreSql(this SalesWorkflowOptions options, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var normalized = PostgreSqlConnectionString.Normalize(connectionString);
        return options.UseStore(
            services => new PostgreSqlProcessStore(normalized, services.GetRequiredService<TimeProvider>()),
            "postgresql:" + new Npgsql.NpgsqlConnectionStringBuilder(normalized) { Password = null }.ConnectionString);
    }

    /// <summary>
    /// Reads deals from PostgreSQL without writing anything (for tools such as <c>salesflow explain</c>): the schema
    /// must exist and is not upgraded.
    /// </summary>
    /// <param name="options">The engine options.</param>
    /// <param name="connectionString">As for <see cref="UsePostgreSql"/>.</param>
    /// <returns>The same options, for chaining.</returns>
    public static SalesWorkflowOptions UsePostgreSqlReadOnly(this SalesWorkflowOptions options, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var normalized = PostgreSqlConnectionString.Normalize(connectionString);
        return options.UseStore(
            services => new PostgreSqlProcessStore(normalized, services.GetRequiredService<TimeProvider>(), readOnly: true),
            "postgresql (read-only):" + new Npgsql.NpgsqlConnectionStringBuilder(normalized) { Password = null }.ConnectionString);
    }

    /// <summary>True when <paramref name="database"/> is a PostgreSQL connection string or URI rather than an SQLite file path.</summary>
    /// <param name="database">A <c>--db</c> value: a file path, <c>Host=…</c> or <c>postgres://…</c>.</param>
    /// <returns>Whether to use <see cref="UsePostgreSql"/>.</returns>
    public static bool IsPostgreSqlConnectionString(string database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return PostgreSqlConnectionString.IsPostgreSql(database);
    }

    /// <summary>
    /// <paramref name="connectionString"/> (keywords or a <c>postgres://</c> URI) as the Npgsql keyword form the store
    /// connects with, for an application's own tables in the same database (the server's accounts).
    /// </summary>
    /// <param name="connectionString">As for <see cref="UsePostgreSql"/>.</param>
    /// <returns>The keyword connection string.</returns>
    public static string ToNpgsqlConnectionString(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        return PostgreSqlConnectionString.Normalize(connectionString);
    }
}
