using System.Globalization;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Plugins.CustomerCare.Rules;

/// <summary>The risks the customer-care rules raise, with their weight and advice in English and Chinese.</summary>
internal static class CareRisks
{
    public static RiskRaised FollowUpVisitOverdue(CareInterval due) => new(CustomerCareIds.FollowUpVisitOverdue)
    {
        Category = "customer",
        Severity = RiskSeverity.Medium,
        Weight = 10,
        Advice =
        {
            ["en"] = $"The deal was won more than {English(due)} ago and no visit or meeting has been logged since; visit the customer to check that delivery is going well.",
            ["zh"] = $"签约已超过{Chinese(due)}仍未回访：请上门拜访或与客户开会，了解交付进展和客户感受。",
        },
    };

    public static RiskRaised CheckInOverdue(CareInterval cadence) => new(CustomerCareIds.CheckInOverdue)
    {
        Category = "customer",
        Severity = RiskSeverity.Medium,
        Weight = 10,
        Advice =
        {
            ["en"] = $"Nobody has called, met, visited, e-mailed or demoed to the customer for more than {English(cadence)}; schedule the check-in.",
            ["zh"] = $"超过{Chinese(cadence)}未与客户沟通（电话、会议、拜访、邮件或演示）：请安排回访。",
        },
    };

    public static RiskRaised HolidayGreetingDue(GreetingWindow window) => new(CustomerCareIds.HolidayGreetingDue)
    {
        Category = "customer",
        Severity = RiskSeverity.Low,
        Weight = 5,
        Advice =
        {
            ["en"] = string.Create(
                CultureInfo.InvariantCulture,
                $"{Name(window.Occasion, "en")} is on {window.Date:yyyy-MM-dd}; send the customer a greeting before then and log it as a \"greeting\" activity."),
            ["zh"] = string.Create(
                CultureInfo.InvariantCulture,
                $"{Name(window.Occasion, "zh")}（{window.Date:yyyy-MM-dd}）将至：请在节前向客户致以节日问候，并记录为 greeting 活动。"),
        },
    };

    public static RiskRaised UnresolvedComplaint() => new(CustomerCareIds.UnresolvedComplaint)
    {
        Category = "customer",
        Severity = RiskSeverity.High,
        Weight = 15,
        Advice =
        {
            ["en"] = "A customer complaint has been unresolved for more than 3 days; escalate it to the manager, agree a fix with the customer and mark it resolved.",
            ["zh"] = "客户投诉超过3天仍未解决：请上报经理，与客户商定解决方案，解决后在系统中标记为已解决。",
        },
    };

    public static RiskRaised LowSatisfaction(int score) => new(CustomerCareIds.LowSatisfaction)
    {
        Category = "customer",
        Severity = RiskSeverity.Medium,
        Weight = 10,
        Advice =
        {
            ["en"] = string.Create(
                CultureInfo.InvariantCulture,
                $"The customer's latest satisfaction score is {score} of 5; call them to understand why and agree an improvement plan."),
            ["zh"] = string.Create(
                CultureInfo.InvariantCulture,
                $"客户最近一次满意度评分为 {score} 分（满分5分）：请致电了解原因，并与客户商定改进计划。"),
        },
    };

    // "30 days", "20 business days": the advice says the threshold the process declares.
    private static string English(CareInterval interval) =>
        string.Create(CultureInfo.InvariantCulture, $"{interval.Days} {(interval.BusinessDays ? "business " : string.Empty)}day{(interval.Days == 1 ? string.Empty : "s")}");

    private static string Chinese(CareInterval interval) =>
        string.Create(CultureInfo.InvariantCulture, $"{interval.Days}{(interval.BusinessDays ? "个工作日" : "天")}");

    // The day's name in the language, else its single-string name, else its id.
    private static string Name(CareOccasion occasion, string language) =>
        occasion.Name.GetValueOrDefault(language) ?? occasion.Name.GetValueOrDefault(string.Empty) ?? occasion.Name.Values.FirstOrDefault() ?? occasion.Id;
}
