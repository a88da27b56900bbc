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
        builder.Append(diagnostic.ToString());
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
                builder.Append('\n').Append(' ').Append(gutter).Append(" = hint: ").Append(hintText);
            }
        }
        else if (diagnostic.Hint is { } hint)
        {
            builder.Append("\n    = hint: ").Append(hint);
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

    /// <summary>The line with tabs expanded, and the caret's display column and width.</summary>
    private static (string Shown, int Start, int Width) Caret(string line, Definitions.SourceSpan span)
    {
        var shown = new StringBuilder();
        var start = -1;
        var end = -1;
        var column = 0;
        var endIndex = span.EndLine == span.Line ? Math.Max(span.Column, span.EndColumn) - 1 : line.Length;
        for (var i = 0; i <= line.Length; i++)
        {
            if (i == span.Column - 1)
            {
                start = column;
            }

            if (i == endIndex)
            {
                end = column;
            }

            if (i == line.Length)
            {
                break;
            }

            var c = line[i];
            if (c == '\t')
            {
                var spaces = 4 - (column % 4);
                shown.Append(' ', spaces);
                column += spaces;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < line.Length)
            {
                shown.Append(c).Append(line[i + 1]);
                column += 2;
                i++;
            }
            else
            {
                shown.Append(c);
                column += IsWide(c) ? 2 : 1;
            }
        }

        if (start < 0)
        {
            start = column;
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
