namespace SalesWorkflow.Tests;

/// <summary>Locates the repository so tests read definitions/ and corpora in place, never copies.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SalesWorkflow.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("SalesWorkflow.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => LazyRoot.Value;

    public static string Definitions => Path.Combine(Root, "definitions");

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The shipped <c>definitions/standard-b2b.yaml</c> with its <c>version:</c> set to <paramref name="version"/>: for tests that need several versions of it.</summary>
    public static string StandardB2bAt(int version)
    {
        var text = File.ReadAllText(Path.Combine(Definitions, "standard-b2b.yaml"));
        var versioned = System.Text.RegularExpressions.Regex.Replace(text, @"^version: [0-9]+$", $"version: {version}", System.Text.RegularExpressions.RegexOptions.Multiline, TimeSpan.FromSeconds(1));
        return versioned != text || text.Contains($"\nversion: {version}\n", StringComparison.Ordinal)
            ? versioned
            : throw new InvalidOperationException("standard-b2b.yaml has no `version:` line");
    }

    /// <summary>Makes output independent of where the repository is checked out.</summary>
    public static string Relative(string text) => text.Replace(Root + Path.DirectorySeparatorChar, string.Empty, StringComparison.Ordinal);
}
