namespace SalesWorkflow.Engine.Expressions;

/// <summary>
/// A light scan of a condition before it is parsed: enforces the length and nesting limits (so no input can exhaust
/// the parser's stack), rejects a lone <c>=</c> (the parser would silently read it as <c>==</c>), and finds the
/// top-level <c>&amp;&amp;</c> terms that become separately labelled conditions.
/// </summary>
internal static class ConditionLexer
{
    /// <summary>Longest condition accepted, in characters (documented in docs/conditions.md).</summary>
    public const int MaxLength = 2000;

    /// <summary>Deepest nesting of parentheses, brackets and braces accepted.</summary>
    public const int MaxDepth = 24;

    internal readonly record struct Problem(int Offset, int Length, string Code, string Message, string? Hint);

    internal readonly record struct Term(int Start, int End);

    internal sealed record ScanResult(IReadOnlyList<Term> Terms, IReadOnlyList<Problem> Problems);

    public static ScanResult Scan(string text)
    {
        var problems = new List<Problem>();
        if (text.Length > MaxLength)
        {
            problems.Add(new Problem(MaxLength, 1, Diagnostics.DiagnosticIds.ConditionTooLong, $"the condition is {text.Length:N0} characters long; at most {MaxLength:N0} are allowed", "split it into several exit criteria or risk rules, or move the logic into a plugin function"));
            return new ScanResult([], problems);
        }

        var splits = new List<(int Start, int Length)>();
        var splittable = true;
        var depth = 0;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is '"' or '\'')
            {
                i = SkipString(text, i);
                continue;
            }

            switch (c)
            {
                case '(' or '[' or '{':
                    depth++;
                    if (depth > MaxDepth)
                    {
                        problems.Add(new Problem(i, 1, Diagnostics.DiagnosticIds.ConditionTooDeep, $"the condition nests deeper than {MaxDepth} levels", "simplify the condition, or split it into several rules"));
                        return new ScanResult([], problems);
                    }

                    break;
                case ')' or ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    break;
                case '=':
                    var previous = i > 0 ? text[i - 1] : ' ';
                    var next = i + 1 < text.Length ? text[i + 1] : ' ';
                    if (previous is not ('=' or '!' or '<' or '>') && next is not ('=' or '>'))
                    {
                        problems.Add(new Problem(i, 1, Diagnostics.DiagnosticIds.ConditionForbidden, "`=` assigns; conditions cannot change facts", "write `==` to compare"));
                    }

                    break;
                case '&' when depth == 0 && i + 1 < text.Length && text[i + 1] == '&':
                    splits.Add((i, 2));
                    i += 2;
                    continue;
                case '|' when depth == 0 && i + 1 < text.Length && text[i + 1] == '|':
                    splittable = false;
                    break;
                case '?' when depth == 0 && (i + 1 >= text.Length || text[i + 1] != '.'):
                    splittable = false;
                    break;
            }

            // `$` (it), `^` (parent) and `~` (root) are the parser's aliases for its context, with or without a dot after.
            if (c is '^' or '$' or '~')
            {
                problems.Add(new Problem(i, 1, Diagnostics.DiagnosticIds.ConditionForbidden, $"`{c}` refers to the parser's context, not to a fact", "name the fact, e.g. `Opportunity.Amount`, or the lambda parameter (`c => c.Role`)"));
            }

