using System.Text.Json;
using SalesWorkflow.Sdk.Events;

namespace SalesWorkflow.Sdk.Tests;

public sealed class NotificationTests
{
    private static ProcessEvent Event(string type, string data, string dealId = "d-1") =>
        new("d-1:3", 3, dealId, type, new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8)), "standard-b2b", 2, "lead", data);

    [Fact]
    public void ComplaintMissingItsLevel_ReadsTheSameInBothLanguages_WithTheDealLast()
    {
        var e = Event("complaint-sla-breached", """{"feedback":"c-1","level":"resolve","category":"delivery","dueAt":"2026-03-05T09:00:00+08:00"}""");

        var zh = Notification.For(e, "zh-CN");
        var en = Notification.For(e, "en");

        Assert.Equal(("d-1：投诉 c-1 已超出解决时限", "zh"), (zh.Title, zh.Language));
        Assert.Equal(("d-1: complaint c-1 missed its resolution deadline", "en"), (en.Title, en.Language));
        Assert.Equal(["Complaint", "Category", "Deadline", "Deal", "Stage", "Process"], en.Lines.Select(l => l.Label));
        Assert.Equal("standard-b2b v2", en.Lines[^1].Value);
        Assert.Equal("Complaint: c-1\nCategory: delivery\nDeadline: 2026-03-05 09:00 +08:00\nDeal: d-1\nStage: lead\nProcess: standard-b2b v2\n\nEvent d-1:3\n", en.ToText());
    }

    [Fact]
    public void ATaskCreated_CarriesItsTitleInTheLanguage_FallingBackToEnglish()
    {
        var e = Event("task-created", """{"taskId":"triage","title":{"en":"Triage the lead","zh":"线索分级"}}""");

        Assert.Equal("线索分级", Notification.For(e, "zh").Message);
        Assert.Equal("Triage the lead", Notification.For(e, "fr").Message);
    }

    [Fact]
    public void AnEventWithoutWordsOfItsOwn_IsNamedByItsType_AndLineBreaksNeverReachTheTitle()
    {
        var notification = Notification.For(Event("deal-won", "", dealId: "d-1\r\nBcc: x@example.com"), "en");

        Assert.Equal("d-1  Bcc: x@example.com: deal-won", notification.Title);
        Assert.Null(notification.Message);
    }

    [Fact]
    public void DataThatIsNotJson_IsAnError_AndDataOfTheWrongShapeIsNot()
    {
        Assert.ThrowsAny<JsonException>(() => Notification.For(Event("task-overdue", "{not json"), "en"));
        Assert.Equal("d-1: task  is overdue", Notification.For(Event("task-overdue", "[1,2]"), "en").Title);
    }
}
