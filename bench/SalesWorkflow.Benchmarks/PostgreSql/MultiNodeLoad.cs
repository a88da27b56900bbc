using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SalesWorkflow.Benchmarks.Runtime;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Benchmarks.PostgreSql;

/// <summary>
/// The multi-node load driver (docs/performance.md, "Several nodes on PostgreSQL"). Not a BenchmarkDotNet benchmark:
/// what it measures is several engine processes sharing one database, which BenchmarkDotNet's single process cannot
/// show. For each node count it creates a fresh database, starts that many node processes (this program in
/// <c>multinode-node</c> mode), lets each seed its share of the deals, then releases all of them at once: for a fixed
/// time every node's callers submit commands (70% log an activity, 30% update the opportunity, as CommandBenchmarks)
/// to deals chosen from all deals, so nodes contend on the same deals as real ones do. Then the simulated clock moves
/// three weeks and every node fires due escalation timers at once until none is left.
/// </summary>
internal static class MultiNodeLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = Options(args);
        var admin = options.GetValueOrDefault("db") ?? Environment.GetEnvironmentVariable("SW_BENCH_POSTGRES")
            ?? throw new ArgumentException("Pass --db \"Host=…;Username=…;Database=postgres\" (a server where the driver may create databases).");
        var nodeCounts = (options.GetValueOrDefault("nodes") ?? "1,2,3").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToList();
        var seconds = int.Parse(options.GetValueOrDefault("seconds") ?? "20", CultureInfo.InvariantCulture);
        var callers = int.Parse(options.GetValueOrDefault("callers") ?? "32", CultureInfo.InvariantCulture);
        var deals = int.Parse(options.GetValueOrDefault("deals") ?? "3000", CultureInfo.InvariantCulture);

        Console.WriteLine($"| Nodes | Callers per node | Commands | Commands/s | p50 latency | p99 latency | Timers fired | Timers/s | Engine CPU per command | Database CPU per command |");
        Console.WriteLine($"|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var count in nodeCounts)
        {
            var database = CreateDatabase(admin, count);
            var nodes = Enumerable.Range(0, count).Select(i => Node.Start(database, i, count, seconds, callers, deals)).ToList();
            await Task.WhenAll(nodes.Select(n => n.WaitForAsync("seeded")));
            // CPU of the database server (postmaster and every process it started) over the command phase, when the
            // server runs on this machine; the nodes report their own.
            var serverCpu = ServerCpuSeconds(database);
            foreach (var node in nodes)
            {
                await node.SendAsync("go");
            }

            var results = (await Task.WhenAll(nodes.Select(n => n.WaitForAsync("commands")))).Select(line => JsonSerializer.Deserialize<Dictionary<string, double>>(line[9..])!).ToList();
            var databaseCpu = ServerCpuSeconds(database) - serverCpu;
            foreach (var node in nodes)
            {
                await node.SendAsync("timers");
            }

            var timers = (await Task.WhenAll(nodes.Select(n => n.WaitForAsync("timers")))).Select(line => JsonSerializer.Deserialize<Dictionary<string, double>>(line[7..])!).ToList();
            foreach (var node in nodes)
            {
                node.Dispose();
            }

            var latencies = results.SelectMany(r => r.Where(kv => kv.Key.StartsWith('l')).Select(kv => kv.Value)).Order().ToList();
            var commands = results.Sum(r => r["commands"]);
            var elapsed = results.Max(r => r["seconds"]);
            var fired = timers.Sum(t => t["fired"]);
            var timerSeconds = timers.Max(t => t["seconds"]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {count} | {callers} | {commands:N0} | {commands / elapsed:N0} | {Measurements.Percentile(latencies, 50):F1} ms | {Measurements.Percentile(latencies, 99):F1} ms | {fired:N0} | {fired / timerSeconds:N0} | {results.Sum(r => r["cpu"]) * 1000 / commands:F2} ms | {(databaseCpu is { } db ? (db * 1000 / commands).ToString("F2", CultureInfo.InvariantCulture) + " ms" : "n/a")} |"));
        }

        return 0;
    }

    /// <summary>One node: seeds its deals, waits for "go", runs the callers, reports; then fires timers on "timers".</summary>
    public static async Task<int> RunNodeAsync(string[] args)
    {
        var (database, index, count, seconds, callers, deals) = (args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture), int.Parse(args[4], CultureInfo.InvariantCulture), int.Parse(args[5], CultureInfo.InvariantCulture), int.Parse(args[6], CultureInfo.InvariantCulture));
        var clock = new BenchmarkClock(EngineFixture.Start);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddFirstPartyPlugins(); // the shipped definitions list plugins (credit, customer-care)
        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(RepositoryFiles.Definition("standard-b2b.yaml"));
            o.UsePostgreSql(database);
            o.RunBackgroundServices = false;
        });
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<ISalesWorkflowEngine>();
        var maintenance = provider.GetRequiredService<ISalesWorkflowMaintenance>();

        // This node's share of the deals, with a few activities each, as a running pipeline has.
        await Parallel.ForEachAsync(Enumerable.Range(0, deals).Where(i => i % count == index), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var dealId = "D-" + i;
            await EngineFixture.Expect(engine.SubmitAsync(EngineFixture.NewDeal(dealId, i), ct));
            for (var a = 0; a < 3; a++)
            {
                await EngineFixture.Expect(engine.SubmitAsync(EngineFixture.Activity($"{dealId}:seed{a}", dealId, a, clock.GetUtcNow()), ct));
            }
        });
        Console.WriteLine("seeded");
        _ = await Console.In.ReadLineAsync();

        var latencies = new List<double>[callers];
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = new List<double>(10_000);
            var random = new Random((index * 1000) + c);
            for (var n = 0; watch.Elapsed < until; n++)
            {
                var deal = random.Next(deals);
                var dealId = "D-" + deal;
                var commandId = $"{dealId}:n{index}-c{c}-{n}";
                DealCommand command = n % 10 < 7
                    ? EngineFixture.Activity(commandId, dealId, 1_000_000 + (index * 100_000_000) + (c * 1_000_000) + n, clock.GetUtcNow())
                    : new UpsertFacts(commandId, dealId) { Opportunity = Updated(deal, n) };
                var started = Stopwatch.GetTimestamp();
                await EngineFixture.Expect(engine.SubmitAsync(command));
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        })));
        watch.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var all = latencies.SelectMany(l => l).ToList();

        // A sample of the latencies goes back to the driver, which takes percentiles over all nodes.
        var report = new Dictionary<string, double> { ["commands"] = all.Count, ["seconds"] = watch.Elapsed.TotalSeconds, ["cpu"] = cpu.TotalSeconds };
        var step = Math.Max(1, all.Count / 5_000);
        for (var i = 0; i < all.Count; i += step)
        {
            report["l" + i] = all[i];
        }

        Console.WriteLine("commands " + JsonSerializer.Serialize(report));
        _ = await Console.In.ReadLineAsync();

        clock.Advance(TimeSpan.FromDays(22));
        var timers = Stopwatch.StartNew();
        var fired = 0;
        while (await maintenance.FireDueTimersAsync() is var batch and > 0)
        {
            fired += batch;
        }

        timers.Stop();
        Console.WriteLine("timers " + JsonSerializer.Serialize(new Dictionary<string, double> { ["fired"] = fired, ["seconds"] = timers.Elapsed.TotalSeconds }));
        return 0;
    }

    private static SalesWorkflow.Sdk.Facts.Opportunity Updated(int deal, int n)
    {
        var opportunity = EngineFixture.OpportunityOf(deal);
        opportunity.NextStep = $"Follow-up {n}";
        opportunity.Amount += n;
        return opportunity;
    }

    /// <summary>User and system CPU seconds of the server's postmaster and its children (null when it is not on this machine).</summary>
    private static double? ServerCpuSeconds(string database)
    {
        try
        {
            using var connection = new NpgsqlConnection(database);
            connection.Open();
            using var command = new NpgsqlCommand("SELECT pg_backend_pid();", connection);
            var backend = Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
            var postmaster = Stat(backend)?.ParentPid;
            if (postmaster is null)
            {
                return null;
            }

            var ticks = 0L;
            foreach (var folder in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(folder), out var pid) && Stat(pid) is { } stat && (pid == postmaster || stat.ParentPid == postmaster))
                {
                    ticks += stat.CpuTicks;
                }
            }

            return ticks / 100.0; // USER_HZ
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static (int ParentPid, long CpuTicks)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string CreateDatabase(string admin, int nodes)
    {
        var name = $"sw_load_{nodes}_{Guid.NewGuid():N}"[..30];
        using var connection = new NpgsqlConnection(admin);
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE DATABASE {name};", connection);
        command.ExecuteNonQuery();
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    private static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }

        return options;
    }

    private sealed class Node : IDisposable
    {
        private readonly Process _process;

        private Node(Process process) => _process = process;

        public static Node Start(string database, int index, int count, int seconds, int callers, int deals)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            {
                start.ArgumentList.Add(typeof(MultiNodeLoad).Assembly.Location);
            }

            foreach (var argument in new object[] { "multinode-node", database, index, count, seconds, callers, deals })
            {
                start.ArgumentList.Add(Convert.ToString(argument, CultureInfo.InvariantCulture)!);
            }

            return new Node(Process.Start(start)!);
        }

        public async Task<string> WaitForAsync(string prefix)
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line;
                }
            }

            throw new InvalidOperationException($"A node exited (code {_process.ExitCode}) before reporting '{prefix}'.");
        }

        public async Task SendAsync(string line)
        {
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
        }

        public void Dispose()
        {
            _process.StandardInput.Close();
            _process.WaitForExit();
            _process.Dispose();
        }
    }
}
