using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Tests;

namespace SalesWorkflow.IntegrationTests;

/// <summary>Every file in definitions/ loads without errors or warnings: what we ship is what we show customers.</summary>
public sealed class ShippedDefinitionsTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(RepoPaths.Definitions, "*.y*ml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(RepoPaths.Definitions, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Load_ShippedFile_HasNoDiagnostics(string relative)
    {
        // With the shipped organisation file, which fills the roles the processes name (customer-service).
        var organisation = Path.Combine(RepoPaths.Definitions, "organisation.yaml");
        var file = Path.Combine(RepoPaths.Definitions, relative);
        var set = FirstPartyPlugins.Loader().Load(file == organisation ? [file] : [file, organisation]);

        Assert.True(set.Diagnostics.Count == 0, string.Join("\n", set.Diagnostics.Select(DiagnosticFormatter.Format)));
    }

    [Fact]
    public void Load_DefinitionsFolder_ShipsAtLeastTwoProcessesAndTheBantAndMeddpiccPacks()
    {
        var set = FirstPartyPlugins.Loader().Load([RepoPaths.Definitions]);

        Assert.False(set.HasErrors);
        Assert.Contains(set.Processes, p => p.Id == "standard-b2b");
        Assert.True(set.Processes.Count >= 2);
        Assert.Contains(set.Packs, p => p.Id == "bant");
        Assert.Contains(set.Packs, p => p.Id == "meddpicc");
        Assert.All(set.Processes, p => Assert.Contains("zh", p.Languages));
        Assert.All(set.Processes, p => Assert.Contains("en", p.Languages));
    }
}
