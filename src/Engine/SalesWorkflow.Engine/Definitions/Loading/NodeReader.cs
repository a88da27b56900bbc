using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Definitions.Yaml;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Definitions.Loading;

/// <summary>
/// Reads values out of a YAML tree that <see cref="ShapeChecker"/> has already checked. Invalid nodes read as absent,
/// because their problem has been reported once already.
/// </summary>
internal sealed class NodeReader(ShapeChecker checker, SourceText source)
{
    public SourceText Source => source;

    public YamlNode? Node(YamlMapping mapping, string key)
    {
        var node = mapping[key];
        return node is not null && checker.IsValid(node) && node is not YamlScalar { IsNull: true } ? node : null;
    }

    public YamlScalar? Scalar(YamlMapping mapping, string key) => Node(mapping, key) as YamlScalar;

    public string? String(YamlMapping mapping, string key) => Scalar(mapping, key)?.Value;

    public bool Bool(YamlMapping mapping, string key, bool fallback) =>
        Scalar(mapping, key)?.Value switch
        {
            "true" => true,
            "false" => false,
            _ => fallback,
        };

    public long? Integer(YamlMapping mapping, string key) =>
        Scalar(mapping, key) is { } scalar && ScalarShape.TryParseInteger(scalar.Value, out var value) ? value : null;

    public decimal? Number(YamlMapping mapping, string key) =>
        Scalar(mapping, key) is { } scalar && ScalarShape.TryParseNumber(scalar.Value, out var value) ? value : null;

    public Duration? Duration(YamlMapping mapping, string key) =>
        Scalar(mapping, key) is { } scalar && Definitions.Duration.TryParse(scalar.Value, out var value, out _) ? value : null;

    public DateTimeOffset? DateTime(YamlMapping mapping, string key) =>
        Scalar(mapping, key) is { } scalar && ScalarShape.TryParseDateTime(scalar.Value, out var value) ? value : null;

    public LocalizedText Localized(YamlMapping mapping, string key) => Localized(Node(mapping, key));

    public LocalizedText Localized(YamlNode? node) => node switch
    {
        YamlScalar scalar => LocalizedText.Of(scalar.Value),
        YamlMapping map => new LocalizedText(map.Entries
            .Where(e => checker.IsValid(e.Value) && e.Value is YamlScalar)
            .ToDictionary(e => e.Key.Value, e => ((YamlScalar)e.Value).Value, StringComparer.Ordinal)),
        _ => LocalizedText.Empty,
    };

    /// <summary>Valid mapping items of a list.</summary>
    public IEnumerable<YamlMapping> Mappings(YamlMapping mapping, string key) =>
        Node(mapping, key) is YamlSequence sequence
            ? sequence.Items.OfType<YamlMapping>().Where(checker.IsValid)
            : [];

    /// <summary>Valid scalar items of a list.</summary>
    public IEnumerable<YamlScalar> Scalars(YamlMapping mapping, string key) =>
        Node(mapping, key) is YamlSequence sequence
            ? sequence.Items.OfType<YamlScalar>().Where(s => checker.IsValid(s) && !s.IsNull)
            : [];

    public ConditionSource? Condition(YamlMapping mapping, string key) =>
        Scalar(mapping, key) is { } scalar && !string.IsNullOrWhiteSpace(scalar.Value)
            ? new ConditionSource(scalar.Value, scalar.Span, ScalarPositionMap.For(scalar, source))
            : null;

    public static SourceSpan SpanOf(YamlMapping mapping, string key) =>
        mapping[key]?.Span ?? (mapping.Entries.Count > 0 ? mapping.Entries[0].Key.Span : mapping.Span);

    public static SourceSpan KeySpanOf(YamlMapping mapping, string key) =>
        mapping.KeyNode(key)?.Span ?? (mapping.Entries.Count > 0 ? mapping.Entries[0].Key.Span : mapping.Span);
}
