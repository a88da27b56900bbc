using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Plugins.CustomerCare;

/// <summary>
/// A greeting day's greeting period: from <see cref="Start"/> (inclusive) to <see cref="End"/> (exclusive), the end of
/// the last business day before the day.
/// </summary>
internal sealed record GreetingWindow(CareOccasion Occasion, DateOnly Date, DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// The customer-care duties and their thresholds, as pure functions of the deal's facts and the process's
/// <c>care:</c> (<see cref="DealContext.Care"/>). Time is only ever <see cref="DealContext.Now"/>; an activity counts
/// only once it has happened (<c>At &lt;= Now</c>).
/// </summary>
internal static class CareSchedule
{
    /// <summary>How long a complaint may stay unresolved before it is escalated.</summary>
    public static readonly TimeSpan ComplaintGrace = TimeSpan.FromDays(3);

    /// <summary>A latest satisfaction score below this (on the 1–5 scale) is a risk.</summary>
    public const int LowSatisfactionBelow = 3;

    /// <summary>Activity kind of a logged holiday greeting.</summary>
    public const string GreetingKind = "greeting";

    // A greeting is due before its day; a run of holidays longer than this before it is a calendar that makes no sense.
    private const int MaxDaysBackToABusinessDay = 60;

    // The follow-up visit: what standard-b2b's first-meeting gate counts as meeting the customer.
    private static readonly HashSet<string> VisitKinds = new(StringComparer.Ordinal) { "visit", "meeting" };

    // A customer touch: the kinds the engine's LastContactAt counts (call, meeting, visit, e-mail, demo).
    private static readonly HashSet<string> TouchKinds = new(StringComparer.Ordinal) { "call", "meeting", "visit", "email", "demo" };

    public static bool IsWon(DealContext deal) => deal.StageKind == "won";

    /// <summary>A visit or meeting since the deal entered its won stage.</summary>
    public static bool IsFollowUpVisit(DealContext deal, Activity activity) =>
        VisitKinds.Contains(activity.Kind) && activity.At >= deal.EnteredStageAt && activity.At <= deal.Now;

    /// <summary>The follow-up visit's due moment: <c>care.followUpVisit</c> after the win (30 days by default).</summary>
    public static DateTimeOffset FollowUpVisitDueAt(DealContext deal) => deal.Care.FollowUpVisit.After(deal.EnteredStageAt, deal.Calendar);

    /// <summary>Won longer ago than the follow-up visit allows (exactly at the due moment is still on time).</summary>
    public static bool IsFollowUpVisitLate(DealContext deal) => IsWon(deal) && deal.Now > FollowUpVisitDueAt(deal);

    /// <summary>Won longer ago than the check-in cadence: before that, winning the deal itself is the last touch.</summary>
    public static bool IsCheckInExpected(DealContext deal) => IsWon(deal) && deal.Now > deal.Care.CheckIn.After(deal.EnteredStageAt, deal.Calendar);

    /// <summary>A call, meeting, visit, e-mail or demo within the check-in cadence before now.</summary>
    public static bool IsRecentTouch(DealContext deal, Activity activity) =>
        TouchKinds.Contains(activity.Kind) && IsWithinCheckIn(deal, activity.At);

    /// <summary>A contact spoken to within the check-in cadence before now.</summary>
    public static bool IsRecentTouch(DealContext deal, Contact contact) =>
        contact.LastContactedAt is { } at && IsWithinCheckIn(deal, at);

    /// <summary>
    /// The greeting window <see cref="DealContext.Now"/> falls in, or null. A day's greeting is due from
    /// <c>care.greetings.before</c> ahead of the day until the end of the last business day before it, so a
    /// greeting for Chinese New Year is sent before the holiday week starts, not during it.
    /// </summary>
    public static GreetingWindow? GreetingWindowAt(DealContext deal)
    {
        var zone = deal.Calendar.TimeZone;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(deal.Now, zone).DateTime);
        var wonOn = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(deal.EnteredStageAt, zone).DateTime);
        GreetingWindow? soonest = null;
        foreach (var occasion in deal.Care.Occasions)
        {
            if (occasion.Next(today, wonOn) is not { } date)
            {
                continue;
            }

            var lastDay = LastBusinessDayBefore(date, deal.Calendar);
            var start = Midnight(deal.Care.GreetingLead.Before(lastDay.AddDays(1), deal.Calendar), zone);
            var end = Midnight(lastDay.AddDays(1), zone);
            if (deal.Now >= start && deal.Now < end && (soonest is null || date < soonest.Date))
            {
                soonest = new GreetingWindow(occasion, date, start, end);
            }
        }

        return soonest;
    }

    /// <summary>True when a greeting is due now (a won deal inside a greeting window).</summary>
    public static bool IsGreetingDue(DealContext deal) => IsWon(deal) && GreetingWindowAt(deal) is not null;

    /// <summary>A greeting logged inside the current greeting window.</summary>
    public static bool IsGreetingForCurrentHoliday(DealContext deal, Activity activity) =>
        activity.Kind == GreetingKind && GreetingWindowAt(deal) is { } window && activity.At >= window.Start && activity.At < window.End;

    /// <summary>
    /// An unresolved complaint older than 3 days (exactly 3 days is still in time). A complaint without a date counts
    /// as old, as "never" does in the engine's <c>DaysSince</c>.
    /// </summary>
    public static bool IsOverdueComplaint(DealContext deal, Feedback feedback) =>
        feedback.IsComplaint && !feedback.Resolved && (feedback.At is not { } at || deal.Now - at > ComplaintGrace);

    /// <summary>
    /// The latest satisfaction score on the 1–5 scale, or null when none. Latest by <see cref="Feedback.At"/> (undated
    /// feedback is older than any dated one); among equally recent scores the lowest, so that the order facts arrive in
    /// never matters. Scores outside 1–5 are not scores and are skipped.
    /// </summary>
    public static int? LatestSatisfaction(IEnumerable<Feedback> feedback)
    {
        int? latest = null;
        DateTimeOffset? latestAt = null;
        foreach (var item in feedback)
        {
            if (item.Satisfaction is not { } score || score is < 1 or > 5)
            {
                continue;
            }

            var order = latest is null ? 1 : Nullable.Compare(item.At, latestAt);
            if (order > 0 || (order == 0 && score < latest))
            {
                latest = score;
                latestAt = item.At;
            }
        }

        return latest;
    }

    /// <summary>True when the latest satisfaction score is below 3.</summary>
    public static bool IsLowSatisfaction(IEnumerable<Feedback> feedback) => LatestSatisfaction(feedback) < LowSatisfactionBelow;

    private static bool IsWithinCheckIn(DealContext deal, DateTimeOffset at) => at <= deal.Now && deal.Care.CheckIn.After(at, deal.Calendar) >= deal.Now;

    private static DateOnly LastBusinessDayBefore(DateOnly date, IBusinessCalendar calendar)
    {
        var day = date.AddDays(-1);
        for (var looked = 0; !calendar.IsBusinessDay(day) && looked < MaxDaysBackToABusinessDay; looked++)
        {
            day = day.AddDays(-1);
        }

        return calendar.IsBusinessDay(day) ? day : date.AddDays(-1);
    }

    private static DateTimeOffset Midnight(DateOnly date, TimeZoneInfo timeZone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, timeZone.GetUtcOffset(local));
    }
}
