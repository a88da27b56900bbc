using System.Diagnostics;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Definitions;

/// <summary>
/// The files a definition names are the author's choice, not the operator's: they stay inside the folder being
/// loaded, are regular files, and a file that is not a definition never has its content shown (issue 15, finding 1).
/// </summary>
public sealed class FileAccessTests : IDisposable
{
    private const string Secret = "root:$6$SECRET-HASH:19000:0:99999:7:::";

    private readonly string _outer = Directory.CreateTempSubdirectory("sw-files-").FullName;

    public FileAccessTests()
    {
        Directory.CreateDirectory(Definitions);
        File.WriteAllText(Path.Combine(_outer, "shadow"), Secret + "\n");
    }

    private string Definitions => Path.Combine(_outer, "definitions");

    public void Dispose() => Directory.Delete(_outer, recursive: true);

    [Theory]
    [InlineData("../shadow")]
    [InlineData("packs/../../shadow")]
    [InlineData("../../../../../../../../etc/passwd")]
    public void Import_LeavingTheFolder_IsRefusedWithoutReadingTheFile(string written)
    {
        var set = LoadProcessImporting(written);

        var refused = Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.PathOutsideRoot);
        Assert.Equal(ProcessImportLine, refused.Span.Line);
        AssertNothingLeaked(set);
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("~/.ssh/id_rsa")]
    public void Import_AbsolutePath_IsRefused(string written)
    {
        var set = LoadProcessImporting(written);

        // The shape check refuses a path starting at / (SW1003); the loader refuses the rest (SW0005).
        Assert.Contains(set.Diagnostics, d => d.Code is DiagnosticIds.PathOutsideRoot or DiagnosticIds.InvalidValue && d.Span.Line == ProcessImportLine);
        Assert.Empty(set.Packs);
        AssertNothingLeaked(set);
    }

    [Fact]
    public void Import_LinkInsideTheFolderPointingOut_IsRefused()
    {
        File.CreateSymbolicLink(Path.Combine(Definitions, "pack.yaml"), Path.Combine(_outer, "shadow"));

        var set = LoadProcessImporting("pack.yaml");

        Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.PathOutsideRoot);
        AssertNothingLeaked(set);
    }

    [Fact]
    public void Import_LinkedFolderPointingOut_IsRefused()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(_outer, "elsewhere")).FullName;
        File.WriteAllText(Path.Combine(elsewhere, "bant.yaml"), PackYaml);
        Directory.CreateSymbolicLink(Path.Combine(Definitions, "packs"), elsewhere);

        var set = LoadProcessImporting("packs/bant.yaml");

        Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.PathOutsideRoot);
    }

    [Fact]
    public void Import_LinkToAPackInsideTheFolder_IsRead()
    {
        var packs = Directory.CreateDirectory(Path.Combine(Definitions, "packs")).FullName;
        File.WriteAllText(Path.Combine(packs, "bant-v1.yaml"), PackYaml);
        File.CreateSymbolicLink(Path.Combine(Definitions, "bant.yaml"), Path.Combine(packs, "bant-v1.yaml"));

        var set = LoadProcessImporting("bant.yaml");

        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        Assert.Single(set.Packs);
    }

    [Fact]
    public void Import_PackTextInALanguageTheProcessDoesNotUse_Warns()
    {
        // Issue 15, finding 9: `zhx:` for `zh:` warned in a process, not in a pack it imports.
        File.WriteAllText(Path.Combine(Definitions, "pack.yaml"), PackYaml.Replace("name: BANT", "name: { zhx: 资格, en: BANT }", StringComparison.Ordinal));
        var path = Path.Combine(Definitions, "process.yaml");
        File.WriteAllText(path, ProcessYaml("pack.yaml").Replace("currency: CNY\n", "currency: CNY\nlanguages: [zh, en]\n", StringComparison.Ordinal)
            .Replace("name: P\n", "name: { zh: 流程, en: P }\n", StringComparison.Ordinal));

        var set = FirstPartyPlugins.Loader().Load([path]);

        var warning = Assert.Single(set.Diagnostics, d => d.Span.File.EndsWith("pack.yaml", StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Warning);
        Assert.Contains("`zh`", warning.Message, StringComparison.Ordinal);
        Assert.Equal(5, warning.Span.Line);
    }

    [Fact]
    public void Import_LoopOfLinks_IsRefusedWithoutHanging()
    {
        File.CreateSymbolicLink(Path.Combine(Definitions, "a.yaml"), Path.Combine(Definitions, "b.yaml"));
        File.CreateSymbolicLink(Path.Combine(Definitions, "b.yaml"), Path.Combine(Definitions, "a.yaml"));

        var set = LoadProcessImporting("a.yaml");

        Assert.Contains(set.Diagnostics, d => d.Code == DiagnosticIds.PathOutsideRoot && d.Message.Contains("loop", StringComparison.Ordinal));
    }

    [Fact]
    public void Import_YamlFileThatIsNotADefinition_IsReportedWithoutItsContent()
    {
        File.WriteAllText(Path.Combine(Definitions, "secrets.yaml"), "database:\n  password: hunter2-" + Secret + "\n");

        var set = LoadProcessImporting("secrets.yaml");

        var diagnostic = Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.NotADefinition);
        Assert.Equal(ProcessImportLine, diagnostic.Span.Line);
        AssertNothingLeaked(set);
    }

    [Fact]
    public void Import_BrokenYamlThatIsNotADefinition_IsReportedWithoutItsContent()
    {
        File.WriteAllText(Path.Combine(Definitions, "env.yaml"), "PATH=/usr/bin\0" + Secret + "\0HOME=/root: [\n");

        var set = LoadProcessImporting("env.yaml");

        Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.NotADefinition);
        AssertNothingLeaked(set);
    }

    [Fact]
    public void TestSuite_ProcessOutsideTheFolder_IsRefused()
    {
        File.WriteAllText(Path.Combine(_outer, "process.yaml"), ProcessYaml(imports: null));
        File.WriteAllText(Path.Combine(Definitions, "p.tests.yaml"), "format: 1\nkind: process-tests\nprocess: ../process.yaml\ntests: []\n");

        var set = FirstPartyPlugins.Loader().Load([Definitions]);

        var refused = Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.PathOutsideRoot);
        Assert.Equal(3, refused.Span.Line);
        Assert.Empty(set.Processes);
    }

    [Fact]
    public void TestSuite_ProcessAboveItsFolder_IsReadWhenTheRootIsSet()
    {
        File.WriteAllText(Path.Combine(Definitions, "process.yaml"), ProcessYaml(imports: null));
        var tests = Directory.CreateDirectory(Path.Combine(Definitions, "tests")).FullName;
        File.WriteAllText(Path.Combine(tests, "p.tests.yaml"), "format: 1\nkind: process-tests\nprocess: ../process.yaml\ntests: []\n");

        var withoutRoot = FirstPartyPlugins.Loader().Load([Path.Combine(tests, "p.tests.yaml")]);
        var withRoot = new DefinitionLoader(new DefinitionLoaderOptions { Plugins = FirstPartyPlugins.Catalog, Root = Definitions })
            .Load([Path.Combine(tests, "p.tests.yaml")]);

        Assert.Contains(withoutRoot.Diagnostics, d => d.Code == DiagnosticIds.PathOutsideRoot);
        Assert.DoesNotContain(withRoot.Diagnostics, d => d.Code == DiagnosticIds.PathOutsideRoot);
        Assert.Single(withRoot.Processes);
    }

    [UnixFact]
    public void Load_DeviceThatReportsNoSize_IsRefusedWithoutReadingForever()
    {

        var set = FirstPartyPlugins.Loader().Load(["/dev/zero"]);

        var diagnostic = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.FileUnreadable, diagnostic.Code);
        Assert.Contains("not a regular file", diagnostic.Message, StringComparison.Ordinal);
    }

    [UnixFact]
    public void Import_NamedPipe_IsRefusedWithoutWaitingForAWriter()
    {
        using (var mkfifo = Process.Start("mkfifo", Path.Combine(Definitions, "pipe.yaml")))
        {
            mkfifo.WaitForExit();
        }

        var load = Task.Run(() => LoadProcessImporting("pipe.yaml"));

        Assert.True(load.Wait(TimeSpan.FromSeconds(30)), "the load waited on the pipe");
        Assert.Contains(load.Result.Diagnostics, d => d.Code == DiagnosticIds.FileUnreadable && d.Message.Contains("not a regular file", StringComparison.Ordinal));
    }

    [UnixFact]
    public void Import_LinkToANamedPipe_IsRefusedWithoutWaitingForAWriter()
    {
        // The link itself has a size (its target's name); the check must look at what it points to.
        using (var mkfifo = Process.Start("mkfifo", Path.Combine(Definitions, "pipe")))
        {
            mkfifo.WaitForExit();
        }

        File.CreateSymbolicLink(Path.Combine(Definitions, "pack.yaml"), "pipe");

        var load = Task.Run(() => LoadProcessImporting("pack.yaml"));
        var named = Task.Run(() => FirstPartyPlugins.Loader().Load([Path.Combine(Definitions, "pack.yaml")]));

        Assert.True(load.Wait(TimeSpan.FromSeconds(30)), "the load waited on the pipe behind the link");
        Assert.True(named.Wait(TimeSpan.FromSeconds(30)), "loading the link by name waited on the pipe");
        Assert.Contains(load.Result.Diagnostics, d => d.Code == DiagnosticIds.FileUnreadable && d.Message.Contains("not a regular file", StringComparison.Ordinal));
        Assert.Contains(named.Result.Diagnostics, d => d.Code == DiagnosticIds.FileUnreadable && d.Message.Contains("not a regular file", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadFolder_LinkLoop_LoadsEachFileOnceAndWarns()
    {
        File.WriteAllText(Path.Combine(Definitions, "process.yaml"), ProcessYaml(imports: null));
        Directory.CreateSymbolicLink(Path.Combine(Definitions, "again"), Definitions);

        var set = FirstPartyPlugins.Loader().Load([Definitions]);

        Assert.Single(set.Files);
        Assert.Single(set.Processes);
        Assert.Contains(set.Diagnostics, d => d.Code == DiagnosticIds.LinkSkipped && d.Severity == DiagnosticSeverity.Warning);
        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
    }

    [Fact]
    public void StoredVersion_ImportNotAmongItsTexts_IsNotReadFromDisk()
    {
        // A stored version is rebuilt from its own texts only, even when a file of that name exists where it points.
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "sw-stored-probe.yaml"), PackYaml);

        var set = FirstPartyPlugins.Loader().LoadSources("process.yaml", new Dictionary<string, string>
        {
            ["process.yaml"] = ProcessYaml(imports: "../sw-stored-probe.yaml"),
        });

        Assert.Contains(set.Diagnostics, d => d.Code == DiagnosticIds.ImportNotFound);
        Assert.Empty(set.Packs);
    }

    [Fact]
    public void Sources_ImportsResolveAmongTheSet_AndDiagnosticsShowTheGivenNames()
    {
        var set = FirstPartyPlugins.Loader().LoadSources("processes/process.yaml", new Dictionary<string, string>
        {
            ["processes/process.yaml"] = ProcessYaml(imports: "../packs/bant.yaml"),
            ["packs/bant.yaml"] = PackYaml.Replace("Opportunity.Amount > 0", "Opportunity.Amount >", StringComparison.Ordinal),
        });

        var broken = Assert.Single(set.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("packs/bant.yaml", broken.Span.File);
        Assert.DoesNotContain(set.Diagnostics, d => d.ToString().Contains(Path.GetTempPath(), StringComparison.Ordinal));

        var good = FirstPartyPlugins.Loader().LoadSources("processes/process.yaml", new Dictionary<string, string>
        {
            ["processes/process.yaml"] = ProcessYaml(imports: "../packs/bant.yaml"),
            ["packs/bant.yaml"] = PackYaml,
        });
        Assert.False(good.HasErrors, string.Join("\n", good.Diagnostics));
        Assert.Equal("processes/process.yaml", Assert.Single(good.Processes).SourcePath);
        Assert.Single(good.Packs);
    }

    [Fact]
    public void Sources_AnImportWithAnotherExtension_Loads()
    {
        // Imports may name any file, so a stored version holds such names and must rebuild from them.
        var set = FirstPartyPlugins.Loader().LoadSources("process.yaml", new Dictionary<string, string>
        {
            ["process.yaml"] = ProcessYaml(imports: "packs/bant.rules"),
            ["packs/bant.rules"] = PackYaml,
        });

        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        Assert.Single(set.Packs);
    }

    [Theory]
    [InlineData("/etc/passwd.yaml")]
    [InlineData("~/x.yaml")]
    [InlineData("C:x.yaml")]
    [InlineData("a\\b.yaml")]
    [InlineData("a/../b.yaml")]
    [InlineData("./a.yaml")]
    [InlineData("a//b.yaml")]
    [InlineData("../../../../../../../../../x.yaml")]
    [InlineData("a/./b.yaml")]
    [InlineData("")]
    [InlineData("bad\u0001name.yaml")]
    public void Sources_NameThatIsNotACanonicalRelativePath_IsReportedAndNotLoaded(string name)
    {
        var set = FirstPartyPlugins.Loader().LoadSources("process.yaml", new Dictionary<string, string>
        {
            ["process.yaml"] = ProcessYaml(imports: null),
            [name] = PackYaml,
        });

        var refused = Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.InvalidSourceName);
        Assert.DoesNotContain('\u0001', refused.ToString());
        Assert.Single(set.Processes);
        Assert.Empty(set.Packs);
    }

    [Fact]
    public void Sources_EntryNotInTheSet_OrTooManyFiles_IsReported()
    {
        var missing = FirstPartyPlugins.Loader().LoadSources("other.yaml", new Dictionary<string, string> { ["process.yaml"] = ProcessYaml(imports: null) });
        Assert.Contains("`process.yaml`", Assert.Single(missing.Diagnostics, d => d.Code == DiagnosticIds.InvalidSourceName).Hint, StringComparison.Ordinal);
        Assert.Empty(missing.Processes);

        var many = Enumerable.Range(0, 65).ToDictionary(i => $"p{i}.yaml", _ => ProcessYaml(imports: null));
        var flood = FirstPartyPlugins.Loader().LoadSources("p0.yaml", many);
        Assert.Contains("65 files", Assert.Single(flood.Diagnostics).Message, StringComparison.Ordinal);
        Assert.Empty(flood.Processes);
    }

    [Fact]
    public void Sources_GeneratedNamesAndImports_NeverThrowAndNeverReadTheDisk()
    {
        // Names and import paths drawn from the characters paths are attacked with; whatever they are, the load reports
        // and returns, and a file planted where an escaping path would land is never read.
        var planted = Path.Combine(Path.GetTempPath(), "sw-planted.yaml");
        File.WriteAllText(planted, PackYaml);
        var random = new Random(20261203);
        const string alphabet = "ab./\\~:.\u0000\u2215%";
        string Draw() => new([.. Enumerable.Range(0, random.Next(0, 14)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
        for (var i = 0; i < 2_000; i++)
        {
            var name = Draw() + (random.Next(3) == 0 ? string.Empty : ".yaml");
            var import = random.Next(2) == 0 ? "../../../../../../../../../../sw-planted.yaml" : Draw() + ".yaml";
            var set = FirstPartyPlugins.Loader().LoadSources(name, new Dictionary<string, string>
            {
                [name] = ProcessYaml(imports: import.Replace("'", "''", StringComparison.Ordinal)),
            });

            Assert.Empty(set.Packs);
            Assert.All(set.Diagnostics, d => Assert.DoesNotContain("budget", d.ToString(), StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("\u2028")]
    [InlineData("\u2029")]
    [InlineData("\u0085")]
    public void Positions_AfterAUnicodeLineSeparatorInAValue_AreTheEditorsLines(string separator)
    {
        // YAML 1.1 readers count these as line breaks; editors, and the source line a diagnostic quotes, do not.
        var text = ProcessYaml(imports: null).Replace("name: P\n", $"name: \"P{separator}  Q\"\nnaem: x\n", StringComparison.Ordinal);

        var set = FirstPartyPlugins.Loader().LoadSources("process.yaml", new Dictionary<string, string> { ["process.yaml"] = text });

        var unknown = Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.UnknownKey);
        Assert.Equal((6, 1), (unknown.Span.Line, unknown.Span.Column));
        Assert.Equal("naem: x", unknown.SourceLine);
    }

    private const int ProcessImportLine = 8;

    private static string PackYaml => """
        format: 1
        kind: rule-pack
        id: bant
        version: 1
        name: BANT
        criteria:
          - { id: budget, when: 'Opportunity.Amount > 0' }

        """;

    private static string ProcessYaml(string? imports) =>
        "format: 1\nkind: process\nid: p\nversion: 1\nname: P\ncurrency: CNY\n" +
        (imports is null ? string.Empty : $"imports:\n  - {{ pack: '{imports}', as: x }}\n") +
        """
        stages:
          - { id: lead, name: Lead, probability: 0.1 }
          - { id: won, name: Won, kind: won }
          - { id: lost, name: Lost, kind: lost }
        transitions:
          requireLossReason: false

        """;

    private DefinitionSet LoadProcessImporting(string written)
    {
        var path = Path.Combine(Definitions, "process.yaml");
        File.WriteAllText(path, ProcessYaml(written));
        return FirstPartyPlugins.Loader().Load([path]);
    }

    private static void AssertNothingLeaked(DefinitionSet set)
    {
        foreach (var diagnostic in set.Diagnostics)
        {
            var shown = diagnostic.ToString() + diagnostic.Hint + diagnostic.SourceLine;
            Assert.DoesNotContain("SECRET", shown, StringComparison.Ordinal);
            Assert.DoesNotContain("root:x:", shown, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", shown, StringComparison.Ordinal);
        }
    }
}

/// <summary>A fact about Unix files (devices, named pipes); skipped on Windows.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "needs Unix devices and named pipes";
        }
    }
}
