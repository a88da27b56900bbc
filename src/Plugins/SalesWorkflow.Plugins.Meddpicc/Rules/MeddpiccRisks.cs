using System.Globalization;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Plugins.Meddpicc.Rules;

/// <summary>The risks the gap rules raise, with their weight and advice in English and Chinese.</summary>
internal static class MeddpiccRisks
{
    private static readonly Dictionary<string, (string En, string Zh)> ElementNames = new(StringComparer.Ordinal)
    {
        ["metrics"] = ("metrics", "量化收益"),
        ["economic-buyer"] = ("economic buyer", "经济决策人"),
        ["decision-criteria"] = ("decision criteria", "决策标准"),
        ["decision-process"] = ("decision process", "决策流程"),
        ["paper-process"] = ("paper process", "合同审批流程"),
        ["pain"] = ("pain", "业务痛点"),
        ["champion"] = ("champion", "内部支持者"),
        ["competition"] = ("competition", "竞争态势"),
    };

    // Same category, severity and weight as the pack's no-champion risk: a process that imports the pack as
    // "meddpicc" gets the same risk, with the same id, from both.
    public static RiskRaised NoChampion() => new(MeddpiccIds.NoChampion)
    {
        Category = "customer",
        Severity = RiskSeverity.High,
        Weight = 15,
        Advice =
        {
            ["en"] = "The deal is past needs analysis and has no champion; find the person who gains most from the project and develop them into one.",
            ["zh"] = "商机已过需求分析阶段仍没有内部支持者：找出从项目中受益最大的人，并培养其成为教练。",
        },
    };

    public static RiskRaised NoEconomicBuyer() => new(MeddpiccIds.NoEconomicBuyer)
    {
        Category = "customer",
        Severity = RiskSeverity.High,
        Weight = 15,
        Advice =
        {
            ["en"] = "The deal is in proposal or later and the economic buyer is not engaged; ask the champion or an executive sponsor to introduce you to whoever signs off the budget before negotiating price.",
            ["zh"] = "商机已进入方案或谈判阶段，仍未接触经济决策人：请内部支持者或高层引荐掌握预算审批权的人，再进行价格谈判。",
        },
    };

    public static RiskRaised LowScore(DealContext deal, Opportunity opportunity, IEnumerable<Contact> contacts)
    {
        var score = MeddpiccAssessment.Score(opportunity, contacts);
        var required = MeddpiccAssessment.RequiredScore(deal.Stage, opportunity.ProbabilityOverride);
        var missing = MeddpiccAssessment.Missing(opportunity, contacts).Split(',', StringSplitOptions.RemoveEmptyEntries);
        var closing = required >= MeddpiccAssessment.ClosingScore;
        return new RiskRaised(MeddpiccIds.LowScore)
        {
            Category = "customer",
            Severity = closing ? RiskSeverity.High : RiskSeverity.Medium,
            Weight = closing ? 15 : 10,
            Advice =
            {
                ["en"] = string.Create(
                    CultureInfo.InvariantCulture,
                    $"Only {score} of 8 MEDDPICC elements are qualified where {required} are expected at this point of the funnel; qualify the missing ones: {string.Join(", ", missing.Select(m => ElementNames[m].En))}."),
                ["zh"] = string.Create(
                    CultureInfo.InvariantCulture,
                    $"MEDDPICC 八要素仅满足 {score} 项，当前销售阶段应至少满足 {required} 项：请补齐{string.Join("、", missing.Select(m => ElementNames[m].Zh))}。"),
            },
        };
    }
}
