using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Sdk.Tests;

public sealed class CarePlanTests
{
    private static readonly Dictionary<string, string> Name = new() { ["en"] = "Day" };

    [Fact]
    public void Yearly_NextIsThisYearsDayUntilItPasses_ThenNextYears()
    {
        var newYear = CareOccasion.Yearly("new-year", Name, 1, 1);
        var national = CareOccasion.Yearly("national-day", Name, 10, 1);

        Assert.Equal(new DateOnly(2027, 1, 1), newYear.Next(new DateOnly(2026, 1, 2)));
        Assert.Equal(new DateOnly(2026, 1, 1), newYear.Next(new DateOnly(2026, 1, 1)));
        Assert.Equal(new DateOnly(2026, 10, 1), national.Next(new DateOnly(2026, 9, 30)));
        Assert.Null(newYear.Next(new DateOnly(9999, 1, 2)));
    }

    [Fact]
    public void Yearly_February29_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CareOccasion.Yearly("leap", Name, 2, 29));
        Assert.Throws<ArgumentOutOfRangeException>(() => CareOccasion.Yearly("bad", Name, 4, 31));
    }

    [Fact]
    public void OnDates_NextIsTheFirstDateNotPast_AndNoneAfterTheLast()
    {
        var festival = CareOccasion.OnDates("spring-festival", Name, [new(2027, 2, 6), new(2026, 2, 17), new(2026, 2, 17)]);

        Assert.Equal([new DateOnly(2026, 2, 17), new DateOnly(2027, 2, 6)], festival.Dates);
        Assert.Equal(new DateOnly(2026, 2, 17), festival.Next(new DateOnly(2025, 12, 1)));
        Assert.Equal(new DateOnly(2027, 2, 6), festival.Next(new DateOnly(2026, 2, 18)));
        Assert.Null(festival.Next(new DateOnly(2027, 2, 7)));
    }

    [Fact]
    public void AnniversaryOfWin_StartsAYearAfterTheWin_AndFebruary29FallsOnThe28th()
    {
        var anniversary = CareOccasion.AnniversaryOfWin("win", Name);

        Assert.Null(anniversary.Next(new DateOnly(2026, 1, 1)));
        Assert.Equal(new DateOnly(2027, 6, 10), anniversary.Next(new DateOnly(2026, 6, 10), wonOn: new DateOnly(2026, 6, 10)));
        Assert.Equal(new DateOnly(2028, 6, 10), anniversary.Next(new DateOnly(2027, 6, 11), wonOn: new DateOnly(2026, 6, 10)));
        Assert.Equal(new DateOnly(2029, 2, 28), anniversary.Next(new DateOnly(2028, 3, 1), wonOn: new DateOnly(2028, 2, 29)));
        Assert.Equal(new DateOnly(2032, 2, 29), anniversary.Next(new DateOnly(2032, 1, 1), wonOn: new DateOnly(2028, 2, 29)));
        Assert.Null(anniversary.Next(new DateOnly(9999, 12, 1), wonOn: new DateOnly(2026, 6, 10)));
    }

    [Fact]
    public void Interval_CountsCalendarOrBusinessDays_BothWays()
    {
        var calendar = new WeekdayCalendar();
        var friday = new DateTimeOffset(2026, 5, 1, 9, 0, 0, TimeSpan.Zero);

        Assert.Equal(friday.AddDays(3), new CareInterval(3, false).After(friday, calendar));
        Assert.Equal(new DateTimeOffset(2026, 5, 6, 9, 0, 0, TimeSpan.Zero), new CareInterval(3, true).After(friday, calendar));
        Assert.Equal(new DateOnly(2026, 4, 27), new CareInterval(5, true).Before(new DateOnly(2026, 5, 4), calendar));
        Assert.Equal(new DateOnly(2026, 4, 20), new CareInterval(14, false).Before(new DateOnly(2026, 5, 4), calendar));
        Assert.Equal(("20bd", "30d"), (new CareInterval(20, true).ToString(), new CareInterval(30, false).ToString()));
    }

    [Fact]
    public void Interval_BeforeOnACalendarWithNoBusinessDays_StopsInsteadOfLoopingForever()
    {
        var day = new CareInterval(1, true).Before(new DateOnly(2026, 5, 4), new NeverCalendar());

        Assert.True(day < new DateOnly(1990, 1, 1));
    }

    private sealed class WeekdayCalendar : IBusinessCalendar
    {
        public TimeZoneInfo TimeZone => TimeZoneInfo.Utc;

        public bool IsBusinessDay(DateOnly day) => day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

        public int BusinessDaysBetween(DateTimeOffset start, DateTimeOffset until) => throw new NotSupportedException();

        public DateTimeOffset AddBusinessDays(DateTimeOffset start, int days)
        {
            var at = start;
            for (var counted = 0; counted < days;)
            {
                at = at.AddDays(1);
                counted += IsBusinessDay(DateOnly.FromDateTime(at.UtcDateTime)) ? 1 : 0;
            }

            return at;
        }
    }

    private sealed class NeverCalendar : IBusinessCalendar
    {
        public TimeZoneInfo TimeZone => TimeZoneInfo.Utc;

        public bool IsBusinessDay(DateOnly day) => false;

        public int BusinessDaysBetween(DateTimeOffset start, DateTimeOffset until) => 0;

        public DateTimeOffset AddBusinessDays(DateTimeOffset start, int days) => start;
    }
}
