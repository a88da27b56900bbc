using System.Text;

namespace SalesWorkflow.Analytics;

/// <summary>
/// A value from the data (a rep's, team's or stage's name, a loss reason, an id from a database) as Markdown text: HTML
/// is encoded, so a name cannot carry <c>&lt;script&gt;</c> or <c>&lt;img onerror&gt;</c> into a page that renders the
/// report, the characters of Markdown syntax are escaped, and a line break or other control character cannot end a
/// table row. Used by the review and backtest reports.
/// </summary>
internal static class MarkdownText
{
    public static string Escape(string text)
    {
        var b = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            _ = c switch
            {
                '<' => b.Append("&lt;"),
                '>' => b.Append("&gt;"),
                '&' => b.Append("&amp;"),
                '\\' or '|' or '*' or '_' or '[' or ']' or '`' => b.Append('\\').Append(c),
                _ when char.IsControl(c) => b.Append(' '),
                _ => b.Append(c),
            };
        }

        return b.ToString();
    }
}
