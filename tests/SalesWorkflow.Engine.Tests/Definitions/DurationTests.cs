using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Definitions;

public sealed class DurationTests
{
    [Theory]
    [InlineData("30m", 0, 0, 30)]
    [InlineData("36h", 1, 12, 0)]
    [InlineData("14d", 14, 0, 0)]
    [InlineData("2w", 14, 0, 0)]
    [InlineData("1w2d", 9, 0, 0)]
    [InlineData("1d12h30m", 1, 12, 30)]
    [InlineData("0m", 0, 0, 0)]
    public void TryParse_ElapsedDurations_ParsesTotal(string text, int days, int hours, int minutes)
    {
        Assert.True(Duration.TryParse(text, out var duration, out var error), error);

        Assert.Equal(new TimeSpan(days, hours, minutes, 0), duration.Elapsed);
        Assert.False(duration.IsBusinessDays);
        Assert.Equal(text, duration.Text);
    }

    [Fact]
    public void TryParse_BusinessDays_ParsesCount()
    {
        Assert.True(Duration.TryParse("5bd", out var duration, out _));

        Assert.True(duration.IsBusinessDays);
        Assert.Equal(5, duration.BusinessDays);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("14", "unit is missing")]
    [InlineData("14days", "expected a number")]
    [InlineData("d", "expected a number")]
    [InlineData("12h1d", "largest to the smallest")]
    [InlineData("1d1d", "largest to the smallest")]
    [InlineData("1.5d", "not a unit")]
    [InlineData("-3d", "expected a number")]
    [InlineData("3 d", "not a unit")]
    [InlineData("1w5bd", "business days")]
    [InlineData("9999d", "more than")]
    [InlineData("12345678h", "too large")]
    public void TryParse_InvalidText_FailsWithReason(string text, string reason)
    {
        Assert.False(Duration.TryParse(text, out _, out var error));

        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void AddTo_BusinessDays_SkipsWeekendAndHolidays()
    {
        var calendar = TestCalendars.China2026();
        var friday = new DateTimeOffset(2026, 9, 25, 18, 0, 0, TimeSpan.FromHours(8));

        // Mon 28, Tue 29, Wed 30 Sep, then 1–7 Oct holidays, Thu 8 Oct.
        var due = Duration.Parse("4bd").AddTo(friday, calendar);

        Assert.Equal(new DateTimeOffset(2026, 10, 8, 18, 0, 0, TimeSpan.FromHours(8)), due);
    }
}

internal static class TestCalendars
{
    public static BusinessCalendar China2026()
    {
        var set = FirstPartyPlugins.Loader().LoadText(Path.Combine(Path.GetTempPath(), "calendar.yaml"), """
            format: 1
            kind: process
            id: calendar
            version: 1
            name: Calendar
            currency: CNY
            calendar:
              timeZone: Asia/Shanghai
              holidays: [2026-10-01, 2026-10-02, 2026-10-05, 2026-10-06, 2026-10-07]
              workdays: [2026-10-10]
            stages:
              - { id: lead, name: Lead, probability: 0.1 }
              - { id: won, name: Won, kind: won }
              - { id: lost, name: Lost, kind: lost }
            transitions:
              requireLossReason: false
            """);
        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        return set.Processes[0].Calendar;
    }
}
