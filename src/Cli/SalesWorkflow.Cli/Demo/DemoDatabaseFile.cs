using Microsoft.Data.Sqlite;

namespace SalesWorkflow.Cli.Demo;

/// <summary>What <c>salesflow demo</c> may do with its <c>--db</c> file: it replaces it, so it checks first.</summary>
internal static class DemoDatabaseFile
{
    private static readonly byte[] SqliteHeader = "SQLite format 3\0"u8.ToArray();

    /// <summary>
    /// Why the file must not be replaced without <c>--force</c>, described by what it looks like; null when it may be
    /// (no file, an empty one, or a SalesWorkflow database).
    /// </summary>
    public static string? WhyNotReplace(string path)
    {
        if (Directory.Exists(path))
        {
            return "it is a folder";
        }

        if (!File.Exists(path))
        {
            return null;
        }

        var info = new FileInfo(path);
        if (info.Length == 0)
        {
            return null;
        }

        var head = new byte[Math.Min(512, info.Length)];
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            stream.ReadExactly(head);
        }

        if (!head.AsSpan().StartsWith(SqliteHeader))
        {
            return head.Any(b => b == 0) || head.Count(b => b < 9 || (b > 13 && b < 32)) > head.Length / 10
                ? $"{info.Length:N0} bytes of binary data"
                : $"a text file of {info.Length:N0} bytes";
        }

        var tables = Tables(path);
        return tables is null ? "an SQLite file that cannot be read"
            : tables.Contains("schema_info") && tables.Contains("instances") && tables.Contains("events") ? null
            : tables.Count == 0 ? null
            : $"an SQLite database of another application, with tables {string.Join(", ", tables.Take(5))}{(tables.Count > 5 ? ", …" : string.Empty)}";
    }

    /// <summary>
    /// Holds the demo's lock on <paramref name="path"/> (a sibling <c>.lock</c> file) until disposed; null when another
    /// run holds it.
    /// </summary>
    /// <exception cref="IOException">The lock file cannot be created (a read-only disk, a missing folder).</exception>
    /// <exception cref="UnauthorizedAccessException">The folder cannot be written by this user.</exception>
    public static IDisposable? TryLock(string path)
    {
        var lockFile = path + ".lock";
        try
        {
            // FileShare.None is an exclusive lock on every platform .NET runs on (flock on Unix).
            return new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException) when (File.Exists(lockFile))
        {
            // The holder deletes it on close; a file left by a killed run is not locked, so opening it succeeds.
            return null;
        }
    }

    private static List<string>? Tables(string path)
    {
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name;";
            using var reader = command.ExecuteReader();
            var tables = new List<string>();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }

            return tables;
        }
        catch (SqliteException)
        {
            return null;
        }
    }
}
