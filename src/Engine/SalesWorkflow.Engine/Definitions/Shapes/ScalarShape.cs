using System.Globalization;
using System.Text.RegularExpressions;
using SalesWorkflow.Engine.Definitions.Yaml;
using YamlDotNet.Core;

namespace SalesWorkflow.Engine.Definitions.Shapes;

/// <summary>The kinds of single values the format knows.</summary>
internal enum ScalarType
{
    Text,
    Id,
    FieldId,
    Reference,
    Integer,
    Number,
    Boolean,
    Duration,
    Date,
    DateTime,
    ShareOrAmount,
    Share,
    Condition,
    Path,
    Currency,
    Language,
    TimeZone,
    Enum,
}

/// <summary>A single YAML value with a type and optional limits.</summary>
internal sealed partial class ScalarShape(ScalarType type, string description) : Shape(description)
{
    public ScalarType Type { get; } = type;

    public IReadOnlyList<string>? Values { get; init; }

    public double? Minimum { get; init; }

    public double? Maximum { get; init; }

    /// <summary>The diagnostic code for a value out of range, when it deserves its own (probabilities).</summary>
    public string? RangeCode { get; init; }

    public override string Expected => Type switch
    {
        ScalarType.Text => "text",
        ScalarType.Id => "an id in lower-case kebab-case (such as `needs-analysis`)",
        ScalarType.FieldId => "a field id in camelCase (such as `budgetConfirmed`)",
        ScalarType.Reference => "a reference such as `needs-analysis` or `bant.budget`",
        ScalarType.Integer => Range("a whole number"),
        ScalarType.Number => Range("a number"),
        ScalarType.Boolean => "`true` or `false`",
        ScalarType.Duration => "a duration such as `36h`, `14d`, `2w`, `1d12h`, `5bd` (business days) or `16bh` (business hours)",
        ScalarType.Date => "a date such as `2026-03-31`",
        ScalarType.DateTime => "a date and time such as `2026-03-31T09:00:00+08:00`",
        ScalarType.ShareOrAmount => "a share such as `25%` or an amount such as `1500000`",
        ScalarType.Share => "a share such as `25%`",
        ScalarType.Condition => "a condition expression",
        ScalarType.Path => "a relative file path",
        ScalarType.Currency => "a three-letter currency code such as `CNY`",
        ScalarType.Language => "a language code such as `en` or `zh`",
        ScalarType.TimeZone => "an IANA time zone such as `Asia/Shanghai`",
        ScalarType.Enum => "one of " + string.Join(", ", (Values ?? []).Select(v => $"`{v}`")),
        _ => "a value",
    };

