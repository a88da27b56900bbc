using Npgsql;

namespace SalesWorkflow.Engine.PostgreSql.Storage;

/// <summary>Accepts a keyword connection string (<c>Host=…;Database=…</c>) or a <c>postgres://</c> URI.</summary>
internal static class PostgreSqlConnectionString
{
    /// <summary>True when <paramref name="value"/> names a PostgreSQL database rather than an SQLite file.</summary>
    public static bool IsPostgreSql(string value) =>
        value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
        value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) ||
        value.Contains("Host=", StringComparison.OrdinalIgnoreCase) ||
        value.Contains("Server=", StringComparison.OrdinalIgnoreCase);

    /// <summary>The keywords set in a keyword connection string, lower case without spaces (<c>Max Auto Prepare</c> → <c>maxautoprepare</c>).</summary>
    public static IReadOnlySet<string> GivenKeywords(string keywordForm)
    {
        var parsed = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = keywordForm };
        return parsed.Keys.Cast<string>().Select(k => k.Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The keyword form of <paramref name="value"/> (URIs are converted: user, password, host, port, database, query options).</summary>
    public static string Normalize(string value)
    {
        if (!value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) && !value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return value;
        }

        var uri = new Uri(value);
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host };
        if (uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } database)
        {
            builder.Database = Uri.UnescapeDataString(database);
        }

        if (uri.UserInfo.Split(':', 2) is [var user, ..] parts && user.Length > 0)
        {
            builder.Username = Uri.UnescapeDataString(user);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, setting) = pair.Split('=', 2) is [var k, var v] ? (k, v) : (pair, string.Empty);
            builder[Uri.UnescapeDataString(key).Replace('_', ' ')] = Uri.UnescapeDataString(setting);
        }

        return builder.ConnectionString;
    }
}
