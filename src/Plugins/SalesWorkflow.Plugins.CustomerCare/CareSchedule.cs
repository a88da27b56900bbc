using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Plugins.CustomerCare;

/// <summary>A holiday the customer is greeted for, on its date in the process's time zone.</summary>
internal sealed record CareHoliday(string NameEn, string NameZh, DateOnly Date);

/// <summary>The days before a holiday in which the greeting is due: from <see cref="Start"/> (inclusive) to <see cref="End"/> (exclusive).</summary>
internal sealed record GreetingWindow(CareHoliday Holiday, DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// The customer-care duties and their thresholds, as pure functions of the deal's facts. Time is only ever
/// <see cref="DealContext.Now"/>; an activity counts only once it has happened (<c>At &lt;= Now</c>).
/// </summary>
internal static class CareSchedule
{
    /// <summary>The follow-up visit is due within this time of winning the deal.</summary>
    public static readonly TimeSpan FollowUpVisitDue = TimeSpan.FromDays(30);

    /// <summary>The longest a won customer may go without a touch.</summary>
    public static readonly TimeSpan CheckInInterval = TimeSpan.FromDays(90);

    /// <summary>How long a complaint may stay unresolved before it is escalated.</summary>
    public static readonly TimeSpan ComplaintGrace = TimeSpan.FromDays(3);

    /// <summary>Days before a holiday in which its greeting is due.</summary>
    public const int GreetingLeadDays = 14;

    /// <summary>A latest satisfaction score below this (on the 1–5 scale) is a risk.</summary>
    public const int LowSatisfactionBelow = 3;

    /// <summary>Activity kind of a logged holiday greeting.</summary>
    public const string GreetingKind = "greeting";

    /// <summary>
    /// Chinese New Year and New Year's Day (the year-end greeting) of 2026–2028, and New Year's Day 2029 for the
    /// year-end of 2028. Chinese New Year follows the lunar calendar, hence a table; extend it before 2029.
    /// </summary>
    public static readonly CareHoliday[] Holidays =
    [
        new("New Year", "元旦", new DateOnly(2026, 1, 1)),
        new("Chinese New Year", "春节", new DateOnly(2026, 2, 17)),
        new("New Year", "元旦", new DateOnly(2027, 1, 1)),
        new("Chinese New Year", "春节", new DateOnly(2027, 2, 6)),
        new("New Year", "元旦", new DateOnly(2028, 1, 1)),
        new("Chinese New Year", "春节", new DateOnly(2028, 1, 26)),
        new("New Year", "元旦", new DateOnly(2029, 1, 1)),
    ];

    // The follow-up visit: what standard-b2b's first-meeting gate counts as meeting the customer.
    private static readonly HashSet<string> VisitKinds = new(StringComparer.Ordinal) { "visit", "meeting" };

    // A customer touch: the kinds the engine's LastContactAt counts (call, meeting, visit, e-mail, demo).
    private static readonly HashSet<string> TouchKinds = new(StringComparer.Ordinal) { "call", "meeting", "visit", "email", "demo" };

    public static bool IsWon(DealContext deal) => deal.StageKind == "won";

    /// <summary>A visit or meeting since the deal entered its won stage.</summary>
    public static bool IsFollowUpVisit(DealContext deal, Activity activity) =>
        VisitKinds.Contains(activity.Kind) && activity.At >= deal.EnteredStageAt && activity.At <= deal.Now;

    /// <summary>Won more than 30 days ago (exactly 30 days is still on time).</summary>
    public static bool IsFollowUpVisitLate(DealContext deal) =>
        IsWon(deal) && deal.Now - deal.EnteredStageAt > FollowUpVisitDue;

    /// <summary>Won more than 90 days ago: before that, winning the deal itself is the last touch.</summary>
    public static bool IsCheckInExpected(DealContext deal) =>
        IsWon(deal) && deal.Now - deal.EnteredStageAt > CheckInInterval;

    /// <summary>A call, meeting, visit, e-mail or demo in the last 90 days.</summary>
    public static bool IsRecentTouch(DealContext deal, Activity activity) =>
        TouchKinds.Contains(activity.Kind) && IsWithinCheckIn(deal, activity.At);

    /// <summary>A contact spoken to in the last 90 days.</summary>
    public static bool IsRecentTouch(DealContext deal, Contact contact) =>
        contact.LastContactedAt is { } at && IsWithinCheckIn(deal, at);

    /// <summary>The greeting window <see cref="DealContext.Now"/> falls in, or null.</summary>
    public static GreetingWindow? GreetingWindowAt(DealContext deal)
    {
        foreach (var holiday in Holidays)
        {
            var end = Midnight(holiday.Date, deal.Calendar.TimeZone);
            var start = Midnight(holiday.Date.AddDays(-GreetingLeadDays), deal.Calendar.TimeZone);
            if (deal.Now >= start && deal.Now < end)
            {
                return new GreetingWindow(holiday, start, end);
            }
        }

        return null;
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

    private static bool IsWithinCheckIn(DealContext deal, DateTimeOffset at) => at >= deal.Now - CheckInInterval && at <= deal.Now;

    private static DateTimeOffset Midnight(DateOnly date, TimeZoneInfo timeZone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, timeZone.GetUtcOffset(local));
    }
}
