namespace SalesWorkflow.Sdk.Facts;

/// <summary>
/// A length of after-sales care time from the process's <c>care:</c>: whole calendar days (<c>30d</c>) or business
/// days of the process calendar (<c>20bd</c>).
/// </summary>
/// <param name="Days">The number of days.</param>
/// <param name="BusinessDays">True when <paramref name="Days"/> counts business days of the process calendar.</param>
public readonly record struct CareInterval(int Days, bool BusinessDays)
{
    // A calendar whose business days never come (every day a weekend) must not make counting loop for ever.
    private const int MaxDaysLooked = 366 * 40;

    /// <summary>The moment this interval after <paramref name="start"/>.</summary>
    public DateTimeOffset After(DateTimeOffset start, IBusinessCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        return BusinessDays ? calendar.AddBusinessDays(start, Days) : start.AddDays(Days);
    }

    /// <summary>The day this interval before the day <paramref name="end"/> (for business days, the business day that many before it).</summary>
    public DateOnly Before(DateOnly end, IBusinessCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        if (!BusinessDays)
        {
            return end.AddDays(-Days);
        }

        var day = end;
        for (int counted = 0, looked = 0; counted < Days && looked < MaxDaysLooked; looked++)
        {
            day = day.AddDays(-1);
            if (calendar.IsBusinessDay(day))
            {
                counted++;
            }
        }

        return day;
    }

    /// <inheritdoc />
    public override string ToString() => Days.ToString(System.Globalization.CultureInfo.InvariantCulture) + (BusinessDays ? "bd" : "d");
}

/// <summary>
/// A day the customer is greeted for: a holiday on fixed dates (<c>dates:</c>, for lunar holidays such as Chinese New
/// Year), the same day every year (<c>every: 01-01</c>), or each anniversary of the win.
/// </summary>
public sealed class CareOccasion
{
    private readonly DateOnly[] _dates;

    private CareOccasion(string id, IReadOnlyDictionary<string, string> name, DateOnly[] dates, int month, int day, bool winAnniversary)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(name);
        Id = id;
        Name = name;
        _dates = dates;
        Month = month;
        Day = day;
        IsWinAnniversary = winAnniversary;
    }

    /// <summary>The occasion's id in the process.</summary>
    public string Id { get; }

    /// <summary>Its name by language.</summary>
    public IReadOnlyDictionary<string, string> Name { get; }

    /// <summary>The fixed dates, in order; empty for a yearly occasion.</summary>
    public IReadOnlyList<DateOnly> Dates => _dates;

    /// <summary>The month of a yearly occasion (1–12), or 0.</summary>
    public int Month { get; }

    /// <summary>The day of the month of a yearly occasion, or 0.</summary>
    public int Day { get; }

    /// <summary>True for the anniversary of the day the deal was won.</summary>
    public bool IsWinAnniversary { get; }

    /// <summary>An occasion on the given dates.</summary>
    public static CareOccasion OnDates(string id, IReadOnlyDictionary<string, string> name, IEnumerable<DateOnly> dates)
    {
        ArgumentNullException.ThrowIfNull(dates);
        return new(id, name, [.. dates.Distinct().Order()], 0, 0, winAnniversary: false);
    }

    /// <summary>An occasion on the same day every year. February 29 is refused: it is not a day every year.</summary>
    public static CareOccasion Yearly(string id, IReadOnlyDictionary<string, string> name, int month, int day)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(month, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(month, 12);
        ArgumentOutOfRangeException.ThrowIfLessThan(day, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(day, month == 2 ? 28 : DateTime.DaysInMonth(2001, month));
        return new(id, name, [], month, day, winAnniversary: false);
    }

    /// <summary>Each anniversary of the day the deal was won.</summary>
    public static CareOccasion AnniversaryOfWin(string id, IReadOnlyDictionary<string, string> name) => new(id, name, [], 0, 0, winAnniversary: true);

    /// <summary>
    /// The first date of the occasion on or after <paramref name="from"/>, or null when there is none (fixed dates
    /// all past). <paramref name="wonOn"/> is the day the deal was won, for an anniversary; the day of the win itself is
    /// not one.
    /// </summary>
    public DateOnly? Next(DateOnly from, DateOnly? wonOn = null)
    {
        if (IsWinAnniversary)
        {
            if (wonOn is not { } won)
            {
                return null;
            }

            var years = Math.Max(1, from.Year - won.Year);
            for (var tries = 0; tries < 2; tries++, years++)
            {
                // An anniversary of February 29 falls on February 28 in other years.
                var year = won.Year + years;
                if (year > DateOnly.MaxValue.Year - 1)
                {
                    return null;
                }

                var date = new DateOnly(year, won.Month, Math.Min(won.Day, DateTime.DaysInMonth(year, won.Month)));
                if (date >= from)
                {
                    return date;
                }
            }

            return null;
        }

        if (Month > 0)
        {
            var date = new DateOnly(from.Year, Month, Day);
            return date >= from ? date : from.Year < DateOnly.MaxValue.Year ? date.AddYears(1) : null;
        }

        var index = Array.BinarySearch(_dates, from);
        index = index >= 0 ? index : ~index;
        return index < _dates.Length ? _dates[index] : null;
    }
}

/// <summary>
/// The after-sales care a process owes a won customer, from its <c>care:</c> (the defaults when it declares none): the
/// follow-up visit after the win, the check-in cadence for the deal's account tier, and the days the customer is
/// greeted for. The engine resolves it for each deal; C# rules read it as <see cref="DealContext.Care"/>.
/// </summary>
public sealed class CarePlan
{
    /// <summary>The defaults: a visit within 30 days of the win, a check-in every 90 days, greetings 14 days ahead, no greeting days.</summary>
    public static CarePlan Default { get; } = new();

    /// <summary>How soon after the win the customer is visited.</summary>
    public CareInterval FollowUpVisit { get; init; } = new(30, false);

    /// <summary>The longest the customer may go without a touch, for the deal's account tier.</summary>
    public CareInterval CheckIn { get; init; } = new(90, false);

    /// <summary>How long before a greeting day its greeting is due.</summary>
    public CareInterval GreetingLead { get; init; } = new(14, false);

    /// <summary>The days the customer is greeted for.</summary>
    public IReadOnlyList<CareOccasion> Occasions { get; init; } = [];
}
