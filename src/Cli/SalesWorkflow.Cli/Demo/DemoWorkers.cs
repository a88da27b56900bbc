using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SalesWorkflow.Cli.Commands;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Cli.Demo;

/// <summary>
/// <c>salesflow demo --workers N</c> on PostgreSQL: N worker processes (<c>salesflow demo-worker</c>) run the pipeline
/// together on one database, each working every N-th deal, while the coordinator keeps their simulated clocks in step
/// (a day's work, then timers, then the nightly sweep, then timers again). Due timers are claimed by whichever worker
/// gets to them first (<c>FOR UPDATE SKIP LOCKED</c>); the sweep runs on worker 0 only, because it pages through every
/// open deal.
/// </summary>
internal static class DemoWorkers
{
    /// <summary>Totals reported by the workers after each step: commands, rejected, timers fired, sweep changes, deals started.</summary>
    internal sealed record Totals(long Commands, long Rejected, long TimersFired, long SweepChanges, int DealsStarted);

    public static async Task<Totals> CoordinateAsync(string database, SimulationSettings settings, string definitions, IReadOnlyList<string>? pluginFolders, int workers, Action<int, int, Totals> report, CancellationToken cancellationToken)
    {
        var processes = Enumerable.Range(0, workers).Select(worker => Start(database, settings, definitions, pluginFolders, worker, workers)).ToList();
        try
        {
            var days = (int)(settings.Start.AddMonths(settings.Months) - settings.Start).TotalDays;
            var totals = new Totals(0, 0, 0, 0, 0);
            for (var day = 0; day < days; day++)
            {
                foreach (var step in new[] { $"work {day}", $"fire {day} 8", $"sweep {day}", $"fire {day} 9" })
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    totals = Sum(await Task.WhenAll(processes.Select(p => StepAsync(p, step))));
                }

                report(day + 1, days, totals);
            }

            foreach (var process in processes)
            {
                await process.StandardInput.WriteLineAsync("end");
                await process.StandardInput.FlushAsync(cancellationToken);
            }

            foreach (var process in processes)
            {
                await process.WaitForExitAsync(cancellationToken);
            }

            return totals;
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.Dispose();
            }
        }
    }

    private static Process Start(string database, SimulationSettings settings, string definitions, IReadOnlyList<string>? pluginFolders, int worker, int workers)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(DemoWorkers).Assembly.Location);
        }

        foreach (var argument in new[]
        {
            "demo-worker", database, definitions, settings.ProcessId,
            settings.Deals.ToString(CultureInfo.InvariantCulture), settings.Months.ToString(CultureInfo.InvariantCulture), settings.Seed.ToString(CultureInfo.InvariantCulture),
            worker.ToString(CultureInfo.InvariantCulture), workers.ToString(CultureInfo.InvariantCulture),
        }.Concat(pluginFolders ?? []))
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start a demo worker.");
    }

    private static async Task<Totals> StepAsync(Process process, string step)
    {
        await process.StandardInput.WriteLineAsync(step);
        await process.StandardInput.FlushAsync();
        var reply = await process.StandardOutput.ReadLineAsync();
        if (reply is null || !reply.StartsWith("ok ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"A demo worker stopped during '{step}': {reply ?? "(exited)"}");
        }

        var fields = reply.Split(' ');
        return new Totals(long.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[2], CultureInfo.InvariantCulture), long.Parse(fields[3], CultureInfo.InvariantCulture), long.Parse(fields[4], CultureInfo.InvariantCulture), int.Parse(fields[5], CultureInfo.InvariantCulture));
    }

    private static Totals Sum(IEnumerable<Totals> all)
    {
        var list = all.ToList();
        return new Totals(list.Sum(t => t.Commands), list.Sum(t => t.Rejected), list.Sum(t => t.TimersFired), list.Sum(t => t.SweepChanges), list.Max(t => t.DealsStarted));
    }

    /// <summary>One worker: runs the steps the coordinator sends on standard input, answers each with its totals.</summary>
    public static async Task<int> RunWorkerAsync(string[] args, CancellationToken cancellationToken)
    {
        var (database, definitions, processId) = (args[0], args[1], args[2]);
        var number = args[3..8].Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
        var settings = new SimulationSettings(number[0], number[1], number[2], processId, DemoCommand.SimulationStart, number[3], number[4]);
        var pluginFolders = args[8..];
        var clock = new SimulatedClock(settings.Start);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(definitions);
            o.UsePostgreSql(database);
            o.RunBackgroundServices = false;
        });
        PluginSupport.AddTo(services, pluginFolders);
        await using var provider = services.BuildServiceProvider();
        var simulation = new PipelineSimulation(provider.GetRequiredService<ISalesWorkflowEngine>(), provider.GetRequiredService<ISalesWorkflowMaintenance>(), clock, settings);
        while (await Console.In.ReadLineAsync(cancellationToken) is { } line && line != "end")
        {
            var fields = line.Split(' ');
            var day = int.Parse(fields[1], CultureInfo.InvariantCulture);
            switch (fields[0])
            {
                case "work":
                    await simulation.WorkDayAsync(day, cancellationToken);
                    break;
                case "fire":
                    await simulation.FireTimersAsync(day, int.Parse(fields[2], CultureInfo.InvariantCulture), cancellationToken);
                    break;
                case "sweep" when settings.Worker == 0:
                    await simulation.SweepAsync(day, cancellationToken);
                    break;
            }

            var p = simulation.Progress;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ok {p.Commands} {p.Rejected} {p.TimersFired} {p.SweepChanges} {p.DealsStarted}"));
        }

        return ExitCodes.Ok;
    }

    /// <summary>Drops the SalesWorkflow tables of a PostgreSQL database, so the demo starts from nothing (as it replaces an SQLite file).</summary>
    public static async Task ResetAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(Normalize(database));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("DROP TABLE IF EXISTS instances, events, commands, timers, outbox, process_versions, schema_info;", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Normalize(string database)
    {
        if (!database.StartsWith("postgres", StringComparison.OrdinalIgnoreCase))
        {
            return database;
        }

        var uri = new Uri(database);
        var user = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host, Database = uri.AbsolutePath.Trim('/') };
        if (uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        if (user[0].Length > 0)
        {
            builder.Username = Uri.UnescapeDataString(user[0]);
        }

        if (user.Length == 2)
        {
            builder.Password = Uri.UnescapeDataString(user[1]);
        }

        return builder.ConnectionString;
    }
}
