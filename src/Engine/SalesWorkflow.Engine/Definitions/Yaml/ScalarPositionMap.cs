using System.Globalization;
using System.Text;
using SalesWorkflow.Engine.Diagnostics;
using YamlDotNet.Core;

namespace SalesWorkflow.Engine.Definitions.Yaml;

/// <summary>
/// Maps character offsets inside a scalar's value back to file positions, so that an error at offset 17 of a condition
/// is reported at the line and column of that character in the YAML file, whatever quoting or block style was used.
/// We re-decode the raw scalar ourselves; if our decoding does not reproduce YamlDotNet's value exactly, every offset
/// maps to the scalar's start rather than to a wrong place.
/// </summary>
internal static class ScalarPositionMap
{
    public static Func<int, (int Line, int Column)> For(YamlScalar scalar, SourceText source)
    {
        var offsets = TryDecode(scalar, source.Text);
        var start = (scalar.Span.Line, scalar.Span.Column);
        if (offsets is null)
        {
            return _ => start;
        }

        var end = source.PositionOf(scalar.EndIndex);
        return offset => offset >= 0 && offset < offsets.Length ? source.PositionOf(offsets[offset]) :
            offset >= offsets.Length && offsets.Length > 0 ? AfterLast(source, offsets[^1], end) : start;
    }

    private static (int, int) AfterLast(SourceText source, int lastIndex, (int, int) scalarEnd)
    {
        var (line, column) = source.PositionOf(lastIndex);
        return source.Text.Length > lastIndex && source.Text[lastIndex] is '\n' or '\r' ? scalarEnd : (line, column + 1);
    }

    /// <summary>Source index of every character of the value, or null when the scalar cannot be decoded exactly.</summary>
    internal static int[]? TryDecode(YamlScalar scalar, string text)
    {
        if (scalar.StartIndex < 0 || scalar.EndIndex > text.Length || scalar.StartIndex > scalar.EndIndex)
        {
            return null;
        }

        var builder = new StringBuilder();
        var map = new List<int>();
        var ok = scalar.Style switch
        {
            ScalarStyle.Plain => DecodeFlow(text, scalar.StartIndex, scalar.EndIndex, Quote.None, builder, map),
            ScalarStyle.SingleQuoted => DecodeFlow(text, scalar.StartIndex + 1, scalar.EndIndex - 1, Quote.Single, builder, map),
            ScalarStyle.DoubleQuoted => DecodeFlow(text, scalar.StartIndex + 1, scalar.EndIndex - 1, Quote.Double, builder, map),
            ScalarStyle.Literal => DecodeBlock(text, scalar.StartIndex, scalar.EndIndex, literal: true, builder, map),
            ScalarStyle.Folded => DecodeBlock(text, scalar.StartIndex, scalar.EndIndex, literal: false, builder, map),
            _ => false,
        };
        return ok && builder.ToString() == scalar.Value && map.Count == scalar.Value.Length ? [.. map] : null;
    }

    private enum Quote
    {
        None,
        Single,
        Double,
    }

    private static bool DecodeFlow(string text, int start, int end, Quote quote, StringBuilder value, List<int> map)
    {
        if (end < start)
        {
            return false;
        }

        var i = start;
        var pendingBreaks = new List<int>();
        var pendingSpaces = new List<int>();
        var atLineStart = false;
        while (i < end)
        {
            var c = text[i];
            if (c is '\r' or '\n')
            {
                // Trailing white space before a line break is not part of the value.
                pendingSpaces.Clear();
                pendingBreaks.Add(i);
                i += c == '\r' && i + 1 < end && text[i + 1] == '\n' ? 2 : 1;
                atLineStart = true;
                continue;
            }

            if (c is ' ' or '\t')
            {
                if (!atLineStart)
                {
                    pendingSpaces.Add(i);
                }

                i++;
                continue;
            }

            if (pendingBreaks.Count > 0)
            {
                if (pendingBreaks.Count == 1)
                {
                    Append(value, map, ' ', pendingBreaks[0]);
                }
                else
                {
                    for (var b = 1; b < pendingBreaks.Count; b++)
                    {
                        Append(value, map, '\n', pendingBreaks[b]);
                    }
                }

                pendingBreaks.Clear();
            }

            foreach (var s in pendingSpaces)
            {
                Append(value, map, text[s], s);
            }

            pendingSpaces.Clear();
            atLineStart = false;

            if (quote == Quote.Single && c == '\'' && i + 1 < end && text[i + 1] == '\'')
            {
                Append(value, map, '\'', i);
                i += 2;
                continue;
            }

            if (quote == Quote.Double && c == '\\' && i + 1 < end)
            {
                var next = text[i + 1];
                if (next is '\r' or '\n')
                {
                    // An escaped line break joins the lines without a space.
                    i += next == '\r' && i + 2 < end && text[i + 2] == '\n' ? 3 : 2;
                    while (i < end && text[i] is ' ' or '\t')
                    {
                        i++;
                    }

                    continue;
                }

                var (decoded, length) = Escape(text, i + 1, end);
                if (decoded is null)
                {
                    return false;
                }

                foreach (var ch in decoded)
                {
                    Append(value, map, ch, i);
                }

                i += 1 + length;
                continue;
            }

            Append(value, map, c, i);
            i++;
        }

        return true;
    }

