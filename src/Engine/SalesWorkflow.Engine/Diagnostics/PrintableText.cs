using System.Globalization;
using System.Text;

namespace SalesWorkflow.Engine.Diagnostics;

/// <summary>
/// Text from outside (a deal's name from a CRM, a line of a definition, a database's error) made safe to show in a
/// terminal or a log: control characters (escape sequences that recolour, retitle or clear a terminal; NUL; a carriage
/// return that overwrites a line; bidirectional overrides that reorder it) are written as visible <c>\u001b</c>-style
/// escapes. Printable text, Chinese included, is unchanged.
/// </summary>
public static class PrintableText
{
    /// <summary>
    /// <paramref name="text"/> with every control character escaped; line feeds and tabs too unless
    /// <paramref name="keepLineBreaks"/> (for multi-line text the engine wrote itself).
    /// </summary>
    /// <param name="text">The text to show.</param>
    /// <param name="keepLineBreaks">Keep <c>\n</c> and <c>\t</c> as they are.</param>
    /// <returns>The text, unchanged when it holds nothing to escape.</returns>
    public static string Escape(string? text, bool keepLineBreaks = false)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var first = 0;
        while (first < text.Length && !NeedsEscape(text[first], keepLineBreaks))
        {
            first++;
        }

        if (first == text.Length)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (NeedsEscape(c, keepLineBreaks))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Whether <paramref name="c"/> would act on a terminal instead of showing.</summary>
    public static bool NeedsEscape(char c, bool keepLineBreaks = false) =>
        c switch
        {
            '\n' or '\t' => !keepLineBreaks,
            < ' ' or '\u007f' => true,
            >= '\u0080' and <= '\u009f' => true,
            '\u061c' or '\u200e' or '\u200f' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069') => true,
            _ => false,
        };
}
