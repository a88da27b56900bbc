using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Definitions;

/// <summary>What the loader builds from the shipped definitions: stages, imports, targets, hash.</summary>
public sealed class ProcessModelTests
{
    private static readonly Lazy<DefinitionSet> Shipped = new(() => FirstPartyPlugins.Loader().Load([RepoPaths.Definitions]));

    private static ProcessDefinition Process(string id) => Shipped.Value.Processes.Single(p => p.Id == id);

    [Fact]
    public void Load_StandardB2b_HasSixStagesOfTheDirectorsSequencePlusLost()
    {
        var process = Process("standard-b2b");

        Assert.Equal(["lead", "first-contact", "needs-analysis", "proposal", "negotiation", "after-sales", "lost"], process.Stages.Select(s => s.Id));
        Assert.Equal("潜在客户识别", process.Stages[0].Name.Get("zh"));
        Assert.Equal("Lead identification", process.Stages[0].Name.Get("en"));
        Assert.Equal(StageKind.Won, process.FindStage("after-sales")!.Kind);
        Assert.All(process.Stages.Where(s => s.IsOpen), s => Assert.NotEmpty(s.ExitCriteria));
    }

    [Fact]
    public void Load_StandardB2b_RisksCoverAllThreeCategories()
    {
        var categories = Process("standard-b2b").Risks.Select(r => r.Category).ToHashSet();

        Assert.Superset(new HashSet<string> { "market", "customer", "team" }, categories);
    }

    [Fact]
    public void Load_StandardB2b_TargetsBreakDownByQuarterTeamAndRep()
    {
        var target = Assert.Single(Process("standard-b2b").Targets);

        Assert.Equal(10_000_000_000m, target.Amount);
        Assert.Equal(2_000_000_000m, target.Quarters.Single(q => q.Key == "Q1").Amount);
        var east = target.Teams.Single(t => t.Key == "east");
        Assert.Equal(4_000_000_000m, east.Amount);
        Assert.Equal(1_600_000_000m, east.Parts.Single(r => r.Key == "zhang-wei").Amount);
        Assert.Equal(target.Amount, target.Teams.Sum(t => t.Amount));
    }

    [Fact]
    public void Load_SaasVelocity_ReusesPackCriteriaUnderLocalIdsAndImportsPackRisksNamespaced()
    {
        var process = Process("saas-velocity");

        var criterion = process.FindStage("discovery")!.ExitCriteria.Single(c => c.Id == "authority-engaged");
        Assert.Equal("bant", criterion.Pack);
        Assert.Contains("IsDecisionMaker", criterion.Condition.Text, StringComparison.Ordinal);
        Assert.EndsWith("bant.yaml", criterion.Condition.Span.File, StringComparison.Ordinal);
        Assert.Contains(process.Risks, r => r.Id == "bant.budget-gap");
        var champion = process.Risks.Single(r => r.Id == "meddpicc.no-champion");
        Assert.Equal(["proposal", "closing"], champion.Stages);
        Assert.Contains(process.Fields, f => f.Id == "budgetAmount");
    }

    [Fact]
    public void ContentHash_CommentsAndFormatting_DoNotChangeIt()
    {
        var path = Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml");
        var original = File.ReadAllText(path);
        var reformatted = "# a new comment\n" + original.Replace("probability: 0.05", "probability: 0.050   # five percent", StringComparison.Ordinal);

        var a = FirstPartyPlugins.Loader().LoadText(path, original).Processes.Single();
        var b = FirstPartyPlugins.Loader().LoadText(path, reformatted).Processes.Single();

        Assert.Equal(a.ContentHash, b.ContentHash);
        Assert.Equal(64, a.ContentHash.Length);
    }

    [Fact]
    public void ContentHash_ChangedCondition_ChangesIt()
    {
        var path = Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml");
        var original = File.ReadAllText(path);
        var changed = original.Replace("Opportunity.DiscountPercent <= 10", "Opportunity.DiscountPercent <= 12", StringComparison.Ordinal);

        var a = FirstPartyPlugins.Loader().LoadText(path, original).Processes.Single();
        var b = FirstPartyPlugins.Loader().LoadText(path, changed).Processes.Single();

        Assert.NotEqual(a.ContentHash, b.ContentHash);
    }

    [Fact]
    public void ContentHash_ChangedImportedPack_ChangesTheImportingProcess()
    {
        var folder = Directory.CreateTempSubdirectory("sw-hash-").FullName;
        try
        {
            File.Copy(Path.Combine(RepoPaths.Definitions, "saas-velocity.yaml"), Path.Combine(folder, "saas-velocity.yaml"));
            Directory.CreateDirectory(Path.Combine(folder, "packs"));
            File.Copy(Path.Combine(RepoPaths.Definitions, "packs", "meddpicc.yaml"), Path.Combine(folder, "packs", "meddpicc.yaml"));
            var bant = File.ReadAllText(Path.Combine(RepoPaths.Definitions, "packs", "bant.yaml"));
            File.WriteAllText(Path.Combine(folder, "packs", "bant.yaml"), bant);
            var before = FirstPartyPlugins.Loader().Load([Path.Combine(folder, "saas-velocity.yaml")]).Processes.Single().ContentHash;

            File.WriteAllText(Path.Combine(folder, "packs", "bant.yaml"), bant.Replace("<= 180", "<= 90", StringComparison.Ordinal));
            var after = FirstPartyPlugins.Loader().Load([Path.Combine(folder, "saas-velocity.yaml")]).Processes.Single().ContentHash;

            Assert.NotEqual(before, after);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Load_TestSuites_AreBoundToTheirProcess()
    {
        Assert.All(Shipped.Value.TestSuites, suite => Assert.NotNull(suite.Process));
    }
}
