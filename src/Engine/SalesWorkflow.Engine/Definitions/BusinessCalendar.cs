namespace SalesWorkflow.Engine.Definitions;

/// <summary>
/// Which days count as business days for a process: its time zone, weekend days, public holidays and extra working
/// days (such as the make-up workdays around Chinese public holidays), and the working hours of a business day (for
/// business-hour durations). Immutable and thread-safe.
/// </summary>
public sealed class BusinessCalendar : SalesWorkflow.Sdk.Facts.IBusinessCalendar
{
    /// <summary>When a business day opens unless the calendar says otherwise.</summary>
    public static readonly TimeOnly DefaultOpens = new(9, 0);

    /// <summary>When a business day closes unless the calendar says otherwise.</summary>
    public static readonly TimeOnly DefaultCloses = new(18, 0);

    // Counting stops this far ahead: a calendar whose business days run out (every day a weekend day, make-up workdays
    // only in the past) gives a moment this far away instead of counting forever.
    private const int MaxDaysAhead = 40 * 366;

    internal BusinessCalendar(
        TimeZoneInfo timeZone,
        IReadOnlySet<DayOfWeek> weekend,
        IReadOnlySet<DateOnly> holidays,
        IReadOnlySet<DateOnly> workdays,
        TimeOnly? opens = null,
        TimeOnly? closes = null)
    {
        TimeZone = timeZone;
        Weekend = weekend;
        Holidays = holidays;
        Workdays = workdays;
        Opens = opens ?? DefaultOpens;
        Closes = closes ?? DefaultCloses;

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

    /// <summary>When a business day's working hours begin, local time.</summary>
    public TimeOnly Opens { get; }

    /// <summary>When a business day's working hours end, local time.</summary>
    public TimeOnly Closes { get; }

    /// <summary>The length of a business day's working hours.</summary>
    public TimeSpan WorkingHoursPerDay => Closes - Opens;

    /// <summary>Reads working hours written <c>HH:mm-HH:mm</c> (24-hour clock, opening before closing).</summary>
    public static bool TryParseWorkingHours(string text, out TimeOnly opens, out TimeOnly closes)
    {
        opens = closes = default;
        var parts = (text ?? string.Empty).Split('-');
        return parts.Length == 2
            && TimeOnly.TryParseExact(parts[0].Trim(), "HH:mm", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out opens)
            && TimeOnly.TryParseExact(parts[1].Trim(), "HH:mm", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out closes)
            && opens < closes;
    }

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
        for (var looked = 0; counted < days && looked < MaxDaysAhead; looked++)
        {
            date = date.AddDays(1);
            if (IsBusinessDay(date))
            {
                counted++;
            }
        }

        return Moment(date.ToDateTime(TimeOnly.FromDateTime(local.DateTime)));
    }

    /// <summary>
    /// The moment <paramref name="hours"/> working hours after <paramref name="start"/>: only the working hours
    /// (<see cref="Opens"/> to <see cref="Closes"/>) of business days count, so 4 business hours from Friday 16:00 end on
    /// the next business day at 11:00 with the default hours. A start outside working hours counts from the next opening.
    /// </summary>
    public DateTimeOffset AddBusinessHours(DateTimeOffset start, int hours)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(hours);
        var local = TimeZoneInfo.ConvertTime(start, TimeZone).DateTime;
        if (hours == 0)
        {
            return start;
        }

        var remaining = TimeSpan.FromHours(hours);
        var date = DateOnly.FromDateTime(local);
        for (var looked = 0; looked < MaxDaysAhead; looked++, date = date.AddDays(1))
        {
            if (!IsBusinessDay(date))
            {
                continue;
            }

            var opens = date.ToDateTime(Opens);
            var closes = date.ToDateTime(Closes);
            var from = local > opens ? local : opens;
            if (from >= closes)
            {
                continue;
            }

            if (closes - from >= remaining)
            {
                return Moment(from + remaining);
            }

            remaining -= closes - from;
        }

        return Moment(date.ToDateTime(Closes));
    }

    /// <summary>A local time of this calendar as a moment (with the offset the zone has then).</summary>
    private DateTimeOffset Moment(DateTime local) => new(local, TimeZone.GetUtcOffset(local));

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
