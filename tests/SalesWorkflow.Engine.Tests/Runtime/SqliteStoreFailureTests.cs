using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Sqlite.Storage;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>An unusable database file gives a clear error that says what to do, and never damages the file.</summary>
public sealed class SqliteStoreFailureTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sw-store-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task<SalesWorkflowStoreException> InitializeFails(string connectionString, bool readOnly = false)
    {
        await using var store = new SqliteProcessStore(connectionString, TimeProvider.System, readOnly);
        return await Assert.ThrowsAsync<SalesWorkflowStoreException>(() => store.InitializeAsync(CancellationToken.None));
    }

    [Fact]
    public async Task CorruptFile_SaysItIsNotASalesWorkflowDatabase()
    {
        var path = Path.Combine(_folder, "corrupt.db");
        await File.WriteAllBytesAsync(path, [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 7))]);

        var error = await InitializeFails($"Data Source={path}");

        Assert.Contains("not a SalesWorkflow database or is corrupt", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task ForeignSqliteDatabase_IsNotTouched()
    {
        var path = Path.Combine(_folder, "other.db");
        await using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            await connection.OpenAsync();
            await using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE customers (id INTEGER);";
            await create.ExecuteNonQueryAsync();
        }

        var error = await InitializeFails($"Data Source={path}");

        Assert.Contains("not a SalesWorkflow one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewerSchema_AsksForAnUpgrade()
    {
        var path = Path.Combine(_folder, "newer.db");
        await using (var store = new SqliteProcessStore($"Data Source={path}", TimeProvider.System))
        {
            await store.InitializeAsync(CancellationToken.None);
        }

        await using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            await connection.OpenAsync();
            await using var bump = connection.CreateCommand();
            bump.CommandText = "INSERT INTO schema_info (version, applied_at) VALUES (99, 'future');";
            await bump.ExecuteNonQueryAsync();
        }

        var error = await InitializeFails($"Data Source={path}");

        Assert.Contains("newer SalesWorkflow (schema version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadOnlyDatabase_SaysItIsReadOnly()
    {
        var path = Path.Combine(_folder, "readonly.db");
        await using (var store = new SqliteProcessStore($"Data Source={path}", TimeProvider.System))
        {
            await store.InitializeAsync(CancellationToken.None);
        }

        // Opening the file read-only gives the same SQLite error as a file without write permission (which root ignores).
        await using var readOnly = new SqliteProcessStore($"Data Source={path};Mode=ReadOnly", TimeProvider.System);
        await readOnly.InitializeAsync(CancellationToken.None);
        var write = readOnly.ExecuteAsync("c", "d", _ => throw new InvalidOperationException(), [], CancellationToken.None);

        var error = await Assert.ThrowsAsync<SalesWorkflowStoreException>(() => write);
        Assert.Contains("read-only", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task AReadOnlyStore_OnACleanlyClosedFile_LeavesNoSideFilesAndTheFileAsItWas()
    {
        var path = Path.Combine(_folder, "closed.db");
        await using (var store = new SqliteProcessStore($"Data Source={path}", TimeProvider.System))
        {
            await store.InitializeAsync(CancellationToken.None);
        }

        SqliteConnection.ClearAllPools();
        Assert.False(File.Exists(path + "-wal") || File.Exists(path + "-shm"), "the writer's close removes them");
        var bytes = await File.ReadAllBytesAsync(path);
        var written = File.GetLastWriteTimeUtc(path);

        await using (var reader = new SqliteProcessStore($"Data Source={path};Mode=ReadOnly", TimeProvider.System))
        {
            await reader.InitializeAsync(CancellationToken.None);
            Assert.Empty(await reader.QueryAsync(new DealQuery(), CancellationToken.None));
            Assert.True(File.Exists(path + "-shm"), "SQLite needs them while the reader is open; the test checks they go");
        }

        Assert.Equal((false, false), (File.Exists(path + "-wal"), File.Exists(path + "-shm")));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public async Task AReadOnlyStore_ClosingWhileAWriterHasTheFile_LeavesTheWritersFilesAndItsWork()
    {
        var path = Path.Combine(_folder, "shared.db");
        await using (var created = new SqliteProcessStore($"Data Source={path}", TimeProvider.System))
        {
            await created.InitializeAsync(CancellationToken.None);
        }

        SqliteConnection.ClearAllPools();
        await using (var reader = new SqliteProcessStore($"Data Source={path};Mode=ReadOnly", TimeProvider.System))
        {
            await reader.InitializeAsync(CancellationToken.None);
            await using var writer = new SqliteProcessStore($"Data Source={path}", TimeProvider.System);
            await writer.InitializeAsync(CancellationToken.None);
            await reader.DisposeAsync(); // the writer opened after the reader, so the reader thinks the files are its own
            Assert.True(File.Exists(path + "-wal") && File.Exists(path + "-shm"), "the writer still needs its WAL files");
            Assert.Empty(await writer.QueryAsync(new DealQuery(), CancellationToken.None));
        }
    }

    [Fact]
    public async Task LockedDatabase_IsTransientAndSaysWhoToStop()
    {
        var path = Path.Combine(_folder, "locked.db");
        await using var store = new SqliteProcessStore($"Data Source={path};Default Timeout=1", TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        await using var other = new SqliteConnection($"Data Source={path}");
        await other.OpenAsync();
        await using var lockIt = other.CreateCommand();
        lockIt.CommandText = "PRAGMA busy_timeout = 0; BEGIN EXCLUSIVE;";
        await lockIt.ExecuteNonQueryAsync();

        var error = await Assert.ThrowsAsync<SalesWorkflowStoreException>(() =>
            store.RegisterProcessVersionAsync(new ProcessVersionRecord("p", 1, new string('a', 64), new Dictionary<string, string>(), "p.yaml"), CancellationToken.None));

        Assert.True(error.IsTransient);
        Assert.Contains("locked by another process", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingFolder_SaysTheFolderMustExist()
    {
        var error = await InitializeFails($"Data Source={Path.Combine(_folder, "no", "such", "dir", "x.db")}");

        Assert.Contains("cannot be opened", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddSalesWorkflow_Twice_RegistersOneEngineAndAppliesBothConfigurations()
    {
        var services = new ServiceCollection();
        services.AddFirstPartyPlugins();
        services.AddSalesWorkflow(o => o.AddDefinitions(RepoPaths.Definitions));
        services.AddSalesWorkflow(o => o.UseSqlite($"Data Source={Path.Combine(_folder, "x.db")}"));
        using var provider = services.BuildServiceProvider();

        Assert.Same(provider.GetRequiredService<ISalesWorkflowEngine>(), provider.GetRequiredService<ISalesWorkflowMaintenance>());
        var options = provider.GetRequiredService<IOptions<SalesWorkflowOptions>>().Value;
        Assert.Equal([RepoPaths.Definitions], options.DefinitionPaths);
        Assert.Single(services, d => d.ServiceType == typeof(ISalesWorkflowEngine));
    }

    [Fact]
    public void AddSalesWorkflow_WithoutStoreOrDefinitions_FailsWithWhatToAdd()
    {
        var services = new ServiceCollection();
        services.AddSalesWorkflow(o => o.TimerPollInterval = TimeSpan.Zero);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ISalesWorkflowEngine>());

        Assert.Contains("AddDefinitions", error.Message, StringComparison.Ordinal);
        Assert.Contains("UseSqlite", error.Message, StringComparison.Ordinal);
        Assert.Contains("TimerPollInterval must be positive", error.Message, StringComparison.Ordinal);
    }
}