    private static (string? Value, int Length) Escape(string text, int i, int end)
    {
        var c = text[i];
        switch (c)
        {
            case '0': return ("\0", 1);
            case 'a': return ("\a", 1);
            case 'b': return ("\b", 1);
            case 't' or '\t': return ("\t", 1);
            case 'n': return ("\n", 1);
            case 'v': return ("\v", 1);
            case 'f': return ("\f", 1);
            case 'r': return ("\r", 1);
            case 'e': return ("\u001b", 1);
            case ' ': return (" ", 1);
            case '"': return ("\"", 1);
            case '/': return ("/", 1);
            case '\\': return ("\\", 1);
            case 'N': return ("\u0085", 1);
            case '_': return ("\u00a0", 1);
            case 'L': return ("\u2028", 1);
            case 'P': return ("\u2029", 1);
            case 'x': return Hex(text, i + 1, 2, end);
            case 'u': return Hex(text, i + 1, 4, end);
            case 'U': return Hex(text, i + 1, 8, end);
            default: return (null, 0);
        }
    }

    private static (string? Value, int Length) Hex(string text, int start, int digits, int end)
    {
        if (start + digits > end ||
            !int.TryParse(text.AsSpan(start, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code) ||
            code > 0x10FFFF)
        {
            return (null, 0);
        }

        return (char.ConvertFromUtf32(code), digits + 1);
    }

    private static bool DecodeBlock(string text, int start, int end, bool literal, StringBuilder value, List<int> map)
    {
        // Header: `|` or `>`, then optional chomping (+/-) and indentation (1-9) indicators, then a comment or nothing.
        var i = start + 1;
        var chomping = ' ';
        var explicitIndent = 0;
        while (i < end && text[i] is '+' or '-' or (>= '1' and <= '9'))
        {
            if (text[i] is '+' or '-')
            {
                chomping = text[i];
            }
            else
            {
                explicitIndent = text[i] - '0';
            }

            i++;
        }

        while (i < text.Length && text[i] is not ('\n' or '\r'))
        {
            i++;
        }

        var lines = new List<(int Start, int End, int BreakIndex)>();
        while (i < end)
        {
            i += text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
            var lineStart = i;
            while (i < text.Length && text[i] is not ('\n' or '\r'))
            {
                i++;
            }

            lines.Add((lineStart, Math.Min(i, text.Length), i));
            if (i >= end)
            {
                break;
            }
        }

        var indent = explicitIndent;
        if (indent == 0)
        {
            foreach (var (lineStart, lineEnd, _) in lines)
            {
                var spaces = 0;
                while (lineStart + spaces < lineEnd && text[lineStart + spaces] == ' ')
                {
                    spaces++;
                }

                if (lineStart + spaces < lineEnd)
                {
                    indent = spaces;
                    break;
                }
            }
        }

        // Keep only lines that belong to the block (indented at least `indent`, or empty).
        var content = new List<(int Start, int End, int BreakIndex, bool Empty, bool MoreIndented)>();
        foreach (var (lineStart, lineEnd, breakIndex) in lines)
        {
            var spaces = 0;
            while (lineStart + spaces < lineEnd && text[lineStart + spaces] == ' ')
            {
                spaces++;
            }

            var isEmpty = lineStart + spaces >= lineEnd;
            if (!isEmpty && spaces < indent)
            {
                break;
            }

            var contentStart = Math.Min(lineStart + indent, lineEnd);
            content.Add((contentStart, lineEnd, breakIndex, isEmpty, !isEmpty && (spaces > indent || text[contentStart] == '\t')));
        }

        // Trailing empty lines are subject to chomping.
        var last = content.Count - 1;
        while (last >= 0 && content[last].Empty)
        {
            last--;
        }

        for (var l = 0; l <= last; l++)
        {
            var line = content[l];
            for (var c = line.Start; c < line.End; c++)
            {
                Append(value, map, text[c], c);
            }

            if (l == last)
            {
                break;
            }

            if (literal)
            {
                Append(value, map, '\n', line.BreakIndex);
                continue;
            }

            // Folded: a single break between two ordinary lines becomes a space; empty lines become line breaks.
            var next = l + 1;
            var empties = 0;
            while (next <= last && content[next].Empty)
            {
                empties++;
                next++;
            }

            if (empties == 0)
            {
                Append(value, map, line.MoreIndented || content[next].MoreIndented ? '\n' : ' ', line.BreakIndex);
            }
            else
            {
                if (line.MoreIndented)
                {
                    Append(value, map, '\n', line.BreakIndex);
                }

                for (var e = 0; e < empties; e++)
                {
                    Append(value, map, '\n', content[l + 1 + e].BreakIndex);
                }

                l += empties;
            }
        }

        if (last >= 0 && chomping != '-')
        {
            Append(value, map, '\n', content[last].BreakIndex);
            if (chomping == '+')
            {
                for (var l = last + 1; l < content.Count; l++)
                {
                    Append(value, map, '\n', content[l].BreakIndex);
                }
            }
        }

        return true;
    }

    private static void Append(StringBuilder value, List<int> map, char c, int index)
    {
        value.Append(c);
        map.Add(index);
    }
}
