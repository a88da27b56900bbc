namespace SalesWorkflow.Cli.Commands;

/// <summary>Checks file and folder arguments before a command runs, so a typo is a usage error (exit 2), not a crash.</summary>
internal static class PathArguments
{
    public static bool AllExist(IEnumerable<string> paths, TextWriter error)
    {
        var ok = true;
        foreach (var path in paths)
        {
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                error.WriteLine($"salesflow: '{path}' does not exist");
                ok = false;
            }
        }

        return ok;
    }
}
