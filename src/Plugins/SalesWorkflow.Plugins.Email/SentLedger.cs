using System.Globalization;

namespace SalesWorkflow.Plugins.Email;

/// <summary>
/// Which (event, person) messages were sent: in memory, and appended to a file (flushed to disk) when one is given, so
/// that a redelivered event is not e-mailed to the same person again after a restart. Each line carries when the
/// message was sent; lines older than the retention are dropped when the ledger is opened (the file is rewritten to
/// the side and renamed over, so a crash leaves the old one whole), so the file does not grow without bound.
/// Thread-safe.
/// </summary>
internal sealed class SentLedger
{
    private readonly HashSet<string> _sent = new(StringComparer.Ordinal);
    private readonly string? _path;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();

    public SentLedger(string? path, TimeProvider clock, TimeSpan retention)
    {
        _path = path;
        _clock = clock;
        if (path is null || !File.Exists(path))
        {
            return;
        }

        var now = clock.GetUtcNow();
        var oldest = now - retention;
        var kept = new List<string>();
        var changed = false;
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }

            // event \t person \t sent-at (Unix ms); a line of an older ledger has no time: kept, and dated now.
            var parts = line.Split('\t');
            var sentAt = parts.Length >= 3 && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
            if (sentAt < oldest)
            {
                changed = true;
                continue;
            }

            var key = parts.Length >= 2 ? parts[0] + "\t" + parts[1] : line;
            changed |= sentAt is null;
            if (_sent.Add(key))
            {
                kept.Add(key + "\t" + (sentAt ?? now).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
            }
        }

        if (changed)
        {
            var side = path + ".tmp";
            using (var file = new FileStream(side, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(System.Text.Encoding.UTF8.GetBytes(string.Concat(kept.Select(k => k + "\n"))));
                file.Flush(flushToDisk: true);
            }

            File.Move(side, path, overwrite: true);
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
            var bytes = System.Text.Encoding.UTF8.GetBytes(key + "\t" + _clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "\n");
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
