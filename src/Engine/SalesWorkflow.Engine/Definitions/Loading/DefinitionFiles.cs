namespace SalesWorkflow.Engine.Definitions.Loading;

/// <summary>
/// Which files a load may read, and how. A definition names other files (<c>imports: - pack:</c>, a test's
/// <c>process:</c>); those names are the author's, not the operator's, so they must stay inside the load's roots: a
/// relative path, no <c>..</c> or link leading out, a regular file (never a device, a pipe or a directory), read with a
/// bound even when the file claims a size it does not have. The files the caller names itself are trusted as named.
/// </summary>
internal sealed class DefinitionFiles(long maxBytes)
{
    // Linux allows 40 links in one resolution; a longer chain is a loop.
    private const int MaxLinkHops = 40;

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private readonly List<string> _roots = [];

    /// <summary>False for a process version read from the store: every file it names must be one of its stored texts.</summary>
    public bool DiskAllowed { get; init; } = true;

    /// <summary>Adds a folder whose files definitions may name (its real path: links in it resolved).</summary>
    public void AddRoot(string folder)
    {
        var real = TryRealPath(Path.GetFullPath(folder), out var path) ? path : Path.GetFullPath(folder);
        real = Path.TrimEndingDirectorySeparator(real);
        if (!_roots.Contains(real, StringComparer.FromComparison(PathComparison)))
        {
            _roots.Add(real);
        }
    }

    /// <summary>
    /// Why a path written in a definition may not be read (null: it may): an absolute path, one that leads outside
    /// every root, through a link or not, or a chain of links that never ends.
    /// </summary>
    public string? RefusalOf(string written, string fullPath)
    {
        if (Path.IsPathRooted(written) || written.StartsWith('~'))
        {
            return "paths in definitions are relative to the file that names them";
        }

        if (!DiskAllowed)
        {
            return null;
        }

        if (!TryRealPath(fullPath, out var real))
        {
            return "it leads through a loop of links";
        }

        return _roots.Any(root => IsInside(real, root))
            ? null
            : $"it leads outside the definitions folder{(_roots.Count == 1 ? $" `{Display(_roots[0])}`" : "s")}; a definition may only name files inside it";
    }

    /// <summary>Reads a file for the loader, never more than the size limit and never a file that is not a regular one.</summary>
    public FileRead Read(string fullPath)
    {
        if (!DiskAllowed)
        {
            return FileRead.Missing;
        }

        try
        {
            if (!File.Exists(fullPath) && !Directory.Exists(fullPath) && new FileInfo(fullPath).LinkTarget is null)
            {
                return FileRead.Missing;
            }

            // Checked on the final target of any link: a link to a pipe would otherwise be opened and wait forever.
            if (FolderFiles.RefusalToRead(fullPath) is { } refusal)
            {
                return FileRead.Failed(refusal);
            }

            var info = new FileInfo(TryRealPath(fullPath, out var real) ? real : fullPath);

            if (info.Length > maxBytes)
            {
                return FileRead.TooLarge(info.Length);
            }

            // The size can change between the check and the read: read at most one byte past the limit.
            using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.SequentialScan);
            using var memory = new MemoryStream((int)info.Length);
            var chunk = new byte[81_920];
            int n;
            while ((n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, maxBytes + 1 - memory.Length))) > 0)
            {
                memory.Write(chunk, 0, n);
                if (memory.Length > maxBytes)
                {
                    return FileRead.TooLarge(Math.Max(memory.Length, info.Length));
                }
            }

            return FileRead.Of(memory.ToArray());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return FileRead.Failed(ex.Message);
        }
    }

    /// <summary>
    /// The path with every link in it resolved (the target of a link may hold links too). False for a loop. A path
    /// that does not exist resolves as far as it does.
    /// </summary>
    internal static bool TryRealPath(string fullPath, out string real)
    {
        var hops = 0;
        var path = fullPath;
        while (true)
        {
            var resolved = ResolveFirstLink(path, out var changed);
            if (!changed)
            {
                real = resolved;
                return true;
            }

            if (++hops > MaxLinkHops)
            {
                real = fullPath;
                return false;
            }

            path = resolved;
        }
    }

    /// <summary>Replaces the first link among the components of <paramref name="fullPath"/> by its target.</summary>
    private static string ResolveFirstLink(string fullPath, out bool changed)
    {
        changed = false;
        var root = Path.GetPathRoot(fullPath) ?? string.Empty;
        var parts = fullPath[root.Length..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        var current = root;
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (IOException)
            {
                target = null;
            }

            if (target is not null)
            {
                changed = true;
                var resolved = Path.GetFullPath(target, current);
                return parts.Length == i + 1 ? resolved : Path.Combine([resolved, .. parts[(i + 1)..]]);
            }

            current = next;
        }

        return Path.GetFullPath(fullPath);
    }

    private static bool IsInside(string real, string root) =>
        real.Equals(root, PathComparison) ||
        real.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, PathComparison);

    private static string Display(string root)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, root);
        return relative.StartsWith("..", StringComparison.Ordinal) ? root : relative;
    }
}

/// <summary>What <see cref="DefinitionFiles.Read"/> found: the bytes, or why there are none.</summary>
internal sealed record FileRead(byte[]? Bytes, bool IsMissing, long? TooLargeSize, string? Problem)
{
    public static FileRead Missing { get; } = new(null, true, null, null);

    public static FileRead Of(byte[] bytes) => new(bytes, false, null, null);

    public static FileRead TooLarge(long size) => new(null, false, size, null);

    public static FileRead Failed(string problem) => new(null, false, null, problem);
}
