using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SalesWorkflow.Sdk.Events;

/// <summary>One labelled value of a <see cref="Notification"/> ("Due: 2026-03-02 09:00 +08:00").</summary>
/// <param name="Label">The label, in the notification's language.</param>
/// <param name="Value">The value.</param>
public readonly record struct NotificationLine(string Label, string Value);

/// <summary>
/// What a person reads about an event, in Chinese or English: a one-line title, the process's own message when it
/// wrote one, and labelled lines (the deal, its stage, when it was due). Every delivery plugin (e-mail, chat webhooks,
/// a partner's SMS gateway) says the same thing in the same words.
/// </summary>
/// <param name="Title">One line: no control characters, so it can be a mail subject or a chat heading.</param>
/// <param name="Message">The escalation's message or the task's title in the language, or null.</param>
/// <param name="Lines">The labelled values, the deal's last.</param>
/// <param name="EventId">The event it tells of.</param>
/// <param name="Language">The language it is written in: <c>zh</c> or <c>en</c>.</param>
public sealed record Notification(string Title, string? Message, IReadOnlyList<NotificationLine> Lines, string EventId, string Language)
{
    /// <summary>
    /// The notification of <paramref name="processEvent"/> in <paramref name="language"/> (Chinese for <c>zh…</c>,
    /// English otherwise). Event types without words of their own get a title naming the type.
    /// </summary>
    /// <exception cref="JsonException">The event's data is not JSON.</exception>
    public static Notification For(ProcessEvent processEvent, string language)
    {
        ArgumentNullException.ThrowIfNull(processEvent);
        ArgumentNullException.ThrowIfNull(language);
        var e = processEvent;
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(e.DataJson) ? "{}" : e.DataJson);
        var data = document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement : default;
        var zh = language.StartsWith("zh", StringComparison.OrdinalIgnoreCase);
        var lines = new List<NotificationLine>();
        string? message = null;
        string title;
        switch (e.Type)
        {
            case "escalation-raised":
                var escalation = Text(data, "escalation");
                var level = Number(data, "level");
                var levels = Number(data, "levels");
                title = zh ? $"{e.DealId}：{escalation}（第 {level}/{levels} 级）" : $"{e.DealId}: {escalation} (level {level} of {levels})";
                message = Localized(data, "message", language);
                Line(lines, zh ? "升级" : "Escalation", $"{escalation} ({level}/{levels}, {Text(data, "trigger")})");
                Line(lines, zh ? "应于" : "Due", Moment(data, "dueAt"));
                break;
            case "task-overdue":
                var task = Text(data, "taskId");
                title = zh ? $"{e.DealId}：任务 {task} 已逾期" : $"{e.DealId}: task {task} is overdue";
                Line(lines, zh ? "任务" : "Task", task);
                Line(lines, zh ? "截止" : "Due", Moment(data, "dueAt"));
                break;
            case "complaint-sla-breached":
                var feedback = Text(data, "feedback");
                var respond = Text(data, "level") == "respond";
                title = zh
                    ? $"{e.DealId}：投诉 {feedback} 已超出{(respond ? "响应" : "解决")}时限"
                    : $"{e.DealId}: complaint {feedback} missed its {(respond ? "response" : "resolution")} deadline";
                Line(lines, zh ? "投诉" : "Complaint", feedback);
                Line(lines, zh ? "类别" : "Category", Text(data, "category"));
                Line(lines, zh ? "时限" : "Deadline", Moment(data, "dueAt"));
                break;
            case "task-created":
                var created = Text(data, "taskId");
                title = zh ? $"{e.DealId}：新任务 {created}" : $"{e.DealId}: new task {created}";
                message = Localized(data, "title", language);
                Line(lines, zh ? "截止" : "Due", Moment(data, "dueAt"));
                break;
            default:
                title = $"{e.DealId}: {e.Type}";
                break;
        }

        Line(lines, zh ? "商机" : "Deal", e.DealId);
        Line(lines, zh ? "阶段" : "Stage", e.Stage);
        Line(lines, zh ? "流程" : "Process", $"{e.ProcessId} v{e.ProcessVersion.ToString(CultureInfo.InvariantCulture)}");

