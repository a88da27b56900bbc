using System.Globalization;
using System.Text;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Plugins;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Sdk.Testing;

/// <summary>
/// Runs plugins the way the engine does, for a partner's unit tests: their C# rules, condition functions and results
/// against a deal's facts, and YAML processes that list them. Everything goes through the engine's public API (the
/// same loader, type checker, rule compiler and evaluator), so a test that passes here behaves the same in
/// production. Create one host per test class and reuse it: loading compiles the plugins' rules. Thread-safe.
/// </summary>
/// <example>
/// <code>
/// var host = PluginTestHost.For(new AcmePlugin());
/// var run = host.Run(new DealSnapshot { Stage = "negotiation", EnteredStageAt = now, Opportunity = new() { Amount = 2_000_000 } }, now);
/// Assert.True(run.HasRisk("acme.no-sponsor"));
/// </code>
/// </example>
public sealed class PluginTestHost
{
    private readonly Dictionary<string, CompiledProcess> _scratch = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    private PluginTestHost(PluginCatalog catalog) => Catalog = catalog;

    /// <summary>The plugins as the engine sees them (rules, functions, enrichers, sinks).</summary>
    public PluginCatalog Catalog { get; }

    /// <summary>Names of the loaded plugins.</summary>
    public IReadOnlyList<string> PluginNames => [.. Catalog.Plugins.Select(p => p.Name)];

