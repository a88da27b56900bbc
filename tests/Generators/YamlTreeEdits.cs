using System.Globalization;
using CsCheck;
using YamlDotNet.RepresentationModel;

namespace SalesWorkflow.Tests.Generators;

/// <summary>How many cases a generated test tries: <c>SALESWORKFLOW_FUZZ_ITERATIONS</c> when set (the nightly run), else the test's default.</summary>
public static class Fuzz
{
    public static int Iterations(int byDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable("SALESWORKFLOW_FUZZ_ITERATIONS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : byDefault;
}

/// <summary>One edit of a YAML tree: which node (an index into the tree's slots, wrapped), what to do, and with which value.</summary>
public sealed record YamlEdit(int Slot, int Kind, int Value)
{
    public override string ToString() => $"edit {Kind} at slot {Slot} with value {Value}";
}

/// <summary>
/// Generated edits of a YAML document's tree (issue 15): the document is parsed, one to four edits are applied to the
/// tree (a value replaced by a hostile scalar or another kind of node, an entry deleted or repeated as an alias, a key
/// misspelt or added, a subtree nested 20-120 deep, a sibling in its place), and the tree is written back. Unlike text
/// damage, the result is well-formed YAML, so it reaches the validator behind the parser. Shared by the definition
/// and CRM-mapping property tests.
/// </summary>
public static class YamlTreeEdits
{
    private static readonly string[] HostileScalars =
    [
        "", "~", "null", "0", "-1", "1.5", "1e999", "-1e999", "99999999999999999999999", "NaN", ".inf", "true", "no", "0x1F",
        "2026-02-30", "9999-12-31", "0001-01-01", "P1D", "3d", "-3d", "14 business days", "lead", "won", "销售阶段", "\u202eevil",
        "a\tb", "line\nbreak", "a: b", "- x", "'", "\"", "#", "{x}", "[1, 2]", "&a", "*a", "!!binary", "%TAG", "Deal.Amount > 1",
        "Opportunity.Amount >", "Contacts.All(c => c.Name == \"x\")", "string.Concat(\"a\", \"b\")", "../../etc/passwd", "/dev/zero",
        new string('x', 5_000),
    ];

    private static readonly string[] ExtraKeys = ["colour", "id", "stages", "when", "then", "zh", "en", "due", "<<", "", "销售"];

    /// <summary>One to four edits; CsCheck shrinks a failing list to the fewest and smallest.</summary>
    public static readonly Gen<YamlEdit[]> Edits = Gen.Select(Gen.Int[0, 100_000], Gen.Int[0, 7], Gen.Int[0, 1_000], (slot, kind, value) => new YamlEdit(slot, kind, value)).Array[1, 4];

    /// <summary>Parses <paramref name="yaml"/>, applies the edits to its tree, and writes it back.</summary>
    public static string Apply(string yaml, IReadOnlyList<YamlEdit> edits)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        foreach (var edit in edits)
        {
            var slots = Slots(stream.Documents[0].RootNode);
            if (slots.Count > 0)
            {
                ApplyOne(slots[edit.Slot % slots.Count], edit);
            }
        }

        var writer = new StringWriter();
        stream.Save(writer, assignAnchors: true);
        return writer.ToString();
    }

    /// <summary>A place in the tree: an entry of a mapping (by key) or an item of a sequence (by index).</summary>
    private sealed record Slot(YamlNode Parent, YamlNode? Key, int Index)
    {
        public YamlNode Value => Parent is YamlMappingNode map ? map.Children[Key!] : ((YamlSequenceNode)Parent).Children[Index];

        public void Set(YamlNode value)
        {
            if (Parent is YamlMappingNode map)
            {
                map.Children[Key!] = value;
            }
            else
            {
                ((YamlSequenceNode)Parent).Children[Index] = value;
            }
        }
    }

    private static List<Slot> Slots(YamlNode root)
    {
        var slots = new List<Slot>();
        var seen = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        void Walk(YamlNode node)
        {
            if (!seen.Add(node))
            {
                return; // an alias: its subtree is edited once
            }

            if (node is YamlMappingNode map)
            {
                foreach (var key in map.Children.Keys.ToList())
                {
                    slots.Add(new Slot(map, key, -1));
                    Walk(map.Children[key]);
                }
            }
            else if (node is YamlSequenceNode sequence)
            {
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    slots.Add(new Slot(sequence, null, i));
                    Walk(sequence.Children[i]);
                }
            }
        }

        Walk(root);
        return slots;
    }

