using System.Diagnostics;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.PostgreSql.Tests;

/// <summary><c>salesflow</c> on PostgreSQL, as an OS process: the demo with several worker processes, then reading it back.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task DemoWithTwoWorkers_OnPostgreSql_RunsAndItsDealsCanBeReadBack()
    {
        var database = PostgresServer.Shared.CreateDatabase();

        var (code, output, error) = await SalesflowAsync("demo", "--db", database, "--workers", "2", "--deals", "60", "--months", "1", "--definitions", RepoPaths.Definitions, "--quiet");

        Assert.True(code == 0, error + output);
        Assert.Contains("2 worker processes", System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " "), StringComparison.Ordinal);
        Assert.Contains("Pipeline by stage", output, StringComparison.Ordinal);
        var history = await SalesflowAsync("history", "--db", database, "D-00002");
        Assert.True(history.Code == 0, history.Error);
        Assert.Contains("tracking-started", history.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemoWithWorkers_OnSqlite_IsRefusedWithTheReason()
    {
        var (code, _, error) = await SalesflowAsync("demo", "--db", Path.Combine(Path.GetTempPath(), $"sw-{Guid.NewGuid():N}.db"), "--workers", "2", "--definitions", RepoPaths.Definitions);

        Assert.Equal(2, code);
        Assert.Contains("needs a PostgreSQL --db", error, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task Import_IntoPostgreSql_KilledMidRun_ResumesToWhatTheSameImportIntoSqliteHolds()
    {
        var folder = SampleSubset(rows: 1_500);
        try
        {
            var database = PostgresServer.Shared.CreateDatabase();
            var sqlite = Path.Combine(folder, "reference.db");
            var process = Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml");

            // Killed once some deals are in: the rerun takes what is there as already imported and does the rest.
            using (var first = Salesflow("import", folder, "--db", database, "--process", process))
            {
                var deadline = Stopwatch.StartNew();
                while (await DealsIn(database) < 100 && !first.HasExited && deadline.Elapsed < TimeSpan.FromMinutes(2))
                {
                    await Task.Delay(20);
                }

                Assert.False(first.HasExited, "the import ended before it could be killed; the test needs more rows");
                first.Kill(entireProcessTree: true);
                await first.WaitForExitAsync();
            }

            var killedAt = await DealsIn(database);
            var resumed = await SalesflowAsync("import", folder, "--db", database, "--process", process);
            var again = await SalesflowAsync("import", folder, "--db", database, "--process", process);
            var reference = await SalesflowAsync("import", folder, "--db", sqlite, "--process", process);

            Assert.True(resumed.Code == 0, resumed.Error + resumed.Out);
            Assert.True(reference.Code == 0, reference.Error + reference.Out);
            Assert.InRange(killedAt, 100, 1_498);
            Assert.Contains("into the PostgreSQL database", resumed.Out, StringComparison.Ordinal);
            Assert.DoesNotContain("Password", resumed.Out + resumed.Error, StringComparison.OrdinalIgnoreCase);
            Assert.Matches(@"[1-9][\d,]* already imported as the export has them", resumed.Out);
            Assert.Contains("Engine: 0 commands applied", again.Out, StringComparison.Ordinal);
            Assert.Equal(Summary(reference.Out), Summary(resumed.Out));

            // The same review, figure for figure, from either store.
            var fromPostgres = await SalesflowAsync("report", "--db", database, "--period", "2017", "--format", "json");
            var fromSqlite = await SalesflowAsync("report", "--db", sqlite, "--period", "2017", "--format", "json");
            Assert.True(fromPostgres.Code == 0, fromPostgres.Error);
            Assert.Equal(WithoutGeneratedAt(fromSqlite.Out), WithoutGeneratedAt(fromPostgres.Out));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The first line of the import's summary, without the database it names.</summary>
    private static string Summary(string output) =>
        System.Text.RegularExpressions.Regex.Replace(output.Split('\n')[0], " into .*? \\(", " into … (");

    private static string WithoutGeneratedAt(string json) =>
        System.Text.RegularExpressions.Regex.Replace(json, "\"(generatedAt|database)\":\\s*\"[^\"]*\"", string.Empty);

    private static async Task<long> DealsIn(string database)
    {
        try
        {
            await using var connection = new Npgsql.NpgsqlConnection(database);
            await connection.OpenAsync();
            await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM instances;", connection);
            return (long)(await count.ExecuteScalarAsync())!;
        }
        catch (Npgsql.PostgresException ex) when (ex.SqlState == "42P01")
        {
            return 0; // the import has not created its tables yet
        }
    }

    /// <summary>The Maven sample's mapping and reference files with the first <paramref name="rows"/> opportunities, in a folder of its own.</summary>
    private static string SampleSubset(int rows)
    {
        var folder = Directory.CreateTempSubdirectory("sw-pg-import-").FullName;
        var sample = RepoPaths.Combine("samples", "maven-crm");
        foreach (var file in Directory.EnumerateFiles(sample))
        {
            var target = Path.Combine(folder, Path.GetFileName(file));
            if (Path.GetFileName(file) == "sales_pipeline.csv")
            {
                File.WriteAllLines(target, File.ReadLines(file).Take(rows + 1));
            }
            else
            {
                File.Copy(file, target);
            }
        }

        return folder;
    }

    private static Process Salesflow(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "salesflow.dll"));
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    private static async Task<(int Code, string Out, string Error)> SalesflowAsync(params string[] args)
    {
        using var process = Salesflow(args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await output, await error);
    }
}