    private string Range(string what) => (Minimum, Maximum) switch
    {
        ({ } min, { } max) => $"{what} from {Format(min)} to {Format(max)}",
        ({ } min, null) => $"{what} of at least {Format(min)}",
        (null, { } max) => $"{what} of at most {Format(max)}",
        _ => what,
    };

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Checks a scalar against this shape; returns null when it is valid, else the problem and a hint.</summary>
    public (string Message, string? Hint)? Check(YamlScalar scalar)
    {
        var text = scalar.Value;
        var quoted = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted;
        switch (Type)
        {
            case ScalarType.Text:
            case ScalarType.Condition:
                return null;
            case ScalarType.Id or ScalarType.FieldId or ScalarType.Reference when text.Length > MaxLengthOf(Type):
                // Ids become names in compiled conditions and in the database: a runaway one is refused here, not
                // where the runtime trips over it ("Method name too long").
                return (string.Create(CultureInfo.InvariantCulture, $"`{text[..24]}…` is {text.Length:N0} characters long; {(Type == ScalarType.Reference ? "a reference has" : "ids have")} at most {MaxLengthOf(Type)}"),
                    "use a short id; the display name goes under `name:`");
            case ScalarType.Id:
                return IdPattern().IsMatch(text) ? null
                    : ($"`{text}` is not a valid id", "ids are lower-case letters, digits and single hyphens, starting with a letter (e.g. `needs-analysis`)");
            case ScalarType.FieldId:
                return FieldIdPattern().IsMatch(text) ? null
                    : ($"`{text}` is not a valid field id", "custom field ids are camelCase identifiers usable in conditions (e.g. `budgetConfirmed`)");
            case ScalarType.Reference:
                return ReferencePattern().IsMatch(text) ? null
                    : ($"`{text}` is not a valid reference", "write an id, or `alias.id` for an item imported from a rule pack");
            case ScalarType.Integer:
                if (quoted || !TryParseInteger(text, out var integer))
                {
                    return ($"expected {Expected}, found {Describe(scalar)}", quoted ? "remove the quotes: numbers are written bare" : null);
                }

                return CheckRange(integer);
            case ScalarType.Number:
                if (quoted || !TryParseNumber(text, out var number))
                {
                    return ($"expected {Expected}, found {Describe(scalar)}", quoted ? "remove the quotes: numbers are written bare" : NumberHint(text));
                }

                return CheckRange((double)number);
            case ScalarType.Boolean:
                if (!quoted && text is "true" or "false")
                {
                    return null;
                }

                return ($"expected `true` or `false`, found {Describe(scalar)}",
                    text.ToLowerInvariant() is "yes" or "no" or "on" or "off" or "y" or "n" or "True" or "False" or "TRUE" or "FALSE"
                        ? "write `true` or `false` in lower case; `yes`/`no` are not booleans in this format"
                        : null);
            case ScalarType.Duration:
                return Duration.TryParse(text, out _, out var durationError) ? null
                    : ($"`{text}` is not a valid duration: {durationError}", "write a whole number and a unit: `m` minutes, `h` hours, `d` days, `w` weeks, `bd` business days, `bh` business hours; e.g. `36h`, `14d`, `1d12h`, `5bd`, `16bh`");
            case ScalarType.Date:
                return TryParseDate(text, out _) ? null
                    : ($"expected {Expected}, found {Describe(scalar)}", "dates are written year-month-day: `2026-03-31`");
            case ScalarType.DateTime:
                return TryParseDateTime(text, out _) ? null
                    : ($"expected {Expected}, found {Describe(scalar)}", "write an ISO 8601 time with its offset, such as `2026-03-31T09:00:00+08:00` or `2026-03-31T01:00:00Z`, or a date `2026-03-31`");
            case ScalarType.ShareOrAmount:
                return TryParseShareOrAmount(text, quoted, out _, out _) ? null
                    : ($"expected {Expected}, found {Describe(scalar)}", "shares end with `%` (e.g. `25%`); amounts are bare numbers");
            case ScalarType.Share:
                return TryParseShare(text, out var share) ? (share is >= 0 and <= 1 ? null : ($"a share must be between 0% and 100%, found `{text}`", null))
                    : ($"expected {Expected}, found {Describe(scalar)}", "shares end with `%` (e.g. `25%`)");
            case ScalarType.Path:
                return text.Length == 0 || text.IndexOfAny(['\0', '\n', '\r']) >= 0
                    ? ($"`{text}` is not a valid file path", null)
                    : Path.IsPathRooted(text) ? ($"`{text}` is an absolute path", "write paths relative to this file so the definitions can move together") : null;
            case ScalarType.Currency:
                return CurrencyPattern().IsMatch(text) ? null
                    : ($"expected {Expected}, found {Describe(scalar)}", "use the ISO 4217 code, e.g. `CNY`, `USD`, `EUR`");
            case ScalarType.Language:
                return LanguagePattern().IsMatch(text) ? null
                    : ($"expected {Expected}, found {Describe(scalar)}", "use a BCP 47 language tag such as `en`, `zh` or `zh-Hant`");
            case ScalarType.TimeZone:
                return TimeZoneInfo.TryFindSystemTimeZoneById(text, out _) ? null
                    : ($"`{text}` is not a known time zone", "use an IANA name such as `Asia/Shanghai` or `Europe/Berlin`, or `UTC`");
            case ScalarType.Enum:
                if (Values!.Contains(text))
                {
                    return null;
                }

                var suggestion = Suggestions.DidYouMean(text, Values!);
                return ($"`{text}` is not allowed here; expected {Expected}", suggestion);
            default:
                return null;
        }
    }