    /// <summary>Loads plugin instances as <c>services.AddSalesWorkflowPlugin(…)</c> would.</summary>
    /// <exception cref="PluginLoadException">A plugin did not load; the exception lists the engine's diagnostics.</exception>
    public static PluginTestHost For(params ISalesWorkflowPlugin[] plugins)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        return Checked(PluginCatalog.Load(plugins, []));
    }

    /// <summary>
    /// Loads every plugin below <paramref name="pluginsFolder"/> (one subfolder each, each in its own load context),
    /// as <c>o.AddPluginsFrom(…)</c> and <c>salesflow --plugins</c> do: the test of what you will ship.
    /// </summary>
    /// <exception cref="PluginLoadException">A plugin did not load; the exception lists the engine's diagnostics.</exception>
    public static PluginTestHost FromFolder(string pluginsFolder)
    {
        ArgumentException.ThrowIfNullOrEmpty(pluginsFolder);
        return Checked(PluginCatalog.Load([], [pluginsFolder]));
    }

    /// <summary>
    /// Runs the plugins' C# rules (and nothing else) on a deal in the stage <see cref="DealSnapshot.Stage"/> of the
    /// given kind: the risks they raise, the checks they report met, and the incidents of rules that threw.
    /// </summary>
    /// <param name="deal">The deal's facts and stage.</param>
    /// <param name="now">The evaluation time (<c>DealContext.Now</c>).</param>
    /// <param name="stageKind"><c>open</c>, <c>won</c> or <c>lost</c> (what <c>DealContext.StageKind</c> says).</param>
    /// <param name="timeZone">The process calendar's IANA time zone (default UTC; business days are Monday–Friday).</param>
    public PluginRun Run(DealSnapshot deal, DateTimeOffset now, string stageKind = "open", string timeZone = "UTC")
    {
        ArgumentNullException.ThrowIfNull(deal);
        var evaluation = DealEvaluator.Evaluate(Scratch(deal.Stage, stageKind, timeZone, condition: null), deal, now);
        return new PluginRun(evaluation.Risks, evaluation.ChecksMet, evaluation.Incidents);
    }

    /// <summary>
    /// Type-checks a YAML condition as a process that lists every loaded plugin would, and evaluates it on a deal:
    /// the way to test condition functions (<c>acme.Score(Account) &gt;= 60</c>) and results (<c>Met("acme.x")</c>).
    /// </summary>
    /// <exception cref="DefinitionException">The condition does not type-check; the message has every diagnostic.</exception>
    public ConditionRun Evaluate(string condition, DealSnapshot deal, DateTimeOffset now, string stageKind = "open", string timeZone = "UTC")
    {
        ArgumentException.ThrowIfNullOrEmpty(condition);
        ArgumentNullException.ThrowIfNull(deal);
        if (!string.Equals(stageKind, "open", StringComparison.Ordinal))
        {
            throw new ArgumentException("conditions are exit criteria, which only open stages have", nameof(stageKind));
        }

        var evaluation = DealEvaluator.Evaluate(Scratch(deal.Stage, stageKind, timeZone, condition), deal, now);
        var criterion = evaluation.Gate.Criteria.Single();
        return new ConditionRun(criterion.Passed, criterion.FailingTerm, criterion.ValuesRead, criterion.Incident ?? (evaluation.Incidents.Count > 0 ? evaluation.Incidents[0].Message : null));
    }

    /// <summary>The diagnostics of a condition in a process that lists every loaded plugin (empty when it is valid).</summary>
    public IReadOnlyList<Diagnostic> Check(string condition)
    {
        ArgumentException.ThrowIfNullOrEmpty(condition);
        return [.. Load(ScratchYaml("check", "open", "UTC", condition), "check.yaml").Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)];
    }

    /// <summary>Loads a YAML process (its text) that may list the loaded plugins under <c>plugins:</c>.</summary>
    /// <exception cref="DefinitionException">The definition has errors; the message has every diagnostic with its position.</exception>
    public TestProcess LoadProcess(string yaml, string fileName = "process.yaml")
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        return Compile(Load(yaml, fileName));
    }

    /// <summary>Loads a YAML process file (and the packs it imports) that may list the loaded plugins.</summary>
    /// <exception cref="DefinitionException">The definition has errors; the message has every diagnostic with its position.</exception>
    public TestProcess LoadProcessFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Compile(new DefinitionLoader(new DefinitionLoaderOptions { Plugins = Catalog }).Load([path]));
    }

    private static PluginTestHost Checked(PluginCatalog catalog) =>
        catalog.Diagnostics.Count > 0 ? throw new PluginLoadException(catalog.Diagnostics) : new PluginTestHost(catalog);

    private static TestProcess Compile(DefinitionSet set)
    {
        if (set.HasErrors || set.Processes.Count != 1)
        {
            throw new DefinitionException(set.Processes.Count != 1 && !set.HasErrors ? [] : set.Diagnostics, set.Processes.Count);
        }

        return new TestProcess(CompiledProcess.Compile(set.Processes[0]), [.. set.Diagnostics.Where(d => d.Severity != DiagnosticSeverity.Error)]);
    }

    private DefinitionSet Load(string yaml, string fileName) =>
        new DefinitionLoader(new DefinitionLoaderOptions { Plugins = Catalog }).LoadText(Path.Combine(Path.GetTempPath(), "sw-plugin-test", fileName), yaml);

    /// <summary>A three-stage process with the deal's stage, listing every loaded plugin, compiled once per shape.</summary>
    private CompiledProcess Scratch(string stage, string stageKind, string timeZone, string? condition)
    {
        var yaml = ScratchYaml(stage, stageKind, timeZone, condition);
        lock (_gate)
        {
            if (!_scratch.TryGetValue(yaml, out var process))
            {
                process = Compile(Load(yaml, "plugin-test.yaml")).Process;
                _scratch[yaml] = process;
            }

            return process;
        }
    }

    private string ScratchYaml(string stage, string stageKind, string timeZone, string? condition)
    {
        if (stageKind is not ("open" or "won" or "lost"))
        {
            throw new ArgumentException($"the stage kind is `open`, `won` or `lost`, not `{stageKind}`", nameof(stageKind));
        }

        // The deal's stage has the kind asked for; the other two kinds get ids that cannot clash with it.
        string Stage(string kind) => kind == stageKind ? stage : stage == $"{kind}-other" ? $"{kind}-other-2" : $"{kind}-other";
        var b = new StringBuilder();
        b.Append("format: 1\nkind: process\nid: plugin-test\nversion: 1\nname: Plugin test\ncurrency: USD\n");
        b.Append("calendar: { timeZone: ").Append(timeZone).Append(" }\n");
        if (PluginNames.Count > 0)
        {
            b.Append("plugins: [").Append(string.Join(", ", PluginNames)).Append("]\n");
        }

        b.Append("stages:\n");
        b.Append("  - id: ").Append(Stage("open")).Append("\n    name: Open\n    probability: 0.5\n");
        if (condition is not null)
        {
            b.Append("    exitCriteria:\n      - id: condition\n        when: '").Append(condition.Replace("'", "''", StringComparison.Ordinal)).Append("'\n");
        }

        b.Append("  - id: ").Append(Stage("won")).Append("\n    name: Won\n    kind: won\n    probability: 1\n");
        b.Append("  - id: ").Append(Stage("lost")).Append("\n    name: Lost\n    kind: lost\n    probability: 0\n");
        b.Append("transitions:\n  lossReasons:\n    - { id: other }\n");
        return b.ToString();
    }
}

