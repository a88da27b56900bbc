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

    private static async Task<(int Code, string Out, string Error)> SalesflowAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "salesflow.dll"));
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await output, await error);
    }
}
