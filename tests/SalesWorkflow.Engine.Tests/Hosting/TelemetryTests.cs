using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Tests.Runtime;
using SalesWorkflow.Sdk.Events;

namespace SalesWorkflow.Engine.Tests.Hosting;

/// <summary>
/// The engine's traces and metrics through OpenTelemetry's own SDK and in-memory exporter, as an application wires them
/// (docs/telemetry.md). Listeners are process-wide and other tests run alongside, so spans are picked by this test's
/// trace and metrics by their tags.
/// </summary>
public sealed class TelemetryTests
{
    private static readonly ActivitySource Caller = new("SalesWorkflow.Tests.Caller");

    [Fact]
    public async Task ACommand_IsAChildOfTheCallersSpan_WithItsCommitAndDecision()
    {
        var spans = new List<Activity>();
        using var tracing = OpenTelemetry.Sdk.CreateTracerProviderBuilder().AddSource(Caller.Name).AddSalesWorkflowInstrumentation().AddInMemoryExporter(spans).Build();
        await using var harness = new EngineHarness();

        ActivityTraceId trace;
        using (var request = Caller.StartActivity("POST /deals/d-otel"))
        {
            trace = request!.TraceId;
            await harness.Start("d-otel");
            var refused = await harness.Submit(new RequestAdvance(harness.NextId(), "d-otel"));
            Assert.Equal(CommandStatus.Rejected, refused.Status);
        }

        tracing.ForceFlush();
        var mine = spans.Where(s => s.TraceId == trace).ToList();
        var request2 = Assert.Single(mine, s => s.OperationName == "POST /deals/d-otel");
        var commands = mine.Where(s => s.OperationName == "salesworkflow.command").ToList();
        Assert.Equal(2, commands.Count);
        Assert.All(commands, c => Assert.Equal(request2.SpanId, c.ParentSpanId));
        Assert.Equal(["applied", "rejected"], commands.OrderBy(c => c.StartTimeUtc).Select(c => (string)c.GetTagItem("salesworkflow.command.outcome")!));
        Assert.Equal("gate-failed", commands.Single(c => c.GetTagItem("salesworkflow.command.type") as string == "RequestAdvance").GetTagItem("salesworkflow.rejection.code"));
        foreach (var command in commands)
        {
            Assert.Single(mine, s => s.OperationName == "salesworkflow.commit" && s.ParentSpanId == command.SpanId);
            Assert.Contains(mine, s => s.OperationName == "salesworkflow.decide" && s.ParentSpanId == command.SpanId);
        }
    }

    [Fact]
    public async Task TimersSweepAndSinkDeliveries_AreSpans()
    {
        var spans = new List<Activity>();
        using var tracing = OpenTelemetry.Sdk.CreateTracerProviderBuilder().AddSource(Caller.Name).AddSalesWorkflowInstrumentation().AddInMemoryExporter(spans).Build();
        var sink = new CountingSink();
        await using var harness = new EngineHarness(sink: sink);
        await harness.Start("d-loops");

        ActivityTraceId trace;
        using (var maintenance = Caller.StartActivity("maintenance"))
        {
            trace = maintenance!.TraceId;
            harness.Clock.Advance(TimeSpan.FromDays(15)); // stalled-deal's first level
            Assert.True(await harness.Maintenance.FireDueTimersAsync() > 0);
            await harness.Maintenance.SweepAsync();
            Assert.True(await harness.Maintenance.DispatchEventsAsync() > 0);
        }

        tracing.ForceFlush();
        var mine = spans.Where(s => s.TraceId == trace).ToList();
        Assert.True((int)Assert.Single(mine, s => s.OperationName == "salesworkflow.timers").GetTagItem("salesworkflow.timers.fired")! > 0);
        Assert.NotNull(Assert.Single(mine, s => s.OperationName == "salesworkflow.sweep").GetTagItem("salesworkflow.sweep.evaluated"));
        // The start command's events are delivered in the start's own trace; what the timers fired, in the caller's.
        var deliveries = mine.Where(s => s.OperationName == "salesworkflow.sink.deliver").ToList();
        Assert.Equal(sink.Count, spans.Count(s => s.OperationName == "salesworkflow.sink.deliver" && s.GetTagItem("salesworkflow.deal.id") as string == "d-loops"));
        Assert.Contains(deliveries, d => d.GetTagItem("salesworkflow.event.type") as string == "escalation-raised" && d.GetTagItem("salesworkflow.sink") as string == typeof(CountingSink).FullName);
        Assert.DoesNotContain(deliveries, d => d.GetTagItem("salesworkflow.event.type") as string == "deal-started");
    }

