using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Tests;
using Snapshooter;
using Snapshooter.Xunit;

namespace SalesWorkflow.Engine.Tests.Evaluation;

public sealed class EvaluationExplainerTests
{
    private static (ProcessDefinition Process, DealSnapshot Deal, DealEvaluation Evaluation) BlockedDeal()
    {
        var set = FirstPartyPlugins.Loader().Load([RepoPaths.Definitions]);
        var suite = set.TestSuites.Single(s => s.Process!.Id == "standard-b2b");
        var test = suite.Cases.Single(c => c.Name.StartsWith("needs analysis without budget", StringComparison.Ordinal));
        var compiled = CompiledProcess.Compile(suite.Process!);
        var deal = ProcessTestRunner.Snapshot(test.Given);
        return (suite.Process!, deal, DealEvaluator.Evaluate(compiled, deal, test.Given.Now));
    }

    [Theory]
    [InlineData("en")]
    [InlineData("zh")]
    public void Explain_BlockedDeal_NamesFailingCriteriaValuesRisksAndEscalations(string language)
    {
        var (process, deal, evaluation) = BlockedDeal();

        var text = EvaluationExplainer.Explain(process, deal, evaluation, language);

        Snapshot.Match(text, SnapshotNameExtension.Create(language));
    }

    [Fact]
    public void Explain_BlockedDeal_SaysWhyInPlainWords()
    {
        var (process, deal, evaluation) = BlockedDeal();

        var text = EvaluationExplainer.Explain(process, deal, evaluation);

        Assert.Contains("Can it move on? No — 2 of 3 exit criteria fail and 1 required checklist item is not done.", text, StringComparison.Ordinal);
        Assert.Contains("because: Opportunity.budgetConfirmed = false", text, StringComparison.Ordinal);
        Assert.Contains("what to do:", text, StringComparison.Ordinal);
        Assert.Contains("stalled-deal level 2 of 3 → notify owner, manager", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zh")]
    [InlineData("zh-CN")]
    public void Explain_InChinese_TheExplanationsOwnWordsAreChineseToo(string language)
    {
        var (process, deal, evaluation) = BlockedDeal();

        var text = EvaluationExplainer.Explain(process, deal, evaluation, language);

        Assert.Contains("可以推进吗？不可以——3 项退出标准中有 2 项未满足，且1 项必做清单未完成。", text, StringComparison.Ordinal);
        Assert.Contains("原因：Opportunity.budgetConfirmed = false", text, StringComparison.Ordinal);
        Assert.Contains("stalled-deal 第 2/3 级 → 通知 owner, manager", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Can it move on", text, StringComparison.Ordinal);
        Assert.DoesNotContain("what to do", text, StringComparison.Ordinal);
    }
}
