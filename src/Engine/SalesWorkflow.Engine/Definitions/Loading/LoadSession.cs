using System.Text;
using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Definitions.Yaml;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Definitions.Loading;

/// <summary>
/// One run of the loader over a set of paths: reads each file once, resolves imports (with cycle detection) and
/// builds processes, rule packs and test suites while collecting every diagnostic.
/// </summary>
internal sealed class LoadSession(DefinitionLoaderOptions options, bool diskAllowed = true)
{
    private readonly DefinitionFiles _access = new(options.MaxFileBytes) { DiskAllowed = diskAllowed };
    private readonly Dictionary<string, ParsedFile?> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RulePack?> _packs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProcessDefinition?> _processes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProcessTestSuite?> _suites = new(StringComparer.Ordinal);
    private readonly List<string> _packChain = [];
    private readonly List<OrganisationDefinition> _organisations = [];
    private readonly Dictionary<string, string> _inMemory = new(StringComparer.Ordinal);

    public DiagnosticBag Diagnostics { get; } = new();

    public DefinitionLoaderOptions Options => options;

    public IEnumerable<ProcessDefinition> Processes => _processes.Values.OfType<ProcessDefinition>();

    public IEnumerable<RulePack> Packs => _packs.Values.OfType<RulePack>();

    public IEnumerable<ProcessTestSuite> Suites => _suites.Values.OfType<ProcessTestSuite>();

    /// <summary>The organisation file of the set, or null (the first, when several were given: that is an error).</summary>
    public OrganisationDefinition? Organisation => _organisations.FirstOrDefault();

    public List<string> Files { get; } = [];

