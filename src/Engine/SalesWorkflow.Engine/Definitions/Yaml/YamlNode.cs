using YamlDotNet.Core;

namespace SalesWorkflow.Engine.Definitions.Yaml;

/// <summary>
/// Our own YAML node tree. We build it from YamlDotNet's parser events instead of using <c>YamlStream</c> so that
/// aliases, nesting depth, duplicate keys and merge keys are under our control and every node keeps its span.
/// </summary>
internal abstract class YamlNode(SourceSpan span)
{
    public SourceSpan Span { get; } = span;

    /// <summary>What a reader calls this kind of node in an error message.</summary>
    public abstract string KindName { get; }
}

internal sealed class YamlScalar(SourceSpan span, string value, ScalarStyle style, string? tag, int startIndex, int endIndex)
    : YamlNode(span)
{
    public string Value { get; } = value;

    public ScalarStyle Style { get; } = style;

    public string? Tag { get; } = tag;

    /// <summary>0-based character index of the scalar's first source character (including a quote or block indicator).</summary>
    public int StartIndex { get; } = startIndex;

    /// <summary>0-based character index just after the scalar's last source character.</summary>
    public int EndIndex { get; } = endIndex;

    /// <summary>True for an unquoted <c>~</c>, <c>null</c> or empty value.</summary>
    public bool IsNull => Style == ScalarStyle.Plain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string KindName => IsNull ? "an empty value" : "a single value";
}

internal sealed class YamlSequence(SourceSpan span, IReadOnlyList<YamlNode> items) : YamlNode(span)
{
    public IReadOnlyList<YamlNode> Items { get; } = items;

    public override string KindName => "a list";
}

internal sealed class YamlMapping(SourceSpan span, IReadOnlyList<KeyValuePair<YamlScalar, YamlNode>> entries) : YamlNode(span)
{
    public IReadOnlyList<KeyValuePair<YamlScalar, YamlNode>> Entries { get; } = entries;

    public override string KindName => "a mapping";

    public YamlNode? this[string key]
    {
        get
        {
            foreach (var entry in Entries)
            {
                if (entry.Key.Value == key)
                {
                    return entry.Value;
                }
            }

            return null;
        }
    }

    public YamlScalar? KeyNode(string key)
    {
        foreach (var entry in Entries)
        {
            if (entry.Key.Value == key)
            {
                return entry.Key;
            }
        }

        return null;
    }
}
