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
    }

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

        // Whole weeks first so that a year-long span costs a few dozen iterations, not hundreds.
        var days = last.DayNumber - first.DayNumber;
        var count = 0;
        var date = first;
        if (Holidays.Count == 0 && Workdays.Count == 0 && days > 14)
        {
            var weeks = (days - 7) / 7;
            count += weeks * (7 - Weekend.Count);
            date = date.AddDays(weeks * 7);
        }

        while (date < last)
        {
            date = date.AddDays(1);
            if (IsBusinessDay(date))
            {
                count++;
            }
        }

        return count;
    }
}
