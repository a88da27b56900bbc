using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Plugins;
using SalesWorkflow.Sdk.Results;
using SalesWorkflow.Sdk.Testing;

namespace SalesWorkflow.Plugins.CreditRisk.Tests;

/// <summary>
/// The credit plugin through SalesWorkflow.Sdk.Testing, as a partner tests theirs: the engine's own loader, type
/// checker and evaluator. Also the tests of PluginTestHost itself (stage kinds, errors, processes).
/// </summary>
public sealed class CreditRiskThroughTheEngineTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 20, 10, 0, 0, TimeSpan.FromHours(8));
    private static readonly PluginTestHost Host = PluginTestHost.For(new CreditRiskPlugin());

    private static DealSnapshot Deal(Account account, string stage = "negotiation") => new()
    {
        Stage = stage,
        EnteredStageAt = Now.AddDays(-5),
        Opportunity = new Opportunity { Id = "d1", Amount = 1_500_000 },
        Account = account,
    };

    private static Account Overdue(int days) => new() { Id = "a1", CreditRating = "AA", OutstandingBalance = 400_000, OverdueAmount = 200_000, DaysPastDue = days };

    [Fact]
    public void Run_OverdueCustomer_RaisesTheRiskWithAdviceAndNoClearance()
    {
        var run = Host.Run(Deal(Overdue(45)), Now);

        var risk = run.Risk("credit.overdue-balance");
        Assert.NotNull(risk);
        Assert.Equal("customer", risk.Category);
        Assert.Contains("en", risk.Advice!.Keys);
        Assert.False(run.IsMet("credit.cleared"));
        Assert.Empty(run.Incidents);
    }

    [Fact]
    public void Run_WonDeal_RaisesNoOpenDealRiskButStillReportsClearance()
    {
        var clean = new Account { Id = "a1", CreditRating = "AA" };

        Assert.False(Host.Run(Deal(Overdue(45), "after-sales"), Now, stageKind: "won").HasRisk("credit.overdue-balance"));
        Assert.True(Host.Run(Deal(clean, "after-sales"), Now, stageKind: "won").IsMet("credit.cleared"));
    }

    [Fact]
    public void Evaluate_CreditFunctionAsYamlSeesIt_ReportsTheValueRead()
    {
        var run = Host.Evaluate("credit.Score(Account) >= 60", Deal(Overdue(90)), Now); // AA 92 − 15 (half overdue) − 20 (90 days)

        Assert.False(run.Holds);
        Assert.Equal("credit.Score(Account) >= 60", run.FailingTerm);
        Assert.Contains(run.ValuesRead, v => v.Expression == "credit.Score(Account)" && v.Value == "57");
    }

    [Fact]
    public void Check_WrongArgumentOrUnknownFunction_IsALoadErrorWithItsPosition()
    {
        Assert.Empty(Host.Check("credit.Score(Account) >= 60"));
        var wrong = Assert.Single(Host.Check("credit.Score(Opportunity) >= 60"));
        Assert.Contains("Score", wrong.Message, StringComparison.Ordinal);
        Assert.NotEmpty(Host.Check("credit.Scor(Account) >= 60"));
    }

    [Fact]
    public void LoadProcess_GateOnMet_PassesOnlyWhenTheRuleReportsIt()
    {
        var process = Host.LoadProcess("""
            format: 1
            kind: process
            id: credit-gate
            version: 1
            name: Credit gate
            currency: CNY
            plugins: [credit]
            stages:
              - id: negotiation
                name: Negotiation
                probability: 0.8
                exitCriteria:
                  - id: credit-cleared
                    when: Met("credit.cleared")
              - { id: won, name: Won, kind: won, probability: 1 }
              - { id: lost, name: Lost, kind: lost, probability: 0 }
            transitions:
              lossReasons:
                - { id: price }
            """);

        Assert.True(process.Evaluate(Deal(new Account { Id = "a1", CreditRating = "AA" }), Now).Gate.Passed);
        var blocked = process.Evaluate(Deal(Overdue(45)), Now);
        Assert.False(blocked.Gate.Passed);
        Assert.Contains("credit.overdue-balance", process.Explain(Deal(Overdue(45)), Now), StringComparison.Ordinal);
    }

    [Fact]
    public void LoadProcess_WithErrors_ThrowsWithEveryDiagnosticAndItsPosition()
    {
        var error = Assert.Throws<DefinitionException>(() => Host.LoadProcess("format: 1\nkind: process\nid: x\nversion: 1\nname: X\ncurrency: CNY\nplugins: [credt]\nstages: []\n"));

        Assert.Contains("(7,11): error SW1225", error.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean `credit`", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void For_PluginThatThrowsWhileRegistering_ThrowsWithTheEngineDiagnostic()
    {
        var error = Assert.Throws<PluginLoadException>(() => PluginTestHost.For(new Unlicensed()));

        Assert.Contains("SWP005", error.Message, StringComparison.Ordinal);
        Assert.Equal("SWP005", Assert.Single(error.Diagnostics).Code);
    }

    [Fact]
    public void Run_StageIdThatLooksLikeAPlaceholder_StillGetsItsKind()
    {
        var run = Host.Run(Deal(Overdue(45), "open-other"), Now);

        Assert.True(run.HasRisk("credit.overdue-balance"));
        Assert.Throws<ArgumentException>(() => Host.Run(Deal(Overdue(45)), Now, stageKind: "closed"));
    }

    private sealed class Unlicensed : ISalesWorkflowPlugin
    {
        public string Name => "unlicensed";

        public string Version => "1.0.0";

        public void Register(IPluginRegistry registry) => throw new InvalidOperationException("no licence");
    }
}
