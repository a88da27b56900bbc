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
}
