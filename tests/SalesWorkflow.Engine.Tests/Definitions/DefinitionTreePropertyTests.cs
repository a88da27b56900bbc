using System.Globalization;
using System.Text.RegularExpressions;
using CsCheck;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Tests;
using YamlDotNet.RepresentationModel;

namespace SalesWorkflow.Engine.Tests.Definitions;

/// <summary>
/// Generated YAML trees (issue 15): each shipped definition is parsed into its YAML tree, a few edits are generated and
/// applied to the tree (a value replaced by another kind or a hostile scalar, an entry deleted or repeated as an alias,
/// a key misspelt or added, a subtree nested deep), and the tree is written back as YAML. Unlike text damage
/// (<see cref="MutationTests"/>), the result is well-formed YAML that reaches the validator and the compiler. The
/// properties: loading never throws; every diagnostic points at a line of the file with that line's own text; a
/// definition that loads without errors compiles and evaluates a deal without throwing. CsCheck shrinks a failure to
/// the fewest edits. Iterations: <c>SALESWORKFLOW_FUZZ_ITERATIONS</c> (default 150 per file; the nightly run sets more).
/// </summary>
public sealed class DefinitionTreePropertyTests
{
    private static readonly int Iterations =
        int.TryParse(Environment.GetEnvironmentVariable("SALESWORKFLOW_FUZZ_ITERATIONS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 150;

    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8));

    private static readonly string[] HostileScalars =
    [
        "", "~", "null", "0", "-1", "1.5", "1e999", "-1e999", "99999999999999999999999", "NaN", ".inf", "true", "no", "0x1F",
        "2026-02-30", "9999-12-31", "0001-01-01", "P1D", "3d", "-3d", "14 business days", "lead", "won", "销售阶段", "\u202eevil",
        "a\tb", "line\nbreak", "a: b", "- x", "'", "\"", "#", "{x}", "[1, 2]", "&a", "*a", "!!binary", "%TAG", "Deal.Amount > 1",
        "Opportunity.Amount >", "Contacts.All(c => c.Name == \"x\")", "string.Concat(\"a\", \"b\")", "../../etc/passwd", "/dev/zero",
        new string('x', 5_000),
    ];

    private static readonly string[] ExtraKeys = ["colour", "id", "stages", "when", "then", "zh", "en", "due", "<<", "", "销售"];

    /// <summary>One edit: which node (an index into the tree's slots, wrapped), what to do, and with which value.</summary>
    private sealed record Edit(int Slot, int Kind, int Value)
    {
        public override string ToString() => $"edit {Kind} at slot {Slot} with value {Value}";
    }

    private static readonly Gen<Edit[]> Edits = Gen.Select(Gen.Int[0, 100_000], Gen.Int[0, 7], Gen.Int[0, 1_000], (slot, kind, value) => new Edit(slot, kind, value)).Array[1, 4];

    public static TheoryData<string> ShippedFiles() => MutationTests.ShippedFiles();

    /// <summary>Edits the generator once found failing (the committed corpus), with what must hold now.</summary>
    [Fact]
    public void Corpus_AFieldIdOfFiveThousandCharacters_IsAPositionedError_NotATypeLoadException()
    {
        // Found at 3,000 iterations: the id became a property name of the compiled conditions' view type, and the
        // runtime threw "Method name too long" out of the loader.
        var path = Path.Combine(RepoPaths.Definitions, "packs", "meddpicc.yaml");
        var yaml = Apply(File.ReadAllText(path), [new Edit(62877, 0, 944)]);

        var set = FirstPartyPlugins.Loader().LoadText(path, yaml);

        var error = Assert.Single(set.Diagnostics, d => d.Code == "SW1006");
        Assert.Contains("5,000 characters long; ids have at most 64", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("- id: xxxx", error.SourceLine, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ShippedFiles))]
    public void Load_GeneratedTreeEdits_NeverThrow_EveryDiagnosticQuotesItsOwnLine_AndCleanResultsCompileAndEvaluate(string relative)
    {
        var path = Path.Combine(RepoPaths.Definitions, relative);
        var original = File.ReadAllText(path);
        var loader = FirstPartyPlugins.Loader();
        Edits.Sample(edits =>
        {
            var yaml = Apply(original, edits);
            var set = loader.LoadText(path, yaml);

            var lines = Regex.Split(yaml, "\r\n|\r|\n");
            foreach (var d in set.Diagnostics.Where(d => d.Span.File == path))
            {
                Assert.InRange(d.Span.Line, 1, lines.Length + 1);
                var line = d.Span.Line <= lines.Length ? lines[d.Span.Line - 1] : string.Empty;
                Assert.InRange(d.Span.Column, 1, line.Length + 2);
                if (d.SourceLine is not null)
                {
                    Assert.Equal(line, d.SourceLine);
                }
            }

            if (!set.HasErrors)
            {
                foreach (var process in set.Processes)
                {
                    var compiled = CompiledProcess.Compile(process);
                    _ = DealEvaluator.Evaluate(compiled, Deal(process), Now);
                }
            }
        }, iter: Iterations, print: edits => string.Join("; ", edits.Select(e => e.ToString())) + "\n" + Apply(original, edits));
    }

    private static DealSnapshot Deal(ProcessDefinition process) => new()
    {
        Opportunity = new Opportunity { Id = "d1", Name = "Acme", Amount = 250_000m },
        Account = new Account { Id = "a1", Industry = "manufacturing" },
        Stage = process.Stages.Count > 0 ? process.Stages[0].Id : "lead",
        EnteredStageAt = Now.AddDays(-3),
        Contacts = [new Contact { Id = "c1", Name = "Wang", LastContactedAt = Now.AddDays(-1) }],
        Activities = [new Activity { Id = "a1", Kind = "call", At = Now.AddDays(-1) }],
    };

    /// <summary>Parses <paramref name="yaml"/>, applies the edits to its tree, and writes it back.</summary>
    private static string Apply(string yaml, Edit[] edits)
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

    private static void ApplyOne(Slot slot, Edit edit)
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
