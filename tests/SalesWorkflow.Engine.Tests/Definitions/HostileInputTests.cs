using System.Text;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Definitions;

/// <summary>Inputs meant to break a loader: none may make it throw, hang or exhaust memory.</summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sw-hostile-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void LoadText_EmptyText_ReportsEmptyFile()
    {
        var set = FirstPartyPlugins.Loader().LoadText(Path.Combine(_folder, "empty.yaml"), string.Empty);

        var diagnostic = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.EmptyFile, diagnostic.Code);
    }

    [Fact]
    public void Load_FileLargerThanLimit_ReportsTooLargeWithoutReadingIt()
    {
        var path = Path.Combine(_folder, "huge.yaml");
        File.WriteAllText(path, "format: 1\nkind: process\nowner: " + new string('x', 3 * 1024 * 1024) + "\n");

        var set = FirstPartyPlugins.Loader().Load([path]);

        Assert.Equal(DiagnosticIds.FileTooLarge, Assert.Single(set.Diagnostics).Code);
    }

    [Fact]
    public void LoadText_HundredThousandNestedBrackets_ReportsNestingWithoutStackOverflow()
    {
        var text = "format: 1\nkind: process\nx: " + new string('[', 100_000) + new string(']', 100_000) + "\n";

        var set = FirstPartyPlugins.Loader().LoadText(Path.Combine(_folder, "deep.yaml"), text);

        Assert.Contains(set.Diagnostics, d => d.Code == DiagnosticIds.NestingTooDeep);
    }

    [Fact]
    public void LoadText_BillionLaughs_ReportsExpansionLimit()
    {
        var builder = new StringBuilder("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i <= 9; i++)
        {
            builder.Append($"l{i}: &l{i} [").Append(string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 9))).Append("]\n");
        }

        var set = FirstPartyPlugins.Loader().LoadText(Path.Combine(_folder, "laughs.yaml"), builder.ToString());

        Assert.Contains(set.Diagnostics, d => d.Code == DiagnosticIds.TooManyNodes);
    }

    [Fact]
    public void LoadText_LongTextAliasedManyTimes_ReportsExpansionLimitWithoutCopyingIt()
    {
        // 1 MB of text aliased 10,000 times: 10,001 values, but 10 GB once expanded (issue 15, finding 3).
        var text = "format: 1\nkind: process\nx-big: &big " + new string('x', 1_000_000) + "\nx-copies: [" +
            string.Join(", ", Enumerable.Repeat("*big", 10_000)) + "]\n";
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var set = FirstPartyPlugins.Loader().LoadText(Path.Combine(_folder, "big-alias.yaml"), text);

        Assert.Contains(set.Diagnostics, d => d.Code == DiagnosticIds.TooManyNodes);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 1L << 30, "the loader allocated more than 1 GB");
    }

    [Theory]
    [InlineData("format: 1\nkind: process\nx-data: !!binary aGVsbG8=\n")]
    [InlineData("format: 1\nkind: process\nx-when: !!timestamp 2026-01-01\n")]
    [InlineData("format: 1\nkind: process\nx-set: !!set { a, b }\n")]
    [InlineData("%TAG !e! tag:yaml.org,2002:\n---\nformat: 1\nkind: process\nid: !e!str p\n")]
    [InlineData("%TAG ! tag:example.com,2026:\n---\nformat: 1\nkind: process\n")]
    public void LoadText_TagsBeyondPlainValuesAndTagDirectives_AreRefused(string text)
    {
        var set = FirstPartyPlugins.Loader().LoadText(Path.Combine(_folder, "tags.yaml"), text);

        Assert.Contains(set.Diagnostics, d => d.Code == DiagnosticIds.UnsupportedTag);
    }

    [Fact]
    public void LoadText_PlainCoreTags_AreAccepted()
    {
        var set = FirstPartyPlugins.Loader().LoadText(Path.Combine(_folder, "plain-tags.yaml"), "format: !!int 1\nkind: !!str process\n");

        Assert.DoesNotContain(set.Diagnostics, d => d.Code == DiagnosticIds.UnsupportedTag);
    }

    [Fact]
    public void Load_Utf16File_ReportsInvalidUtf8WithHint()
    {
        var path = Path.Combine(_folder, "utf16.yaml");
        File.WriteAllBytes(path, Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("format: 1\n")).ToArray());

        var set = FirstPartyPlugins.Loader().Load([path]);

        var diagnostic = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.InvalidUtf8, diagnostic.Code);
        Assert.Contains("UTF-16", diagnostic.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_GbkEncodedChinese_ReportsPositionOfFirstBadByte()
    {
        var path = Path.Combine(_folder, "gbk.yaml");
        // "name: 中" in GBK is 0xD6 0xD0 for 中; 0xD6 starts a two-byte UTF-8 sequence that 0xD0 cannot continue.
        File.WriteAllBytes(path, [.. Encoding.ASCII.GetBytes("format: 1\nname: "), 0xD6, 0xD0, (byte)'\n']);

        var set = FirstPartyPlugins.Loader().Load([path]);

        var diagnostic = Assert.Single(set.Diagnostics);
        Assert.Equal((2, 7), (diagnostic.Span.Line, diagnostic.Span.Column));
    }

    [Fact]
    public void LoadText_OnlyTabs_ReportsSyntaxErrorAtTheTab()
    {
        var set = FirstPartyPlugins.Loader().LoadText(Path.Combine(_folder, "tabs.yaml"), "format: 1\nstages:\n\t- id: x\n");

        var diagnostic = Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.YamlSyntax);
        Assert.Equal(3, diagnostic.Span.Line);
    }

    [Fact]
    public void LoadText_ControlCharactersAndNul_ReportsSyntaxError()
    {
        var set = FirstPartyPlugins.Loader().LoadText(Path.Combine(_folder, "nul.yaml"), "format: 1\nkind: process\nid: a\u0000b\n");

        Assert.True(set.HasErrors);
    }

    [Fact]
    public void LoadText_MissingFile_ReportsUnreadableInsteadOfThrowing()
    {
        var set = FirstPartyPlugins.Loader().Load([Path.Combine(_folder, "nope.yaml")]);

        Assert.Equal(DiagnosticIds.FileUnreadable, Assert.Single(set.Diagnostics).Code);
    }

    [Fact]
    public void LoadText_MergeKeyFromAnchor_AppliesDefaultsWithoutOverridingExplicitKeys()
    {
        var text = """
            format: 1
            kind: process
            id: merged
            version: 1
            name: Merged
            currency: CNY
            x-defaults: &defaults
              probability: 0.4
              kind: open
            stages:
              - <<: *defaults
                id: lead
                name: Lead
              - <<: *defaults
                id: proposal
                name: Proposal
                probability: 0.6
              - { id: won, name: Won, kind: won }
              - { id: lost, name: Lost, kind: lost }
            transitions:
              requireLossReason: false
            """;

        var set = FirstPartyPlugins.Loader().LoadText(Path.Combine(_folder, "merge.yaml"), text);

        // `x-defaults` is an unknown key (reported), but the merge itself works.
        Assert.Equal(["SW1001"], set.Diagnostics.Select(d => d.Code));
        var process = Assert.Single(set.Processes);
        Assert.Equal([0.4, 0.6, 1.0, 0.0], process.Stages.Select(s => s.Probability));
    }

    [Fact]
    public void ContentHash_IsTheSameUnderCulturesWithOtherCalendars()
    {
        // The Thai (Buddhist), Persian and Umm al-Qura calendars wrote the holidays' years their way into the hashed
        // text, so a database made under one locale was refused ("rebuilds with another content hash") under another.
        var path = Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml");

        var hashes = Expressions.UnderEveryCulture.Run(["", "th-TH", "fa-IR", "ar-SA", "zh-CN"], () => FirstPartyPlugins.Loader().Load([path]).Processes.Single().ContentHash);

        Assert.NotEmpty(FirstPartyPlugins.Loader().Load([path]).Processes.Single().Calendar.Holidays);
        Assert.Single(hashes.Distinct(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_AProcessWithThousandsOfStages_IsRefusedAtTheList_BeforeTransitionsGrowWithTheirSquare()
    {
        // 6,000 stages with skipping and going back allowed made 36 million transitions: validate and graph ran out of
        // memory on a 340 KB file.
        var stages = string.Concat(Enumerable.Range(0, 6_000).Select(i => $"  - {{ id: s{i}, name: S{i}, probability: 0.1 }}\n"));
        var yaml = TestProcesses.Header + "stages:\n" + stages + TestProcesses.Tail.Replace("requireLossReason: false", "requireLossReason: false\n  allowSkip: true\n  allowBack: true", StringComparison.Ordinal);

        var set = TestProcesses.Load(yaml);

        var error = Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.TooManyItems);
        Assert.Contains("6,002 items; at most 100 are allowed", error.Message, StringComparison.Ordinal);
        Assert.Empty(set.Processes);
    }

    [Fact]
    public void Load_MoreRiskRulesThanAnyProcessNeeds_IsRefusedAtTheList()
    {
        // Each rule costs compile time and, at worst, its share of the evaluation budget: 10,000 of them once made
        // one explanation take minutes.
        var risks = string.Concat(Enumerable.Range(0, 1_001).Select(i => $"  - {{ id: r{i}, category: customer, severity: low, when: 'Contacts.Count() > {i}' }}\n"));
        var yaml = TestProcesses.Header + "stages:\n  - { id: lead, name: Lead, probability: 0.1 }\n" + TestProcesses.Tail + "risks:\n" + risks;

        var set = TestProcesses.Load(yaml);

        var error = Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.TooManyItems);
        Assert.Contains("1,001 items; at most 1,000 are allowed", error.Message, StringComparison.Ordinal);
    }
}
