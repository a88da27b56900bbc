using System.Text.RegularExpressions;
using SalesWorkflow.Engine.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SalesWorkflow.Engine.Definitions.Yaml;

/// <summary>Limits that keep hostile or accidental inputs (alias bombs, deep nesting) from exhausting the loader.</summary>
internal sealed record YamlLimits(int MaxDepth, long MaxExpandedNodes)
{
    public static YamlLimits Default { get; } = new(MaxDepth: 64, MaxExpandedNodes: 200_000);
}

/// <summary>
/// Turns YAML text into a <see cref="YamlNode"/> tree, reporting syntax problems as diagnostics. Never throws on
/// bad input: every failure becomes a diagnostic with the position YamlDotNet gave us.
/// </summary>
internal static partial class YamlTreeReader
{
    private const string MergeKey = "<<";

    public static YamlNode? Read(SourceText source, DiagnosticBag diagnostics, YamlLimits? limits = null)
    {
        limits ??= YamlLimits.Default;
        var builder = new TreeBuilder(source, diagnostics, limits);
        var parser = new Parser(new StringReader(source.Text));
        var lastMark = Mark.Empty;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                lastMark = current.Start;
                if (!builder.Accept(current))
                {
                    return null;
                }
            }
        }
        catch (YamlException ex)
        {
            var start = ex.Start.Equals(Mark.Empty) ? lastMark : ex.Start;
            var span = SpanOf(source, start, start);
            if (ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase))
            {
                // YamlDotNet points at the scalar being scanned; the reader needs the tab itself.
                var tab = source.Text.IndexOf('\t', (int)Math.Clamp(start.Index, 0, source.Text.Length));
                if (tab >= 0)
                {
                    span = source.Span(tab, tab + 1);
                }
            }

            diagnostics.Error(
                DiagnosticIds.YamlSyntax,
                span,
                "YAML syntax error: " + CleanMessage(ex.Message),
                SyntaxHint(ex.Message, source, start));
            return null;
        }
