using NRules.Fluent.Dsl;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Plugins;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Plugins;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Engine.Tests.Plugins;

public static class SampleFunctions
{
    public static decimal Twice(Opportunity opportunity) => opportunity.Amount * 2;
}

public static class SampleRisks
{
    public static RiskRaised Big() => new("sample.big-deal")
    {
        Category = "market",
        Severity = RiskSeverity.High,
        Weight = 25,
        Advice = { ["en"] = "Bring in the director.", ["zh"] = "请总监参与。" },
    };
}

[Name("sample.big-deal")]
public sealed class BigDealRule : Rule
{
    public override void Define()
    {
        Opportunity opportunity = null!;
        When().Match(() => opportunity, o => o.Amount > 1_000_000);
        Then().Yield(_ => SampleRisks.Big());
    }
}

[Name("sample.sponsor")]
public sealed class SponsorRule : Rule
{
    public override void Define()
    {
        Contact contact = null!;
        When().Match(() => contact, c => c.IsChampion);
        Then().Yield(_ => new CriterionMet("sample.sponsor"));
    }
}

[Name("sample.throws")]
public sealed class ThrowingRule : Rule
{
    public override void Define()
    {
        Opportunity opportunity = null!;
        When().Match(() => opportunity, o => o.Name.Length / (o.Amount > 0 ? 0 : 1) > 0);
        Then().Yield(_ => new CriterionMet("sample.never"));
    }
}


