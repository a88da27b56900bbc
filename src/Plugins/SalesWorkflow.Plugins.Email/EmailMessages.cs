using System.Globalization;
using System.Text;
using System.Text.Json;
using SalesWorkflow.Sdk.Events;

namespace SalesWorkflow.Plugins.Email;

/// <summary>The subject and text of the message an event makes, in Chinese or English.</summary>
internal static class EmailMessages
{
    public static (string Subject, string Body) For(ProcessEvent e, string language)
    {
        using var document = JsonDocument.Parse(e.DataJson);
        var data = document.RootElement;
        var zh = language.StartsWith("zh", StringComparison.OrdinalIgnoreCase);
        var body = new StringBuilder();
        string subject;
        switch (e.Type)
        {
            case "escalation-raised":
                var escalation = Text(data, "escalation");
                var level = Number(data, "level");
                var levels = Number(data, "levels");
                subject = zh ? $"[SalesWorkflow] {e.DealId}：{escalation}（第 {level}/{levels} 级）" : $"[SalesWorkflow] {e.DealId}: {escalation} (level {level} of {levels})";
                if (Localized(data, "message", language) is { Length: > 0 } message)
                {
                    body.Append(message).Append("\n\n");
                }

                Line(body, zh ? "升级" : "Escalation", $"{escalation} ({level}/{levels}, {Text(data, "trigger")})");
                Line(body, zh ? "应于" : "Due", Moment(data, "dueAt"));
                break;
            case "task-overdue":
                var task = Text(data, "taskId");
                subject = zh ? $"[SalesWorkflow] {e.DealId}：任务 {task} 已逾期" : $"[SalesWorkflow] {e.DealId}: task {task} is overdue";
                Line(body, zh ? "任务" : "Task", task);
                Line(body, zh ? "截止" : "Due", Moment(data, "dueAt"));
                break;
            case "complaint-sla-breached":
                var feedback = Text(data, "feedback");
                var respond = Text(data, "level") == "respond";
                subject = zh
                    ? $"[SalesWorkflow] {e.DealId}：投诉 {feedback} 已超出{(respond ? "响应" : "解决")}时限"
                    : $"[SalesWorkflow] {e.DealId}: complaint {feedback} missed its {(respond ? "response" : "resolution")} deadline";
                Line(body, zh ? "投诉" : "Complaint", feedback);
                Line(body, zh ? "类别" : "Category", Text(data, "category"));
                Line(body, zh ? "时限" : "Deadline", Moment(data, "dueAt"));
                break;
            case "task-created":
                var created = Text(data, "taskId");
                subject = zh ? $"[SalesWorkflow] {e.DealId}：新任务 {created}" : $"[SalesWorkflow] {e.DealId}: new task {created}";
                if (Localized(data, "title", language) is { Length: > 0 } title)
                {
                    body.Append(title).Append("\n\n");
                }

                Line(body, zh ? "截止" : "Due", Moment(data, "dueAt"));
                break;
            default:
                subject = $"[SalesWorkflow] {e.DealId}: {e.Type}";
                break;
        }

        Line(body, zh ? "商机" : "Deal", e.DealId);
        Line(body, zh ? "阶段" : "Stage", e.Stage);
        Line(body, zh ? "流程" : "Process", $"{e.ProcessId} v{e.ProcessVersion.ToString(CultureInfo.InvariantCulture)}");
        body.Append('\n').Append(zh ? "事件 " : "Event ").Append(e.EventId).Append('\n');

        // A line break in a value (a deal id from another system) cannot start a header of its own: subjects are one line.
        return (OneLine(subject), body.ToString());
    }

    private static void Line(StringBuilder body, string label, string? value)
    {
        if (value is { Length: > 0 })
        {
            body.Append(label).Append(": ").Append(value).Append('\n');
        }
    }

    private static string OneLine(string text) => string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c));

    private static string Text(JsonElement data, string name) =>
        data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;

    private static string Number(JsonElement data, string name) =>
        data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetRawText() : "?";

    private static string? Moment(JsonElement data, string name) =>
        data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var at)
            ? at.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)
            : null;

    /// <summary>A text by language: the language asked, its base language, the neutral text, English, else the first.</summary>
    private static string? Localized(JsonElement data, string name, string language)
    {
        if (!data.TryGetProperty(name, out var texts) || texts.ValueKind != JsonValueKind.Object)
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
