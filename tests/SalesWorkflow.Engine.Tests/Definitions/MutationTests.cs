using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Definitions;

/// <summary>
/// Random edits of every shipped definition (deleted lines, swapped lines, corrupted values, truncation, stray
/// characters) with a fixed seed: the loader never throws and every diagnostic points inside the edited text.
/// </summary>
public sealed class MutationTests
{
    private const int MutationsPerFile = 800;

    public static TheoryData<string> ShippedFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(RepoPaths.Definitions, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(RepoPaths.Definitions, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedFiles))]
    public void Load_RandomlyMutatedDefinition_NeverThrowsAndPositionsStayInsideTheFile(string relative)
    {
        var path = Path.Combine(RepoPaths.Definitions, relative);
        var original = File.ReadAllText(path);
        var random = new Random(20261128 + relative.Length);
        var loader = FirstPartyPlugins.Loader();
        var failures = new List<string>();
        for (var i = 0; i < MutationsPerFile; i++)
        {
            var (mutated, description) = Mutate(original, random);
            DefinitionSet set;
            try
            {
                set = loader.LoadText(path, mutated);
            }
            catch (Exception ex)
            {
                failures.Add($"#{i} {description}: {ex.GetType().Name}: {ex.Message}");
                continue;
            }

            // YAML (and the loader) treat \r\n, \r and \n alike as line breaks.
            var lines = System.Text.RegularExpressions.Regex.Split(mutated, "\r\n|\r|\n");
            foreach (var d in set.Diagnostics.Where(d => d.Span.File == path))
            {
                var lineOk = d.Span.Line >= 1 && d.Span.Line <= lines.Length + 1;
                var length = d.Span.Line <= lines.Length ? lines[d.Span.Line - 1].Length : 0;
                if (!lineOk || d.Span.Column < 1 || d.Span.Column > length + 2)
                {
                    failures.Add($"#{i} {description}: {d} is outside the file");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    internal static (string Text, string Description) Mutate(string text, Random random)
    {
        var lines = text.Split('\n').ToList();
        switch (random.Next(9))
        {
            case 0:
                {
                    var at = random.Next(lines.Count);
                    lines.RemoveAt(at);
                    return (string.Join('\n', lines), $"delete line {at + 1}");
                }

            case 1:
                {
                    var a = random.Next(lines.Count);
                    var b = random.Next(lines.Count);
                    (lines[a], lines[b]) = (lines[b], lines[a]);
                    return (string.Join('\n', lines), $"swap lines {a + 1} and {b + 1}");
                }

            case 2:
                {
                    var at = random.Next(lines.Count);
                    var colon = lines[at].IndexOf(": ", StringComparison.Ordinal);
                    if (colon < 0)
                    {
                        goto case 3;
                    }

                    string[] junk = ["", "[", "{", "\"", "'", "*x", "&a", "!tag", "-1", "1e999", "null", "~", "yes", "12x", "%", "@", "`", "|", ">", "?", "- x", "{a: [b}", "\u0000", "\t", "中文"];
                    lines[at] = lines[at][..(colon + 2)] + junk[random.Next(junk.Length)];
                    return (string.Join('\n', lines), $"corrupt value on line {at + 1}");
                }

            case 3:
                {
                    var cut = random.Next(text.Length);
                    return (text[..cut], $"truncate at {cut}");
                }

            case 4:
                {
                    var at = random.Next(text.Length);
                    string[] insert = ["\t", ":", "- ", "  ", "\n", "#", "{", "}", "[", "]", ",", "&anchor ", "*anchor", "<<: *x\n", "\u00ff", "\r"];
                    var piece = insert[random.Next(insert.Length)];
                    return (text.Insert(at, piece), $"insert {Escape(piece)} at {at}");
                }

            case 5:
                {
                    var at = random.Next(lines.Count);
                    lines.Insert(at, lines[random.Next(lines.Count)]);
                    return (string.Join('\n', lines), $"duplicate a line at {at + 1}");
                }

            case 6:
                {
                    var at = random.Next(lines.Count);
                    var trimmed = lines[at].TrimStart();
                    var indent = lines[at].Length - trimmed.Length;
                    lines[at] = new string(' ', Math.Max(0, indent + random.Next(-4, 5))) + trimmed;
                    return (string.Join('\n', lines), $"re-indent line {at + 1}");
                }

            case 7:
                {
                    var at = random.Next(lines.Count);
                    var line = lines[at];
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 1)
                    {
                        var key = line[..colon].ToCharArray();
                        var i = Array.FindLastIndex(key, char.IsLetter);
                        if (i > 0)
                        {
                            key[i] = (char)('a' + random.Next(26));
                        }

                        lines[at] = new string(key) + line[colon..];
                    }

                    return (string.Join('\n', lines), $"misspell key on line {at + 1}");
                }

            default:
                {
                    var start = random.Next(text.Length);
                    var length = Math.Min(random.Next(1, 200), text.Length - start);
                    return (text.Remove(start, length), $"delete {length} chars at {start}");
                }
        }
    }

    private static string Escape(string s) => s.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);
}
