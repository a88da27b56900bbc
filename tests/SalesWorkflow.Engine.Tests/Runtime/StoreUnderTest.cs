using SalesWorkflow.Engine.Hosting;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>The store this project runs the store contract on (SalesWorkflow.Engine.StoreContract): a SQLite file in a temp folder.</summary>
internal sealed class StoreUnderTest : SalesWorkflow.Engine.StoreContract.IStoreUnderTest
{
    private readonly bool _ownsFolder;

    private StoreUnderTest(string? folder)
    {
        _ownsFolder = folder is null;
        Folder = folder ?? Directory.CreateTempSubdirectory("sw-runtime-").FullName;
        DatabasePath = Path.Combine(Folder, "salesworkflow.db");
    }

    public string Folder { get; }

    public string DatabasePath { get; }

    /// <summary>A fresh database, or the one of <paramref name="folder"/>, which harnesses given the same folder share.</summary>
    public static StoreUnderTest Open(string? folder) => new(folder);

    public void Configure(SalesWorkflowOptions options) => options.UseSqlite($"Data Source={DatabasePath};Default Timeout=2");

    public void Dispose()
    {
        if (!_ownsFolder)
        {
            return;
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file may still be held by a pooled connection; the temp folder is cleaned by the OS.
        }
    }
}
