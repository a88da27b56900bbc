using System.Globalization;
using System.Text.RegularExpressions;
using SalesWorkflow.Engine.Definitions.Yaml;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Definitions.Shapes;

/// <summary>
/// Checks a YAML tree against the format's shapes and reports every structural problem: unknown keys (with a
/// did-you-mean hint), missing keys, wrong node types and invalid values. Nodes found invalid are remembered so that
/// the model builder skips them instead of reporting the same problem twice.
/// </summary>
internal sealed class ShapeChecker(DiagnosticBag diagnostics)
{
    private readonly HashSet<YamlNode> _invalid = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, Regex> _patterns = new(StringComparer.Ordinal);
    private readonly HashSet<(YamlMapping, string)> _misspelled = [];

    public bool IsValid(YamlNode? node) => node is not null && !_invalid.Contains(node);

    /// <summary>Marks a node whose problem the caller has reported already, so the shape check stays quiet about it.</summary>
    public void MarkReported(YamlNode node) => _invalid.Add(node);

    /// <summary>True when the mapping has an unknown key that looks like a misspelling of <paramref name="key"/>.</summary>
    public bool IsMisspelled(YamlMapping mapping, string key) => _misspelled.Contains((mapping, key));

    public void Check(YamlNode node, Shape shape, string context)
    {
        if (_invalid.Contains(node))
        {
            return;
        }

        switch (shape)
        {
            case ObjectShape objectShape:
                CheckObject(node, objectShape);
                break;
            case ListShape listShape:
                CheckList(node, listShape, context);
                break;
            case MapShape mapShape:
                CheckMap(node, mapShape, context);
                break;
            case ScalarShape scalarShape:
                CheckScalar(node, scalarShape, context);
                break;
            case AnyOfShape anyOf:
                CheckAnyOf(node, anyOf, context);
                break;
        }
    }

    private void CheckObject(YamlNode node, ObjectShape shape)
    {
        if (node is not YamlMapping mapping)
        {
            WrongType(node, shape.Expected, shape.Name);
            return;
        }

        foreach (var (key, value) in mapping.Entries)
        {
            var field = shape.Field(key.Value);
            if (field is null)
            {
                var closest = Suggestions.Closest(key.Value, shape.Fields.Select(f => f.Key));
                if (closest is not null)
                {
                    _misspelled.Add((mapping, closest));
                }

                var hint = closest is not null ? $"did you mean `{closest}`?"
                    : "allowed keys here: " + string.Join(", ", shape.Fields.Select(f => f.Key));
                diagnostics.Error(DiagnosticIds.UnknownKey, key.Span, $"unknown key `{key.Value}` in {shape.Name}", hint);
                _invalid.Add(value);
                continue;
            }

            if (value is YamlScalar { IsNull: true } && field.Shape is ListShape && !field.Required)
            {
                continue; // `risks:` with nothing after it is an empty list.
            }

            Check(value, field.Shape, $"`{field.Key}` of {shape.Name}");
        }

        foreach (var field in shape.Fields)
        {
            if (field.Required && mapping[field.Key] is null && !IsMisspelled(mapping, field.Key))
            {
                diagnostics.Error(
                    DiagnosticIds.MissingKey,
                    FirstKeySpan(mapping),
                    $"{Article(shape.Name)} is missing the required key `{field.Key}`",
                    $"add `{field.Key}:` ({field.Description.TrimEnd('.')})");
            }
        }

        foreach (var group in shape.ExactlyOne)
        {
            var present = group.Where(k => mapping[k] is not null).ToList();
            if (present.Count == 0)
            {
                diagnostics.Error(
                    DiagnosticIds.MissingKey,
                    FirstKeySpan(mapping),
                    $"{Article(shape.Name)} needs one of {string.Join(" or ", group.Select(k => $"`{k}`"))}",
                    null);
            }
            else if (present.Count > 1)
            {
                ReportConflict(mapping, shape, present);
            }
        }

        foreach (var group in shape.AtMostOne)
        {
            var present = group.Where(k => mapping[k] is not null).ToList();
            if (present.Count > 1)
            {
                ReportConflict(mapping, shape, present);
            }
        }
    }

    private void ReportConflict(YamlMapping mapping, ObjectShape shape, List<string> present)
    {
        var second = mapping.KeyNode(present[1])!;
        diagnostics.Error(
            DiagnosticIds.ConflictingKeys,
            second.Span,
            $"{Article(shape.Name)} takes only one of {string.Join(" and ", present.Select(k => $"`{k}`"))}",
            $"remove `{present[1]}` or `{present[0]}`");
    }

    private void CheckList(YamlNode node, ListShape shape, string context)
    {
        if (node is not YamlSequence sequence)
        {
            WrongType(node, shape.Expected, context, node is YamlMapping ? "start each item with `- `" : null);
            return;
        }

        if (sequence.Items.Count > shape.MaxItems)
        {
            diagnostics.Error(
                DiagnosticIds.TooManyItems,
                sequence.Span,
                string.Create(CultureInfo.InvariantCulture, $"{context} has {sequence.Items.Count:N0} items; at most {shape.MaxItems:N0} are allowed"),
                null);
            _invalid.Add(node);
            return;
        }

        foreach (var item in sequence.Items)
        {
            Check(item, shape.Item, context);
        }
    }

