using BenchmarkDotNet.Attributes;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Benchmarks.Runtime;

/// <summary>
/// What a command costs on a deal with a long history (issue 14, item 7): the same commands (log an activity, update
/// the opportunity, alternately) on a deal with 10,000 logged activities and on one with 10, in the same run (the
/// measured commands re-log two activities under their ids, so neither history grows while it is measured); the
/// 10-activity deal is the baseline of the ratio. The state keeps a bounded window of activities and their totals, so
/// the ratio should stay near 1; with the whole list in the state it grows with the history.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class LongHistoryBenchmarks
{
    private const int CommandsPerInvocation = 20;
    private EngineFixture _fixture = null!;
    private int _invocation;

    [GlobalSetup(Target = nameof(DealWith10Activities))]
    public Task SetupShort() => SetupAsync("short", 10);

    [GlobalSetup(Target = nameof(DealWith10000Activities))]
    public Task SetupLong() => SetupAsync("long", 10_000);

    private async Task SetupAsync(string dealId, int activities)
    {
        _fixture = EngineFixture.Create();
        await EngineFixture.Expect(_fixture.Engine.SubmitAsync(EngineFixture.NewDeal(dealId, 1)));
        var first = _fixture.Clock.GetUtcNow().AddMinutes(-activities - 1);
        for (var i = 0; i < activities; i++)
        {
            await EngineFixture.Expect(_fixture.Engine.SubmitAsync(EngineFixture.Activity($"{dealId}:seed{i}", dealId, i, first.AddMinutes(i))));
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = CommandsPerInvocation)]
    public Task DealWith10Activities() => CommandsAsync("short");

    [Benchmark(OperationsPerInvoke = CommandsPerInvocation)]
    public Task DealWith10000Activities() => CommandsAsync("long");

    private async Task CommandsAsync(string dealId)
    {
        var invocation = ++_invocation;
        for (var i = 0; i < CommandsPerInvocation; i++)
        {
            var commandId = $"{dealId}:b{invocation}-{i}";
            // The logged activity corrects one of two (same id): the history does not grow while it is measured.
            DealCommand command = i % 2 == 0
                ? EngineFixture.Activity(commandId, dealId, 100_000 + (i % 4), _fixture.Clock.GetUtcNow())
                : new UpsertFacts(commandId, dealId) { Opportunity = Updated(invocation, i) };
            await EngineFixture.Expect(_fixture.Engine.SubmitAsync(command));
        }
    }

    private static Opportunity Updated(int invocation, int i)
    {
        var opportunity = EngineFixture.OpportunityOf(1);
        opportunity.NextStep = $"Follow-up {invocation}-{i}";
        return opportunity;
    }

    [GlobalCleanup]
    public async Task Cleanup() => await _fixture.DisposeAsync();
}
