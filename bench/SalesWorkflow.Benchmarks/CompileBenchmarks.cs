using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Benchmarks;

/// <summary>
/// How long a process takes to become usable: loading (YAML, validation, condition type-checking) and compiling
/// (NRules session factories, one per stage). Targets: a shipped process under 250 ms, a 1,000-rule process under 2 s.
/// Each operation is a cold process compile in a warm engine, as when a new process version is published.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 10)]
public class CompileBenchmarks
{
    private readonly Dictionary<string, string> _texts = [];
    private readonly Dictionary<string, ProcessDefinition> _loaded = [];

    [Params("standard-b2b", "saas-velocity", "generated-100", "generated-1000")]
    public string Process { get; set; } = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _texts["standard-b2b"] = File.ReadAllText(RepositoryFiles.Definition("standard-b2b.yaml"));
        _texts["saas-velocity"] = File.ReadAllText(RepositoryFiles.Definition("saas-velocity.yaml"));
        _texts["generated-100"] = GeneratedProcess.Yaml(100);
        _texts["generated-1000"] = GeneratedProcess.Yaml(1000);
        _loaded[Process] = Load();
    }

    private ProcessDefinition Load()
    {
        var path = Process.StartsWith("generated", StringComparison.Ordinal)
            ? Path.Combine(Path.GetTempPath(), Process + ".yaml")
            : RepositoryFiles.Definition(Process + ".yaml");
        var set = FirstPartyPlugins.Loader().LoadText(path, _texts[Process]);
        if (set.HasErrors)
        {
            throw new InvalidOperationException(string.Join("\n", set.Diagnostics));
        }

        return set.Processes.Single();
    }

    /// <summary>Parse, validate and type-check every condition.</summary>
    [Benchmark]
    public ProcessDefinition LoadAndCheck() => Load();

    /// <summary>Build the NRules rule models and compile one session factory per stage.</summary>
    [Benchmark]
    public CompiledProcess Compile() => CompiledProcess.Compile(_loaded[Process]);
}
