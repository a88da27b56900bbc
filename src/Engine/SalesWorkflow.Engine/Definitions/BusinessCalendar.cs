namespace SalesWorkflow.Engine.Definitions;

/// <summary>
/// Which days count as business days for a process: its time zone, weekend days, public holidays and extra working
/// days (such as the make-up workdays around Chinese public holidays). Immutable and thread-safe.
/// </summary>
public sealed class BusinessCalendar : SalesWorkflow.Sdk.Facts.IBusinessCalendar
{
    internal BusinessCalendar(
        TimeZoneInfo timeZone,
        IReadOnlySet<DayOfWeek> weekend,
        IReadOnlySet<DateOnly> holidays,
        IReadOnlySet<DateOnly> workdays)
    {
        TimeZone = timeZone;
        Weekend = weekend;
        Holidays = holidays;
        Workdays = workdays;

        // The exceptions to "not a weekend day", sorted, so that counting over any span costs two binary searches
        // each, however long the span and however many holidays (a calendar may list 10,000).
        _weekdayHolidays = [.. holidays.Where(d => !weekend.Contains(d.DayOfWeek) && !workdays.Contains(d)).Select(d => d.DayNumber).Order()];
        _weekendWorkdays = [.. workdays.Where(d => weekend.Contains(d.DayOfWeek)).Select(d => d.DayNumber).Order()];
    }

    private readonly int[] _weekdayHolidays;
    private readonly int[] _weekendWorkdays;

    /// <summary>Monday to Friday in UTC, no holidays: the calendar of a process that declares none.</summary>
    public static BusinessCalendar Default { get; } = new(
        TimeZoneInfo.Utc,
        new HashSet<DayOfWeek> { DayOfWeek.Saturday, DayOfWeek.Sunday },
        new HashSet<DateOnly>(),
        new HashSet<DateOnly>());

    /// <summary>The time zone in which days begin and end.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>Days of the week that are not business days.</summary>
    public IReadOnlySet<DayOfWeek> Weekend { get; }

    /// <summary>Dates that are not business days even though they fall on a weekday.</summary>
    public IReadOnlySet<DateOnly> Holidays { get; }

    /// <summary>Dates that are business days even though they fall on a weekend day.</summary>
    public IReadOnlySet<DateOnly> Workdays { get; }

    /// <summary>The calendar date of a moment in this calendar's time zone.</summary>
    public DateOnly DateOf(DateTimeOffset moment) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(moment, TimeZone).DateTime);

    /// <summary>True when <paramref name="day"/> is a business day.</summary>
    public bool IsBusinessDay(DateOnly day) =>
        Workdays.Contains(day) || (!Weekend.Contains(day.DayOfWeek) && !Holidays.Contains(day));

    /// <summary>
    /// The moment <paramref name="days"/> business days after <paramref name="start"/>, at the same local time of day.
    /// </summary>
    public DateTimeOffset AddBusinessDays(DateTimeOffset start, int days)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(days);
        var local = TimeZoneInfo.ConvertTime(start, TimeZone);
        var date = DateOnly.FromDateTime(local.DateTime);
        var counted = 0;
        while (counted < days)
        {
            date = date.AddDays(1);
            if (IsBusinessDay(date))
            {
                counted++;
            }
        }

        var localResult = date.ToDateTime(TimeOnly.FromDateTime(local.DateTime));
        return new DateTimeOffset(localResult, TimeZone.GetUtcOffset(localResult));
    }

    /// <summary>Business days after the date of <paramref name="start"/> up to and including the date of <paramref name="until"/>.</summary>
    public int BusinessDaysBetween(DateTimeOffset start, DateTimeOffset until)
    {
        var first = DateOf(start);
        var last = DateOf(until);
        if (last <= first)
        {
            return 0;
        }

        // Days that are not weekend days, by whole weeks and then the few days left; then the holidays on such days
        // taken away and the working weekend days added, each counted by binary search. Constant time in the span.
        var days = last.DayNumber - first.DayNumber;
        var count = days / 7 * (7 - Weekend.Count);
        for (var date = first.AddDays(days / 7 * 7); date < last;)
        {
            date = date.AddDays(1);
            count += Weekend.Contains(date.DayOfWeek) ? 0 : 1;
        }

        return count - CountIn(_weekdayHolidays, first.DayNumber, last.DayNumber) + CountIn(_weekendWorkdays, first.DayNumber, last.DayNumber);
    }

    /// <summary>How many of the sorted day numbers lie after <paramref name="after"/> up to and including <paramref name="upTo"/>.</summary>
    private static int CountIn(int[] sorted, int after, int upTo) => UpperBound(sorted, upTo) - UpperBound(sorted, after);

    /// <summary>The index of the first element greater than <paramref name="value"/>.</summary>
    private static int UpperBound(int[] sorted, int value)
    {
        var index = Array.BinarySearch(sorted, value);
        return index >= 0 ? index + 1 : ~index;
    }
}
