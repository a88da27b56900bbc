namespace SalesWorkflow.Engine.Definitions.Loading;

/// <summary>
/// The names a set of in-memory definition texts may use (<see cref="DefinitionLoader.LoadSources"/>): relative paths
/// with <c>/</c> between folders, each part a plain name except for leading
/// <c>..</c> parts (a process in <c>processes/</c> that imports <c>../packs/bant.yaml</c> is stored with that name).
/// The names come from whoever uploads the set, so only canonical names pass: two names never mean one file.
/// </summary>
internal static class SourceNames
{
    /// <summary>Most leading <c>..</c> parts a name may have; the in-memory root is this deep.</summary>
    public const int MaxLevelsUp = 8;

    private const int MaxLength = 255;

    /// <summary>Why <paramref name="name"/> cannot name a file of the set, or null when it can.</summary>
    public static string? RefusalOf(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "the name is empty";
        }

        if (name.Length > MaxLength)
        {
            return $"the name is longer than {MaxLength} characters";
        }

        if (name.Any(char.IsControl))
        {
            return "the name holds control characters";
        }

        if (name.Contains('\\') || name.Contains(':') || name.StartsWith('/') || name.StartsWith('~') || Path.IsPathRooted(name))
        {
            return "paths are relative, with `/` between folders";
        }

        var parts = name.Split('/');
        var up = parts.TakeWhile(part => part == "..").Count();
        if (up > MaxLevelsUp)
        {
            return $"it leads more than {MaxLevelsUp} folders up";
        }

        if (parts.Skip(up).Any(part => part is "" or "." or ".."))
        {
            return "each part of the path is a plain name (no empty part or `.`, and `..` only at the start)";
        }

        // Any extension: an import may name `packs/bant.rules`, and a stored version keeps that name.
        return null;
    }

    /// <summary>The name as a diagnostic shows it: control characters replaced, at most 255 characters.</summary>
    public static string Shown(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "(no name)";
        }

        var visible = new string([.. name.Take(MaxLength).Select(c => char.IsControl(c) ? '?' : c)]);
        return name.Length > MaxLength ? visible + "…" : visible;
    }
}
