using System.Diagnostics;
using BenchmarkDotNet.Attributes;

namespace SalesWorkflow.Benchmarks.Runtime;

/// <summary>
/// Memory with 10,000 and with 100,000 open deals: the engine keeps no deal in memory between commands, so the heap
/// must not grow with the deals that sit idle in the database. Setup starts the deals and runs one full sweep over
/// them (the sweep pages through every open deal); each invocation then submits 1,000 commands to 200 active deals.
/// The summary shows the managed heap and the working set after a full collection at the end of the run, and the
/// allocation per command; the 10,000-deal row is the baseline of the ratio.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(IdleDealColumnsConfig))]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8, invocationCount: 1)]
public class IdleDealBenchmarks
{
    private const int ActiveDeals = 200;
    private const int CommandsPerInvocation = 1_000;

    private EngineFixture _fixture = null!;
    private int _invocation;

    [Params(10_000, 100_000)]
    public int OpenDeals { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _fixture = EngineFixture.Create();
        await _fixture.SeedAsync(OpenDeals, activitiesPerDeal: 0);
        _fixture.Clock.Advance(TimeSpan.FromDays(1));
        await _fixture.Maintenance.SweepAsync();
    }

    [Benchmark(OperationsPerInvoke = CommandsPerInvocation)]
    public async Task CommandsAmongIdleDeals()
    {
        var invocation = ++_invocation;
        for (var i = 0; i < CommandsPerInvocation; i++)
        {
            var dealId = "D-" + (i % ActiveDeals);
            await EngineFixture.Expect(_fixture.Engine.SubmitAsync(EngineFixture.Activity($"{dealId}:m{invocation}-{i}", dealId, (invocation * CommandsPerInvocation) + i, _fixture.Clock.GetUtcNow())));
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        Measurements.Write(nameof(IdleDealBenchmarks), nameof(CommandsAmongIdleDeals), $"OpenDeals={OpenDeals}", new Dictionary<string, double>
        {
            ["Heap MB"] = GC.GetTotalMemory(forceFullCollection: true) / 1_048_576.0,
            ["Working set MB"] = process.WorkingSet64 / 1_048_576.0,
            ["Database MB"] = new FileInfo(_fixture.DatabasePath).Length / 1_048_576.0,
        });
        await _fixture.DisposeAsync();
    }
}

/// <summary>The memory columns of <see cref="IdleDealBenchmarks"/>.</summary>
internal sealed class IdleDealColumnsConfig : ThroughputColumnsConfig
{
    public IdleDealColumnsConfig()
    {
        AddColumn(new MeasurementColumn("Heap MB", "Managed heap after a full collection at the end of the run", "N1"));
        AddColumn(new MeasurementColumn("Working set MB", "Process working set at the end of the run (includes SQLite's page cache)", "N1"));
        AddColumn(new MeasurementColumn("Database MB", "Size of the SQLite file", "N0"));
    }
}
