using System.Collections.Concurrent;
using NRules.Fluent;
using NRules.RuleModel;
using SalesWorkflow.Engine.Expressions;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Engine.Plugins;

/// <summary>A plugin that loaded, and what it added.</summary>
/// <param name="Name">The plugin's name.</param>
/// <param name="Version">The plugin's own version.</param>
/// <param name="SdkVersion">The SDK version it was built against.</param>
/// <param name="Source">Where it came from: an assembly path, or <c>in-process</c>.</param>
/// <param name="Rules">Names of its C# rules.</param>
/// <param name="Functions">Signatures of its condition functions, e.g. <c>credit.Score(Account account) → int</c>.</param>
/// <param name="Enrichers">Names of its fact enrichers.</param>
/// <param name="Sinks">Names of its event sinks.</param>
public sealed record LoadedPlugin(
    string Name,
    string Version,
    Version SdkVersion,
    string Source,
    IReadOnlyList<string> Rules,
    IReadOnlyList<string> Functions,
    IReadOnlyList<string> Enrichers,
    IReadOnlyList<string> Sinks);

/// <summary>Why a plugin (or a plugin folder) was not loaded.</summary>
/// <param name="Code">Stable code, e.g. <c>SWP003</c> (see docs/plugin-guide.md).</param>
/// <param name="Source">The folder, assembly or plugin concerned.</param>
/// <param name="Message">What went wrong and what to do.</param>
public sealed record PluginDiagnostic(string Code, string Source, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Source}: {Code}: {Message}";
}

/// <summary>
/// The plugins an engine (or a <c>salesflow</c> command) runs with: their rules, condition functions, enrichers and
/// sinks, plus a diagnostic for every plugin that could not be loaded. Immutable and thread-safe once built; build one
/// per process (loading compiles rule models and may load assemblies).
/// </summary>
public sealed class PluginCatalog
{
    // Views for the plugin sets processes declare, built once per set (processes usually share a few).
    private readonly ConcurrentDictionary<string, PluginCatalog> _views = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<Contribution> _contributions;

    private PluginCatalog(
        IReadOnlyList<LoadedPlugin> plugins,
        IReadOnlyList<PluginDiagnostic> diagnostics,
        FunctionRegistry functions,
        IReadOnlyList<Contribution> contributions,
        IReadOnlyList<(string Name, IProcessEventSink Sink)> sinks)
    {
        Plugins = plugins;
        Diagnostics = diagnostics;
        Functions = functions;
        _contributions = contributions;
        Rules = [.. contributions.SelectMany(c => c.Rules)];
        Enrichers = [.. contributions.SelectMany(c => c.Enrichers.Select(e => (c.Plugin, e)))];
        Sinks = sinks;
        RuleNames = Rules.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>No plugins.</summary>
    public static PluginCatalog Empty { get; } = new([], [], FunctionRegistry.BuiltIn, [], []);

    /// <summary>The plugins that loaded.</summary>
    public IReadOnlyList<LoadedPlugin> Plugins { get; }

    /// <summary>Plugins that did not load, and why.</summary>
    public IReadOnlyList<PluginDiagnostic> Diagnostics { get; }

    internal FunctionRegistry Functions { get; }

    /// <summary>The C# rules of every plugin in the catalog, as NRules rule models (a process view's join every stage's session factory).</summary>
    internal IReadOnlyList<IRuleDefinition> Rules { get; }

    internal IReadOnlySet<string> RuleNames { get; }

    internal IReadOnlyList<(string Plugin, IFactEnricher Enricher)> Enrichers { get; }

    internal IReadOnlyList<(string Name, IProcessEventSink Sink)> Sinks { get; }

    /// <summary>True when a loaded plugin has this name (ids such as <c>meddpicc.champion</c> start with it).</summary>
    internal bool HasPlugin(string name) => Plugins.Any(p => p.Name == name);

    /// <summary>The function namespaces each plugin registered (for hints when a process uses one it did not declare).</summary>
    internal IReadOnlyDictionary<string, string> NamespaceOwners =>
        _contributions.SelectMany(c => c.Families.Select(f => (f.Namespace, c.Plugin))).ToDictionary(p => p.Namespace, p => p.Plugin, StringComparer.Ordinal);

    /// <summary>
    /// The part of this catalog a process that declares <paramref name="names"/> under <c>plugins:</c> runs with: only
    /// those plugins' rules, functions and enrichers (a plugin loaded for another process changes nothing here). Names
    /// that are not loaded are left out (the loader reports them). Event sinks stay engine-wide and are not in views.
    /// </summary>
    internal PluginCatalog ForProcess(IReadOnlyCollection<string> names)
    {
        if (names.Count == 0 || _contributions.Count == 0)
        {
            return Empty;
        }

        var key = string.Join(",", names.Order(StringComparer.Ordinal));
        return _views.GetOrAdd(key, _ =>
        {
            var chosen = _contributions.Where(c => names.Contains(c.Plugin)).ToList();
            var functions = FunctionRegistry.BuiltIn;
            foreach (var (ns, type) in chosen.SelectMany(c => c.Families))
            {
                functions = functions.With(ns, type); // Already accepted once by Load, so this cannot clash.
            }

            return new PluginCatalog([.. Plugins.Where(p => names.Contains(p.Name))], [], functions, chosen, []);
        });
    }

    /// <summary>
    /// Builds a catalog from plugin instances (added in-process) and plugin folders (each subfolder of each folder
    /// holds one plugin, loaded in its own load context). Never throws for a bad plugin: it is left out with a
    /// diagnostic. Plugins register in the order given; a later plugin that reuses a name is rejected.
    /// </summary>
    public static PluginCatalog Load(IEnumerable<ISalesWorkflowPlugin> plugins, IEnumerable<string> folders)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        ArgumentNullException.ThrowIfNull(folders);
        var diagnostics = new List<PluginDiagnostic>();
        var candidates = new List<(ISalesWorkflowPlugin Plugin, string Source, Version SdkVersion)>();
        foreach (var plugin in plugins)
        {
            candidates.Add((plugin, "in-process", BuiltAgainst(plugin.GetType()) ?? SdkVersion.Current));
        }

        foreach (var folder in folders)
        {
            candidates.AddRange(PluginFolderLoader.Load(folder, diagnostics));
        }

        var loaded = new List<LoadedPlugin>();
        var functions = FunctionRegistry.BuiltIn;
        var rules = new List<IRuleDefinition>();
        var contributions = new List<Contribution>();
        var sinks = new List<(string, IProcessEventSink)>();
        foreach (var (plugin, source, sdkVersion) in candidates)
        {
            string name;
            try
            {
                name = plugin.Name;
            }
#pragma warning disable CA1031 // A plugin's failure is contained and reported (DESIGN.md D5).
            catch (Exception ex)
#pragma warning restore CA1031
            {
                diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.RegisterFailed, source, $"the plugin threw while reporting its name: {ex.Message}"));
                continue;
            }

