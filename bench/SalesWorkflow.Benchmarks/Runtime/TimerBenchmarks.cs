using BenchmarkDotNet.Attributes;

namespace SalesWorkflow.Benchmarks.Runtime;

/// <summary>
/// Escalation and task timers fired per second. Each iteration starts 1,000 deals in standard-b2b's lead stage and
/// moves the clock 21 days on: every deal then has six due escalation levels (stalled-deal at 14, 17 and 21 days;
/// no-customer-contact at 0, 2 and 5 days, as the seeded deals record no contact yet) and its triage task's overdue
/// timer (48 hours), which the engine fires in batches of 500, each timer's effect and its deletion committed together
/// (an overdue task also re-evaluates its deal). The baseline deletes the same number of timer rows and appends their events with plain SQLite.
/// Target (issue 4): at least 10,000 timers/s.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputColumnsConfig))]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 10, invocationCount: 1)]
public class TimerBenchmarks
{
    private const int DealsPerIteration = 1_000;
    private const int TimersPerDeal = 7;
    private const int TimersPerIteration = DealsPerIteration * TimersPerDeal;

    private EngineFixture _fixture = null!;
    private RawSqliteStore? _raw;
    private int _iteration;

    [GlobalSetup(Target = nameof(Engine))]
    public void SetupEngine() => _fixture = EngineFixture.Create();

    [GlobalSetup(Target = nameof(PlainSqlite))]
    public async Task SetupPlainSqlite()
    {
        _fixture = EngineFixture.Create();
        await _fixture.SeedAsync(100, activitiesPerDeal: 0);
        var (state, @event) = RawSqliteStore.TypicalRows(_fixture.DatabasePath);
        _raw = new RawSqliteStore(Path.Combine(Path.GetDirectoryName(_fixture.DatabasePath)!, "raw.db"), state, @event);
        _raw.Seed(DealsPerIteration);
    }

    [IterationSetup(Target = nameof(Engine))]
    public void NewDealsWithDueTimers()
    {
        _iteration++;
        _fixture.SeedAsync(DealsPerIteration, activitiesPerDeal: 0, prefix: $"T{_iteration}-").GetAwaiter().GetResult();
        _fixture.Clock.Advance(TimeSpan.FromDays(21) + TimeSpan.FromHours(1));
    }

    [IterationSetup(Target = nameof(PlainSqlite))]
    public void NewDueTimerRows()
    {
        _iteration++;
        _raw!.AddTimers(TimersPerIteration, dueAt: _iteration);
    }

    [Benchmark(OperationsPerInvoke = TimersPerIteration)]
    public async Task<int> Engine()
    {
        var fired = 0;
        int batch;
        while ((batch = await _fixture.Maintenance.FireDueTimersAsync()) > 0)
        {
            fired += batch;
        }

        return Expect(fired);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = TimersPerIteration)]
    public int PlainSqlite() => Expect(_raw!.FireDue(_iteration, batchSize: 500));

    /// <summary>Timers per second only means something if exactly the expected timers fired.</summary>
    private static int Expect(int fired) =>
        fired == TimersPerIteration ? fired : throw new InvalidOperationException($"Expected {TimersPerIteration} timers to fire, {fired} did.");

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _raw?.Dispose();
        await _fixture.DisposeAsync();
    }
}
