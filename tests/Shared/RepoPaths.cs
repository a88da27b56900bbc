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

    /// <summary>Makes output independent of where the repository is checked out.</summary>
    public static string Relative(string text) => text.Replace(Root + Path.DirectorySeparatorChar, string.Empty, StringComparison.Ordinal);
}
