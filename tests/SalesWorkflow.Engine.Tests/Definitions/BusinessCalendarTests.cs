using CsCheck;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Tests.Generators;

namespace SalesWorkflow.Engine.Tests.Definitions;

public sealed class BusinessCalendarTests
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    [Fact]
    public void IsBusinessDay_MakeUpWorkdayOnSaturday_IsBusinessDay()
    {
        var calendar = TestCalendars.China2026();

        Assert.True(calendar.IsBusinessDay(new DateOnly(2026, 10, 10)));
        Assert.False(calendar.IsBusinessDay(new DateOnly(2026, 10, 1)));
        Assert.False(calendar.IsBusinessDay(new DateOnly(2026, 10, 11)));
    }

    [Fact]
    public void BusinessDaysBetween_AcrossNationalHoliday_CountsOnlyWorkdays()
    {
        var calendar = TestCalendars.China2026();

        // After Wed 30 Sep up to Mon 12 Oct: Thu 8, Fri 9, Sat 10 (make-up), Mon 12.
        var days = calendar.BusinessDaysBetween(new DateTimeOffset(2026, 9, 30, 10, 0, 0, Beijing), new DateTimeOffset(2026, 10, 12, 10, 0, 0, Beijing));

        Assert.Equal(4, days);
    }

    [Fact]
    public void BusinessDaysBetween_UsesCalendarTimeZoneForDayBoundaries()
    {
        var calendar = TestCalendars.China2026();

        // 2026-10-08 17:00 UTC is already Friday 9 Oct in Beijing.
        var days = calendar.BusinessDaysBetween(new DateTimeOffset(2026, 10, 8, 1, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 8, 17, 0, 0, TimeSpan.Zero));

        Assert.Equal(1, days);
    }

    [Fact]
    public void BusinessDaysBetween_LongSpanWithoutHolidays_MatchesDayByDayCount()
    {
        var calendar = BusinessCalendar.Default;
        var start = new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
        for (var length = 0; length < 400; length += 7)
        {
            var end = start.AddDays(length + 3);
            var expected = 0;
            for (var d = DateOnly.FromDateTime(start.UtcDateTime).AddDays(1); d <= DateOnly.FromDateTime(end.UtcDateTime); d = d.AddDays(1))
            {
                expected += d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0 : 1;
            }

            Assert.Equal(expected, calendar.BusinessDaysBetween(start, end));
        }
    }

    /// <summary>
    /// Generated calendars (any weekend, holidays and working weekend days, some on the same dates) and spans of up to
    /// two thousand days: the count, which skips whole weeks and binary-searches the exceptions, matches counting day by
    /// day with <see cref="BusinessCalendar.IsBusinessDay"/>.
    /// </summary>
    [Fact]
    public void BusinessDaysBetween_GeneratedCalendarsAndSpans_MatchesDayByDayCount()
    {
        var origin = new DateOnly(2026, 1, 1);
        var days = Gen.Int[-800, 800].Select(n => origin.AddDays(n));
        var calendars = Gen.Select(Gen.Int[0, 6].HashSet[0, 3], days.HashSet[0, 60], days.HashSet[0, 30], (weekend, holidays, workdays) =>
            new BusinessCalendar(TimeZoneInfo.Utc, weekend.Select(d => (DayOfWeek)d).ToHashSet(), holidays, workdays));
        Gen.Select(calendars, Gen.Int[-1000, 1000], Gen.Int[0, 2000]).Sample((calendar, from, length) =>
        {
            var start = new DateTimeOffset(origin.AddDays(from).ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero);
            var end = start.AddDays(length);
            var expected = 0;
            for (var d = DateOnly.FromDateTime(start.UtcDateTime).AddDays(1); d <= DateOnly.FromDateTime(end.UtcDateTime); d = d.AddDays(1))
            {
                expected += calendar.IsBusinessDay(d) ? 1 : 0;
            }

            Assert.Equal(expected, calendar.BusinessDaysBetween(start, end));
        }, iter: Fuzz.Iterations(300));
    }

    [Fact]
    public void BusinessDaysBetween_EndBeforeStart_IsZero()
    {
        Assert.Equal(0, BusinessCalendar.Default.BusinessDaysBetween(new DateTimeOffset(2026, 5, 5, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero)));
    }
}