    private void CheckMap(YamlNode node, MapShape shape, string context)
    {
        if (node is not YamlMapping mapping)
        {
            WrongType(node, shape.Expected, context);
            return;
        }

        var pattern = Pattern(shape.KeyPattern);
        foreach (var (key, value) in mapping.Entries)
        {
            if (!pattern.IsMatch(key.Value) || (shape.FixedKeys is { } keys && !keys.Contains(key.Value)))
            {
                var hint = shape.FixedKeys is { } fixedKeys ? Suggestions.DidYouMean(key.Value, fixedKeys)
                    : key.Value.Contains(' ', StringComparison.Ordinal) ? "inside `{ … }` a comma separates entries: quote text that contains one, e.g. `en: \"a, b\"`"
                    : null;
                diagnostics.Error(
                    DiagnosticIds.UnknownKey,
                    key.Span,
                    $"`{key.Value}` is not valid in {context}; expected {shape.KeyDescription}",
                    hint);
                _invalid.Add(value);
                continue;
            }

            Check(value, shape.Value, $"`{key.Value}` of {context}");
        }
    }

    private void CheckScalar(YamlNode node, ScalarShape shape, string context)
    {
        if (node is not YamlScalar scalar || (scalar.IsNull && shape.Type != ScalarType.Text))
        {
            if (shape.Type == ScalarType.Condition && node is YamlScalar)
            {
                diagnostics.Error(DiagnosticIds.EmptyCondition, node.Span, $"the condition of {context} is empty", "write the condition that must hold, e.g. `Opportunity.Amount > 0`");
                _invalid.Add(node);
                return;
            }

            WrongType(node, shape.Expected, context, shape.Type == ScalarType.Condition ? "write the condition on one line, or as a block with `|`" : null);
            return;
        }

        if (shape.Type == ScalarType.Condition && string.IsNullOrWhiteSpace(scalar.Value))
        {
            diagnostics.Error(DiagnosticIds.EmptyCondition, scalar.Span, $"the condition of {context} is empty", "write the condition that must hold, e.g. `Opportunity.Amount > 0`");
            _invalid.Add(node);
            return;
        }

        var problem = shape.Check(scalar);
        if (problem is { } p)
        {
            var code = p.Message.Contains("out of range", StringComparison.Ordinal) && shape.RangeCode is { } rangeCode ? rangeCode : shape.Type switch
            {
                ScalarType.Enum => DiagnosticIds.InvalidEnumValue,
                ScalarType.Id or ScalarType.FieldId or ScalarType.Reference => DiagnosticIds.InvalidId,
                ScalarType.Duration => DiagnosticIds.InvalidDuration,
                _ => DiagnosticIds.InvalidValue,
            };
            diagnostics.Error(code, scalar.Span, $"{p.Message} (in {context})", p.Hint);
            _invalid.Add(node);
        }
    }

    private void CheckAnyOf(YamlNode node, AnyOfShape shape, string context)
    {
        foreach (var alternative in shape.Alternatives)
        {
            var matches = alternative switch
            {
                ScalarShape => node is YamlScalar { IsNull: false },
                ListShape => node is YamlSequence,
                ObjectShape or MapShape => node is YamlMapping,
                _ => false,
            };
            if (matches)
            {
                Check(node, alternative, context);
                return;
            }
        }

        WrongType(node, shape.Expected, context);
    }

    /// <summary>
    /// Reports every text for people (a <see cref="FormatShapes.Localized"/> value) that lacks one of the declared
    /// languages, at the position of that text.
    /// </summary>
    public void CheckTranslations(YamlNode node, Shape shape, IReadOnlyList<string> languages, string context, DiagnosticBag into)
    {
        if (!IsValid(node))
        {
            return;
        }

        switch (shape)
        {
            case AnyOfShape any when ReferenceEquals(any, FormatShapes.Localized):
                var present = node is YamlMapping map ? map.Entries.Select(e => e.Key.Value).ToHashSet(StringComparer.Ordinal) : [];
                var missing = languages.Where(l => !present.Contains(l)).ToList();
                if (missing.Count > 0)
                {
                    into.Warning(
                        DiagnosticIds.MissingTranslation,
                        node.Span,
                        $"{context} has no text in {string.Join(", ", missing.Select(m => $"`{m}`"))}",
                        "the process declares `languages: [" + string.Join(", ", languages) + "]`; write `{ " + string.Join(", ", languages.Select(l => l + ": …")) + " }`");
                }

                break;
            case ObjectShape o when node is YamlMapping mapping:
                foreach (var (key, value) in mapping.Entries)
                {
                    if (o.Field(key.Value) is { } field)
                    {
                        CheckTranslations(value, field.Shape, languages, $"`{key.Value}` of {o.Name}", into);
                    }
                }

                break;
            case ListShape l when node is YamlSequence sequence:
                foreach (var item in sequence.Items)
                {
                    CheckTranslations(item, l.Item, languages, context, into);
                }

                break;
        }
    }

    private void WrongType(YamlNode node, string expected, string context, string? hint = null)
    {
        var found = node is YamlScalar scalar ? ScalarShape.Describe(scalar) : node.KindName;
        diagnostics.Error(DiagnosticIds.WrongNodeType, node.Span, $"expected {expected} for {context}, found {found}", hint);
        _invalid.Add(node);
    }

    private static SourceSpan FirstKeySpan(YamlMapping mapping) =>
        mapping.Entries.Count > 0 ? mapping.Entries[0].Key.Span : mapping.Span;

    private static string Article(string noun) =>
        (noun.Length > 0 && "aeiou".Contains(noun[0], StringComparison.Ordinal) ? "an " : "a ") + noun;

    private Regex Pattern(string pattern)
    {
        if (!_patterns.TryGetValue(pattern, out var regex))
        {
            regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            _patterns[pattern] = regex;
        }

        return regex;
    }
}
