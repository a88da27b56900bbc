namespace SalesWorkflow.Plugins.CustomerCare;

/// <summary>
/// Ids of what the <c>customer-care</c> plugin reports: read them in YAML with <c>Met("…")</c> and
/// <c>HasRisk("…")</c>.
/// </summary>
public static class CustomerCareIds
{
    /// <summary>Risk: won longer ago than <c>care.followUpVisit</c> (30 days by default) and no visit or meeting since.</summary>
    public const string FollowUpVisitOverdue = "customer-care.follow-up-visit-overdue";

    /// <summary>Criterion: a visit or meeting took place since the deal was won.</summary>
    public const string FollowUpVisitDone = "customer-care.follow-up-visit-done";

    /// <summary>Risk: no customer touch within the check-in cadence of the account's tier (90 days by default).</summary>
    public const string CheckInOverdue = "customer-care.check-in-overdue";

    /// <summary>Risk (low): a greeting day of <c>care.greetings</c> is near and no greeting was logged for it.</summary>
    public const string HolidayGreetingDue = "customer-care.holiday-greeting-due";

    /// <summary>Risk (high): a complaint has been unresolved for more than 3 days.</summary>
    public const string UnresolvedComplaint = "customer-care.unresolved-complaint";

    /// <summary>Risk: the latest satisfaction score is below 3 (of 5).</summary>
    public const string LowSatisfaction = "customer-care.low-satisfaction";
}