    private static void ApplyOne(Slot slot, YamlEdit edit)
    {
        var scalar = HostileScalars[edit.Value % HostileScalars.Length];
        switch (edit.Kind)
        {
            case 0: // a hostile scalar in place of whatever was there
                slot.Set(new YamlScalarNode(scalar));
                break;
            case 1: // another kind of node: an empty or one-entry mapping, or a sequence
                slot.Set((edit.Value % 3) switch
                {
                    0 => new YamlMappingNode(),
                    1 => new YamlMappingNode(new YamlScalarNode(ExtraKeys[edit.Value % ExtraKeys.Length]), new YamlScalarNode(scalar)),
                    _ => (YamlNode)new YamlSequenceNode(slot.Value, new YamlScalarNode(scalar)),
                });
                break;
            case 2: // the entry deleted
                if (slot.Parent is YamlMappingNode map)
                {
                    map.Children.Remove(slot.Key!);
                }
                else
                {
                    ((YamlSequenceNode)slot.Parent).Children.RemoveAt(slot.Index);
                }

                break;
            case 3: // the item repeated: the same node twice, written as an anchor and an alias (a duplicate id)
                if (slot.Parent is YamlSequenceNode sequence)
                {
                    sequence.Children.Insert(slot.Index, slot.Value);
                }
                else
                {
                    ((YamlMappingNode)slot.Parent).Children[new YamlScalarNode(ExtraKeys[edit.Value % ExtraKeys.Length] + "-copy")] = slot.Value;
                }

                break;
            case 4: // the key misspelt (a letter dropped or doubled, or upper case)
                if (slot.Parent is YamlMappingNode keyed && slot.Key is YamlScalarNode { Value: { Length: > 1 } name })
                {
                    var at = edit.Value % name.Length;
                    var misspelt = (edit.Value / name.Length % 3) switch
                    {
                        0 => name.Remove(at, 1),
                        1 => name.Insert(at, name[at].ToString()),
                        _ => name.ToUpperInvariant(),
                    };
                    var value = keyed.Children[slot.Key];
                    keyed.Children.Remove(slot.Key);
                    keyed.Children[new YamlScalarNode(misspelt)] = value;
                }

                break;
            case 5: // an unknown key next to the known ones
                if (slot.Value is YamlMappingNode inner)
                {
                    inner.Children[new YamlScalarNode(ExtraKeys[edit.Value % ExtraKeys.Length] + "x")] = new YamlScalarNode(scalar);
                }

                break;
            case 6: // nested deep: sequences or mappings 20 to 120 levels down
                {
                    YamlNode deep = new YamlScalarNode(scalar);
                    for (var level = 0; level < 20 + (edit.Value % 100); level++)
                    {
                        deep = edit.Value % 2 == 0 ? new YamlSequenceNode(deep) : new YamlMappingNode(new YamlScalarNode("k"), deep);
                    }

                    slot.Set(deep);
                }

                break;
            default: // a sibling's value in its place (right shape, wrong place: a stage where a criterion belongs)
                if (slot.Parent is YamlSequenceNode { Children.Count: > 1 } items)
                {
                    slot.Set(items.Children[edit.Value % items.Children.Count]);
                }
                else if (slot.Parent is YamlMappingNode { Children.Count: > 1 } entries)
                {
                    slot.Set(entries.Children.Values.ElementAt(edit.Value % entries.Children.Count));
                }

                break;
        }
    }
}
