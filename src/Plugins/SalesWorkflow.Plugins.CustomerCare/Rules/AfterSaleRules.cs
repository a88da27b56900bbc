using NRules.Fluent.Dsl;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Plugins.CustomerCare.Rules;

// Care touches owed to a customer after the sale: they apply only while the deal is in a won stage.

/// <summary>Raises <c>customer-care.follow-up-visit-overdue</c>: won more than 30 days ago, no visit or meeting since.</summary>
[Name(CustomerCareIds.FollowUpVisitOverdue)]
[Description("Won deal: more than 30 days since it entered the won stage and no visit or meeting activity since then.")]
public sealed class FollowUpVisitOverdueRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        DealContext deal = null!;
        When()
            .Match(() => deal, d => CareSchedule.IsFollowUpVisitLate(d))
            .Not<Activity>(a => CareSchedule.IsFollowUpVisit(deal, a));
        Then().Yield(_ => CareRisks.FollowUpVisitOverdue());
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

/// <summary>Raises <c>customer-care.check-in-overdue</c>: a won customer not touched for more than 90 days.</summary>
[Name(CustomerCareIds.CheckInOverdue)]
[Description("Won deal: won more than 90 days ago and no call, meeting, visit, email or demo activity, nor a contact's LastContactedAt, in the last 90 days.")]
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
        Then().Yield(_ => CareRisks.CheckInOverdue());
    }
}

/// <summary>Raises <c>customer-care.holiday-greeting-due</c> (low): a holiday is less than 14 days away and no greeting was logged for it.</summary>
[Name(CustomerCareIds.HolidayGreetingDue)]
[Description("Won deal: within the 14 days before New Year's Day or Chinese New Year (2026-2028) and no greeting activity logged in that window.")]
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
