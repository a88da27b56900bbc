using System.Diagnostics.CodeAnalysis;
using SalesWorkflow.Engine.Definitions.Loading;

namespace SalesWorkflow.Engine.Definitions;

/// <summary>
/// The rule for a file named inside someone else's file (a CRM mapping's <c>files:</c>, a definition's import): it
/// is named by a relative path and stays inside the folder, links resolved. The same rule the definition loader
/// applies (docs/security.md).
/// </summary>
public static class FolderFiles
{
    /// <summary>Resolves <paramref name="written"/> against <paramref name="folder"/>, or says why it may not be read.</summary>
    /// <param name="folder">The folder the file must be inside.</param>
    /// <param name="written">The path as written in the file that names it.</param>
    /// <param name="fullPath">The full path to read, when allowed.</param>
    /// <param name="refusal">Why not, when refused (never quoting any file's content).</param>
    /// <returns>Whether the file may be read.</returns>
    public static bool TryResolve(string folder, string written, [NotNullWhen(true)] out string? fullPath, [NotNullWhen(false)] out string? refusal)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(written);
        var access = new DefinitionFiles(long.MaxValue);
        access.AddRoot(folder);
        var full = Path.GetFullPath(Path.Combine(Path.GetFullPath(folder), written));
        refusal = written.Length == 0 ? "no file is named" : access.RefusalOf(written, full);
        fullPath = refusal is null ? full : null;
        return refusal is null;
    }

    /// <summary>
    /// Why <paramref name="fullPath"/> may not be opened for reading (null: it may): it is missing, a folder, empty, or
    /// not a regular file (a pipe, a device, a socket, a /proc file), also when reached through a link. Opening a pipe
    /// would wait for a writer forever, so this is checked on the link's final target before anything is opened.
    /// </summary>
    /// <param name="fullPath">The file to read.</param>
    /// <returns>The reason, in words that never quote the file's content; null when it is a regular file with content.</returns>
    public static string? RefusalToRead(string fullPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(fullPath);
        if (!DefinitionFiles.TryRealPath(Path.GetFullPath(fullPath), out var real))
        {
            return "it leads through a loop of links";
        }

        if (Directory.Exists(real))
        {
            return "it is a folder, not a file";
        }

        var target = new FileInfo(real);
        if (!target.Exists)
        {
            // A link into /proc/self/fd names "pipe:[…]" or "socket:[…]", which is no file at all.
            return Path.GetFileName(real).Contains(":[", StringComparison.Ordinal) ? "it is not a regular file (a link to a pipe or a socket)"
                : new FileInfo(fullPath).LinkTarget is null ? "it does not exist" : "it is a link to a file that does not exist";
        }

        // A device, a pipe or a /proc file reports no size.
        return target.Length == 0 ? "it is empty, or it is not a regular file (a device, a pipe, a socket)" : null;
    }
}
