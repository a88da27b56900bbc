using SalesWorkflow.Engine.Definitions.Loading;
using SalesWorkflow.Engine.Definitions.Yaml;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Definitions;

/// <summary>Limits and switches of the definition loader.</summary>
public sealed class DefinitionLoaderOptions
{
    /// <summary>Largest definition file accepted, in bytes (default 2 MiB).</summary>
    public long MaxFileBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>Deepest YAML nesting accepted (default 64).</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Most YAML values a file may expand to, counting each use of an alias (default 200,000).</summary>
    public long MaxExpandedNodes { get; init; } = 200_000;

    /// <summary>Most files <see cref="DefinitionLoader.LoadSources"/> reads in one set (default 64).</summary>
    public int MaxSourceFiles { get; init; } = 64;

    /// <summary>
    /// The folder every file a definition names (an import, a test's <c>process:</c>) must be inside, links resolved.
    /// Default: the folder being loaded, or the folder of the file being loaded; set it when tests in a subfolder name
    /// a process above them. Files the caller names are read wherever they are.
    /// </summary>
    public string? Root { get; init; }

    internal YamlLimits YamlLimits => new(MaxDepth, MaxExpandedNodes);

    /// <summary>
    /// Plugins whose condition functions and C# rule results (<c>Met</c>, <c>HasRisk</c>) the definitions may use;
    /// compiled processes include their C# rules.
    /// </summary>
    public Plugins.PluginCatalog Plugins { get; init; } = SalesWorkflow.Engine.Plugins.PluginCatalog.Empty;

    /// <summary>Functions conditions may call: the built-ins plus those of the plugins.</summary>
    internal Expressions.FunctionRegistry Functions => Plugins.Functions;
}

/// <summary>What a load produced: the valid processes and packs, and every diagnostic.</summary>
public sealed class DefinitionSet
{
    internal DefinitionSet(
        IReadOnlyList<ProcessDefinition> processes,
        IReadOnlyList<RulePack> packs,
        IReadOnlyList<Diagnostic> diagnostics,
        IReadOnlyList<string> files,
        IReadOnlyList<ProcessTestSuite> testSuites,
        OrganisationDefinition? organisation = null)
    {
        Organisation = organisation;
        Processes = processes;
        Packs = packs;
        Diagnostics = diagnostics;
        Files = files;
        TestSuites = testSuites;
    }

    /// <summary>Processes built (also those with errors elsewhere in the file; check <see cref="HasErrors"/>).</summary>
    public IReadOnlyList<ProcessDefinition> Processes { get; }

    /// <summary>Rule packs built.</summary>
    public IReadOnlyList<RulePack> Packs { get; }

    /// <summary>The organisation file of the set (<c>kind: organisation</c>): who fills the roles; null when there is none.</summary>
    public OrganisationDefinition? Organisation { get; }

    /// <summary>Every problem found, in file, line and column order.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; }

    /// <summary>Files read, as displayed in diagnostics.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>True when any diagnostic is an error.</summary>
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    internal IReadOnlyList<ProcessTestSuite> TestSuites { get; }
}

/// <summary>
/// Loads process definitions, rule packs and process tests from YAML files: parses, checks the shape, builds the
/// model and validates it, reporting every problem in one pass. Never throws because of file content: every
/// problem becomes a <see cref="Diagnostic"/>. Thread-safe; each call is independent.
/// </summary>
public sealed class DefinitionLoader
{
    private readonly DefinitionLoaderOptions _options;

    /// <summary>Creates a loader.</summary>
    public DefinitionLoader(DefinitionLoaderOptions? options = null) => _options = options ?? new DefinitionLoaderOptions();

    /// <summary>Loads files and folders (every <c>*.yaml</c>/<c>*.yml</c> below a folder, in name order).</summary>
    public DefinitionSet Load(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var session = new LoadSession(_options);
        foreach (var path in paths)
        {
            session.LoadPath(path);
        }

        return Finish(session);
    }

    /// <summary>Loads one document from text; imports are resolved on disk relative to <paramref name="path"/>.</summary>
    public DefinitionSet LoadText(string path, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(text);
        var session = new LoadSession(_options);
        session.AddRoot(Path.GetDirectoryName(Path.GetFullPath(path))!);
        session.AddText(path, text);
        session.LoadFile(path);
        return Finish(session);
    }

