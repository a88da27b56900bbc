using System.Text.RegularExpressions;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Definitions;

/// <summary>
/// Every file in Corpus/broken holds one problem and names, in its first line, the code and position the loader must
/// report (<c># expect: SW1001 11:5</c>, optionally with the file the diagnostic belongs to).
/// </summary>
public sealed partial class BrokenDefinitionCorpusTests
{
    private static readonly string CorpusFolder = RepoPaths.Combine("tests", "SalesWorkflow.Engine.Tests", "Corpus", "broken");

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(CorpusFolder, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void Corpus_HasAtLeastFortyFiles()
    {
        Assert.True(Files().Count >= 40, $"only {Files().Count} broken definitions");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Load_BrokenFile_ReportsExpectedCodeAtExpectedPosition(string name)
    {
        var path = Path.Combine(CorpusFolder, name);
        var header = File.ReadLines(path).First();
        var match = ExpectPattern().Match(header);
        Assert.True(match.Success, $"{name}: first line must be '# expect: SWnnnn [file] line:col', was '{header}'");
        var code = match.Groups["code"].Value;
        var file = match.Groups["file"].Success ? match.Groups["file"].Value : name;
        var line = int.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture);
        var column = int.Parse(match.Groups["col"].Value, System.Globalization.CultureInfo.InvariantCulture);

        var set = FirstPartyPlugins.Loader().Load([path]);

        var found = set.Diagnostics.Where(d => d.Code == code && d.Span.File.EndsWith(file, StringComparison.Ordinal)).ToList();
        Assert.True(found.Count > 0, $"{name}: no {code}; got:\n{string.Join("\n", set.Diagnostics)}");
        Assert.Contains(found, d => d.Span.Line == line && d.Span.Column == column);
        Assert.All(found, d => Assert.False(string.IsNullOrWhiteSpace(d.Message)));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Load_BrokenFile_EveryErrorHasAHintOrASelfExplanatoryMessage(string name)
    {
        var set = FirstPartyPlugins.Loader().Load([Path.Combine(CorpusFolder, name)]);

        Assert.All(set.Diagnostics, d => Assert.True(d.Message.Length >= 15, $"{d}: message too terse"));
    }

    [GeneratedRegex(@"^# expect: (?<code>SW\d{4})( (?<file>[^ ]+\.yaml))? (?<line>\d+):(?<col>\d+)$")]
    private static partial Regex ExpectPattern();
}
