using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Plugins.Testing;

/// <summary>Records what a plugin registers, for the first-party plugins' contract tests (linked into each test project).</summary>
internal sealed class RecordingRegistry : IPluginRegistry
{
    public List<Type> Rules { get; } = [];

    public List<(string Namespace, Type Type)> Functions { get; } = [];

    public List<IFactEnricher> Enrichers { get; } = [];

    public List<(string Name, IProcessEventSink Sink)> Sinks { get; } = [];

    public IReadOnlyList<string> Namespaces => [.. Functions.Select(f => f.Namespace)];

    /// <summary>Enrichers and sinks: what a rules-and-functions plugin must not register.</summary>
    public IReadOnlyList<object> Others => [.. Enrichers, .. Sinks.Select(s => s.Sink)];

    public IPluginRegistry AddRules(params Type[] ruleTypes)
    {
        Rules.AddRange(ruleTypes);
        return this;
    }

    public IPluginRegistry AddFunctions(string namespaceName, Type functionsType)
    {
        Functions.Add((namespaceName, functionsType));
        return this;
    }

    public IPluginRegistry AddEnricher(IFactEnricher enricher)
    {
        Enrichers.Add(enricher);
        return this;
    }

    public IPluginRegistry AddEventSink(string name, IProcessEventSink sink)
    {
        Sinks.Add((name, sink));
        return this;
    }
}
