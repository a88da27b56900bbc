using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SalesWorkflow.Sdk.Events;

namespace SalesWorkflow.Plugins.Webhooks;

/// <summary>
/// The request bodies, signatures and answers of the chat tools' incoming webhooks (WeCom, DingTalk, Feishu, Slack,
/// Teams), as their documentation gives them. Every text goes in as plain text (or escaped where the tool reads
/// markup), so that a deal id or a message from another system cannot turn into a link in someone's chat.
/// </summary>
internal static class ChatFormats
{
    /// <summary>The events chat endpoints receive unless <see cref="WebhookEndpoint.EventTypes"/> says otherwise: those meant for people.</summary>
    public static readonly FrozenSet<string> EventsForPeople =
        new[] { "escalation-raised", "task-overdue", "complaint-sla-breached" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    // WeCom refuses a text longer than 2,048 bytes; the others take far more, but nobody reads a chat message that long.
    private const int WeComMaxBytes = 2048;
    private const int MaxChars = 4000;

    /// <summary>The language an endpoint writes in when it names none: Chinese for the Chinese tools, else English.</summary>
    public static string DefaultLanguage(WebhookFormat format) => format is WebhookFormat.WeCom or WebhookFormat.DingTalk or WebhookFormat.Feishu ? "zh" : "en";

    /// <summary>True when the tool verifies a signature made with the endpoint's secret.</summary>
    public static bool IsSigned(WebhookFormat format) => format is WebhookFormat.DingTalk or WebhookFormat.Feishu;

    /// <summary>True when the tool answers 200 even when it refused the message, and says so in the body.</summary>
    public static bool AnswersInBody(WebhookFormat format) => format is WebhookFormat.WeCom or WebhookFormat.DingTalk or WebhookFormat.Feishu;

    /// <summary>
    /// The URL and body of one attempt. Signed formats sign with the attempt's own time: DingTalk and Feishu refuse a
    /// signature more than an hour old, and a retry may come later than that from the outbox.
    /// </summary>
    public static (Uri Url, byte[] Body) Request(WebhookFormat format, Uri url, string? secret, Notification notification, IReadOnlyList<EventRecipient> recipients, DateTimeOffset now)
    {
        var text = PlainText(notification, recipients);
        switch (format)
        {
            case WebhookFormat.WeCom:
                return (url, Json(w =>
                {
                    w.WriteString("msgtype", "text");
                    w.WriteStartObject("text");
                    w.WriteString("content", TruncateUtf8(text, WeComMaxBytes));
                    w.WriteEndObject();
                }));
            case WebhookFormat.DingTalk:
                return (secret is null ? url : DingTalkSigned(url, secret, now), Json(w =>
                {
                    w.WriteString("msgtype", "text");
                    w.WriteStartObject("text");
                    w.WriteString("content", Truncate(text, MaxChars));
                    w.WriteEndObject();
                }));
            case WebhookFormat.Feishu:
                return (url, Json(w =>
                {
                    if (secret is not null)
                    {
                        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                        w.WriteString("timestamp", timestamp);
                        w.WriteString("sign", FeishuSign(secret, timestamp));
                    }

                    w.WriteString("msg_type", "post");
                    w.WriteStartObject("content");
                    w.WriteStartObject("post");
                    w.WriteStartObject(notification.Language == "zh" ? "zh_cn" : "en_us");
                    w.WriteString("title", notification.Title);
                    w.WriteStartArray("content");
                    foreach (var paragraph in Paragraphs(notification, recipients))
                    {
                        w.WriteStartArray();
                        w.WriteStartObject();
                        w.WriteString("tag", "text");
                        w.WriteString("text", paragraph);
                        w.WriteEndObject();
                        w.WriteEndArray();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndObject();
                }));
            case WebhookFormat.Slack:
                return (url, Json(w =>
                {
                    var mrkdwn = new StringBuilder("*").Append(SlackEscape(notification.Title)).Append('*');
                    foreach (var paragraph in Paragraphs(notification, recipients))
                    {
                        mrkdwn.Append('\n').Append(SlackEscape(paragraph));
                    }

                    w.WriteString("text", Truncate(mrkdwn.ToString(), MaxChars));
                }));
            case WebhookFormat.Teams:
                return (url, Json(w =>
                {
                    w.WriteString("type", "message");
                    w.WriteStartArray("attachments");
                    w.WriteStartObject();
                    w.WriteString("contentType", "application/vnd.microsoft.card.adaptive");
                    w.WriteStartObject("content");
                    w.WriteString("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
                    w.WriteString("type", "AdaptiveCard");
                    w.WriteString("version", "1.4");
                    w.WriteStartArray("body");

                    // Rich text runs, not TextBlocks: a TextBlock reads Markdown, a TextRun shows its text as it is.
                    RichText(w, notification.Title, bold: true);
                    foreach (var paragraph in Paragraphs(notification, recipients))
                    {
                        RichText(w, paragraph, bold: false);
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndArray();
                }));
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "not a chat format");
        }
    }

    /// <summary>
    /// What a 200 answer's body says about the message: null when the tool took it, else why not and whether trying
    /// again later can help (the tools' rate limits). A body without the tool's code is not taken as a yes.
    /// </summary>
    public static (string Error, bool Transient)? RefusalIn(WebhookFormat format, string? body)
    {
        if (!AnswersInBody(format))
        {
            return null;
        }

        long? code = null;
        string? message = null;
        try
        {
            using var document = JsonDocument.Parse(body ?? string.Empty);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (var (codeName, messageName) in new[] { ("errcode", "errmsg"), ("code", "msg"), ("StatusCode", "StatusMessage") })
                {
                    if (root.TryGetProperty(codeName, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
                    {
                        code = number;
                        message = root.TryGetProperty(messageName, out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
                        break;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not the tool's answer: said below.
        }

        if (code is null)
        {
            return ("the answer has no result code, so the message may not have been posted", false);
        }

        if (code == 0)
        {
            return null;
        }

        // -1 is "system busy" at WeCom and DingTalk; 45009 WeCom's rate limit, 410100 and 130101 DingTalk's, 11232 Feishu's.
        var transient = code is -1 or 45009 or 410100 or 130101 or 11232;
        return (string.Create(CultureInfo.InvariantCulture, $"code {code}{(message is { Length: > 0 } ? " " + OneLine(message) : string.Empty)}"), transient);
    }

    /// <summary>
    /// DingTalk's signature: HMAC-SHA256 keyed with the secret over <c>{timestamp}\n{secret}</c>, Base64, URL-encoded,
    /// with the timestamp in milliseconds, both added to the URL's query.
    /// </summary>
    public static Uri DingTalkSigned(Uri url, string secret, DateTimeOffset now)
    {
        var timestamp = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var hash = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "\n" + secret));
        var query = url.Query.TrimStart('?');
        var builder = new UriBuilder(url)
        {
            Query = (query.Length > 0 ? query + "&" : string.Empty) + "timestamp=" + timestamp + "&sign=" + Uri.EscapeDataString(Convert.ToBase64String(hash)),
        };
        return builder.Uri;
    }

    /// <summary>Feishu's signature: HMAC-SHA256 keyed with <c>{timestamp}\n{secret}</c> over nothing, Base64, with the timestamp in seconds.</summary>
    public static string FeishuSign(string secret, string timestamp) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(timestamp + "\n" + secret), Array.Empty<byte>()));

    /// <summary>The title, the message, the labelled lines, who it is for, and the event id, one paragraph each.</summary>
    private static List<string> Paragraphs(Notification notification, IReadOnlyList<EventRecipient> recipients)
    {
        var zh = notification.Language == "zh";
        var paragraphs = new List<string>();
        if (notification.Message is { } message)
        {
            paragraphs.Add(Truncate(message, 1000));
        }

        paragraphs.AddRange(notification.Lines.Select(l => $"{l.Label}: {l.Value}"));
        if (recipients.Count > 0)
        {
            paragraphs.Add((zh ? "通知对象: " : "For: ") + string.Join(zh ? "、" : ", ", recipients.Select(r => r.Name ?? r.Id)));
        }

        paragraphs.Add((zh ? "事件 " : "Event ") + notification.EventId);
        return paragraphs;
    }

    private static string PlainText(Notification notification, IReadOnlyList<EventRecipient> recipients) =>
        notification.Title + "\n\n" + string.Join('\n', Paragraphs(notification, recipients));

    private static void RichText(Utf8JsonWriter w, string text, bool bold)
    {
        w.WriteStartObject();
        w.WriteString("type", "RichTextBlock");
        w.WriteStartArray("inlines");
        w.WriteStartObject();
        w.WriteString("type", "TextRun");
        w.WriteString("text", text);
        if (bold)
        {
            w.WriteString("weight", "Bolder");
            w.WriteString("size", "Medium");
        }

        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Slack reads <c>&lt;…&gt;</c> as links and mentions; its documentation asks for these three to be escaped.</summary>
    private static string SlackEscape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Truncate(string text, int maxChars)
    {
        if (text.Length <= maxChars)
        {
            return text;
        }

        var cut = char.IsHighSurrogate(text[maxChars - 2]) ? maxChars - 2 : maxChars - 1;
        return text[..cut] + "…";
    }

    /// <summary>At most <paramref name="maxBytes"/> bytes of UTF-8, cut between characters, with an ellipsis when cut.</summary>
    private static string TruncateUtf8(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var budget = maxBytes - Encoding.UTF8.GetByteCount("…");
        var length = 0;
        var bytes = 0;
        while (length < text.Length)
        {
            var step = char.IsSurrogatePair(text, length) ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(text.AsSpan(length, step));
            if (bytes + size > budget)
            {
                break;
            }

            bytes += size;
            length += step;
        }

        return text[..length] + "…";
    }

    private static string OneLine(string text) => string.Concat(text.Take(200).Select(c => char.IsControl(c) ? ' ' : c));

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
