using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Testing;

namespace Contoso.SalesPlugin.Tests;

/// <summary>The plugin's rules, function and results, run by the real engine through SalesWorkflow.Sdk.Testing.</summary>
public sealed class PluginTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);
    private static readonly PluginTestHost Host = PluginTestHost.For(new Plugin());

    private static DealSnapshot Deal(decimal discount, params Contact[] contacts) => new()
    {
        Stage = "negotiation",
        EnteredStageAt = Now.AddDays(-3),
        Opportunity = new Opportunity { Id = "d1", Amount = 100_000, DiscountPercent = discount },
        Contacts = contacts,
    };

    [Fact]
    public void DeepDiscount_OnAnOpenDeal_RaisesTheRisk()
    {
        var run = Host.Run(Deal(25), Now);

        var risk = Assert.Single(run.Risks);
        Assert.Equal(("acmeplugin.deep-discount", "market", 10), (risk.Id, risk.Category, risk.Weight));
        Assert.Empty(run.Incidents);
    }

    [Theory]
    [InlineData(20, "open")]
    [InlineData(25, "won")]
    public void DeepDiscount_AtTheLimitOrOnAClosedDeal_RaisesNothing(double discount, string stageKind)
    {
        Assert.False(Host.Run(Deal((decimal)discount), Now, stageKind).HasRisk("acmeplugin.deep-discount"));
    }

    [Fact]
    public void SponsorConfirmed_NeedsAChampionContactedInThe30Days()
    {
        var recent = new Contact { Id = "c1", IsChampion = true, LastContactedAt = Now.AddDays(-30) };
        var stale = new Contact { Id = "c2", IsChampion = true, LastContactedAt = Now.AddDays(-31) };

        Assert.True(Host.Run(Deal(0, recent), Now).IsMet("acmeplugin.sponsor-confirmed"));
        Assert.False(Host.Run(Deal(0, stale), Now).IsMet("acmeplugin.sponsor-confirmed"));
    }

    [Fact]
    public void DiscountAmount_IsTypeCheckedAndEvaluatedAsInYaml()
    {
        var run = Host.Evaluate("acmefunctions.DiscountAmount(Opportunity) < 20000", Deal(25), Now);

        Assert.False(run.Holds);
        Assert.Contains(run.ValuesRead, v => v.Expression == "acmefunctions.DiscountAmount(Opportunity)" && v.Value == "25,000");
        Assert.NotEmpty(Host.Check("acmefunctions.DiscountAmount(Account) > 0")); // wrong fact type: a load error
    }

    [Fact]
    public void AProcessListingThePlugin_GatesOnItsResult()
    {
        var process = Host.LoadProcess("""
            format: 1
            kind: process
            id: demo
            version: 1
            name: Demo
            currency: USD
            plugins: [acmeplugin]
            stages:
              - id: negotiation
                name: Negotiation
                probability: 0.8
                exitCriteria:
                  - id: sponsor
                    when: Met("acmeplugin.sponsor-confirmed") && !HasRisk("acmeplugin.deep-discount")
              - { id: won, name: Won, kind: won, probability: 1 }
              - { id: lost, name: Lost, kind: lost, probability: 0 }
            transitions:
              lossReasons:
                - { id: price }
            """);

        var champion = new Contact { Id = "c1", IsChampion = true, LastContactedAt = Now.AddDays(-2) };
        Assert.True(process.Evaluate(Deal(10, champion), Now).Gate.Passed);
        var blocked = process.Evaluate(Deal(25, champion), Now);
        Assert.False(blocked.Gate.Passed);
        Assert.Contains("acmeplugin.deep-discount", process.Explain(Deal(25, champion), Now), StringComparison.Ordinal);
    }
}