            if (char.IsAsciiLetter(c) && (i == 0 || (!IsIdentifierChar(text[i - 1]) && text[i - 1] != '.')))
            {
                var end = i;
                while (end < text.Length && IsIdentifierChar(text[end]))
                {
                    end++;
                }

                var word = text[i..end];
                if (depth == 0 && word == "and")
                {
                    splits.Add((i, 3));
                }
                else if (depth == 0 && word == "or")
                {
                    splittable = false;
                }
                else if (word is "it" or "root" or "parent")
                {
                    problems.Add(new Problem(i, word.Length, Diagnostics.DiagnosticIds.ConditionForbidden, $"`{word}` refers to the parser's context, not to a fact", "name the fact (`Opportunity`, `Contacts`…) or the lambda parameter (`c => c.Role`)"));
                }
                else if (word is "DateTime" or "DateTimeOffset" && Rest(text, end) is "Now" or "UtcNow" or "Today")
                {
                    problems.Add(new Problem(i, word.Length, Diagnostics.DiagnosticIds.ConditionForbidden, $"`{word}.{Rest(text, end)}` reads the server's clock", "use `now`: it comes from the engine's clock, so evaluations are repeatable"));
                }

                i = end;
                continue;
            }

            i++;
        }

        var terms = new List<Term>();
        if (!splittable || splits.Count == 0)
        {
            terms.Add(Trim(text, 0, text.Length));
        }
        else
        {
            var start = 0;
            foreach (var (at, length) in splits)
            {
                terms.Add(Trim(text, start, at));
                start = at + length;
            }

            terms.Add(Trim(text, start, text.Length));
        }

        return new ScanResult(terms, problems);
    }

    /// <summary>Offset of the first whole-word occurrence of <paramref name="name"/> outside string literals, or -1.</summary>
    public static int FindWord(string text, string name)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] is '"' or '\'')
            {
                i = SkipString(text, i);
                continue;
            }

            if (string.CompareOrdinal(text, i, name, 0, name.Length) == 0 &&
                (i == 0 || !IsIdentifierChar(text[i - 1])) &&
                (i + name.Length >= text.Length || !IsIdentifierChar(text[i + name.Length])))
            {
                return i;
            }

            i++;
        }

        return -1;
    }

    /// <summary>The identifier starting at <paramref name="at"/>, or null when none starts there.</summary>
    public static string? WordAt(string text, int at)
    {
        if (at < 0 || at >= text.Length || !IsIdentifierChar(text[at]) || (at > 0 && IsIdentifierChar(text[at - 1])))
        {
            return null;
        }

        var end = at;
        while (end < text.Length && IsIdentifierChar(text[end]))
        {
            end++;
        }

        return text[at..end];
    }

    /// <summary>Offset of a string literal with this value (quotes included), or -1.</summary>
    public static int FindLiteral(string text, string value)
    {
        var at = text.IndexOf("\"" + value + "\"", StringComparison.Ordinal);
        return at >= 0 ? at : text.IndexOf("'" + value + "'", StringComparison.Ordinal);
    }

    /// <summary>The values of the double-quoted literals without escapes, in order.</summary>
    public static List<string> StringLiterals(string text)
    {
        var literals = new List<string>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is '"' or '\'')
            {
                var end = SkipString(text, i);
                var inner = text[(i + 1)..Math.Max(i + 1, end - 1)];
                if (text[i] == '"' && end - 1 < text.Length && text[end - 1] == '"' && !inner.Contains('\\', StringComparison.Ordinal))
                {
                    literals.Add(inner);
                }

                i = end - 1;
            }
        }

        return literals;
    }

    private static int SkipString(string text, int start)
    {
        var quote = text[start];
        var i = start + 1;
        while (i < text.Length && text[i] != quote)
        {
            i += text[i] == '\\' ? 2 : 1;
        }

        return Math.Min(text.Length, i + 1);
    }

    /// <summary>The identifier after a dot at <paramref name="at"/>, or an empty string.</summary>
    private static string Rest(string text, int at)
    {
        if (at >= text.Length || text[at] != '.')
        {
            return string.Empty;
        }

        var end = at + 1;
        while (end < text.Length && IsIdentifierChar(text[end]))
        {
            end++;
        }

        return text[(at + 1)..end];
    }

    private static bool IsIdentifierChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static Term Trim(string text, int start, int end)
    {
        while (start < end && char.IsWhiteSpace(text[start]))
        {
            start++;
        }

        while (end > start && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        return new Term(start, end);
    }
}
