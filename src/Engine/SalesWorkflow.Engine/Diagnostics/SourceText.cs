namespace SalesWorkflow.Engine.Diagnostics;

/// <summary>The decoded text of one definition file with a line index, for positions and caret snippets.</summary>
internal sealed class SourceText
{
    private readonly int[] _lineStarts;

    public SourceText(string path, string text)
    {
        Path = path;
        Text = text;
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n' || (c == '\r' && (i + 1 >= text.Length || text[i + 1] != '\n')))
            {
                starts.Add(i + 1);
            }
        }

        _lineStarts = [.. starts];
    }

    public string Path { get; }

    public string Text { get; }

    public int LineCount => _lineStarts.Length;

    /// <summary>The text of a 1-based line without its line break, or null when out of range.</summary>
    public string? LineText(int line)
    {
        if (line < 1 || line > _lineStarts.Length)
        {
            return null;
        }

        var start = _lineStarts[line - 1];
        var end = line < _lineStarts.Length ? _lineStarts[line] : Text.Length;
        while (end > start && (Text[end - 1] == '\n' || Text[end - 1] == '\r'))
        {
            end--;
        }

        return Text[start..end];
    }

    /// <summary>1-based line and column of a 0-based character index (clamped into the text).</summary>
    public (int Line, int Column) PositionOf(int index)
    {
        index = Math.Clamp(index, 0, Text.Length);
        var line = Array.BinarySearch(_lineStarts, index);
        if (line < 0)
        {
            line = ~line - 1;
        }

        return (line + 1, index - _lineStarts[line] + 1);
    }

    public Definitions.SourceSpan Span(int startIndex, int endIndex)
    {
        var (line, column) = PositionOf(startIndex);
        var (endLine, endColumn) = PositionOf(Math.Max(startIndex, endIndex));
        return new Definitions.SourceSpan(Path, line, column, endLine, endColumn);
    }
}