            if (!SdkVersion.IsCompatible(sdkVersion, SdkVersion.Current))
            {
                diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.IncompatibleSdk, source,
                    $"plugin `{name}` was built against SalesWorkflow.Sdk {sdkVersion.ToString(2)}, this engine runs SDK {SdkVersion.Current.ToString(2)}; rebuild the plugin against SDK {SdkVersion.Current.Major}.x (x ≤ {SdkVersion.Current.Minor})"));
                continue;
            }

            if (!PluginRegistration.IsValidName(name))
            {
                diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.InvalidRegistration, source, $"plugin name `{name}` must be lower-case letters, digits and dashes, starting with a letter"));
                continue;
            }

            if (loaded.Any(p => p.Name == name))
            {
                diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.Duplicate, source, $"a plugin named `{name}` is already loaded (from {loaded.First(p => p.Name == name).Source}); this one is skipped"));
                continue;
            }

            var registration = new PluginRegistration(name);
            try
            {
                plugin.Register(registration);
            }
#pragma warning disable CA1031 // A plugin's failure is contained and reported (DESIGN.md D5).
            catch (Exception ex)
#pragma warning restore CA1031
            {
                diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.RegisterFailed, source, $"plugin `{name}` threw while registering: {ex.GetType().Name}: {ex.Message}"));
                continue;
            }

            if (registration.Problems.Count > 0)
            {
                diagnostics.AddRange(registration.Problems.Select(p => new PluginDiagnostic(PluginDiagnosticCodes.InvalidRegistration, source, $"plugin `{name}`: {p}")));
                continue;
            }

            // Everything below can clash with what earlier plugins registered; check all before taking any of it.
            if (!TryBuildRules(name, source, registration.RuleTypes, rules, diagnostics, out var pluginRules) ||
                !TryAddFunctions(name, source, registration.Functions, ref functions, diagnostics, out var signatures) ||
                !NoDuplicateSinks(name, source, registration.Sinks, sinks, diagnostics))
            {
                continue;
            }

            rules.AddRange(pluginRules);
            contributions.Add(new Contribution(name, pluginRules, registration.Functions, registration.Enrichers));
            sinks.AddRange(registration.Sinks);
            loaded.Add(new LoadedPlugin(
                name,
                SafeVersion(plugin),
                sdkVersion,
                source,
                [.. pluginRules.Select(r => r.Name)],
                signatures,
                [.. registration.Enrichers.Select(e => e.Name)],
                [.. registration.Sinks.Select(s => s.Name)]));
        }

        return loaded.Count == 0 && diagnostics.Count == 0 ? Empty : new PluginCatalog(loaded, diagnostics, functions, contributions, sinks);
    }

    /// <summary>The SDK version a plugin type's assembly references (what the compiler recorded), or null for the SDK itself.</summary>
    internal static Version? BuiltAgainst(Type pluginType) =>
        pluginType.Assembly.GetReferencedAssemblies().FirstOrDefault(a => a.Name == typeof(ISalesWorkflowPlugin).Assembly.GetName().Name)?.Version;

    private static string SafeVersion(ISalesWorkflowPlugin plugin)
    {
        try
        {
            return plugin.Version;
        }
#pragma warning disable CA1031 // A plugin's failure is contained (DESIGN.md D5).
        catch (Exception)
#pragma warning restore CA1031
        {
            return "?";
        }
    }

    private static bool TryBuildRules(string plugin, string source, IReadOnlyList<Type> types, List<IRuleDefinition> existing, List<PluginDiagnostic> diagnostics, out List<IRuleDefinition> built)
    {
        built = [];
        if (types.Count == 0)
        {
            return true;
        }

        try
        {
            var repository = new RuleRepository();
            repository.Load(x => x.From(types));
            built = [.. repository.GetRuleSets().SelectMany(s => s.Rules)];
        }
#pragma warning disable CA1031 // A rule class that cannot be built is the plugin's problem, reported as such.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.InvalidRegistration, source, $"plugin `{plugin}`: its rules could not be built: {(ex.InnerException ?? ex).Message}"));
            return false;
        }

        if (built.Count < types.Count)
        {
            // NRules only takes public, top-level rule classes; say so instead of dropping a rule silently.
            diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.InvalidRegistration, source, $"plugin `{plugin}`: {types.Count - built.Count} of its rule classes were not accepted by NRules (rule classes must be public and not nested): {string.Join(", ", types.Where(t => !t.IsPublic).Select(t => t.FullName))}"));
            return false;
        }

        var clashes = built.Select(r => r.Name).Where(n => existing.Any(e => e.Name == n) || n.StartsWith("criterion:", StringComparison.Ordinal) || n.StartsWith("risk:", StringComparison.Ordinal) || n.StartsWith("escalation:", StringComparison.Ordinal)).ToList();
        clashes.AddRange(built.GroupBy(r => r.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key));
        if (clashes.Count > 0)
        {
            diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.Duplicate, source, $"plugin `{plugin}`: rule name(s) {string.Join(", ", clashes.Distinct(StringComparer.Ordinal).Select(n => "`" + n + "`"))} already taken (by another plugin or reserved for YAML rules); give each rule a unique [Name(\"{plugin}.…\")]"));
            return false;
        }

        return true;
    }

    private static bool TryAddFunctions(string plugin, string source, IReadOnlyList<(string Namespace, Type Type)> families, ref FunctionRegistry functions, List<PluginDiagnostic> diagnostics, out List<string> signatures)
    {
        signatures = [];
        var candidate = functions;
        foreach (var (ns, type) in families)
        {
            if (candidate.Namespaces.Contains(ns, StringComparer.Ordinal))
            {
                diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.Duplicate, source, $"plugin `{plugin}`: the function namespace `{ns}` is already registered by another plugin"));
                return false;
            }

            try
            {
                candidate = candidate.With(ns, type);
            }
