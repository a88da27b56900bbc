using NRules.Fluent.Dsl;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Plugins.CustomerCare.Rules;

// Care touches owed to a customer after the sale: they apply only while the deal is in a won stage.

/// <summary>Raises <c>customer-care.follow-up-visit-overdue</c>: won longer ago than <c>care.followUpVisit</c> (30 days by default), no visit or meeting since.</summary>
[Name(CustomerCareIds.FollowUpVisitOverdue)]
[Description("Won deal: longer since it entered the won stage than care.followUpVisit (default 30d) and no visit or meeting activity since then.")]
public sealed class FollowUpVisitOverdueRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        DealContext deal = null!;
        When()
            .Match(() => deal, d => CareSchedule.IsFollowUpVisitLate(d))
            .Not<Activity>(a => CareSchedule.IsFollowUpVisit(deal, a));
        Then().Yield(_ => CareRisks.FollowUpVisitOverdue(deal.Care.FollowUpVisit));
    }
}

/// <summary>Reports <c>customer-care.follow-up-visit-done</c>: a visit or meeting took place since the deal was won.</summary>
[Name(CustomerCareIds.FollowUpVisitDone)]
[Description("Won deal: a visit or meeting activity took place since it entered the won stage.")]
public sealed class FollowUpVisitDoneRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        DealContext deal = null!;
        When()
            .Match(() => deal, d => CareSchedule.IsWon(d))
            .Exists<Activity>(a => CareSchedule.IsFollowUpVisit(deal, a));
        Then().Yield(_ => new CriterionMet(CustomerCareIds.FollowUpVisitDone));
    }
}

/// <summary>Raises <c>customer-care.check-in-overdue</c>: a won customer not touched for longer than its tier's check-in cadence (90 days by default).</summary>
[Name(CustomerCareIds.CheckInOverdue)]
[Description("Won deal: won longer ago than care.checkIn (default 90d, per account tier) and no call, meeting, visit, email or demo activity, nor a contact's LastContactedAt, within it.")]
public sealed class CheckInOverdueRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        DealContext deal = null!;
        When()
            .Match(() => deal, d => CareSchedule.IsCheckInExpected(d))
            .Not<Activity>(a => CareSchedule.IsRecentTouch(deal, a))
            .Not<Contact>(c => CareSchedule.IsRecentTouch(deal, c));
        Then().Yield(_ => CareRisks.CheckInOverdue(deal.Care.CheckIn));
    }
}

/// <summary>Raises <c>customer-care.holiday-greeting-due</c> (low): a greeting day of <c>care.greetings</c> is near and no greeting was logged for it.</summary>
[Name(CustomerCareIds.HolidayGreetingDue)]
[Description("Won deal: inside the greeting window of a day in care.greetings (before, default 14d, up to the last business day before it) and no greeting activity logged in that window.")]
public sealed class HolidayGreetingDueRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        DealContext deal = null!;
        When()
            .Match(() => deal, d => CareSchedule.IsGreetingDue(d))
            .Not<Activity>(a => CareSchedule.IsGreetingForCurrentHoliday(deal, a));
        Then().Yield(_ => CareRisks.HolidayGreetingDue(CareSchedule.GreetingWindowAt(deal)!));
    }
}