#pragma warning disable CA1031 // The loader promises never to throw on input; anything YamlDotNet throws is a syntax problem.
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or OverflowException or IndexOutOfRangeException)
#pragma warning restore CA1031
        {
            diagnostics.Error(
                DiagnosticIds.YamlSyntax,
                SpanOf(source, lastMark, lastMark),
                "YAML could not be parsed: " + ex.Message,
                "check the text around this position for an unclosed quote, bracket or a stray character");
            return null;
        }

        if (builder.Root is null && !builder.Failed)
        {
            diagnostics.Error(
                DiagnosticIds.EmptyFile,
                SourceSpan.StartOf(source.Path),
                "the file is empty",
                "a definition starts with `format: 1` and `kind: process` (see docs/yaml-reference.md)");
        }

        return builder.Failed ? null : builder.Root;
    }

    internal static SourceSpan SpanOf(SourceText source, Mark start, Mark end)
    {
        // From the character index when the mark has one: YamlDotNet counts U+0085, U+2028 and U+2029 as line breaks
        // (YAML 1.1), where editors and the source lines shown here do not, so its line numbers drift after one. A mark
        // made here from a node's span has index 0 on a later line, and keeps its line and column.
        if (HasIndex(start, source) && HasIndex(end, source))
        {
            return source.Span((int)start.Index, (int)end.Index);
        }

        var line = (int)Math.Max(1, start.Line);
        var column = (int)Math.Max(1, start.Column);
        var endLine = (int)Math.Max(line, end.Line);
        var endColumn = endLine == line ? (int)Math.Max(column, end.Column) : (int)Math.Max(1, end.Column);
        return new SourceSpan(source.Path, line, column, endLine, endColumn);
    }

    private static bool HasIndex(Mark mark, SourceText source) =>
        !mark.Equals(Mark.Empty) && mark.Index <= source.Text.Length && (mark.Index > 0 || (mark.Line == 1 && mark.Column == 1));

    private static string CleanMessage(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: 3, Col: 6, Idx: 21): "; we print positions ourselves.
        var cleaned = PositionPrefix().Replace(message, string.Empty).Trim();
        return cleaned.Length == 0 ? "unexpected text" : char.ToLowerInvariant(cleaned[0]) + cleaned[1..];
    }

    private static string? SyntaxHint(string message, SourceText source, Mark start)
    {
        var line = source.LineText((int)start.Line) ?? string.Empty;
        if (message.Contains("tab", StringComparison.OrdinalIgnoreCase) || line.Contains('\t', StringComparison.Ordinal))
        {
            return "YAML does not allow tabs for indentation: indent with spaces";
        }

        if (message.Contains("mapping values are not allowed", StringComparison.OrdinalIgnoreCase) || message.Contains("invalid mapping", StringComparison.OrdinalIgnoreCase))
        {
            return "a value that contains `: ` must be quoted, or a key is indented differently from its neighbours";
        }

        if (message.Contains("did not find expected key", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("block end", StringComparison.OrdinalIgnoreCase))
        {
            return "check the indentation of this line against the lines above it";
        }

        if (message.Contains("quoted scalar", StringComparison.OrdinalIgnoreCase) ||
            message.Contains("end of stream", StringComparison.OrdinalIgnoreCase))
        {
            return "a quote, bracket or brace opened before this point is not closed";
        }

        return null;
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex PositionPrefix();

    private sealed class TreeBuilder(SourceText source, DiagnosticBag diagnostics, YamlLimits limits)
    {
        private readonly Stack<Frame> _frames = new();
        private readonly Dictionary<string, YamlNode> _anchors = new(StringComparer.Ordinal);
        private readonly Dictionary<YamlNode, long> _weights = new(ReferenceEqualityComparer.Instance);
        private const int CharactersPerValue = 64;

        private long _expanded;
        private int _documents;

        public YamlNode? Root { get; private set; }

        public bool Failed { get; private set; }

        public bool Accept(ParsingEvent e)
        {
            switch (e)
            {
                case StreamStart or StreamEnd or DocumentEnd:
                    return true;
                case DocumentStart start:
                    _documents++;
                    if (_documents > 1 && !start.IsImplicit || _documents > 1 && Root is not null)
                    {
                        diagnostics.Error(
                            DiagnosticIds.MultipleDocuments,
                            SpanOf(source, start.Start, start.End),
                            "a definition file holds exactly one YAML document",
                            "split the documents into separate files, or remove the `---` line");
                        return Fail();
                    }

                    // %TAG renames tags, so a tag that reads as plain could mean another; definitions need neither.
                    if (start.Tags?.Any(t => !(t.Handle == "!" && t.Prefix == "!") && !(t.Handle == "!!" && t.Prefix == "tag:yaml.org,2002:")) == true)
                    {
                        diagnostics.Error(
                            DiagnosticIds.UnsupportedTag,
                            SpanOf(source, start.Start, start.End),
                            "the YAML directive `%TAG` is not supported in definitions",
                            "remove the `%TAG` line; definitions use plain YAML values");
                        return Fail();
                    }

                    return true;
                case Scalar scalar:
                    return Complete(CreateScalar(scalar), scalar.Anchor);
                case AnchorAlias alias:
                    return CompleteAlias(alias);
                case SequenceStart sequence:
                    if (!CheckTag(sequence.Tag, sequence.Start, sequence.End))
                    {
                        return Fail();
                    }

                    return Push(new Frame(sequence.Start, sequence.Anchor, isMapping: false));
                case MappingStart mapping:
                    if (!CheckTag(mapping.Tag, mapping.Start, mapping.End))
                    {
                        return Fail();
                    }

                    return Push(new Frame(mapping.Start, mapping.Anchor, isMapping: true));
                case SequenceEnd end:
                    {
                        var frame = _frames.Pop();
                        var node = new YamlSequence(SpanOf(source, frame.Start, end.End), frame.Items);
                        return Complete(node, frame.Anchor);
                    }

                case MappingEnd end:
                    {
                        var frame = _frames.Pop();
                        var node = BuildMapping(frame, end.End);
                        return Complete(node, frame.Anchor);
                    }

                default:
                    return true;
            }
        }

        private YamlScalar CreateScalar(Scalar scalar)
        {
            CheckTag(scalar.Tag, scalar.Start, scalar.End);
            var tag = scalar.Tag.IsEmpty || scalar.Tag.IsNonSpecific ? null : scalar.Tag.Value;
            return new YamlScalar(
                SpanOf(source, scalar.Start, scalar.End),
                scalar.Value,
                scalar.Style,
                tag,
                (int)scalar.Start.Index,
                (int)scalar.End.Index);
        }

        /// <summary>The core schema's tags, which only say what the value already is; `!!binary`, `!!timestamp`, `!!set`… are refused.</summary>
        private static readonly HashSet<string> PlainTags = new(StringComparer.Ordinal)
        {
            "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
            "tag:yaml.org,2002:null", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq",
        };

        private bool CheckTag(TagName tag, Mark start, Mark end)
        {
            if (tag.IsEmpty || tag.IsNonSpecific || PlainTags.Contains(tag.Value))
            {
                return true;
            }

            diagnostics.Error(
                DiagnosticIds.UnsupportedTag,
                SpanOf(source, start, end),
                $"the YAML tag `{tag.Value}` is not supported in definitions",
                "remove the tag; definitions use plain YAML values");
            return true;
        }

        private bool Push(Frame frame)
        {
            if (_frames.Count >= limits.MaxDepth)
            {
                diagnostics.Error(
                    DiagnosticIds.NestingTooDeep,
                    SpanOf(source, frame.Start, frame.Start),
                    $"the document nests deeper than {limits.MaxDepth} levels",
                    "a process definition never needs this much nesting; check for runaway brackets");
                return Fail();
            }

            _frames.Push(frame);
            return true;
        }

        private bool CompleteAlias(AnchorAlias alias)
        {
            if (!_anchors.TryGetValue(alias.Value.Value, out var node))
            {
                diagnostics.Error(
                    DiagnosticIds.UnknownAlias,
                    SpanOf(source, alias.Start, alias.End),
                    $"the alias `*{alias.Value.Value}` refers to no anchor defined before it",
                    "define `&" + alias.Value.Value + "` on a value above this line");
                return Fail();
            }

            _expanded += _weights.GetValueOrDefault(node, 1);
            if (_expanded > limits.MaxExpandedNodes)
            {
                return TooLarge(alias.Start, alias.End);
            }

            return Complete(node, AnchorName.Empty, isAlias: true);
        }

        private bool TooLarge(Mark start, Mark end)
        {
            diagnostics.Error(
                DiagnosticIds.TooManyNodes,
                SpanOf(source, start, end),
                $"the document expands to more than {limits.MaxExpandedNodes:N0} values through anchors and aliases (each {CharactersPerValue} characters of text count as one)",
                "aliases that refer to aliases multiply; repeat the value or move shared rules into a rule pack");
            return Fail();
        }

        private bool Complete(YamlNode node, AnchorName anchor, bool isAlias = false)
        {
            if (!isAlias)
            {
                // Text weighs by its length (a value per 64 characters): an alias of a 1 MB text copies 1 MB, and the
                // limit is on what the document expands to, not on how many values it names.
                var weight = node is YamlScalar scalar ? 1L + (scalar.Value.Length / CharactersPerValue) : 1L;
                if (node is YamlSequence sequence)
                {
                    foreach (var item in sequence.Items)
                    {
                        weight = SaturatingAdd(weight, _weights.GetValueOrDefault(item, 1));
                    }
                }
                else if (node is YamlMapping mapping)
                {
                    foreach (var entry in mapping.Entries)
                    {
                        weight = SaturatingAdd(weight, 1 + _weights.GetValueOrDefault(entry.Value, 1));
                    }
                }

                _weights[node] = weight;
                _expanded += node is YamlScalar ? weight : 1;
                if (_expanded > limits.MaxExpandedNodes || weight > limits.MaxExpandedNodes)
                {
                    return TooLarge(StartMark(node), StartMark(node));
                }
            }

            if (!anchor.IsEmpty)
            {
                _anchors[anchor.Value] = node;
            }

            if (_frames.Count == 0)
            {
                Root = node;
                return true;
            }

            var frame = _frames.Peek();
            if (!frame.IsMapping)
            {
                frame.Items.Add(node);
                return true;
            }

            if (frame.PendingKey is null)
            {
                if (node is YamlScalar key)
                {
                    frame.PendingKey = key;
                }
                else
                {
                    diagnostics.Error(
                        DiagnosticIds.NonScalarKey,
                        node.Span,
                        $"a mapping key must be a single value, not {node.KindName}",
                        "write keys as plain words such as `stages:`");
                    frame.PendingKey = new YamlScalar(node.Span, "\u0000invalid", ScalarStyle.Plain, null, 0, 0);
                }

                return true;
            }

            frame.Entries.Add(new KeyValuePair<YamlScalar, YamlNode>(frame.PendingKey, node));
            frame.PendingKey = null;
            return true;
        }

        private static Mark StartMark(YamlNode node) =>
            new(0, node.Span.Line, node.Span.Column);

        private YamlMapping BuildMapping(Frame frame, Mark end)
        {
            var entries = new List<KeyValuePair<YamlScalar, YamlNode>>(frame.Entries.Count);
            var seen = new Dictionary<string, YamlScalar>(StringComparer.Ordinal);
            var merged = new List<YamlMapping>();
            foreach (var entry in frame.Entries)
            {
                if (entry.Key.Value == "\u0000invalid")
                {
                    continue;
                }

                if (entry.Key.Value == MergeKey && entry.Key.Style == ScalarStyle.Plain)
                {
                    CollectMergeSources(entry.Value, merged);
                    continue;
                }

                if (seen.TryGetValue(entry.Key.Value, out var first))
                {
                    diagnostics.Error(
                        DiagnosticIds.DuplicateKey,
                        entry.Key.Span,
                        $"the key `{entry.Key.Value}` appears twice in this mapping",
                        $"the first `{entry.Key.Value}` is at line {first.Span.Line}; keep one of them");
                    continue;
                }

                seen[entry.Key.Value] = entry.Key;
                entries.Add(entry);
            }

            // YAML merge keys (`<<: *defaults`): explicit keys win over merged ones, earlier sources over later ones.
            foreach (var source in merged)
            {
                foreach (var entry in source.Entries)
                {
                    if (seen.TryAdd(entry.Key.Value, entry.Key))
                    {
                        entries.Add(entry);
                    }
                }
            }

            return new YamlMapping(SpanOf(source, frame.Start, end), entries);
        }

        private void CollectMergeSources(YamlNode value, List<YamlMapping> into)
        {
            switch (value)
            {
                case YamlMapping mapping:
                    into.Add(mapping);
                    break;
                case YamlSequence sequence:
                    foreach (var item in sequence.Items)
                    {
                        if (item is YamlMapping itemMapping)
                        {
                            into.Add(itemMapping);
                        }
                        else
                        {
                            MergeError(item);
                        }
                    }

                    break;
                default:
                    MergeError(value);
                    break;
            }
        }

        private void MergeError(YamlNode node) =>
            diagnostics.Error(
                DiagnosticIds.WrongNodeType,
                node.Span,
                $"a merge key `<<` takes a mapping or a list of mappings, not {node.KindName}",
                "write `<<: *anchor` where the anchor names a mapping");

        private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

        private bool Fail()
        {
            Failed = true;
            return false;
        }
    }

    private sealed class Frame(Mark start, AnchorName anchor, bool isMapping)
    {
        public Mark Start { get; } = start;

        public AnchorName Anchor { get; } = anchor;

        public bool IsMapping { get; } = isMapping;

        public List<YamlNode> Items { get; } = [];

        public List<KeyValuePair<YamlScalar, YamlNode>> Entries { get; } = [];

        public YamlScalar? PendingKey { get; set; }
    }
}
