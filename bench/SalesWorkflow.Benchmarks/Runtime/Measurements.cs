using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace SalesWorkflow.Benchmarks.Runtime;

/// <summary>
/// Figures a benchmark measures itself (per-command latency percentiles, heap after a run) handed from the benchmark
/// process, where BenchmarkDotNet runs them, to the host process that prints the summary: one small JSON file per
/// benchmark case.
/// </summary>
internal static class Measurements
{
    public static string Folder { get; } = Path.Combine(Path.GetTempPath(), "salesworkflow-bench-measurements");

    public static void Clear()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    public static void Write(string benchmark, string method, string parameters, IReadOnlyDictionary<string, double> values)
    {
        Directory.CreateDirectory(Folder);
        File.WriteAllText(PathOf(benchmark, method, parameters), JsonSerializer.Serialize(values));
    }

    public static double? Read(BenchmarkCase benchmarkCase, string name)
    {
        var parameters = string.Join(",", benchmarkCase.Parameters.Items.Select(p => $"{p.Name}={p.Value}"));
        var path = PathOf(benchmarkCase.Descriptor.Type.Name, benchmarkCase.Descriptor.WorkloadMethod.Name, parameters);
        return File.Exists(path) && JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(path)) is { } values && values.TryGetValue(name, out var value)
            ? value
            : null;
    }

    private static string PathOf(string benchmark, string method, string parameters) =>
        Path.Combine(Folder, $"{benchmark}.{method}.{parameters}.json".Replace('=', '-'));

    /// <summary>The value of a percentile of <paramref name="sorted"/> (nearest rank).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

/// <summary>A summary column showing one figure from <see cref="Measurements"/>.</summary>
internal sealed class MeasurementColumn(string name, string legend, string format = "N0") : IColumn
{
    public string Id => "Measurement." + name;

    public string ColumnName => name;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => legend;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        Measurements.Read(benchmarkCase, name) is { } value ? value.ToString(format, CultureInfo.InvariantCulture) : "-";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}

/// <summary>Per-command latency recorded inside the measured iterations, for p50/p99 next to BenchmarkDotNet's own statistics.</summary>
internal sealed class LatencyRecorder(int iterationsKept)
{
    private readonly List<double[]> _iterations = [];

    public double[] NewIteration(int commands)
    {
        var latencies = new double[commands];
        _iterations.Add(latencies);
        return latencies;
    }

    /// <summary>Percentiles over the last iterations (the measured ones; earlier ones were warm-up).</summary>
    public Dictionary<string, double> Percentiles()
    {
        var measured = _iterations.Skip(Math.Max(0, _iterations.Count - iterationsKept)).SelectMany(i => i).Order().ToList();
        return new Dictionary<string, double>
        {
            ["p50 µs"] = Measurements.Percentile(measured, 50),
            ["p99 µs"] = Measurements.Percentile(measured, 99),
        };
    }
}

/// <summary>Adds the median and throughput to a runtime benchmark's summary.</summary>
internal class ThroughputColumnsConfig : ManualConfig
{
    public ThroughputColumnsConfig() => AddColumn(StatisticColumn.Median, StatisticColumn.OperationsPerSecond);
}

/// <summary>Adds throughput and the per-command latency percentiles to a runtime benchmark's summary.</summary>
internal sealed class LatencyColumnsConfig : ThroughputColumnsConfig
{
    public LatencyColumnsConfig()
    {
        AddColumn(new MeasurementColumn("p50 µs", "Median latency of one command as its caller sees it (submit to acknowledged commit)"));
        AddColumn(new MeasurementColumn("p99 µs", "99th percentile latency of one command as its caller sees it"));
    }
}
