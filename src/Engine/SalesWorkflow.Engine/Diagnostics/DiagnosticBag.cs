using SalesWorkflow.Engine.Definitions;

namespace SalesWorkflow.Engine.Diagnostics;

/// <summary>
/// Collects every problem of a load in one pass (STYLE.md: errors are data). Knows the source texts so that each
/// diagnostic carries the line it points at.
/// </summary>
internal sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];
    private readonly HashSet<(string, SourceSpan, string)> _seen = [];
    private readonly Dictionary<string, SourceText> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perFile = new(StringComparer.Ordinal);
    private readonly Dictionary<(string File, int Line), string?> _lines = [];

    /// <summary>Most diagnostics kept per file: past it one SW0008 says how many more there were.</summary>
    internal const int MaxPerFile = 1_000;

    /// <summary>Longest message kept (a message quotes names from the file, and a name can be 500,000 characters).</summary>
    internal const int MaxMessageLength = 1_000;

    /// <summary>Longest source line a diagnostic carries; a longer one (a whole list on one line) is left out.</summary>
    internal const int MaxSourceLineLength = 4_096;

    public IReadOnlyList<Diagnostic> Items => _items;

    public bool HasErrors { get; private set; }

    public int ErrorCount => _items.Count(d => d.Severity == DiagnosticSeverity.Error);

    public void RegisterSource(SourceText source) => _sources[source.Path] = source;

    public SourceText? SourceOf(string path) => _sources.GetValueOrDefault(path);

    public void Error(string code, SourceSpan span, string message, string? hint = null) =>
        Add(code, DiagnosticSeverity.Error, span, message, hint);

    public void Warning(string code, SourceSpan span, string message, string? hint = null) =>
        Add(code, DiagnosticSeverity.Warning, span, message, hint);

    public void Info(string code, SourceSpan span, string message, string? hint = null) =>
        Add(code, DiagnosticSeverity.Info, span, message, hint);

    public void Add(string code, DiagnosticSeverity severity, SourceSpan span, string message, string? hint)
    {
        // A rule pack's condition is checked for every process that imports it; report each problem once.
        if (!_seen.Add((code, span, message)))
        {
            return;
        }

        // Bounded, so that a small hostile file cannot make gigabytes of output: 9,000 problems on one 100 KB line
        // once printed that line 9,000 times.
        HasErrors |= severity == DiagnosticSeverity.Error;
        var count = _perFile[span.File] = _perFile.GetValueOrDefault(span.File) + 1;
        if (count > MaxPerFile)
        {
            return;
        }

        _items.Add(new Diagnostic(code, severity, span, Bounded(message), hint is null ? null : Bounded(hint), Line(span)));
    }

    /// <summary>After loading: one SW0008 per file that had more diagnostics than are kept.</summary>
    public void ReportDropped()
    {
        foreach (var (file, count) in _perFile.Where(f => f.Value > MaxPerFile))
        {
            _items.Add(new Diagnostic(
                DiagnosticIds.TooManyDiagnostics,
                DiagnosticSeverity.Error,
                SourceSpan.StartOf(file),
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{count:N0} problems in this file; the first {MaxPerFile:N0} are shown, {count - MaxPerFile:N0} more are not"),
                "fix these and validate again",
                null));
            _perFile[file] = MaxPerFile;
        }
    }

    private static string Bounded(string text) => text.Length <= MaxMessageLength ? text : text[..(MaxMessageLength - 1)] + "…";

    /// <summary>The source line, one string per line however many diagnostics quote it; null when too long to show.</summary>
    private string? Line(SourceSpan span)
    {
        if (!_lines.TryGetValue((span.File, span.Line), out var line))
        {
            line = _sources.TryGetValue(span.File, out var source) ? source.LineText(span.Line) : null;
            _lines[(span.File, span.Line)] = line = line is { Length: > MaxSourceLineLength } ? null : line;
        }

        return line;
    }

    public void AddRange(IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            HasErrors |= diagnostic.Severity == DiagnosticSeverity.Error;
            if ((_perFile[diagnostic.Span.File] = _perFile.GetValueOrDefault(diagnostic.Span.File) + 1) <= MaxPerFile)
            {
                _items.Add(diagnostic);
            }
        }
    }

    /// <summary>Another bag's diagnostics, with the count of those it did not keep.</summary>
    public void AddRange(DiagnosticBag other)
    {
        AddRange(other._items);
        foreach (var (file, count) in other._perFile.Where(f => f.Value > MaxPerFile))
        {
            _perFile[file] = _perFile.GetValueOrDefault(file) + (count - MaxPerFile);
        }
    }

    /// <summary>Diagnostics in file, line, column order; the order users read them in.</summary>
    public IReadOnlyList<Diagnostic> Sorted()
    {
        ReportDropped();
        return [.. _items
            .Select((d, i) => (d, i))
            .OrderBy(x => x.d.Span.File, StringComparer.Ordinal)
            .ThenBy(x => x.d.Span.Line)
            .ThenBy(x => x.d.Span.Column)
            .ThenBy(x => x.i)
            .Select(x => x.d)];
    }
}
