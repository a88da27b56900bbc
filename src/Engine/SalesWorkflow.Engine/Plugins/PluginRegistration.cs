using System.Text.RegularExpressions;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Engine.Plugins;

/// <summary>Collects what one plugin registers and what is wrong with it; the catalog decides whether to take it.</summary>
internal sealed partial class PluginRegistration(string pluginName) : IPluginRegistry
{
    private readonly List<Type> _ruleTypes = [];
    private readonly List<(string, Type)> _functions = [];
    private readonly List<IFactEnricher> _enrichers = [];
    private readonly List<(string, IProcessEventSink)> _sinks = [];

    public IReadOnlyList<Type> RuleTypes => _ruleTypes;

    public IReadOnlyList<(string Namespace, Type Type)> Functions => _functions;

    public IReadOnlyList<IFactEnricher> Enrichers => _enrichers;

    public IReadOnlyList<(string Name, IProcessEventSink Sink)> Sinks => _sinks;

    public List<string> Problems { get; } = [];

    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    public IPluginRegistry AddRules(params Type[] ruleTypes)
    {
        ArgumentNullException.ThrowIfNull(ruleTypes);
        foreach (var type in ruleTypes)
        {
            if (type is null || !typeof(NRules.Fluent.Dsl.Rule).IsAssignableFrom(type) || type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is null)
            {
                Problems.Add($"`{type?.FullName ?? "null"}` is not a rule: rules derive from NRules.Fluent.Dsl.Rule, are not abstract and have a public parameterless constructor");
            }
            else if (!_ruleTypes.Contains(type))
            {
                _ruleTypes.Add(type);
            }
        }

        return this;
    }

    public IPluginRegistry AddFunctions(string namespaceName, Type functionsType)
    {
        if (!IdentifierPattern().IsMatch(namespaceName ?? string.Empty))
        {
            Problems.Add($"function namespace `{namespaceName}` must be a lower-case identifier such as `credit`");
        }
        else if (functionsType is null || !functionsType.IsVisible)
        {
            Problems.Add($"functions of namespace `{namespaceName}` must come from a public type");
        }
        else if (_functions.Any(f => f.Item1 == namespaceName))
        {
            Problems.Add($"function namespace `{namespaceName}` is registered twice");
        }
        else
        {
            _functions.Add((namespaceName!, functionsType));
        }

        return this;
    }

    public IPluginRegistry AddEnricher(IFactEnricher enricher)
    {
        if (enricher is null)
        {
            Problems.Add("an enricher is null");
        }
        else if (enricher.Policy is null || enricher.Policy.Timeout <= TimeSpan.Zero || enricher.Policy.CacheFor < TimeSpan.Zero)
        {
            Problems.Add($"enricher `{enricher.Name}` needs a positive timeout and a cache duration of zero or more");
        }
        else if (_enrichers.Any(e => e.Name == enricher.Name))
        {
            Problems.Add($"enricher `{enricher.Name}` is registered twice");
        }
        else
        {
            _enrichers.Add(enricher);
        }

        return this;
    }

    public IPluginRegistry AddEventSink(string name, IProcessEventSink sink)
    {
        if (string.IsNullOrWhiteSpace(name) || sink is null)
        {
            Problems.Add("an event sink needs a name and an instance");
        }
        else if (_sinks.Any(s => s.Item1 == name))
        {
            Problems.Add($"event sink `{name}` is registered twice");
        }
        else
        {
            _sinks.Add((name, sink));
        }

        return this;
    }

    public override string ToString() => pluginName;

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z][a-zA-Z0-9]*$")]
    private static partial Regex IdentifierPattern();
}