    /// <summary>
    /// Loads definitions from texts held in memory (an upload, an editor's buffer, a stored version), reading nothing from
    /// disk: <paramref name="files"/> maps each file's relative path (<c>standard-b2b.yaml</c>, <c>packs/bant.yaml</c>)
    /// to its text, and the imports of <paramref name="entryPath"/> are resolved among them only. Diagnostics show those
    /// relative paths. A name that is not a canonical relative path, or more than
    /// <see cref="DefinitionLoaderOptions.MaxSourceFiles"/> files, is reported (SW0009), never thrown.
    /// </summary>
    public DefinitionSet LoadSources(string entryPath, IReadOnlyDictionary<string, string> files)
    {
        ArgumentNullException.ThrowIfNull(entryPath);
        ArgumentNullException.ThrowIfNull(files);

        // Full paths under a folder that does not exist on disk, so that nothing is read from disk by accident, deep
        // enough that the leading `..` a name may have stay below it.
        var root = Path.Combine([Path.GetTempPath(), "salesworkflow-sources-" + Guid.NewGuid().ToString("N"), .. Enumerable.Repeat("in", SourceNames.MaxLevelsUp)]);
        var session = new LoadSession(_options, diskAllowed: false);
        if (files.Count > _options.MaxSourceFiles)
        {
            session.Diagnostics.Error(
                DiagnosticIds.InvalidSourceName,
                SourceSpan.StartOf(SourceNames.Shown(entryPath)),
                $"{files.Count:N0} files were given; at most {_options.MaxSourceFiles:N0} are read in one set",
                "send the process and the rule packs it imports, nothing else");
            return Finish(session);
        }

        foreach (var (name, text) in files)
        {
            if (SourceNames.RefusalOf(name) is { } reason)
            {
                session.Diagnostics.Error(
                    DiagnosticIds.InvalidSourceName,
                    SourceSpan.StartOf(SourceNames.Shown(name)),
                    $"`{SourceNames.Shown(name)}` cannot name a file of the set: {reason}",
                    "name each file by its relative path, such as `standard-b2b.yaml` or `packs/bant.yaml`");
                continue;
            }

            // A JSON null arrives here despite the annotation; it is an empty file.
            session.AddText(Path.Combine(root, name), text ?? string.Empty);
        }

        if (files.ContainsKey(entryPath) && SourceNames.RefusalOf(entryPath) is not null)
        {
            // Its name is reported above.
            return Finish(session);
        }

        if (!files.ContainsKey(entryPath))
        {
            session.Diagnostics.Error(
                DiagnosticIds.InvalidSourceName,
                SourceSpan.StartOf(SourceNames.Shown(entryPath)),
                $"the file to load, `{SourceNames.Shown(entryPath)}`, is not one of the {files.Count:N0} files given",
                files.Count == 0 ? "send the process file" : $"name one of them: {string.Join(", ", files.Keys.Take(5).Select(k => $"`{SourceNames.Shown(k)}`"))}");
            return Finish(session);
        }

        session.LoadFile(entryPath, Path.Combine(root, entryPath));
        return Finish(session);
    }

    /// <summary>
    /// Reads a deal file (<c>kind: deal</c>, the facts of a process test's <c>given</c>) for <paramref name="process"/>,
    /// typing custom fields as the process declares them. <paramref name="fallbackNow"/> is used when the file has no
    /// <c>now</c>. Returns null with diagnostics when the file is invalid.
    /// </summary>
    public (Evaluation.DealSnapshot? Deal, DateTimeOffset Now, IReadOnlyList<Diagnostic> Diagnostics) LoadDeal(string path, ProcessDefinition process, DateTimeOffset fallbackNow)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(process);
        var session = new LoadSession(_options);
        var deal = session.LoadDeal(path, process, fallbackNow);
        return (deal is null ? null : Evaluation.ProcessTestRunner.Snapshot(deal), deal?.Now ?? fallbackNow, session.Diagnostics.Sorted());
    }

    private static DefinitionSet Finish(LoadSession session)
    {
        session.CheckRoles();
        return new(
            [.. session.Processes],
            [.. session.Packs],
            session.Diagnostics.Sorted(),
            session.Files,
            [.. session.Suites],
            session.Organisation);
    }
}
