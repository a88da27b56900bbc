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

        var line = _sources.TryGetValue(span.File, out var source) ? source.LineText(span.Line) : null;
        _items.Add(new Diagnostic(code, severity, span, message, hint, line));
        HasErrors |= severity == DiagnosticSeverity.Error;
    }

    public void AddRange(IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            _items.Add(diagnostic);
            HasErrors |= diagnostic.Severity == DiagnosticSeverity.Error;
        }
    }

    /// <summary>Diagnostics in file, line, column order; the order users read them in.</summary>
    public IReadOnlyList<Diagnostic> Sorted() =>
        [.. _items
            .Select((d, i) => (d, i))
            .OrderBy(x => x.d.Span.File, StringComparer.Ordinal)
            .ThenBy(x => x.d.Span.Line)
            .ThenBy(x => x.d.Span.Column)
            .ThenBy(x => x.i)
            .Select(x => x.d)];
}