        // A line break in a value (a deal id from another system) cannot start a header or a heading of its own.
        return new Notification(OneLine(title), message is { Length: > 0 } ? message : null, lines, e.EventId, zh ? "zh" : "en");
    }

    /// <summary>
    /// The notification of a digest in <paramref name="language"/>: a title that counts what it holds, and one line per
    /// overdue task, task due soon and escalation. Times are in the person's time zone (UTC when they have none).
    /// </summary>
    public static Notification ForDigest(Digest digest, string language)
    {
        ArgumentNullException.ThrowIfNull(digest);
        ArgumentNullException.ThrowIfNull(language);
        var zh = language.StartsWith("zh", StringComparison.OrdinalIgnoreCase);
        var zone = digest.Person.TimeZone ?? TimeZoneInfo.Utc;
        var day = TimeZoneInfo.ConvertTime(digest.At, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var title = zh
            ? string.Create(CultureInfo.InvariantCulture, $"{day} 每日待办：{digest.Overdue.Count} 项逾期，{digest.DueSoon.Count} 项即将到期，{digest.Escalated.Count} 个升级")
            : string.Create(CultureInfo.InvariantCulture, $"Daily digest {day}: {digest.Overdue.Count} overdue, {digest.DueSoon.Count} due soon, {digest.Escalated.Count} escalated");
        var lines = new List<NotificationLine>();
        foreach (var task in digest.Overdue)
        {
            lines.Add(new NotificationLine(zh ? "逾期" : "Overdue", TaskLine(task, zh, zone)));
        }

        foreach (var task in digest.DueSoon)
        {
            lines.Add(new NotificationLine(zh ? "即将到期" : "Due soon", TaskLine(task, zh, zone)));
        }

        foreach (var escalation in digest.Escalated)
        {
            lines.Add(new NotificationLine(zh ? "升级" : "Escalated", zh
                ? string.Create(CultureInfo.InvariantCulture, $"{escalation.DealId}（{escalation.Stage}）：{escalation.Escalation}，第 {escalation.Level} 级")
                : string.Create(CultureInfo.InvariantCulture, $"{escalation.DealId} ({escalation.Stage}): {escalation.Escalation}, level {escalation.Level}")));
        }

        return new Notification(OneLine(title), null, lines, "digest:" + day + ":" + digest.Person.Id, zh ? "zh" : "en");
    }

    private static string TaskLine(DigestTask task, bool zh, TimeZoneInfo zone)
    {
        var due = TimeZoneInfo.ConvertTime(task.DueAt, zone).ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);
        return OneLine(zh ? $"{task.DealId}（{task.Stage}）：任务 {task.TaskId}，截止 {due}" : $"{task.DealId} ({task.Stage}): task {task.TaskId}, due {due}");
    }

    /// <summary>As plain text: the message, a blank line, one <c>Label: value</c> line each, and the event id.</summary>
    public string ToText()
    {
        var body = new StringBuilder();
        if (Message is not null)
        {
            body.Append(Message).Append("\n\n");
        }

        foreach (var line in Lines)
        {
            body.Append(line.Label).Append(": ").Append(line.Value).Append('\n');
        }

        return body.Append('\n').Append(Language == "zh" ? "事件 " : "Event ").Append(EventId).Append('\n').ToString();
    }

    private static void Line(List<NotificationLine> lines, string label, string? value)
    {
        if (value is { Length: > 0 })
        {
            lines.Add(new NotificationLine(label, value));
        }
    }

    private static string OneLine(string text) => string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c));

    private static string Text(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;

    private static string Number(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetRawText() : "?";

    private static string? Moment(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var at)
            ? at.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)
            : null;

    /// <summary>A text by language: the language asked, its base language, the neutral text, English, else the first.</summary>
    private static string? Localized(JsonElement data, string name, string language)
    {
        if (data.ValueKind != JsonValueKind.Object || !data.TryGetProperty(name, out var texts) || texts.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var dash = language.IndexOf('-', StringComparison.Ordinal);
        foreach (var key in new[] { language, dash > 0 ? language[..dash] : language, string.Empty, "en" })
        {
            if (texts.TryGetProperty(key, out var text) && text.ValueKind == JsonValueKind.String)
            {
                return text.GetString();
            }
        }

        return texts.EnumerateObject().Select(p => p.Value).FirstOrDefault(v => v.ValueKind == JsonValueKind.String) is { ValueKind: JsonValueKind.String } first ? first.GetString() : null;
    }
}