    [Fact]
    public async Task ADelivery_IsAChildOfTheCommandThatWroteItsEvent_AfterTheRequestHasEnded()
    {
        var spans = new List<Activity>();
        using var tracing = OpenTelemetry.Sdk.CreateTracerProviderBuilder().AddSource(Caller.Name).AddSalesWorkflowInstrumentation().AddInMemoryExporter(spans).Build();
        var sink = new CountingSink();
        await using var harness = new EngineHarness(sink: sink);

        ActivityTraceId trace;
        using (var request = Caller.StartActivity("POST /deals/d-traced"))
        {
            trace = request!.TraceId;
            await harness.Start("d-traced");
        }

        Assert.True(await harness.Maintenance.DispatchEventsAsync() > 0); // outside any span, as the hosted loop runs

        tracing.ForceFlush();
        var command = Assert.Single(spans, s => s.TraceId == trace && s.OperationName == "salesworkflow.command");
        var deliveries = spans.Where(s => s.OperationName == "salesworkflow.sink.deliver" && s.GetTagItem("salesworkflow.deal.id") as string == "d-traced").ToList();
        Assert.Equal(sink.Count, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal((trace, command.SpanId, ActivityKind.Producer), (d.TraceId, d.ParentSpanId, d.Kind)));
    }

    [Fact]
    public async Task OutboxAndSweepGauges_SayWhatWaitsAndHowFarBehindTheSweepIs()
    {
        var metrics = new List<Metric>();
        using var meters = OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddSalesWorkflowInstrumentation().AddInMemoryExporter(metrics).Build();
        var sink = new CountingSink { Fails = true };
        await using var harness = new EngineHarness(sink: sink);
        var started = await harness.Start("d-gauges");

        await harness.Maintenance.DispatchEventsAsync(); // every delivery fails: all wait for their retry
        await harness.Maintenance.SweepAsync();
        harness.Clock.Advance(TimeSpan.FromMinutes(20));
        await harness.Maintenance.FireDueTimersAsync(); // a timer poll records the lag since the sweep round began
        meters.ForceFlush();

        // Gauges are process-wide and other engines record them too: this test checks names, units and that values came.
        var byName = metrics.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last());
        Assert.Equal("{entry}", byName["salesworkflow.outbox.pending"].Unit);
        Assert.Equal("{entry}", byName["salesworkflow.outbox.dead_lettered"].Unit);
        Assert.Equal("s", byName["salesworkflow.outbox.lag"].Unit);
        Assert.Equal("s", byName["salesworkflow.sweep.lag"].Unit);
        Assert.Contains(metrics.Where(m => m.Name == "salesworkflow.outbox.pending").SelectMany(Points), p => p.GetGaugeLastValueLong() >= started.Events.Count);
        Assert.Contains(metrics.Where(m => m.Name == "salesworkflow.sweep.lag").SelectMany(Points), p => p.GetGaugeLastValueDouble() >= TimeSpan.FromMinutes(20).TotalSeconds);
    }

    [Fact]
    public async Task Metrics_HaveTheDocumentedNamesUnitsAndTags()
    {
        var metrics = new List<Metric>();
        using var meters = OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddSalesWorkflowInstrumentation().AddInMemoryExporter(metrics).Build();
        await using var harness = new EngineHarness();
        await harness.Start("d-metrics");
        await harness.Submit(new RequestAdvance(harness.NextId(), "d-metrics"));

        meters.ForceFlush();
        var byName = metrics.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last());
        Assert.Equal("{command}", byName["salesworkflow.commands"].Unit);
        Assert.Equal("s", byName["salesworkflow.command.duration"].Unit);
        Assert.Equal("s", byName["salesworkflow.evaluation.duration"].Unit);
        Assert.Contains(Points(byName["salesworkflow.commands"]), p => Tags(p).Contains(("outcome", "rejected")) && Tags(p).Contains(("type", "RequestAdvance")));
        Assert.Contains(Points(byName["salesworkflow.gate.refusals"]), p => Tags(p).Contains(("stage", "lead")) && p.GetSumLong() >= 1);
    }

    private static List<MetricPoint> Points(Metric metric)
    {
        var points = new List<MetricPoint>();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            points.Add(point);
        }

        return points;
    }

    private static List<(string, string?)> Tags(MetricPoint point)
    {
        var tags = new List<(string, string?)>();
        foreach (var tag in point.Tags)
        {
            tags.Add((tag.Key, tag.Value?.ToString()));
        }

        return tags;
    }

    private sealed class CountingSink : IProcessEventSink
    {
        private int _count;

        public int Count => _count;

        public bool Fails { get; init; }

        public ValueTask EmitAsync(ProcessEvent e, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return Fails ? throw new InvalidOperationException("refused") : ValueTask.CompletedTask;
        }
    }
}