public sealed class PluginTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8));

    /// <summary>Raises a risk for big deals and reports `sample.sponsor` when a contact is a champion.</summary>
    public sealed class SamplePlugin : ISalesWorkflowPlugin
    {
        public string Name => "sample";

        public string Version => "1.2.3";

        public void Register(IPluginRegistry registry) => registry
            .AddRules(typeof(BigDealRule), typeof(SponsorRule))
            .AddFunctions("sample", typeof(SampleFunctions));
    }






    private sealed class ThrowingPlugin(string name) : ISalesWorkflowPlugin
    {
        public string Name => name;

        public string Version => "0.0.1";

        public void Register(IPluginRegistry registry) => throw new InvalidOperationException("cannot reach the licence server");
    }

    private sealed class RegistryPlugin(string name, Action<IPluginRegistry> register) : ISalesWorkflowPlugin
    {
        public string Name => name;

        public string Version => "1.0.0";

        public void Register(IPluginRegistry registry) => register(registry);
    }

    private static readonly string ProcessWithPluginResults = UsingPlugins(TestProcesses.Header, "sample") + """
        stages:
          - id: lead
            name: Lead
            probability: 0.1
            exitCriteria:
              - id: sponsor
                when: Met("sample.sponsor")
              - id: doubled
                when: sample.Twice(Opportunity) > 100

        """ + TestProcesses.Tail + """
        risks:
          - { id: big-and-no-sponsor, category: customer, severity: medium, weight: 5, when: 'HasRisk("sample.big-deal") && !Met("sample.sponsor")' }

        """;

    /// <summary>The process text with <c>plugins: [...]</c> added at its top level.</summary>
    private static string UsingPlugins(string yaml, params string[] plugins) =>
        yaml.Replace("currency: CNY\n", $"currency: CNY\nplugins: [{string.Join(", ", plugins)}]\n", StringComparison.Ordinal);

    private static DefinitionSet Load(string yaml, PluginCatalog catalog) =>
        new DefinitionLoader(new DefinitionLoaderOptions { Plugins = catalog }).LoadText(Path.Combine(Path.GetTempPath(), "plugin-test.yaml"), yaml);

    private static DealSnapshot Deal(decimal amount, bool champion) => new()
    {
        Opportunity = new Opportunity { Id = "o1", Name = "Acme", Amount = amount },
        Stage = "lead",
        EnteredStageAt = Now.AddDays(-1),
        Contacts = [new Contact { Id = "c1", IsChampion = champion }],
    };

    [Fact]
    public void Evaluate_PluginRulesAndFunctions_GateRisksAndExplanationTreatThemLikeYaml()
    {
        var catalog = PluginCatalog.Load([new SamplePlugin()], []);
        var set = Load(ProcessWithPluginResults, catalog);
        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        var process = CompiledProcess.Compile(set.Processes.Single());

        var blocked = DealEvaluator.Evaluate(process, Deal(2_000_000, champion: false), Now);
        Assert.False(blocked.Gate.Passed);
        Assert.Equal(["sponsor"], blocked.Gate.Criteria.Where(c => !c.Passed).Select(c => c.Id));
        Assert.Equal(["big-and-no-sponsor", "sample.big-deal"], blocked.Risks.Select(r => r.Id));
        var pluginRisk = blocked.Risks.Single(r => r.Id == "sample.big-deal");
        Assert.Equal((RiskSeverity.High, 25, "market"), (pluginRisk.Severity, pluginRisk.Weight, pluginRisk.Category));
        Assert.Equal(70, blocked.Health);
        var text = EvaluationExplainer.Explain(process.Definition, Deal(2_000_000, champion: false), blocked, "zh");
        Assert.Contains("请总监参与。", text, StringComparison.Ordinal);
        Assert.Contains("Met(\"sample.sponsor\")", text, StringComparison.Ordinal);

        var passing = DealEvaluator.Evaluate(process, Deal(2_000_000, champion: true), Now);
        Assert.True(passing.Gate.Passed);
        Assert.Equal(["sample.big-deal"], passing.Risks.Select(r => r.Id));

        var small = DealEvaluator.Evaluate(process, Deal(40, champion: true), Now);
        Assert.Equal(["doubled"], small.Gate.Criteria.Where(c => !c.Passed).Select(c => c.Id));
        Assert.Contains(small.Gate.Criteria.Single(c => c.Id == "doubled").ValuesRead, v => v.Expression == "sample.Twice(Opportunity)" && v.Value == "80");
        Assert.Empty(small.Risks);
    }

    [Fact]
    public void Load_ResultOfAPluginThatIsNotLoaded_IsAnErrorWithAHint()
    {
        var set = Load(ProcessWithPluginResults.Replace("sample.Twice(Opportunity) > 100", "Opportunity.Amount > 100", StringComparison.Ordinal), PluginCatalog.Empty);

        var declared = Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.PluginNotLoaded);
        Assert.Equal((DiagnosticSeverity.Error, 7, 11), (declared.Severity, declared.Span.Line, declared.Span.Column));
        Assert.Contains("`sample`", declared.Message, StringComparison.Ordinal);
        Assert.Contains("--plugins", declared.Hint, StringComparison.Ordinal);
        var error = set.Diagnostics.First(d => d.Code == DiagnosticIds.ConditionUnknownPluginResult && d.Severity == DiagnosticSeverity.Error && d.Message.Contains("sample.sponsor", StringComparison.Ordinal));
        Assert.Contains("--plugins", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PluginThatFailedToLoad_SaysWhyWhereTheProcessDeclaresIt()
    {
        var catalog = PluginCatalog.Load([new ThrowingPlugin("sample")], []);

        var set = Load(ProcessWithPluginResults, catalog);

        var declared = Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.PluginNotLoaded);
        Assert.Contains("cannot reach the licence server", declared.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PluginLoadedButNotDeclared_ItsResultsAndFunctionsAreErrorsThatSayWhatToAdd()
    {
        var catalog = PluginCatalog.Load([new SamplePlugin()], []);

        var set = Load(ProcessWithPluginResults.Replace("plugins: [sample]\n", string.Empty, StringComparison.Ordinal), catalog);

        Assert.True(set.HasErrors);
        var errors = set.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.Contains(errors, d => d.Code == DiagnosticIds.ConditionUnknownPluginResult && d.Message.Contains("Met(\"sample.sponsor\")", StringComparison.Ordinal) && d.Hint!.Contains("plugins: [sample]", StringComparison.Ordinal));
        Assert.Contains(errors, d => d.Code == DiagnosticIds.ConditionUnknownPluginResult && d.Message.Contains("HasRisk(\"sample.big-deal\")", StringComparison.Ordinal));
        var function = Assert.Single(errors, d => d.Code == DiagnosticIds.ConditionUnknownName);
        Assert.Contains("plugin `sample`", function.Message, StringComparison.Ordinal);
        Assert.Contains("plugins: [sample]", function.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_PluginRules_JoinOnlyTheProcessesThatDeclareThePlugin()
    {
        var catalog = PluginCatalog.Load([new SamplePlugin()], []);
        var plain = TestProcesses.WithCriterionYaml("Opportunity.Amount > 0");
        var without = CompiledProcess.Compile(Load(plain, catalog).Processes.Single());
        var with = CompiledProcess.Compile(Load(UsingPlugins(plain, "sample"), catalog).Processes.Single());

        Assert.Empty(DealEvaluator.Evaluate(without, Deal(2_000_000, champion: false), Now).Risks);
        Assert.Equal(["sample.big-deal"], DealEvaluator.Evaluate(with, Deal(2_000_000, champion: false), Now).Risks.Select(r => r.Id));
        Assert.NotEqual(without.ContentHash, with.ContentHash);
    }

    [Fact]
    public void Load_PluginDeclaredTwice_IsADuplicate()
    {
        var catalog = PluginCatalog.Load([new SamplePlugin()], []);

        var set = Load(UsingPlugins(TestProcesses.WithCriterionYaml("Opportunity.Amount > 0"), "sample", "sample"), catalog);

        var duplicate = Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.DuplicateId);
        Assert.Contains("plugin", duplicate.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownRuleNameOfALoadedPlugin_IsAWarningWithDidYouMean()
    {
        var catalog = PluginCatalog.Load([new SamplePlugin()], []);
        var set = Load(ProcessWithPluginResults.Replace("Met(\"sample.sponsor\")\n", "Met(\"sample.sponsr\")\n", StringComparison.Ordinal), catalog);

        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        var warning = Assert.Single(set.Diagnostics, d => d.Code == DiagnosticIds.ConditionUnknownPluginResult);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Contains("sample.sponsor", warning.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_PluginRuleThatThrows_IsAnIncidentNotACrash()
    {
        var catalog = PluginCatalog.Load([new RegistryPlugin("faulty", r => r.AddRules(typeof(ThrowingRule)))], []);
        var process = CompiledProcess.Compile(Load(UsingPlugins(TestProcesses.WithCriterionYaml("Opportunity.Amount > 0"), "faulty"), catalog).Processes.Single());

        var evaluation = DealEvaluator.Evaluate(process, Deal(5, champion: false), Now);

        Assert.True(evaluation.Gate.Passed);
        var incident = Assert.Single(evaluation.Incidents);
        Assert.Equal("plugin:sample.throws", incident.Rule);
    }

    [Fact]
    public void Load_BrokenPlugins_AreReportedAndTheOthersStillLoad()
    {
        var catalog = PluginCatalog.Load(
            [
                new ThrowingPlugin("licensed"),
                new SamplePlugin(),
                new RegistryPlugin("sample", _ => { }),
                new RegistryPlugin("Bad Name", _ => { }),
                new RegistryPlugin("copycat", r => r.AddRules(typeof(BigDealRule))),
                new RegistryPlugin("functions-again", r => r.AddFunctions("sample", typeof(SampleFunctions))),
                new RegistryPlugin("not-a-rule", r => r.AddRules(typeof(string))),
                new RegistryPlugin("sinks", r => r.AddEventSink("audit", new NullSink()).AddEventSink("audit", new NullSink())),
            ],
            []);

        Assert.Equal(["sample"], catalog.Plugins.Select(p => p.Name));
        Assert.Equal(["sample.big-deal", "sample.sponsor"], catalog.Plugins[0].Rules);
        Assert.Equal(
            [
                (PluginDiagnosticCodes.RegisterFailed, "licensed"),
                (PluginDiagnosticCodes.Duplicate, "`sample`"),
                (PluginDiagnosticCodes.InvalidRegistration, "Bad Name"),
                (PluginDiagnosticCodes.Duplicate, "sample.big-deal"),
                (PluginDiagnosticCodes.Duplicate, "namespace `sample`"),
                (PluginDiagnosticCodes.InvalidRegistration, "System.String"),
                (PluginDiagnosticCodes.InvalidRegistration, "`audit` is registered twice"),
            ],
            catalog.Diagnostics.Select(d => (d.Code, Expected: ExpectedFragment(d))));

        static string ExpectedFragment(PluginDiagnostic d) =>
            new[] { "licensed", "namespace `sample`", "`sample`", "Bad Name", "sample.big-deal", "System.String", "`audit` is registered twice" }.First(f => d.Message.Contains(f, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_PluginFolders_MissingEmptyAndCorruptAssembliesAreDiagnosed()
    {
        var root = Directory.CreateTempSubdirectory("plugins-");
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, "empty"));
            Directory.CreateDirectory(Path.Combine(root.FullName, "corrupt"));
            File.WriteAllText(Path.Combine(root.FullName, "corrupt", "corrupt.dll"), "not an assembly");
            var missing = Path.Combine(root.FullName, "does-not-exist");

            var catalog = PluginCatalog.Load([new SamplePlugin()], [root.FullName, missing]);

            Assert.Equal(["sample"], catalog.Plugins.Select(p => p.Name));
            Assert.Equal(3, catalog.Diagnostics.Count);
            Assert.All(catalog.Diagnostics, d => Assert.Equal(PluginDiagnosticCodes.BadAssembly, d.Code));
            Assert.Contains(catalog.Diagnostics, d => d.Source.EndsWith("corrupt.dll", StringComparison.Ordinal) && d.Message.Contains("not a readable .NET assembly", StringComparison.Ordinal));
            Assert.Contains(catalog.Diagnostics, d => d.Source.EndsWith("empty", StringComparison.Ordinal) && d.Message.Contains("expected empty.dll", StringComparison.Ordinal));
            Assert.Contains(catalog.Diagnostics, d => d.Source == missing);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void Load_RelativePluginFolder_LoadsAsAnAbsoluteOne_AndADllDirectlyInTheFolderIsReported()
    {
        // The plugin guide's own `--plugins plugins` / AddPluginsFrom("plugins"): once "Value must be an absolute file path".
        var root = Directory.CreateTempSubdirectory("plugins-relative-");
        try
        {
            const string Name = "SalesWorkflow.Plugins.CreditRisk";
            var folder = Directory.CreateDirectory(Path.Combine(root.FullName, Name)).FullName;
            File.Copy(Path.Combine(AppContext.BaseDirectory, Name + ".dll"), Path.Combine(folder, Name + ".dll"));
            File.Copy(Path.Combine(AppContext.BaseDirectory, Name + ".dll"), Path.Combine(root.FullName, "stray.dll"));
            var relative = Path.GetRelativePath(Environment.CurrentDirectory, root.FullName);
            Assert.False(Path.IsPathRooted(relative));

            var catalog = PluginCatalog.Load([], [relative]);

            Assert.Single(catalog.Plugins);
            var stray = Assert.Single(catalog.Diagnostics);
            Assert.EndsWith("stray.dll", stray.Source, StringComparison.Ordinal);
            Assert.Contains("a folder of its own", stray.Message, StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void AddPluginsFrom_RelativeFolder_IsKeptAsTheFullPathOfTheWorkingDirectory()
    {
        var options = new SalesWorkflow.Engine.Hosting.SalesWorkflowOptions().AddPluginsFrom("plugins");

        Assert.Equal(Path.Combine(Environment.CurrentDirectory, "plugins"), Assert.Single(options.PluginFolders));
    }

    [Theory]
    [InlineData("1.0", "1.0", true)]
    [InlineData("1.0", "1.3", true)]
    [InlineData("1.4", "1.3", false)]
    [InlineData("2.0", "1.9", false)]
    [InlineData("0.9", "1.0", false)]
    public void IsCompatible_SameMajorAndNoNewerMinor(string builtAgainst, string host, bool expected) =>
        Assert.Equal(expected, SdkVersion.IsCompatible(Version.Parse(builtAgainst), Version.Parse(host)));

    [Fact]
    public void Load_InProcessPlugin_ReportsTheSdkVersionItWasBuiltAgainst()
    {
        var plugin = Assert.Single(PluginCatalog.Load([new SamplePlugin()], []).Plugins);

        Assert.Equal(SdkVersion.Current, plugin.SdkVersion);
        Assert.Equal(new Version(1, 0, 0, 0), SdkVersion.Current);
        Assert.Equal(["sample.Twice(Opportunity opportunity) → decimal"], plugin.Functions);
    }

    private sealed class NullSink : IProcessEventSink
    {
        public ValueTask EmitAsync(ProcessEvent processEvent, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}

/// <summary>Raises a risk for a champion-less deal, unless <see cref="SponsorRule"/>'s check is present: a linked result that a later linked result takes back.</summary>
[Name("sample.retracted")]
public sealed class RetractedRiskRule : Rule
{
    public override void Define()
    {
        Opportunity opportunity = null!;
        When()
            .Match(() => opportunity)
            .Not<CriterionMet>(c => c.CriterionId == "sample.sponsor");
        Then().Yield(_ => new RiskRaised("sample.no-sponsor-yet") { Category = "customer", Weight = 5 });
    }
}

public sealed class PluginResultRetractionTests
{
    private sealed class RetractingPlugin : ISalesWorkflowPlugin
    {
        public string Name => "sample";

        public string Version => "1.0.0";

        public void Register(IPluginRegistry registry) => registry.AddRules(typeof(SponsorRule), typeof(RetractedRiskRule));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Evaluate_ResultRetractedByALaterResult_IsNotReported(bool champion)
    {
        var catalog = PluginCatalog.Load([new RetractingPlugin()], []);
        var yaml = TestProcesses.WithCriterionYaml("Opportunity.Amount > 0").Replace("currency: CNY\n", "currency: CNY\nplugins: [sample]\n", StringComparison.Ordinal);
        var process = CompiledProcess.Compile(new DefinitionLoader(new DefinitionLoaderOptions { Plugins = catalog }).LoadText(Path.Combine(Path.GetTempPath(), "retract.yaml"), yaml).Processes.Single());
        var now = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

        var evaluation = DealEvaluator.Evaluate(process, new DealSnapshot
        {
            Opportunity = new Opportunity { Id = "o1", Amount = 10 },
            Stage = "lead",
            EnteredStageAt = now,
            Contacts = [new Contact { Id = "c1", IsChampion = champion }],
        }, now);

        Assert.Equal(champion ? [] : ["sample.no-sponsor-yet"], evaluation.Risks.Select(r => r.Id));
        Assert.Equal(champion ? ["sample.sponsor"] : [], evaluation.ChecksMet);
    }
}
