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
        var deliveries = mine.Where(s => s.OperationName == "salesworkflow.sink.deliver").ToList();
        Assert.Equal(sink.Count, deliveries.Count);
        Assert.Contains(deliveries, d => d.GetTagItem("salesworkflow.event.type") as string == "escalation-raised" && d.GetTagItem("salesworkflow.sink") as string == typeof(CountingSink).FullName);
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

        public ValueTask EmitAsync(ProcessEvent e, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return ValueTask.CompletedTask;
        }
    }
}