#pragma warning disable CA1031 // An unusable function family is the plugin's problem, reported as such.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.InvalidRegistration, source, $"plugin `{plugin}`: functions of {type.Name}: {ex.Message}"));
                return false;
            }
        }

        var namespaces = families.Select(f => f.Namespace).ToHashSet(StringComparer.Ordinal);
        signatures = [.. candidate.Functions.Where(f => f.Namespace is not null && namespaces.Contains(f.Namespace)).Select(f => f.Signature)];
        functions = candidate;
        return true;
    }

    /// <summary>What one plugin added that processes can opt into.</summary>
    private sealed record Contribution(string Plugin, IReadOnlyList<IRuleDefinition> Rules, IReadOnlyList<(string Namespace, Type Type)> Families, IReadOnlyList<IFactEnricher> Enrichers);

    private static bool NoDuplicateSinks(string plugin, string source, IReadOnlyList<(string Name, IProcessEventSink Sink)> added, List<(string Name, IProcessEventSink Sink)> existing, List<PluginDiagnostic> diagnostics)
    {
        var clash = added.Select(s => s.Name).FirstOrDefault(n => existing.Any(e => e.Name == n));
        if (clash is null)
        {
            return true;
        }

        diagnostics.Add(new PluginDiagnostic(PluginDiagnosticCodes.Duplicate, source, $"plugin `{plugin}`: an event sink named `{clash}` is already registered"));
        return false;
    }
}

/// <summary>Stable codes of plugin diagnostics (docs/plugin-guide.md lists them).</summary>
public static class PluginDiagnosticCodes
{
    /// <summary>The plugin folder or assembly is missing or not a .NET assembly.</summary>
    public const string BadAssembly = "SWP001";

    /// <summary>The assembly holds no public, non-abstract <c>ISalesWorkflowPlugin</c> with a parameterless constructor.</summary>
    public const string NoPluginType = "SWP002";

    /// <summary>Built against an SDK version this engine does not run.</summary>
    public const string IncompatibleSdk = "SWP003";

    /// <summary>A plugin, rule, function namespace or sink name is already taken.</summary>
    public const string Duplicate = "SWP004";

    /// <summary>The plugin threw while loading or registering.</summary>
    public const string RegisterFailed = "SWP005";

    /// <summary>The plugin registered something unusable (bad name, a rule class that is not a rule…).</summary>
    public const string InvalidRegistration = "SWP006";
}
