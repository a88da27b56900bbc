namespace SalesWorkflow.Benchmarks;

/// <summary>Finds the repository's definitions from wherever BenchmarkDotNet runs the benchmark process.</summary>
internal static class RepositoryFiles
{
    public static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SalesWorkflow.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? Environment.GetEnvironmentVariable("SALESWORKFLOW_ROOT")
                ?? throw new InvalidOperationException("Run from inside the repository or set SALESWORKFLOW_ROOT.");
        }
    }

    public static string Definition(string name) => Path.Combine(Root, "definitions", name);
}