    /// <summary>
    /// Loads a file, or every <c>*.yaml</c>/<c>*.yml</c> file below a folder (links in it are not followed). The folder,
    /// or the file's own folder, becomes a root: the files they name must be inside it (or inside
    /// <see cref="DefinitionLoaderOptions.Root"/> when set).
    /// </summary>
    public void LoadPath(string path)
    {
        var isFolder = Directory.Exists(path);
        AddRoot(isFolder ? path : Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (isFolder)
        {
            foreach (var file in YamlFilesBelow(path))
            {
                LoadFile(file);
            }

            return;
        }

        LoadFile(path);
    }

    /// <summary>Adds the root for a load (ignored when the options fix one).</summary>
    public void AddRoot(string folder) => _access.AddRoot(options.Root ?? folder);

    /// <summary>
    /// The YAML files below a folder in name order. A link is skipped with a warning: followed, it could lead out of the
    /// folder or round in a loop.
    /// </summary>
    private List<string> YamlFilesBelow(string folder)
    {
        var found = new List<string>();
        var pending = new Stack<string>([folder]);
        while (pending.TryPop(out var directory))
        {
            IEnumerable<string> entries;
            try
            {
                entries = Directory.EnumerateFileSystemEntries(directory).ToList();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Diagnostics.Error(DiagnosticIds.FileUnreadable, SourceSpan.StartOf(directory), $"the folder `{directory}` cannot be read: {ex.Message}", "check that you may read it");
                continue;
            }

            foreach (var entry in entries)
            {
                var isYaml = IsYamlFile(entry);
                var info = new FileInfo(entry);
                if (info.LinkTarget is not null)
                {
                    if (isYaml || Directory.Exists(entry))
                    {
                        Diagnostics.Warning(
                            DiagnosticIds.LinkSkipped,
                            SourceSpan.StartOf(entry),
                            $"`{entry}` is a link; links are not followed when loading a folder",
                            "copy the file into the folder, or name it on the command line");
                    }
                }
                else if (Directory.Exists(entry))
                {
                    pending.Push(entry);
                }
                else if (isYaml)
                {
                    found.Add(entry);
                }
            }
        }

        found.Sort(StringComparer.Ordinal);
        return found;
    }

    /// <summary>
    /// Checks a path written in a definition (an import, a test's process) before anything is read from it; reports
    /// and returns false when it is absolute or leads out of the roots.
    /// </summary>
    public bool MayRead(string written, string fullPath, SourceSpan span)
    {
        if (_inMemory.ContainsKey(fullPath) || _access.RefusalOf(written, fullPath) is not { } reason)
        {
            return true;
        }

        Diagnostics.Error(
            DiagnosticIds.PathOutsideRoot,
            span,
            $"`{written}` may not be read: {reason}",
            "keep packs and processes inside the folder being loaded, and name them by a relative path");
        return false;
    }

    /// <summary>Registers text for a path so that it is read from memory rather than disk (tests, tools, editors).</summary>
    public void AddText(string path, string text) => _inMemory[Path.GetFullPath(path)] = text;

    public void LoadFile(string displayPath) => LoadFile(displayPath, Path.GetFullPath(displayPath));

    /// <summary>Loads the file at <paramref name="fullPath"/>, shown in diagnostics as <paramref name="displayPath"/>.</summary>
    public void LoadFile(string displayPath, string fullPath)
    {
        var full = Path.GetFullPath(fullPath);
        var file = Parse(displayPath, full, importSpan: null);
        if (file is null)
        {
            return;
        }

        switch (file.Kind)
        {
            case "process":
                LoadProcess(file);
                break;
            case "rule-pack":
                LoadPack(displayPath, full, importSpan: null);
                break;
            case "process-tests":
                LoadSuite(file);
                break;
            case "organisation":
                LoadOrganisation(file);
                break;
            case "crm-mapping":
                // Read by the import (SalesWorkflow.Import), which builds it; loading checks its shape only, so that
                // `salesflow validate` and the import report its mistakes in the same file(line,col) words.
                break;
        }
    }

    /// <summary>Reads a `kind: deal` file for <paramref name="process"/>.</summary>
    public TestDeal? LoadDeal(string displayPath, ProcessDefinition process, DateTimeOffset fallbackNow)
    {
        var file = Parse(displayPath, Path.GetFullPath(displayPath), importSpan: null);
        if (file is null)
        {
            return null;
        }

        if (file.Kind != "deal")
        {
            Diagnostics.Error(DiagnosticIds.UnknownKind, NodeReader.SpanOf(file.Root, "kind"), $"`{displayPath}` is a {file.Kind} file, not a deal", "a deal file starts with `format: 1` and `kind: deal`");
            return null;
        }

        return new TestSuiteBuilder(this, file).BuildDealFile(process, fallbackNow);
    }

    private void LoadOrganisation(ParsedFile file)
    {
        if (new OrganisationBuilder(file, Diagnostics).Build() is not { } organisation)
        {
            return;
        }

        if (_organisations.Count > 0)
        {
            Diagnostics.Error(
                DiagnosticIds.DuplicateOrganisation,
                NodeReader.SpanOf(file.Root, "kind"),
                $"a second organisation file: `{_organisations[0].SourcePath}` already says who fills the roles",
                "keep one organisation file per set of definitions");
            return;
        }

        _organisations.Add(organisation);
    }

    /// <summary>
    /// Every role the processes name is one someone fills: <c>owner</c> and <c>manager</c> always are; any other role
    /// is one the organisation file fills (an error, SW1227), or, with no organisation file in the set, only
    /// <c>director</c> is taken on trust and any other role is a warning: nobody can be told.
    /// </summary>
    public void CheckRoles()
    {
        var organisation = Organisation;
        var known = organisation is null
            ? new HashSet<string>(FormatShapes.NotifyRoles, StringComparer.Ordinal)
            : new HashSet<string>(OrganisationDefinition.DealRoles.Concat(organisation.FilledRoles), StringComparer.Ordinal);
        foreach (var process in Processes)
        {
            foreach (var (role, span) in process.RoleReferences.Where(r => !known.Contains(r.Role)))
            {
                var suggestion = Suggestions.DidYouMean(role, known);
                if (organisation is null)
                {
                    Diagnostics.Warning(
                        DiagnosticIds.UnknownRole,
                        span,
                        $"no organisation file says who fills the role `{role}`: nobody can be told or given the work",
                        suggestion ?? "add a `kind: organisation` file that fills it under `roles:` (docs/notifications.md)");
                }
                else
                {
                    Diagnostics.Error(
                        DiagnosticIds.UnknownRole,
                        span,
                        $"nobody fills the role `{role}` in the organisation `{organisation.Id}` ({organisation.SourcePath})",
                        suggestion ?? $"fill it under `roles:` in {organisation.SourcePath}, organisation-wide or for a team");
                }
            }
        }
    }

    public ProcessDefinition? LoadProcess(ParsedFile file)
    {
        if (_processes.TryGetValue(file.FullPath, out var existing))
        {
            return existing;
        }

        _processes[file.FullPath] = null;
        var process = new ProcessBuilder(this, file).BuildProcess();
        if (process is not null)
        {
            process.LoadedPlugins = options.Plugins.ForProcess(process.Plugins);
            Expressions.ConditionValidation.CheckProcess(process, options.Plugins, Diagnostics);
        }

        _processes[file.FullPath] = process;
        return process;
    }

    /// <summary>Loads (once) the rule pack at a path; reports a missing file or a cycle at the import.</summary>
    public RulePack? LoadPack(string displayPath, string fullPath, SourceSpan? importSpan)
    {
        if (_packChain.Contains(fullPath, StringComparer.Ordinal))
        {
            var start = _packChain.IndexOf(fullPath);
            var cycle = _packChain.Skip(start).Append(fullPath).Select(Path.GetFileName);
            Diagnostics.Error(
                DiagnosticIds.ImportCycle,
                importSpan ?? SourceSpan.StartOf(displayPath),
                "import cycle: " + string.Join(" → ", cycle),
                "a rule pack cannot import itself, directly or through other packs; move the shared part into a third pack");
            return null;
        }

        if (_packs.TryGetValue(fullPath, out var loaded))
        {
            return loaded;
        }

        var file = Parse(displayPath, fullPath, importSpan);
        if (file is null)
        {
            return null;
        }

        if (file.Kind != "rule-pack")
        {
            if (importSpan is { } span)
            {
                Diagnostics.Error(
                    DiagnosticIds.ImportWrongKind,
                    span,
                    $"`{displayPath}` is a {file.Kind} file, not a rule pack",
                    "imports name files with `kind: rule-pack`");
            }

            return null;
        }

        _packChain.Add(fullPath);
        try
        {
            var pack = new ProcessBuilder(this, file).BuildPack();
            if (pack is not null)
            {
                Expressions.ConditionValidation.CheckPack(pack, options.Functions, Diagnostics);
            }

            _packs[fullPath] = pack;
            return pack;
        }
        finally
        {
            _packChain.RemoveAt(_packChain.Count - 1);
        }
    }

    private void LoadSuite(ParsedFile file)
    {
        if (_suites.ContainsKey(file.FullPath))
        {
            return;
        }

        _suites[file.FullPath] = null;
        _suites[file.FullPath] = new TestSuiteBuilder(this, file).Build();
    }

    /// <summary>Loads the process a test file refers to.</summary>
    public ProcessDefinition? LoadReferencedProcess(string displayPath, string fullPath, SourceSpan referenceSpan)
    {
        if (!Exists(fullPath))
        {
            Diagnostics.Error(
                DiagnosticIds.TestProcessNotFound,
                referenceSpan,
                $"the process file `{displayPath}` does not exist",
                Suggestions.DidYouMean(Path.GetFileName(fullPath), SiblingYamlFiles(fullPath)) is { } hint ? hint : null);
            return null;
        }

        var file = Parse(displayPath, fullPath, referenceSpan);
        if (file is null)
        {
            return null;
        }

        if (file.Kind != "process")
        {
            Diagnostics.Error(
                DiagnosticIds.ImportWrongKind,
                referenceSpan,
                $"`{displayPath}` is a {file.Kind} file, not a process",
                "`process:` names a file with `kind: process`");
            return null;
        }

        return LoadProcess(file);
    }

    /// <summary>The file read under this display path, if it was read and parsed.</summary>
    public ParsedFile? ParsedFileShownAs(string displayPath) =>
        _files.Values.FirstOrDefault(f => f is not null && f.DisplayPath == displayPath);

    public bool Exists(string fullPath) => _inMemory.ContainsKey(fullPath) || (diskAllowed && File.Exists(fullPath));

    public static IEnumerable<string> SiblingYamlFiles(string fullPath)
    {
        var directory = Path.GetDirectoryName(fullPath);
        if (directory is null || !Directory.Exists(directory))
        {
            return [];
        }

        return Directory.EnumerateFiles(directory).Take(1_000).Where(IsYamlFile).Select(f => Path.GetFileName(f)!);
    }

    private static bool IsYamlFile(string path) =>
        path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    /// <summary>Combines the display path of an importing file with a relative path written in it.</summary>
    public static string DisplayPathOf(string importerDisplayPath, string relative)
    {
        var directory = Path.GetDirectoryName(importerDisplayPath) ?? string.Empty;
        var combined = Path.Combine(directory, relative);
        var parts = new List<string>();
        foreach (var part in combined.Replace('\\', '/').Split('/'))
        {
            if (part == ".." && parts.Count > 0 && parts[^1] != "..")
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else if (part != "." && part.Length > 0)
            {
                parts.Add(part);
            }
        }

        var prefix = combined.StartsWith('/') ? "/" : string.Empty;
        return prefix + string.Join('/', parts);
    }

    private ParsedFile? Parse(string displayPath, string fullPath, SourceSpan? importSpan)
    {
        if (_files.TryGetValue(fullPath, out var cached))
        {
            return cached;
        }

        _files[fullPath] = null;
        var text = ReadText(displayPath, fullPath, importSpan);
        if (text is null)
        {
            return null;
        }

        Files.Add(displayPath);
        var source = new SourceText(displayPath, text);

        // Read into a bag of its own first: a file that turns out not to be a definition (a key file, an environment
        // dump) is reported by name only, so that no line of it reaches a diagnostic.
        var parsing = new DiagnosticBag();
        parsing.RegisterSource(source);
        var root = YamlTreeReader.Read(source, parsing, options.YamlLimits);
        if (importSpan is not null && !LooksLikeDefinition(root))
        {
            Diagnostics.Error(
                DiagnosticIds.NotADefinition,
                importSpan.Value,
                $"`{displayPath}` is not a SalesWorkflow definition (it does not start with `format: 1` and `kind:`)",
                "name a process or rule pack file; its content is not shown because it is not a definition");
            return null;
        }

        Diagnostics.RegisterSource(source);
        Diagnostics.AddRange(parsing);
        if (root is null)
        {
            return null;
        }

        if (root is not YamlMapping mapping)
        {
            Diagnostics.Error(
                DiagnosticIds.WrongNodeType,
                root.Span,
                $"a definition file holds a mapping of keys, found {root.KindName}",
                "start the file with `format: 1` and `kind: process` (see docs/yaml-reference.md)");
            return null;
        }

        var checker = new ShapeChecker(Diagnostics);
        var kind = CheckHeader(mapping, checker);
        checker.Check(mapping, FormatShapes.ForKind(kind)!, kind);
        var file = new ParsedFile
        {
            DisplayPath = displayPath,
            FullPath = fullPath,
            Source = source,
            Root = mapping,
            Kind = kind,
            Checker = checker,
            Reader = new NodeReader(checker, source),
        };
        _files[fullPath] = file;
        return file;
    }

    private static bool LooksLikeDefinition(YamlNode? root) =>
        root is YamlMapping mapping && mapping["format"] is YamlScalar && mapping["kind"] is YamlScalar;

    /// <summary>Checks `format` and `kind`; returns the kind to check the file as (guessed when unusable).</summary>
    private string CheckHeader(YamlMapping root, ShapeChecker checker)
    {
        if (root["format"] is YamlScalar format && ScalarShape.TryParseInteger(format.Value, out var version) && version != FormatShapes.FormatVersion)
        {
            checker.MarkReported(format);
            Diagnostics.Error(
                DiagnosticIds.UnsupportedFormat,
                format.Span,
                $"format {version} is not supported; this version of SalesWorkflow reads format {FormatShapes.FormatVersion}",
                version > FormatShapes.FormatVersion ? "upgrade SalesWorkflow, or write the file in format 1" : "write `format: 1`");
        }

        if (root["kind"] is YamlScalar { IsNull: false } kind && FormatShapes.Kinds.Contains(kind.Value))
        {
            return kind.Value;
        }

        var guessed = root["stages"] is not null ? "process" :
            root["tests"] is not null ? "process-tests" :
            root["criteria"] is not null ? "rule-pack" : "process";
        if (root["kind"] is YamlScalar { IsNull: false } wrongKind)
        {
            checker.MarkReported(wrongKind);
            Diagnostics.Error(
                DiagnosticIds.UnknownKind,
                wrongKind.Span,
                $"`{wrongKind.Value}` is not a kind of definition file",
                Suggestions.DidYouMean(wrongKind.Value, FormatShapes.Kinds) ?? "use `process`, `rule-pack` or `process-tests`");
        }

        // A missing `kind:` is reported by the shape check as a missing required key.
        return guessed;
    }

    private string? ReadText(string displayPath, string fullPath, SourceSpan? importSpan)
    {
        if (_inMemory.TryGetValue(fullPath, out var text))
        {
            return CheckSize(displayPath, Encoding.UTF8.GetByteCount(text)) ? text.TrimStart('\uFEFF') : null;
        }

        var read = _access.Read(fullPath);
        if (read.IsMissing)
        {
            var hint = diskAllowed ? Suggestions.DidYouMean(Path.GetFileName(fullPath), SiblingYamlFiles(fullPath)) : null;
            Diagnostics.Error(
                importSpan is null ? DiagnosticIds.FileUnreadable : DiagnosticIds.ImportNotFound,
                importSpan ?? SourceSpan.StartOf(displayPath),
                $"the file `{displayPath}` does not exist",
                hint);
            return null;
        }

        if (read.TooLargeSize is { } size)
        {
            CheckSize(displayPath, size);
            return null;
        }

        if (read.Bytes is not { } bytes)
        {
            Diagnostics.Error(
                DiagnosticIds.FileUnreadable,
                importSpan ?? SourceSpan.StartOf(displayPath),
                $"the file `{displayPath}` cannot be read: {read.Problem}",
                "name a regular file that you may read");
            return null;
        }

        return Decode(displayPath, bytes);
    }

    private bool CheckSize(string displayPath, long bytes)
    {
        if (bytes <= options.MaxFileBytes)
        {
            return true;
        }

        Diagnostics.Error(
            DiagnosticIds.FileTooLarge,
            SourceSpan.StartOf(displayPath),
            $"the file is {bytes:N0} bytes; definition files are limited to {options.MaxFileBytes:N0} bytes",
            "split the process into rule packs, or raise DefinitionLoaderOptions.MaxFileBytes");
        return false;
    }

    private string? Decode(string displayPath, byte[] bytes)
    {
        var span = bytes.AsSpan();
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            span = span[3..];
        }

        var status = System.Text.Unicode.Utf8.ToUtf16(span, new char[span.Length], out var bytesRead, out _, replaceInvalidSequences: false);
        if (status == System.Buffers.OperationStatus.Done)
        {
            return Encoding.UTF8.GetString(span);
        }

        // Report the position of the first bad byte as a line and column of the valid text before it.
        var valid = Encoding.UTF8.GetString(span[..bytesRead]);
        var source = new SourceText(displayPath, valid);
        var (line, column) = source.PositionOf(valid.Length);
        var looksUtf16 = bytes.Length >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF));
        Diagnostics.Error(
            DiagnosticIds.InvalidUtf8,
            SourceSpan.At(displayPath, line, column),
            $"the file is not valid UTF-8 (byte 0x{span[bytesRead]:X2} at offset {bytesRead + (bytes.Length - span.Length)})",
            looksUtf16 ? "the file looks like UTF-16; save it as UTF-8" : "save the file as UTF-8 (for example GBK-encoded Chinese text must be converted)");
        return null;
    }
}