/// <summary>What a deal got from the plugins' C# rules.</summary>
/// <param name="Risks">Risks raised, in id order.</param>
/// <param name="ChecksMet">Ids reported met (<c>CriterionMet</c>), in id order.</param>
/// <param name="Incidents">Rules that threw (as <c>plugin:&lt;rule&gt;</c>), with the message.</param>
public sealed record PluginRun(IReadOnlyList<RaisedRisk> Risks, IReadOnlyList<string> ChecksMet, IReadOnlyList<RuleIncident> Incidents)
{
    /// <summary>True when a risk with this id was raised.</summary>
    public bool HasRisk(string id) => Risks.Any(r => r.Id == id);

    /// <summary>The risk with this id, or null.</summary>
    public RaisedRisk? Risk(string id) => Risks.FirstOrDefault(r => r.Id == id);

    /// <summary>True when a rule reported this check met.</summary>
    public bool IsMet(string id) => ChecksMet.Contains(id, StringComparer.Ordinal);
}

/// <summary>A condition evaluated on a deal.</summary>
/// <param name="Holds">Whether the condition is true.</param>
/// <param name="FailingTerm">The first <c>&amp;&amp;</c> term that was false, when it does not hold.</param>
/// <param name="ValuesRead">What that term read (e.g. <c>acme.Score(Account)</c> = 42).</param>
/// <param name="Incident">The error a function or rule threw, when one did.</param>
public sealed record ConditionRun(bool Holds, string? FailingTerm, IReadOnlyList<ValueRead> ValuesRead, string? Incident);

/// <summary>A YAML process loaded with the host's plugins.</summary>
public sealed class TestProcess
{
    internal TestProcess(CompiledProcess process, IReadOnlyList<Diagnostic> warnings)
    {
        Process = process;
        Warnings = warnings;
    }

    /// <summary>The compiled process.</summary>
    public CompiledProcess Process { get; }

    /// <summary>Warnings the loader reported (the process loaded despite them).</summary>
    public IReadOnlyList<Diagnostic> Warnings { get; }

    /// <summary>Evaluates a deal: gate, risks (YAML and plugin), checks met, escalations, probability, incidents.</summary>
    public DealEvaluation Evaluate(DealSnapshot deal, DateTimeOffset now) => DealEvaluator.Evaluate(Process, deal, now);

    /// <summary>The text <c>salesflow explain</c> prints for the deal.</summary>
    public string Explain(DealSnapshot deal, DateTimeOffset now, string language = "en") =>
        EvaluationExplainer.Explain(Process.Definition, deal, Evaluate(deal, now), language);
}

/// <summary>Plugins did not load; <see cref="Exception.Message"/> lists why, one diagnostic per line.</summary>
public sealed class PluginLoadException : Exception
{
    /// <summary>Creates the exception from the engine's diagnostics.</summary>
    public PluginLoadException(IReadOnlyList<PluginDiagnostic> diagnostics)
        : base("plugins did not load:" + Environment.NewLine + string.Join(Environment.NewLine, (diagnostics ?? []).Select(d => "  " + d)))
    {
        Diagnostics = diagnostics ?? [];
    }

    /// <summary>The engine's diagnostics (code, source, message).</summary>
    public IReadOnlyList<PluginDiagnostic> Diagnostics { get; }
}

/// <summary>A definition did not load; <see cref="Exception.Message"/> lists every diagnostic with its position.</summary>
public sealed class DefinitionException : Exception
{
    /// <summary>Creates the exception from the loader's diagnostics.</summary>
    public DefinitionException(IReadOnlyList<Diagnostic> diagnostics, int processCount)
        : base(Describe(diagnostics ?? [], processCount))
    {
        Diagnostics = diagnostics ?? [];
    }

    /// <summary>The loader's diagnostics.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; }

    private static string Describe(IReadOnlyList<Diagnostic> diagnostics, int processCount) =>
        diagnostics.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"expected one process, found {processCount}")
            : "the definition has errors:" + Environment.NewLine + string.Join(Environment.NewLine, diagnostics.Select(d => "  " + d + (d.Hint is null ? string.Empty : " (hint: " + d.Hint + ")")));
}
