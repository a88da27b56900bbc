using SalesWorkflow.Plugins.Testing;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Plugins.CustomerCare.Tests;

public class AfterSaleRuleTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    [Fact]
    public void FollowUpVisitOverdue_ExactlyThirtyDays_DoesNotRaise()
    {
        var session = new Deal().WonDaysAgo(30).Run();

        Assert.False(session.HasRisk(CustomerCareIds.FollowUpVisitOverdue));
    }

    [Fact]
    public void FollowUpVisitOverdue_JustOverThirtyDaysWithoutVisit_RaisesMedium()
    {
        var deal = new Deal().WonDaysAgo(30);
        deal.EnteredStageAt -= Tick;

        var risk = deal.Run().Risk(CustomerCareIds.FollowUpVisitOverdue);

        Assert.NotNull(risk);
        Assert.Equal("customer", risk.Category);
        Assert.Equal(RiskSeverity.Medium, risk.Severity);
        Assert.Equal(10, risk.Weight);
        Assert.Contains("30 days", risk.Advice["en"], StringComparison.Ordinal);
        Assert.Contains("30天", risk.Advice["zh"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("visit")]
    [InlineData("meeting")]
    public void FollowUpVisit_VisitOrMeetingSinceWinning_IsDone(string kind)
    {
        var deal = new Deal().WonDaysAgo(45);
        deal.WithActivity(kind, deal.EnteredStageAt);

        var session = deal.Run();

        Assert.False(session.HasRisk(CustomerCareIds.FollowUpVisitOverdue));
        Assert.Equal([CustomerCareIds.FollowUpVisitDone], session.Met());
    }

    [Theory]
    [InlineData("call", 5.0)]
    [InlineData("email", 5.0)]
    [InlineData("greeting", 5.0)]
    [InlineData("visit", -1.0)]
    [InlineData("meeting", 46.0)]
    public void FollowUpVisit_OtherKindOrBeforeWinningOrInFuture_DoesNotCount(string kind, double daysAfterWinning)
    {
        var deal = new Deal().WonDaysAgo(45);
        deal.WithActivity(kind, deal.EnteredStageAt.AddDays(daysAfterWinning));

        var session = deal.Run();

        Assert.True(session.HasRisk(CustomerCareIds.FollowUpVisitOverdue));
        Assert.Empty(session.Met());
    }

    [Fact]
    public void FollowUpVisitDone_EarlyVisit_IsReportedBeforeTheDeadline()
    {
        var deal = new Deal().WonDaysAgo(3);
        deal.WithActivity("visit", deal.Now.AddDays(-1));

        var session = deal.Run();

        Assert.Equal([CustomerCareIds.FollowUpVisitDone], session.Met());
        Assert.Empty(session.RiskIds());
    }

    [Fact]
    public void FollowUpVisit_NoVisitYetWithinThirtyDays_NeitherDoneNorOverdue()
    {
        var session = new Deal().WonDaysAgo(10).Run();

        Assert.Empty(session.Met());
        Assert.Empty(session.RiskIds());
    }

    [Fact]
    public void AfterSaleRules_OpenOrLostDeal_DoNothing()
    {
        foreach (var deal in new[] { new Deal().Open(), new Deal().Lost() })
        {
            deal.WonDaysAgo(200);
            deal.Now = new DateTimeOffset(2026, 2, 10, 9, 0, 0, Deal.Shanghai);
            deal.WithActivity("visit", deal.Now.AddDays(-1));

            var session = deal.Run();

            Assert.Empty(session.Met());
            Assert.Empty(session.RiskIds());
        }
    }

    [Fact]
    public void FollowUpVisit_VisitInsertedLater_RetractsRiskAndReportsDone()
    {
        var deal = new Deal().WonDaysAgo(40);
        var session = deal.Run();
        Assert.True(session.HasRisk(CustomerCareIds.FollowUpVisitOverdue));

        var visit = deal.NewActivity("visit", deal.Now.AddDays(-2));
        session.Insert(visit);
        session.Fire();
        Assert.False(session.HasRisk(CustomerCareIds.FollowUpVisitOverdue));
        Assert.Equal([CustomerCareIds.FollowUpVisitDone], session.Met());

        visit.Kind = "call";
        session.Update(visit);
        session.Fire();
        Assert.True(session.HasRisk(CustomerCareIds.FollowUpVisitOverdue));
        Assert.Empty(session.Met());
    }

    [Fact]
    public void CheckInOverdue_WonExactlyNinetyDaysAgoWithoutTouch_DoesNotRaise()
    {
        Assert.False(new Deal().WonDaysAgo(90).Run().HasRisk(CustomerCareIds.CheckInOverdue));
    }

    [Fact]
    public void CheckInOverdue_WonJustOverNinetyDaysAgoWithoutTouch_Raises()
    {
        var deal = new Deal().WonDaysAgo(90);
        deal.EnteredStageAt -= Tick;

        Assert.True(deal.Run().HasRisk(CustomerCareIds.CheckInOverdue));
    }

    [Fact]
    public void CheckInOverdue_NoTouchForJustOverNinetyDays_RaisesMedium()
    {
        var deal = new Deal().WonDaysAgo(120);
        deal.WithActivity("call", deal.Now - TimeSpan.FromDays(90) - Tick);

        var risk = deal.Run().Risk(CustomerCareIds.CheckInOverdue);

        Assert.NotNull(risk);
        Assert.Equal(RiskSeverity.Medium, risk.Severity);
        Assert.Equal(10, risk.Weight);
        Assert.Contains("90 days", risk.Advice["en"], StringComparison.Ordinal);
        Assert.Contains("90天", risk.Advice["zh"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("call")]
    [InlineData("meeting")]
    [InlineData("visit")]
    [InlineData("email")]
    [InlineData("demo")]
    public void CheckInOverdue_TouchExactlyNinetyDaysAgo_DoesNotRaise(string kind)
    {
        var deal = new Deal().WonDaysAgo(120);
        deal.WithActivity(kind, deal.Now - TimeSpan.FromDays(90));

        Assert.False(deal.Run().HasRisk(CustomerCareIds.CheckInOverdue));
    }

    [Theory]
    [InlineData("greeting")]
    [InlineData("proposal-sent")]
    [InlineData("contract-signed")]
    public void CheckInOverdue_NonTouchActivity_DoesNotCount(string kind)
    {
        var deal = new Deal().WonDaysAgo(120);
        deal.WithActivity(kind, deal.Now.AddDays(-1));

        Assert.True(deal.Run().HasRisk(CustomerCareIds.CheckInOverdue));
    }

    [Fact]
    public void CheckInOverdue_FutureTouch_DoesNotCount()
    {
        var deal = new Deal().WonDaysAgo(120);
        deal.WithActivity("call", deal.Now + Tick);

        Assert.True(deal.Run().HasRisk(CustomerCareIds.CheckInOverdue));
    }

    [Fact]
    public void CheckInOverdue_ContactSpokenToRecently_DoesNotRaise()
    {
        var deal = new Deal().WonDaysAgo(120);
        deal.WithContact(null).WithContact(deal.Now.AddDays(-89));

        Assert.False(deal.Run().HasRisk(CustomerCareIds.CheckInOverdue));
    }

    [Fact]
    public void CheckInOverdue_ContactSpokenToLongAgo_Raises()
    {
        var deal = new Deal().WonDaysAgo(120);
        deal.WithContact(deal.Now.AddDays(-91));

        Assert.True(deal.Run().HasRisk(CustomerCareIds.CheckInOverdue));
    }

    [Fact]
    public void FollowUpVisitOverdue_BusinessDaysDeclared_CountsTheProcessCalendar()
    {
        // Won on Friday 2026-05-01 09:00: ten business days later is Friday 05-15 09:00, with both weekends skipped.
        var deal = new Deal { Care = new CarePlan { FollowUpVisit = new CareInterval(10, BusinessDays: true) } };
        deal.Now = new DateTimeOffset(2026, 5, 15, 9, 0, 0, Deal.Shanghai);
        Assert.False(deal.Run().HasRisk(CustomerCareIds.FollowUpVisitOverdue));

        deal.Now += Tick;
        var risk = deal.Run().Risk(CustomerCareIds.FollowUpVisitOverdue);
        Assert.NotNull(risk);
        Assert.Contains("more than 10 business days ago", risk.Advice["en"], StringComparison.Ordinal);
        Assert.Contains("签约已超过10个工作日", risk.Advice["zh"], StringComparison.Ordinal);
    }

    [Fact]
    public void CheckInOverdue_ShorterCadenceForTheTier_RaisesSooner()
    {
        var deal = new Deal { Care = new CarePlan { CheckIn = new CareInterval(30, BusinessDays: false) } }.WonDaysAgo(45);
        deal.WithActivity("visit", deal.EnteredStageAt.AddDays(2)).WithActivity("call", deal.Now.AddDays(-30));
        Assert.False(deal.Run().HasRisk(CustomerCareIds.CheckInOverdue));

        deal.Activities[^1].At -= Tick;
        var risk = deal.Run().Risk(CustomerCareIds.CheckInOverdue);
        Assert.NotNull(risk);
        Assert.Contains("for more than 30 days", risk.Advice["en"], StringComparison.Ordinal);
    }

    [Fact]
    public void CheckInOverdue_CallLoggedLater_RetractsRisk()
    {
        var deal = new Deal().WonDaysAgo(200);
        var session = deal.Run();
        Assert.True(session.HasRisk(CustomerCareIds.CheckInOverdue));

        session.Insert(deal.NewActivity("call", deal.Now.AddHours(-1)));
        session.Fire();

        Assert.False(session.HasRisk(CustomerCareIds.CheckInOverdue));
    }

    // Each day of the tests' care plan, and the business day before it (the last day its greeting can be sent).
    public static TheoryData<int, int, int, string, string> Holidays => new()
    {
        { 2026, 1, 1, "New Year", "元旦" },
        { 2026, 2, 17, "Chinese New Year", "春节" },
        { 2027, 1, 1, "New Year", "元旦" },
        { 2027, 2, 6, "Chinese New Year", "春节" },
        { 2028, 1, 1, "New Year", "元旦" },
        { 2028, 1, 26, "Chinese New Year", "春节" },
        { 2031, 1, 1, "New Year", "元旦" },
    };

    [Theory]
    [MemberData(nameof(Holidays))]
    public void HolidayGreetingDue_DayBeforeEachHoliday_RaisesLowNamingIt(int year, int month, int day, string en, string zh)
    {
        var holiday = new DateTimeOffset(year, month, day, 0, 0, 0, Deal.Shanghai);
        var deal = new Deal { Now = holiday.AddDays(-1), EnteredStageAt = holiday.AddDays(-20) };
        deal.WithActivity("visit", deal.EnteredStageAt.AddDays(1));

        var session = deal.Run();

        Assert.Equal([CustomerCareIds.HolidayGreetingDue], session.RiskIds());
        var risk = session.Risk(CustomerCareIds.HolidayGreetingDue)!;
        Assert.Equal(RiskSeverity.Low, risk.Severity);
        Assert.Equal(5, risk.Weight);
        Assert.Equal("customer", risk.Category);
        var date = $"{year:D4}-{month:D2}-{day:D2}";
        Assert.Equal($"{en} is on {date}; send the customer a greeting before then and log it as a \"greeting\" activity.", risk.Advice["en"]);
        Assert.Equal($"{zh}（{date}）将至：请在节前向客户致以节日问候，并记录为 greeting 活动。", risk.Advice["zh"]);
    }

    [Fact]
    public void HolidayGreetingDue_WindowIsFourteenDaysBeforeMidnightInProcessTimeZone()
    {
        // Chinese New Year 2026 starts on 2026-02-17 00:00 in UTC+8, i.e. 2026-02-16 16:00 UTC.
        var start = new DateTimeOffset(2026, 2, 2, 16, 0, 0, TimeSpan.Zero);
        var end = new DateTimeOffset(2026, 2, 16, 16, 0, 0, TimeSpan.Zero);

        Assert.False(GreetingDueAt(start - Tick));
        Assert.True(GreetingDueAt(start));
        Assert.True(GreetingDueAt(end - Tick));
        Assert.False(GreetingDueAt(end));
    }

    [Fact]
    public void HolidayGreetingDue_HolidayWeekBeforeTheDay_EndsOnTheLastBusinessDayBeforeIt()
    {
        // The process calendar of standard-b2b: the Spring Festival holidays run 2026-02-16..20 around Chinese New Year
        // (02-17), Sunday 02-15 is weekend and Saturday 02-14 a make-up workday. The greeting is owed by 02-14.
        var calendar = new FixedOffsetCalendar(
            Deal.Shanghai,
            holidays: [new(2026, 2, 16), new(2026, 2, 17), new(2026, 2, 18), new(2026, 2, 19), new(2026, 2, 20)],
            workdays: [new(2026, 2, 14)]);
        bool DueAt(DateTimeOffset now) => new Deal { Now = now, EnteredStageAt = now.AddDays(-5), Calendar = calendar }.Run().HasRisk(CustomerCareIds.HolidayGreetingDue);

        Assert.True(DueAt(new DateTimeOffset(2026, 2, 14, 23, 59, 0, Deal.Shanghai)));
        Assert.False(DueAt(new DateTimeOffset(2026, 2, 15, 0, 0, 0, Deal.Shanghai)));
        Assert.False(DueAt(new DateTimeOffset(2026, 2, 16, 12, 0, 0, Deal.Shanghai)));

        // Fourteen days back from the end of 02-14: due from 02-01 on.
        Assert.False(DueAt(new DateTimeOffset(2026, 1, 31, 23, 59, 0, Deal.Shanghai)));
        Assert.True(DueAt(new DateTimeOffset(2026, 2, 1, 0, 0, 0, Deal.Shanghai)));
    }

    [Fact]
    public void HolidayGreetingDue_DayAfterAWeekend_IsOwedByFriday()
    {
        // 2029-01-01 is a Monday: the greeting is owed by Friday 2028-12-29, not during the weekend.
        Assert.True(GreetingDueAt(new DateTimeOffset(2028, 12, 29, 17, 0, 0, Deal.Shanghai)));
        Assert.False(GreetingDueAt(new DateTimeOffset(2028, 12, 30, 10, 0, 0, Deal.Shanghai)));
        Assert.False(GreetingDueAt(new DateTimeOffset(2028, 12, 31, 10, 0, 0, Deal.Shanghai)));
    }

    [Fact]
    public void HolidayGreetingDue_BusinessDayLead_CountsBusinessDaysBack()
    {
        // New Year 2027 is a Friday; the last business day before it is Thursday 2026-12-31. Five business days back
        // from the end of it: from Friday 12-25 on.
        var deal = new Deal { Care = new CarePlan { GreetingLead = new CareInterval(5, BusinessDays: true), Occasions = Deal.Greetings.Occasions } };
        bool DueAt(DateTimeOffset now)
        {
            deal.Now = now;
            deal.EnteredStageAt = now.AddDays(-5);
            return deal.Run().HasRisk(CustomerCareIds.HolidayGreetingDue);
        }

        Assert.False(DueAt(new DateTimeOffset(2026, 12, 24, 23, 0, 0, Deal.Shanghai)));
        Assert.True(DueAt(new DateTimeOffset(2026, 12, 25, 0, 0, 0, Deal.Shanghai)));
    }

    [Fact]
    public void HolidayGreetingDue_ProcessDeclaresNoGreetingDays_NeverRaises()
    {
        var deal = new Deal { Now = new DateTimeOffset(2026, 12, 30, 10, 0, 0, Deal.Shanghai), Care = CarePlan.Default };
        deal.WonDaysAgo(5);

        Assert.False(deal.Run().HasRisk(CustomerCareIds.HolidayGreetingDue));
    }

    [Fact]
    public void HolidayGreetingDue_AnniversaryOfTheWin_RaisesBeforeEachAnniversary()
    {
        var anniversary = CareOccasion.AnniversaryOfWin("win-anniversary", new Dictionary<string, string> { ["en"] = "The anniversary of the win", ["zh"] = "签约周年" });
        var deal = new Deal
        {
            Care = new CarePlan { Occasions = [anniversary] },
            EnteredStageAt = new DateTimeOffset(2025, 6, 10, 15, 0, 0, Deal.Shanghai),
        };
        deal.WithActivity("visit", deal.EnteredStageAt.AddDays(3)).WithActivity("call", new DateTimeOffset(2026, 5, 1, 10, 0, 0, Deal.Shanghai));

        // 2026-06-10 is a Wednesday: owed from 05-27 to the end of 06-09. Not in the weeks after the win itself.
        deal.Now = new DateTimeOffset(2026, 6, 1, 10, 0, 0, Deal.Shanghai);
        var risk = deal.Run().Risk(CustomerCareIds.HolidayGreetingDue);
        Assert.NotNull(risk);
        Assert.StartsWith("The anniversary of the win is on 2026-06-10;", risk.Advice["en"], StringComparison.Ordinal);

        deal.Now = new DateTimeOffset(2025, 6, 12, 10, 0, 0, Deal.Shanghai);
        Assert.False(deal.Run().HasRisk(CustomerCareIds.HolidayGreetingDue));
        deal.Now = new DateTimeOffset(2027, 6, 9, 10, 0, 0, Deal.Shanghai);
        Assert.True(deal.Run().HasRisk(CustomerCareIds.HolidayGreetingDue));
    }

    [Theory]
    [InlineData(2026, 6, 15)]
    [InlineData(2026, 12, 17)]
    [InlineData(2027, 1, 10)]
    [InlineData(2029, 2, 1)]
    [InlineData(2029, 12, 15)]
    public void HolidayGreetingDue_OutsideEveryWindow_DoesNotRaise(int year, int month, int day)
    {
        Assert.False(GreetingDueAt(new DateTimeOffset(year, month, day, 12, 0, 0, Deal.Shanghai)));
    }

    [Fact]
    public void HolidayGreetingDue_GreetingLoggedInWindow_DoesNotRaise()
    {
        var windowStart = new DateTimeOffset(2026, 12, 18, 0, 0, 0, Deal.Shanghai);
        var deal = new Deal { Now = new DateTimeOffset(2026, 12, 28, 10, 0, 0, Deal.Shanghai), EnteredStageAt = windowStart.AddDays(-10) };
        deal.WithActivity("greeting", windowStart);

        Assert.False(deal.Run().HasRisk(CustomerCareIds.HolidayGreetingDue));
    }

    [Fact]
    public void HolidayGreetingDue_GreetingBeforeWindowOrOtherKind_DoesNotCount()
    {
        var windowStart = new DateTimeOffset(2026, 12, 18, 0, 0, 0, Deal.Shanghai);
        var deal = new Deal { Now = new DateTimeOffset(2026, 12, 28, 10, 0, 0, Deal.Shanghai), EnteredStageAt = windowStart.AddDays(-10) };
        deal.WithActivity("greeting", windowStart - Tick).WithActivity("email", windowStart.AddDays(2));

        var risk = deal.Run().Risk(CustomerCareIds.HolidayGreetingDue);

        Assert.NotNull(risk);
        Assert.StartsWith("New Year is on 2027-01-01", risk.Advice["en"], StringComparison.Ordinal);
    }

    [Fact]
    public void HolidayGreetingDue_OpenDeal_DoesNotRaise()
    {
        var deal = new Deal { Now = new DateTimeOffset(2027, 2, 1, 10, 0, 0, Deal.Shanghai) }.Open();

        Assert.False(deal.Run().HasRisk(CustomerCareIds.HolidayGreetingDue));
    }

    [Fact]
    public void HolidayGreetingDue_GreetingLoggedLater_RetractsRisk()
    {
        var deal = new Deal { Now = new DateTimeOffset(2027, 2, 1, 10, 0, 0, Deal.Shanghai), EnteredStageAt = new DateTimeOffset(2027, 1, 20, 10, 0, 0, Deal.Shanghai) };
        var session = deal.Run();
        Assert.True(session.HasRisk(CustomerCareIds.HolidayGreetingDue));

        session.Insert(deal.NewActivity("greeting", deal.Now.AddMinutes(-5)));
        session.Fire();

        Assert.False(session.HasRisk(CustomerCareIds.HolidayGreetingDue));
    }

    private static bool GreetingDueAt(DateTimeOffset now)
    {
        var deal = new Deal { Now = now, EnteredStageAt = now.AddDays(-5) };
        return deal.Run().HasRisk(CustomerCareIds.HolidayGreetingDue);
    }
}
