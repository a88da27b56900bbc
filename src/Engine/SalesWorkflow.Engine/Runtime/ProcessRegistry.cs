using System.Collections.Concurrent;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Storage;

namespace SalesWorkflow.Engine.Runtime;

/// <summary>
/// Every process version the engine can run: those in the definitions folders, and older versions that deals still
/// run on, rebuilt from the sources stored when they were first registered. New deals start on the newest version;
/// a deal stays on its version until migrated. Compiled versions are cached; the registry is thread-safe.
/// </summary>
internal sealed class ProcessRegistry(DefinitionLoaderOptions loaderOptions)
{
    private readonly ConcurrentDictionary<(string Id, int Version), Lazy<CompiledProcess>> _versions = new();
    private readonly ConcurrentDictionary<string, int> _latest = new(StringComparer.Ordinal);

    /// <summary>Who fills the roles the processes name: the organisation file of the definitions, or null.</summary>
    public OrganisationDefinition? Organisation { get; private set; }

    public IEnumerable<(string Id, int Version)> Versions => _versions.Keys.OrderBy(k => k.Id, StringComparer.Ordinal).ThenBy(k => k.Version);

    /// <summary>Loads the definitions, registers each process version in the store and remembers stored older versions.</summary>
    public async Task InitializeAsync(IReadOnlyList<string> paths, IProcessStore store, CancellationToken cancellationToken)
    {
        if (store.IsReadOnly && paths.Count > 0)
        {
            throw new InvalidOperationException("A read-only store cannot register process definitions; use UseStoredProcessVersions without AddDefinitions.");
        }

        var missing = paths.Where(p => !File.Exists(p) && !Directory.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"Definition path(s) not found: {string.Join(", ", missing)}. Check SalesWorkflowOptions.AddDefinitions.");
        }

        var set = new DefinitionLoader(loaderOptions).Load(paths);
        if (set.HasErrors)
        {
            var errors = set.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20).Select(d => d.ToString());
            throw new InvalidOperationException("The process definitions have errors; run `salesflow validate` on them:\n" + string.Join("\n", errors));
        }

        Organisation = set.Organisation;
        foreach (var group in set.Processes.GroupBy(p => (p.Id, p.Version)))
        {
            if (group.Count() > 1)
            {
                throw new InvalidOperationException($"The process '{group.Key.Id}' version {group.Key.Version} is defined twice: {string.Join(", ", group.Select(p => p.SourcePath))}.");
            }

            var process = group.Single();
            await store.RegisterProcessVersionAsync(Sources(process), cancellationToken);
            Add(process);
        }

        foreach (var stored in await store.LoadProcessVersionsAsync(cancellationToken))
        {
            if (!_versions.ContainsKey((stored.ProcessId, stored.Version)))
            {
                _versions[(stored.ProcessId, stored.Version)] = new Lazy<CompiledProcess>(() => Rebuild(stored));
            }

            // With definitions, new deals start on the version they hold (a newer one stored by another node is not
            // this node's to start on); running on the stored versions alone, on the newest stored.
            if (paths.Count == 0)
            {
                _latest.AddOrUpdate(stored.ProcessId, stored.Version, (_, current) => Math.Max(current, stored.Version));
            }
        }
    }

    /// <summary>Every process the registry knows, with its versions and the one new deals start on.</summary>
    public IReadOnlyList<Analytics.RunnableProcess> Processes =>
        [.. _versions.Keys.GroupBy(k => k.Id, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new Analytics.RunnableProcess(g.Key, LatestVersion(g.Key), [.. g.Select(k => k.Version).Order()]))];

    public void Add(ProcessDefinition process)
    {
        _versions[(process.Id, process.Version)] = new Lazy<CompiledProcess>(() => CompiledProcess.Compile(process));
        _latest.AddOrUpdate(process.Id, process.Version, (_, current) => Math.Max(current, process.Version));
    }

    public CompiledProcess? Find(string processId, int version) =>
        _versions.TryGetValue((processId, version), out var compiled) ? compiled.Value : null;

    public int? LatestVersion(string processId) => _latest.TryGetValue(processId, out var version) ? version : null;

    public IReadOnlyList<int> VersionsOf(string processId) =>
        [.. _versions.Keys.Where(k => k.Id == processId).Select(k => k.Version).Order()];

    /// <summary>The process file and every rule pack it imports, as texts, so the version can be rebuilt anywhere later.</summary>
    internal static ProcessVersionRecord Sources(ProcessDefinition process)
    {
        var root = Path.GetDirectoryName(Path.GetFullPath(process.SourcePath))!;
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        void AddFile(string path)
        {
            var key = Path.GetRelativePath(root, Path.GetFullPath(path)).Replace('\\', '/');
            files.TryAdd(key, File.ReadAllText(path));
        }

        void AddPacks(IEnumerable<PackImport> imports)
        {
            foreach (var import in imports)
            {
                AddFile(import.Pack.SourcePath);
                AddPacks(import.Pack.Imports);
            }
        }

        AddFile(process.SourcePath);
        AddPacks(process.Imports);
        return new ProcessVersionRecord(process.Id, process.Version, process.ContentHash, files, Path.GetFileName(process.SourcePath));
    }

    private CompiledProcess Rebuild(ProcessVersionRecord stored)
    {
        var set = new DefinitionLoader(loaderOptions).LoadSources(stored.EntryPath, stored.Sources);
        var process = set.Processes.SingleOrDefault(p => p.Id == stored.ProcessId && p.Version == stored.Version);
        if (set.HasErrors || process is null)
        {
            throw new SalesWorkflowStoreException($"The stored process '{stored.ProcessId}' version {stored.Version} no longer loads (a plugin it uses is missing, or the database was edited): {string.Join("; ", set.Diagnostics.Take(5))}", isTransient: false);
        }

        if (process.ContentHash != stored.ContentHash)
        {
            throw new SalesWorkflowStoreException($"The stored process '{stored.ProcessId}' version {stored.Version} rebuilds with another content hash: its stored text was edited, or this SalesWorkflow reads it differently.", isTransient: false);
        }

        return CompiledProcess.Compile(process);
    }
}