    private (string Message, string? Hint)? CheckRange(double value)
    {
        if ((Minimum is { } min && value < min) || (Maximum is { } max && value > max))
        {
            return ($"{Format(value)} is out of range; expected {Expected}", null);
        }

        return null;
    }

    private static string? NumberHint(string text) =>
        text.EndsWith('%') ? "write a fraction such as `0.25` here, not a percentage" :
        text.Contains(',', StringComparison.Ordinal) ? "write numbers without thousands separators (`1500000` or `1_500_000`)" : null;

    internal static string Describe(YamlScalar scalar) =>
        scalar.IsNull ? "an empty value" :
        scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted ? $"the quoted text \"{Truncate(scalar.Value)}\"" :
        $"`{Truncate(scalar.Value)}`";

    private static string Truncate(string text) => text.Length > 40 ? text[..37] + "..." : text;

    public static bool TryParseInteger(string text, out long value) =>
        long.TryParse(text.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
        && !text.StartsWith('_') && !text.EndsWith('_');

    public static bool TryParseNumber(string text, out decimal value)
    {
        value = 0;
        if (text.Length == 0 || text.StartsWith('_') || text.EndsWith('_') || text.Contains("__", StringComparison.Ordinal))
        {
            return false;
        }

        return decimal.TryParse(
            text.Replace("_", string.Empty, StringComparison.Ordinal),
            NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture,
            out value);
    }

    public static bool TryParseShare(string text, out double share)
    {
        share = 0;
        if (!text.EndsWith('%'))
        {
            return false;
        }

        var number = text[..^1].TrimEnd();
        if (!TryParseNumber(number, out var percent))
        {
            return false;
        }

        share = (double)percent / 100.0;
        return true;
    }

    public static bool TryParseShareOrAmount(string text, bool quoted, out double? share, out decimal? amount)
    {
        share = null;
        amount = null;
        if (TryParseShare(text, out var s))
        {
            share = s;
            return s is >= 0 and <= 1;
        }

        if (!quoted && TryParseNumber(text, out var a) && a >= 0)
        {
            amount = a;
            return true;
        }

        return false;
    }

    public static bool TryParseDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    public static bool TryParseDateTime(string text, out DateTimeOffset value)
    {
        if (TryParseDate(text, out var date))
        {
            value = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return true;
        }

        // An explicit offset (or Z) is required: a time without one would depend on the reader's machine.
        string[] formats =
        [
            "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
            "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mmK",
        ];
        return DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out value)
            && (text.EndsWith('Z') || OffsetSuffix().IsMatch(text));
    }

    /// <summary>The longest id or field id a definition may use (a reference, `alias.id`, may be twice as long).</summary>
    internal const int MaxIdLength = 64;

    internal static int MaxLengthOf(ScalarType type) => type == ScalarType.Reference ? (2 * MaxIdLength) + 1 : MaxIdLength;

    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    internal static partial Regex IdPattern();

    [GeneratedRegex("^[a-z][A-Za-z0-9]*$")]
    internal static partial Regex FieldIdPattern();

    [GeneratedRegex("^([a-z][a-z0-9]*(-[a-z0-9]+)*\\.)?[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    internal static partial Regex ReferencePattern();

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyPattern();

    [GeneratedRegex("^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
    internal static partial Regex LanguagePattern();

    [GeneratedRegex("[+-][0-9]{2}:[0-9]{2}$")]
    private static partial Regex OffsetSuffix();
}
