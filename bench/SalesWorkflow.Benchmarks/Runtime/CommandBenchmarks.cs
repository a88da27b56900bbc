using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Benchmarks.Runtime;

/// <summary>
/// Commands per second through the whole engine (decide, evaluate, one SQLite transaction per command) on a pipeline
/// of 10,000 open deals, by one caller and by 32 concurrent callers (a web application under load), next to the same
/// writes done by a plain one-transaction-per-command SQLite loop. 70% of the commands log an activity, 30% update the
/// opportunity. Target (issue 4): at least 3,000 commands/s sustained on the 2-core reference machine.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(LatencyColumnsConfig))]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 12, invocationCount: 1)]
public class CommandBenchmarks
{
    private const int Deals = 10_000;
    private const int CommandsPerInvocation = 2_000;
    private const int MeasuredIterations = 12;

    private readonly LatencyRecorder _engineLatency = new(MeasuredIterations);
    private readonly LatencyRecorder _rawLatency = new(MeasuredIterations);
    private EngineFixture _fixture = null!;
    private RawSqliteStore? _raw;
    private int _invocation;

    [Params(1, 32)]
    public int Callers { get; set; }

    [GlobalSetup(Target = nameof(Engine))]
    public async Task SetupEngine()
    {
        _fixture = EngineFixture.Create();
        await _fixture.SeedAsync(Deals, activitiesPerDeal: 6);
    }

    [GlobalSetup(Target = nameof(PlainSqlite))]
    public async Task SetupPlainSqlite()
    {
        // A small engine database gives the baseline its row sizes.
        _fixture = EngineFixture.Create();
        await _fixture.SeedAsync(200, activitiesPerDeal: 6);
        var (state, @event) = RawSqliteStore.TypicalRows(_fixture.DatabasePath);
        _raw = new RawSqliteStore(Path.Combine(Path.GetDirectoryName(_fixture.DatabasePath)!, "raw.db"), state, @event);
        _raw.Seed(Deals);
    }

    [Benchmark(OperationsPerInvoke = CommandsPerInvocation)]
    public Task Engine()
    {
        var invocation = ++_invocation;
        var latencies = _engineLatency.NewIteration(CommandsPerInvocation);
        return RunCallers(latencies, async i =>
        {
            // Deals and commands spread over the pipeline the same way every run.
            var deal = (int)((uint)(i * 2_654_435_761L + invocation) % Deals);
            var dealId = "D-" + deal;
            var commandId = $"{dealId}:b{invocation}-{i}";
            var now = _fixture.Clock.GetUtcNow();
            DealCommand command = i % 10 < 7
                ? EngineFixture.Activity(commandId, dealId, 1_000 + i, now)
                : new UpsertFacts(commandId, dealId) { Opportunity = Updated(deal, invocation) };
            await EngineFixture.Expect(_fixture.Engine.SubmitAsync(command));
        });
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = CommandsPerInvocation)]
    public Task PlainSqlite()
    {
        var invocation = ++_invocation;
        var latencies = _rawLatency.NewIteration(CommandsPerInvocation);
        return RunCallers(latencies, i => _raw!.CommandAsync("D-" + (uint)(i * 2_654_435_761L + invocation) % Deals));
    }

    private static SalesWorkflow.Sdk.Facts.Opportunity Updated(int deal, int invocation)
    {
        var opportunity = EngineFixture.OpportunityOf(deal);
        opportunity.NextStep = $"Follow-up {invocation}";
        opportunity.Amount += invocation;
        return opportunity;
    }

    /// <summary><see cref="Callers"/> tasks submit the commands, each waiting for its previous command to commit.</summary>
    private async Task RunCallers(double[] latencies, Func<int, Task> submit)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < CommandsPerInvocation)
            {
                var started = Stopwatch.GetTimestamp();
                await submit(i);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            }
        })));
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        // BenchmarkDotNet runs each method in its own process: only one of the two recorders has seen commands.
        var parameters = $"Callers={Callers}";
        if (_raw is null)
        {
            Measurements.Write(nameof(CommandBenchmarks), nameof(Engine), parameters, _engineLatency.Percentiles());
        }
        else
        {
            Measurements.Write(nameof(CommandBenchmarks), nameof(PlainSqlite), parameters, _rawLatency.Percentiles());
            _raw.Dispose();
        }

        await _fixture.DisposeAsync();
    }
}
