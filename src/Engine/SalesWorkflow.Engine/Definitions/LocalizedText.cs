namespace SalesWorkflow.Engine.Definitions;

/// <summary>Text for people in one or more languages (<c>en</c>, <c>zh</c>, …). Immutable.</summary>
public sealed class LocalizedText
{
    /// <summary>The key used for text written as a single string rather than one string per language.</summary>
    public const string Neutral = "";

    internal LocalizedText(IReadOnlyDictionary<string, string> values) => Values = values;

    /// <summary>An empty text.</summary>
    public static LocalizedText Empty { get; } = new(new Dictionary<string, string>());

    /// <summary>The text per language code; a single-string text is stored under <see cref="Neutral"/>.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    /// <summary>True when no language has text.</summary>
    public bool IsEmpty => Values.Count == 0;

    /// <summary>
    /// The text in <paramref name="language"/>, falling back to its base language (<c>zh</c> for <c>zh-Hant</c>),
    /// then to the language-neutral text, English, and finally any language.
    /// </summary>
    public string Get(string language = "en")
    {
        if (Values.TryGetValue(language, out var exact))
        {
            return exact;
        }

        var dash = language.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0 && Values.TryGetValue(language[..dash], out var baseLanguage))
        {
            return baseLanguage;
        }

        if (Values.TryGetValue(Neutral, out var neutral))
        {
            return neutral;
        }

        if (Values.TryGetValue("en", out var english))
        {
            return english;
        }

        return Values.Count > 0 ? Values.OrderBy(v => v.Key, StringComparer.Ordinal).First().Value : string.Empty;
    }

    internal static LocalizedText Of(string text) => new(new Dictionary<string, string> { [Neutral] = text });

    /// <inheritdoc />
    public override string ToString() => Get();
}
