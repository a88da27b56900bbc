using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SalesWorkflow.Engine.Diagnostics;

/// <summary>
/// Renders diagnostics the way compilers do: a <c>path(line,col): error SW1234: message</c> line, the source line with
/// a caret under the problem (aligned for wide CJK characters and tabs), and the hint. Also renders JSON for tools.
/// </summary>
public static class DiagnosticFormatter
{
    /// <summary>The diagnostic as text lines, without a trailing newline.</summary>
    public static string Format(Diagnostic diagnostic)
    {
        ArgumentNullException.ThrowIfNull(diagnostic);
        var builder = new StringBuilder();
        // The headline and the hint are one line each: a value quoted in a message (a key written "a\nb") keeps its
        // line breaks escaped, so that it cannot start a line that looks like another diagnostic.
        builder.Append(PrintableText.Escape(diagnostic.ToString()));
        if (diagnostic.SourceLine is { } line)
        {
            var number = diagnostic.Span.Line.ToString(CultureInfo.InvariantCulture);
            var gutter = new string(' ', number.Length);
            var (shown, caretStart, caretWidth) = Caret(line, diagnostic.Span);
            builder.Append('\n').Append(' ').Append(number).Append(" | ").Append(shown);
            builder.Append('\n').Append(' ').Append(gutter).Append(" | ")
                .Append(new string(' ', caretStart)).Append('^').Append(new string('~', Math.Max(0, caretWidth - 1)));
            if (diagnostic.Hint is { } hintText)
            {
                builder.Append('\n').Append(' ').Append(gutter).Append(" = hint: ").Append(PrintableText.Escape(hintText));
            }
        }
        else if (diagnostic.Hint is { } hint)
        {
            builder.Append("\n    = hint: ").Append(PrintableText.Escape(hint));
        }

        return builder.ToString();
    }

    /// <summary>Diagnostics as a JSON document for tools: counts plus one object per diagnostic.</summary>
    public static string ToJson(IEnumerable<Diagnostic> diagnostics, IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        ArgumentNullException.ThrowIfNull(files);
        var list = diagnostics.ToList();
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("files");
            foreach (var file in files)
            {
                writer.WriteStringValue(file);
            }

            writer.WriteEndArray();
            writer.WriteNumber("errors", list.Count(d => d.Severity == DiagnosticSeverity.Error));
            writer.WriteNumber("warnings", list.Count(d => d.Severity == DiagnosticSeverity.Warning));
            writer.WriteStartArray("diagnostics");
            foreach (var d in list)
            {
                writer.WriteStartObject();
                writer.WriteString("code", d.Code);
                writer.WriteString("severity", Diagnostic.SeverityText(d.Severity));
                writer.WriteString("file", d.Span.File);
                writer.WriteNumber("line", d.Span.Line);
                writer.WriteNumber("column", d.Span.Column);
                writer.WriteNumber("endLine", d.Span.EndLine);
                writer.WriteNumber("endColumn", d.Span.EndColumn);
                writer.WriteString("message", d.Message);
                if (d.Hint is not null)
                {
                    writer.WriteString("hint", d.Hint);
                }

                if (d.SourceLine is not null)
                {
                    writer.WriteString("sourceLine", d.SourceLine);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Characters shown on each side of the problem when a line is too long to show whole.</summary>
    private const int Context = 70;

    /// <summary>
    /// The line as shown (tabs expanded, control characters as visible <c>\u001b</c>-style escapes, a long line cut to
    /// a window around the problem with … at the cuts), and the caret's display column and width on it. Escaping here,
    /// not after, keeps the caret under the character it points at.
    /// </summary>
    private static (string Shown, int Start, int Width) Caret(string line, Definitions.SourceSpan span)
    {
        var column = Math.Clamp(span.Column - 1, 0, line.Length);
        var endIndex = span.EndLine == span.Line ? Math.Clamp(Math.Max(span.Column, span.EndColumn) - 1, column, line.Length) : line.Length;
        var from = Math.Max(0, column - Context);
        var to = Math.Min(line.Length, Math.Min(Math.Max(endIndex, column + 1), column + (2 * Context)) + Context);
        if (from > 0 && from < line.Length && char.IsLowSurrogate(line[from]))
        {
            from++;
        }

        var shown = new StringBuilder();
        var display = 0;
        if (from > 0)
        {
            shown.Append('…');
            display = 1;
        }

        var start = -1;
        var end = -1;
        for (var i = from; i <= to; i++)
        {
            if (i == column)
            {
                start = display;
            }

            if (i == endIndex)
            {
                end = display;
            }

            if (i == to)
            {
                break;
            }

            var c = line[i];
            if (c == '\t')
            {
                var spaces = 4 - (display % 4);
                shown.Append(' ', spaces);
                display += spaces;
            }
            else if (PrintableText.NeedsEscape(c))
            {
                shown.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                display += 6;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < to)
            {
                shown.Append(c).Append(line[i + 1]);
                display += 2;
                i++;
            }
            else
            {
                shown.Append(c);
                display += IsWide(c) ? 2 : 1;
            }
        }

        if (to < line.Length)
        {
            shown.Append('…');
        }

        if (start < 0)
        {
            start = display;
        }

        if (end < 0)
        {
            end = display; // the problem runs past the window
        }

        if (end <= start)
        {
            end = start + 1;
        }

        return (shown.ToString(), start, end - start);
    }

    /// <summary>East Asian wide and full-width characters take two terminal columns.</summary>
    private static bool IsWide(char c) =>
        c is (>= '\u1100' and <= '\u115F') or (>= '\u2E80' and <= '\uA4CF') or (>= '\uAC00' and <= '\uD7A3')
            or (>= '\uF900' and <= '\uFAFF') or (>= '\uFE30' and <= '\uFE4F') or (>= '\uFF00' and <= '\uFF60') or (>= '\uFFE0' and <= '\uFFE6');
}
