namespace SalesWorkflow.Engine.Definitions;

/// <summary>
/// A place in a definition file: 1-based line and column of the first character, and of the character just after
/// the last one. Every element of a loaded definition carries one so that any problem can be shown where it is.
/// </summary>
/// <param name="File">Path of the file as it was given to the loader.</param>
/// <param name="Line">1-based line of the first character.</param>
/// <param name="Column">1-based column (in UTF-16 code units) of the first character.</param>
/// <param name="EndLine">1-based line just after the element ends.</param>
/// <param name="EndColumn">1-based column just after the element ends.</param>
public readonly record struct SourceSpan(string File, int Line, int Column, int EndLine, int EndColumn)
{
    /// <summary>A span for a whole file, used when a problem has no better place (for example an unreadable file).</summary>
    public static SourceSpan StartOf(string file) => new(file, 1, 1, 1, 1);

    /// <summary>A zero-width span at one position.</summary>
    public static SourceSpan At(string file, int line, int column) => new(file, line, column, line, column);

    /// <inheritdoc />
    public override string ToString() => $"{File}({Line},{Column})";
}
