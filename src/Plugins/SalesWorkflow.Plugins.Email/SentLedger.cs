namespace SalesWorkflow.Plugins.Email;

/// <summary>
/// Which (event, person) messages were sent: in memory, and appended to a file (flushed to disk) when one is given, so
/// that a redelivered event is not e-mailed to the same person again after a restart. Thread-safe.
/// </summary>
internal sealed class SentLedger
{
    private readonly HashSet<string> _sent = new(StringComparer.Ordinal);
    private readonly string? _path;
    private readonly Lock _gate = new();

    public SentLedger(string? path)
    {
        _path = path;
        if (path is not null && File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.Length > 0)
                {
                    _sent.Add(line);
                }
            }
        }
    }

    public bool Contains(string eventId, string personId)
    {
        lock (_gate)
        {
            return _sent.Contains(Key(eventId, personId));
        }
    }

    /// <summary>Records a sent message; with a file, on disk before this returns.</summary>
    public void Record(string eventId, string personId)
    {
        var key = Key(eventId, personId);
        lock (_gate)
        {
            if (!_sent.Add(key) || _path is null)
            {
                return;
            }

            using var file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
            var bytes = System.Text.Encoding.UTF8.GetBytes(key + "\n");
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
    }

    // Ids never hold a tab or a line break: the engine's event ids are `deal:n`, and person ids are escaped.
    private static string Key(string eventId, string personId) =>
        $"{Escape(eventId)}\t{Escape(personId)}";

    private static string Escape(string text) =>
        text.Replace("%", "%25", StringComparison.Ordinal).Replace("\t", "%09", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal);
}
