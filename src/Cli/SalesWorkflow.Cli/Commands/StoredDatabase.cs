using SalesWorkflow.Analytics;

namespace SalesWorkflow.Cli.Commands;

/// <summary>
/// Opens an existing database for <c>explain --db</c>, <c>history</c>, <c>report</c> and <c>backtest</c> (see
/// <see cref="ReadOnlyDatabase"/>), with the first-party plugins and any plugin folders, or says why it cannot.
/// </summary>
internal static class StoredDatabase
{
    /// <summary>The database at <paramref name="path"/>, or null after saying on <paramref name="error"/> why there is none.</summary>
    public static ReadOnlyDatabase? Open(string path, TextWriter error, IReadOnlyList<string>? pluginFolders = null)
    {
        if (!SalesWorkflow.Engine.Hosting.PostgreSqlOptionsExtensions.IsPostgreSqlConnectionString(path) && !File.Exists(path))
        {
            error.WriteLine($"salesflow: no database at '{path}' (create one with `salesflow demo --db {path}`, or point --db at your application's file)");
            return null;
        }

        return ReadOnlyDatabase.Open(path, services => PluginSupport.AddTo(services, pluginFolders));
    }
}
