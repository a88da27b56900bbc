using CsCheck;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Tests.Definitions;

/// <summary>Business-hour durations (<c>48bh</c>): the working hours of business days, on the process calendar.</summary>
public sealed class BusinessHoursTests
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    private static DateTimeOffset Shanghai(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, Beijing);

    private static string CalendarProcess(string calendar) => $$"""
        format: 1
        kind: process
        id: calendar
        version: 1
        name: Calendar
        currency: CNY
        calendar:
        {{calendar}}
        stages:
          - id: lead
            name: Lead
            probability: 0.1
            tasks:
              - { id: call-back, title: Call back, due: 16bh }
          - { id: won, name: Won, kind: won }
          - { id: lost, name: Lost, kind: lost }
        transitions:
          requireLossReason: false
        """;

    [Theory]
    [InlineData("48bh", 48)]
    [InlineData("1bh", 1)]
    [InlineData("87840bh", 87840)]
    public void TryParse_BusinessHours_StandAlone(string text, int hours)
    {
        Assert.True(Duration.TryParse(text, out var duration, out var error), error);

        Assert.Equal((hours, true, false, true), (duration.BusinessHours, duration.IsBusinessHours, duration.IsBusinessDays, duration.IsOnCalendar));
        Assert.Equal(TimeSpan.Zero, duration.Elapsed);
    }

    [Theory]
    [InlineData("1d4bh", "business hours are written as a whole number")]
    [InlineData("bh", "business hours are written as a whole number")]
    [InlineData("87841bh", "more than 87840 business hours")]
    [InlineData("4 bh", "business hours are written as a whole number")]
    public void TryParse_MalformedBusinessHours_SaysWhy(string text, string why)
    {
        Assert.False(Duration.TryParse(text, out _, out var error));

        Assert.Contains(why, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(9, 28, 7, 0, 2, 9, 28, 11, 0)]    // before opening: counts from 09:00
    [InlineData(9, 28, 19, 0, 1, 9, 29, 10, 0)]   // after closing: from the next business day's opening
    [InlineData(9, 28, 9, 0, 9, 9, 28, 18, 0)]    // a whole day ends at closing, not at the next opening
    [InlineData(9, 26, 12, 0, 1, 9, 28, 10, 0)]   // a Saturday: from Monday
    [InlineData(9, 30, 17, 30, 1, 10, 8, 9, 30)]  // half an hour before National Day, half an hour after it
    [InlineData(9, 25, 16, 0, 48, 10, 10, 10, 0)] // a weekend, the holidays and the make-up Saturday
    public void AddBusinessHours_CountsOnlyWorkingHoursOfBusinessDays(int month, int day, int hour, int minute, int hours, int toMonth, int toDay, int toHour, int toMinute)
    {
        var calendar = TestCalendars.China2026();

        Assert.Equal(Shanghai(toMonth, toDay, toHour, toMinute), calendar.AddBusinessHours(Shanghai(month, day, hour, minute), hours));
    }

    [Fact]
    public void AddBusinessHours_AcrossADaylightSavingChange_KeepsLocalWorkingHours()
    {
        Assert.True(TimeZoneInfo.TryFindSystemTimeZoneById("Europe/Berlin", out var berlin));
        var calendar = new BusinessCalendar(berlin!, new HashSet<DayOfWeek> { DayOfWeek.Saturday, DayOfWeek.Sunday }, new HashSet<DateOnly>(), new HashSet<DateOnly>());

        // Friday 27 March 17:00 CET (+01:00) plus 2 working hours: Monday 30 March 10:00 CEST (+02:00).
        var due = calendar.AddBusinessHours(new DateTimeOffset(2026, 3, 27, 17, 0, 0, TimeSpan.FromHours(1)), 2);

        Assert.Equal(new DateTimeOffset(2026, 3, 30, 10, 0, 0, TimeSpan.FromHours(2)), due);
        Assert.Equal(TimeSpan.FromHours(2), due.Offset);
    }

    [Fact]
    public void AddBusinessHours_EqualsTheWorkingMinutesCountedOneByOne()
    {
        var calendar = TestCalendars.China2026();
        var starts = Gen.Int[0, 40 * 24 * 4].Select(quarters => Shanghai(9, 20, 0).AddMinutes(quarters * 15));
        Gen.Select(starts, Gen.Int[0, 30]).Sample((start, hours) =>
        {
            var due = calendar.AddBusinessHours(start, hours);
            var working = 0;
            for (var minute = start; minute < due; minute = minute.AddMinutes(1))
            {
                var local = TimeZoneInfo.ConvertTime(minute, calendar.TimeZone);
                var time = TimeOnly.FromDateTime(local.DateTime);
                working += calendar.IsBusinessDay(DateOnly.FromDateTime(local.DateTime)) && time >= calendar.Opens && time < calendar.Closes ? 1 : 0;
            }

            return working == hours * 60 && (hours == 0 || TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(due, calendar.TimeZone).DateTime) is var end && end > calendar.Opens && end <= calendar.Closes);
        }, iter: 200);
    }

    [Fact]
    public void AddBusinessHoursAndDays_OnACalendarWhoseBusinessDaysRunOut_StopAtABoundInsteadOfCountingForever()
    {
        var everyDay = Enum.GetValues<DayOfWeek>().ToHashSet();
        var calendar = new BusinessCalendar(TimeZoneInfo.Utc, everyDay, new HashSet<DateOnly>(), new HashSet<DateOnly> { new(2026, 1, 3) });
        var start = new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

        Assert.True(calendar.AddBusinessHours(start, 8) > start.AddYears(39));
        Assert.True(calendar.AddBusinessDays(start, 2) > start.AddYears(39));
    }

    [Fact]
    public void WorkingHours_Declared_AreUsed_AndChangeTheContentHash()
    {
        var custom = TestProcesses.Load(CalendarProcess("  timeZone: Asia/Shanghai\n  workingHours: 08:30-17:30"));
        var explicitDefault = TestProcesses.Load(CalendarProcess("  timeZone: Asia/Shanghai\n  workingHours: 09:00-18:00"));
        var implicitDefault = TestProcesses.Load(CalendarProcess("  timeZone: Asia/Shanghai"));

        Assert.False(custom.HasErrors, string.Join("\n", custom.Diagnostics));
        var calendar = custom.Processes[0].Calendar;
        Assert.Equal((new TimeOnly(8, 30), new TimeOnly(17, 30)), (calendar.Opens, calendar.Closes));
        Assert.Equal(Shanghai(9, 29, 9, 30), calendar.AddBusinessHours(Shanghai(9, 29, 8, 30), 1));
        Assert.Equal(Shanghai(9, 29, 10, 0), implicitDefault.Processes[0].Calendar.AddBusinessHours(Shanghai(9, 29, 8, 30), 1));
        Assert.NotEqual(implicitDefault.Processes[0].ContentHash, custom.Processes[0].ContentHash);
        Assert.Equal(implicitDefault.Processes[0].ContentHash, explicitDefault.Processes[0].ContentHash);
    }

    [Theory]
    [InlineData("9-18")]
    [InlineData("18:00-09:00")]
    [InlineData("09:00-09:00")]
    [InlineData("09:00–18:00")]
    [InlineData("25:00-26:00")]
    public void WorkingHours_Malformed_IsAnErrorAtTheValue(string hours)
    {
        var yaml = CalendarProcess($"  workingHours: \"{hours}\"");

        var error = Assert.Single(TestProcesses.Load(yaml).Diagnostics, d => d.Severity == DiagnosticSeverity.Error);

        Assert.Equal(DiagnosticIds.InvalidValue, error.Code);
        var line = yaml.Split('\n').ToList().FindIndex(l => l.Contains("workingHours", StringComparison.Ordinal)) + 1;
        Assert.Equal((line, 17), (error.Span.Line, error.Span.Column));
        Assert.Contains("09:00-18:00", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Weekend_OfEveryDay_WithNoWorkdays_IsAnError()
    {
        var set = TestProcesses.Load(CalendarProcess("  weekend: [monday, tuesday, wednesday, thursday, friday, saturday, sunday]"));

        var error = Assert.Single(set.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(DiagnosticIds.InvalidValue, error.Code);
        Assert.Contains("no day is a business day", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TaskDue_NotADuration_IsAnErrorAtTheValue()
    {
        var yaml = CalendarProcess("  timeZone: Asia/Shanghai").Replace("due: 16bh", "due: 16 business hours", StringComparison.Ordinal);

        var error = Assert.Single(TestProcesses.Load(yaml).Diagnostics, d => d.Severity == DiagnosticSeverity.Error);

        Assert.Equal(DiagnosticIds.InvalidDuration, error.Code);
        var line = yaml.Split('\n').ToList().FindIndex(l => l.Contains("call-back", StringComparison.Ordinal));
        Assert.Equal(line + 1, error.Span.Line);
        Assert.Equal(yaml.Split('\n')[line].IndexOf("16 business", StringComparison.Ordinal) + 1, error.Span.Column);
    }
}
