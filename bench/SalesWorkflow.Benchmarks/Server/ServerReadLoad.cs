using System.Diagnostics;
using System.Globalization;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Benchmarks.Server;

/// <summary>
/// A load driver (docs/performance.md): p50/p90/p99 of the deal list (<c>GET /api/deals?limit=100&amp;after=…</c>) and
/// deal (<c>GET /api/deals/{id}</c>) endpoints over HTTP with 100,000 deals in the database, 32 concurrent clients,
/// next to the same reads in-process (<c>QueryAsync</c>, <c>GetDealAsync</c>) in the same run. Percentiles are of
/// single requests, which BenchmarkDotNet's per-iteration statistics cannot give. Goal (issue 17): p99 under 50 ms.
/// <c>dotnet run -c Release --project bench/SalesWorkflow.Benchmarks -- server-reads [deals] [requests]</c>
/// </summary>
internal static class ServerReadLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var deals = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        var requests = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20_000;
        await using var server = await BenchmarkServer.StartAsync();
        var seeding = Stopwatch.StartNew();
        await server.SeedAsync(deals);
        Console.WriteLine($"seeded {deals:N0} deals in {seeding.Elapsed.TotalSeconds:F0} s");
        using var client = server.Client();
        var random = new Random(17);
        var ids = Enumerable.Range(0, requests).Select(_ => random.Next(deals)).ToArray();

        // Warm-up: JIT, connections, SQLite page cache.
        await Measure(2_000, i => client.GetStringAsync($"/api/deals/D-{ids[i]}"));
        await Measure(2_000, i => server.Engine.GetDealAsync("D-" + ids[i]));

        Report("GET /api/deals/{id} (HTTP)", await Measure(requests, i => client.GetStringAsync($"/api/deals/D-{ids[i]}")));
        Report("GetDealAsync (in-process)", await Measure(requests, i => server.Engine.GetDealAsync("D-" + ids[i])));
        Report("GET /api/deals?limit=100&after= (HTTP)", await Measure(requests, i => client.GetStringAsync($"/api/deals?limit=100&after=D-{ids[i]}")));
        Report("QueryAsync limit 100 (in-process)", await Measure(requests, i => server.Engine.QueryAsync(new DealQuery { Limit = 100, AfterDealId = "D-" + ids[i] })));
        Report("GET /api/deals?team=east&blocked=true&limit=100 (HTTP)", await Measure(requests / 4, i => client.GetStringAsync($"/api/deals?team=east&blocked=true&limit=100&after=D-{ids[i]}")));
        return 0;
    }

    private static async Task<(double[] Latencies, TimeSpan Elapsed)> Measure<T>(int count, Func<int, Task<T>> read)
    {
        var latencies = new double[count];
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                await read(i);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        })));
        return (latencies, watch.Elapsed);
    }

    private static void Report(string what, (double[] Latencies, TimeSpan Elapsed) run)
    {
        var sorted = run.Latencies.Order().ToArray();
        double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what,-55} p50 {P(0.50),7:F2} ms  p90 {P(0.90),7:F2} ms  p99 {P(0.99),7:F2} ms  max {sorted[^1],7:F1} ms  {sorted.Length / run.Elapsed.TotalSeconds,8:N0} req/s"));
    }
}
