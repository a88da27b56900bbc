using SalesWorkflow.Engine.Definitions;

namespace SalesWorkflow.Engine.Diagnostics;

/// <summary>How serious a problem in a definition is.</summary>
public enum DiagnosticSeverity
{
    /// <summary>Worth knowing; never blocks loading.</summary>
    Info = 0,

    /// <summary>Probably a mistake; the definition still loads.</summary>
    Warning = 1,

    /// <summary>The definition cannot be used until this is fixed.</summary>
    Error = 2,
}

/// <summary>
/// One problem found while loading or validating definitions: a stable code (documented in
/// <c>docs/diagnostics.md</c>), where it is, what is wrong and, when we can tell, how to fix it.
/// </summary>
/// <param name="Code">Stable identifier such as <c>SW1001</c>; tools may match on it.</param>
/// <param name="Severity">Error, warning or info.</param>
/// <param name="Span">Where the problem is.</param>
/// <param name="Message">What is wrong, in one sentence.</param>
/// <param name="Hint">How to fix it (for example "did you mean `probability`?"), or null.</param>
/// <param name="SourceLine">The text of the line at <see cref="SourceSpan.Line"/>, for caret snippets; null when unknown.</param>
public sealed record Diagnostic(
    string Code,
    DiagnosticSeverity Severity,
    SourceSpan Span,
    string Message,
    string? Hint,
    string? SourceLine)
{
    /// <summary>The compiler-style first line: <c>path(line,col): error SW1234: message</c>.</summary>
    public override string ToString() =>
        $"{Span.File}({Span.Line},{Span.Column}): {SeverityText(Severity)} {Code}: {Message}";

    internal static string SeverityText(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        _ => "info",
    };
}
