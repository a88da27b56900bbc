using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;

namespace SalesWorkflow.Import;

internal sealed record WebhookCall(string Method, Uri Url, IReadOnlyDictionary<string, string> Headers, ReadOnlyMemory<byte> Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    public string? Query(string name) => WebhookFormats.FormValues(Url.Query.TrimStart('?')).GetValueOrDefault(name);
}

internal enum WebhookEventKind
{
    Change,
    Deleted,
    Other,
}

/// <summary>One change a CRM's call reports: its id, the deal, when, and the properties it gives, as the payload names them.</summary>
internal sealed record WebhookEvent(string EventId, string? DealId, DateTimeOffset? OccurredAt, WebhookEventKind Kind, IReadOnlyDictionary<string, string> Properties, string? Note = null);

/// <summary>
/// The CRMs' webhook payloads and how each is authenticated (docs/import.md, "Live sync"): HubSpot signs (v3, HMAC-SHA256
/// with a timestamp); SalesWorkflow's own <c>json</c> envelope is signed the same way; Salesforce, Dynamics and Zoho do
/// not sign, so a call proves itself by a value only the CRM was given (the organization id, a key header, a token).
/// </summary>
internal static class WebhookFormats
{
    public const string SignatureHeader = "X-SalesWorkflow-Signature";
    public const string KeyHeader = "X-SalesWorkflow-Key";
    private const int MaxEvents = 1000;
    private static readonly JsonDocumentOptions Json = new() { MaxDepth = 32 };

    public static string? Verify(string format, WebhookCall call, byte[] secret, DateTimeOffset now, TimeSpan window) => format switch
    {
        "hubspot" => VerifyHubSpot(call, secret, now, window),
        "salesforce" => VerifySalesforce(call, secret),
        "dynamics" => SameSecret(call.Header(KeyHeader) ?? call.Query("code"), secret) ? null : $"the call carries no {KeyHeader} header (or `code` query value) equal to the webhook's secret: set it as an HttpHeader (or WebhookKey) in the Plug-in Registration Tool",
        "zoho" => SameSecret(call.Header(KeyHeader) ?? Parameters(call).GetValueOrDefault("token") ?? call.Query("token"), secret) ? null : "the call carries no `token` parameter (or header) equal to the webhook's secret: add it to the workflow webhook's parameters",
        _ => VerifySigned(call, secret, now, window),
    };

    public static (List<WebhookEvent>? Events, string? Problem) Read(string format, WebhookCall call, WebhookMapping webhook, string idColumn)
    {
        try
        {
            var events = format switch
            {
                "hubspot" => ReadHubSpot(call),
                "salesforce" => ReadSalesforce(call),
                "dynamics" => ReadDynamics(call),
                "zoho" => ReadZoho(call, webhook, idColumn),
                _ => ReadJson(call),
            };
            return events.Count > MaxEvents ? (null, $"the call holds {events.Count:N0} events; at most {MaxEvents:N0} are read from one call") : (events, null);
        }
        catch (JsonException e)
        {
            return (null, $"the body is not JSON: {e.Message.Split(" Path:", 2)[0]} (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1})");
        }
        catch (XmlException e)
        {
            return (null, $"the body is not XML: {e.Message.Split(" Line", 2)[0]} (line {e.LineNumber}, column {e.LinePosition})");
        }
        catch (WebhookPayloadException e)
        {
            return (null, e.Message);
        }
    }

    public static string SalesforceAck(bool ack) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
        + $"<notificationsResponse xmlns=\"http://soap.sforce.com/2005/09/outbound\"><Ack>{(ack ? "true" : "false")}</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>";

    /// <summary>Form values (<c>a=1&amp;b=2</c>), unescaped; the last of a repeated name wins.</summary>
    public static Dictionary<string, string> FormValues(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Unescape(at < 0 ? pair : pair[..at]);
            values[name] = at < 0 ? string.Empty : Unescape(pair[(at + 1)..]);
        }

        return values;

        static string Unescape(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
    }

    /// <summary>HubSpot's v3 signature: Base64 HMAC-SHA256, with the app's client secret, of method, URI, body and timestamp.</summary>
    private static string? VerifyHubSpot(WebhookCall call, byte[] secret, DateTimeOffset now, TimeSpan window)
    {
        var signature = call.Header("X-HubSpot-Signature-v3");
        var timestamp = call.Header("X-HubSpot-Request-Timestamp");
        if (signature is null || timestamp is null)
        {
            return "the call has no X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp headers: HubSpot signs every webhook call (v1 and v2 signatures carry no timestamp, so they are not accepted)";
        }

        if (WindowProblem(timestamp, milliseconds: true, now, window) is { } late)
        {
            return late;
        }

        var uri = HubSpotDecoded(call.Url.AbsoluteUri);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(call.Method + uri + Encoding.UTF8.GetString(call.Body.Span) + timestamp)));
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(signature))
            ? null
            : "the X-HubSpot-Signature-v3 does not match the body, URL and timestamp signed with the webhook's secret (the app's client secret)";
    }

    /// <summary>HubSpot signs the URI with these characters decoded.</summary>
    private static string HubSpotDecoded(string uri)
    {
        foreach (var (encoded, plain) in new[] { ("%3A", ":"), ("%2F", "/"), ("%3F", "?"), ("%40", "@"), ("%21", "!"), ("%24", "$"), ("%27", "'"), ("%28", "("), ("%29", ")"), ("%2A", "*"), ("%2C", ","), ("%3B", ";") })
        {
            uri = uri.Replace(encoded, plain, StringComparison.OrdinalIgnoreCase);
        }

        return uri;
    }

    /// <summary>The <c>json</c> format's signature: <c>X-SalesWorkflow-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t.body"&gt;</c>.</summary>
    private static string? VerifySigned(WebhookCall call, byte[] secret, DateTimeOffset now, TimeSpan window)
    {
        if (call.Header(SignatureHeader) is not { } header)
        {
            return $"the call has no {SignatureHeader} header (t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" with the webhook's secret>)";
        }

        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
        if (!parts.TryGetValue("t", out var timestamp) || !parts.TryGetValue("v1", out var signature))
        {
            return $"the {SignatureHeader} header is not `t=<unix seconds>,v1=<hex>`";
        }

        if (WindowProblem(timestamp, milliseconds: false, now, window) is { } late)
        {
            return late;
        }

        var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(call.Body.ToArray()).ToArray();
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(secret, signed));
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(signature.ToLowerInvariant()))
            ? null
            : $"the {SignatureHeader} does not match the body and timestamp signed with the webhook's secret";
    }

    private static string? WindowProblem(string timestamp, bool milliseconds, DateTimeOffset now, TimeSpan window)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > 253_402_300_799_000)
        {
            return $"the signature's timestamp `{(timestamp.Length > 20 ? timestamp[..20] + "…" : timestamp)}` is not a Unix time";
        }

        var signedAt = milliseconds ? DateTimeOffset.FromUnixTimeMilliseconds(value) : DateTimeOffset.FromUnixTimeSeconds(Math.Min(value, 253_402_300_799));
        return (now - signedAt).Duration() > window
            ? string.Create(CultureInfo.InvariantCulture, $"the call was signed at {signedAt:yyyy-MM-dd HH:mm:ss} UTC, more than {window.TotalMinutes:0.#} minutes from now ({now:HH:mm:ss} UTC): a replayed call, or a clock that is off")
            : null;
    }

    /// <summary>Salesforce outbound messages do not sign: the organization id in the message must be the one the webhook was given.</summary>
    private static string? VerifySalesforce(WebhookCall call, byte[] secret)
    {
        string? organization;
        try
        {
            organization = LoadXml(call).Descendants().FirstOrDefault(e => e.Name.LocalName == "OrganizationId")?.Value.Trim();
        }
        catch (XmlException e)
        {
            return $"the body is not an outbound message, so it cannot be verified: {e.Message.Split(" Line", 2)[0]} (line {e.LineNumber}, column {e.LinePosition})";
        }

        // Salesforce writes 18-character ids; the organization id under Setup is often copied as its 15-character form.
        return organization is not null && (SameSecret(organization, secret) || (organization.Length == 18 && SameSecret(organization[..15], secret)))
            ? null
            : "the outbound message's OrganizationId is not the webhook's secret (the id of the Salesforce organization that may call)";
    }

    private static bool SameSecret(string? given, byte[] secret) =>
        given is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(secret));

    /// <summary>HubSpot: a JSON array of events, one property change each (docs: webhooks API, deal.propertyChange).</summary>
    private static List<WebhookEvent> ReadHubSpot(WebhookCall call)
    {
        using var document = JsonDocument.Parse(call.Body, Json);
        var items = document.RootElement.ValueKind switch
        {
            JsonValueKind.Array => document.RootElement.EnumerateArray().ToList(),
            JsonValueKind.Object => [document.RootElement],
            _ => throw new WebhookPayloadException("a HubSpot webhook call is a JSON array of events"),
        };
        var events = new List<WebhookEvent>();
        foreach (var (item, index) in items.Select((item, index) => (item, index)))
        {
            var id = Text(item, "eventId") ?? throw new WebhookPayloadException($"event {index + 1} has no `eventId`");
            var type = Text(item, "subscriptionType") ?? string.Empty;
            var deal = Text(item, "objectId");
            DateTimeOffset? at = long.TryParse(Text(item, "occurredAt"), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms < 253_402_300_799_000 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
            events.Add(type switch
            {
                "deal.propertyChange" when Text(item, "propertyName") is { } property =>
                    new WebhookEvent(id, deal, at, WebhookEventKind.Change, new Dictionary<string, string>(StringComparer.Ordinal) { [property] = Text(item, "propertyValue") ?? string.Empty }),
                "deal.creation" => new WebhookEvent(id, deal, at, WebhookEventKind.Change, new Dictionary<string, string>()),
                "deal.deletion" => new WebhookEvent(id, deal, at, WebhookEventKind.Deleted, new Dictionary<string, string>()),
                _ => new WebhookEvent(id, null, at, WebhookEventKind.Other, new Dictionary<string, string>(), $"`{type}` is not a deal change SalesWorkflow follows (deal.propertyChange, deal.creation, deal.deletion)"),
            });
        }

        return events;
    }

    /// <summary>Salesforce: a SOAP outbound message, one notification per changed record, the record's chosen fields in its sObject.</summary>
    private static List<WebhookEvent> ReadSalesforce(WebhookCall call)
    {
        var notifications = LoadXml(call).Descendants().Where(e => e.Name.LocalName == "Notification").ToList();
        if (notifications.Count == 0)
        {
            throw new WebhookPayloadException("the outbound message holds no Notification");
        }

        var events = new List<WebhookEvent>();
        foreach (var (notification, index) in notifications.Select((n, i) => (n, i)))
        {
            var id = Child(notification, "Id")?.Value.Trim() is { Length: > 0 } notificationId ? notificationId : throw new WebhookPayloadException($"notification {index + 1} has no Id");
            var record = Child(notification, "sObject") ?? throw new WebhookPayloadException($"notification {id} has no sObject");
            var type = record.Attributes().FirstOrDefault(a => a.Name.LocalName == "type")?.Value ?? string.Empty;
            var fields = record.Elements().GroupBy(e => e.Name.LocalName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value.Trim(), StringComparer.Ordinal);
            DateTimeOffset? at = fields.TryGetValue("LastModifiedDate", out var modified) && DateTimeOffset.TryParse(modified, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
            events.Add(type.EndsWith("Opportunity", StringComparison.Ordinal)
                ? new WebhookEvent(id, fields.GetValueOrDefault("Id"), at, WebhookEventKind.Change, fields)
                : new WebhookEvent(id, null, at, WebhookEventKind.Other, new Dictionary<string, string>(), $"a {(type.Length == 0 ? "record of no type" : type)}, not an Opportunity"));
        }

        return events;
    }

    /// <summary>Dynamics 365: a RemoteExecutionContext; the opportunity's attributes from its post-image, else the message's target.</summary>
    private static List<WebhookEvent> ReadDynamics(WebhookCall call)
    {
        using var document = JsonDocument.Parse(call.Body, Json);
        var context = document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement : throw new WebhookPayloadException("a Dynamics webhook call is a JSON object (a RemoteExecutionContext)");
        var id = Text(context, "OperationId") is { } operation && operation != Guid.Empty.ToString() ? operation
            : Text(context, "RequestId") ?? Text(context, "CorrelationId") ?? throw new WebhookPayloadException("the execution context has no OperationId, RequestId or CorrelationId");
        var message = Text(context, "MessageName") ?? string.Empty;
        var entity = Text(context, "PrimaryEntityName") ?? string.Empty;
        var deal = Text(context, "PrimaryEntityId");
        var at = DynamicsDate(Text(context, "OperationCreatedOn"));
        if (entity != "opportunity")
        {
            return [new WebhookEvent(id, null, at, WebhookEventKind.Other, new Dictionary<string, string>(), $"a `{message}` of a{(entity.Length == 0 ? " record of no type" : $" {entity}")}, not an opportunity")];
        }

        if (message == "Delete")
        {
            return [new WebhookEvent(id, deal, at, WebhookEventKind.Deleted, new Dictionary<string, string>())];
        }

        var image = Parameter(context, "PostEntityImages", null) ?? Parameter(context, "InputParameters", "Target");
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        if (image is { ValueKind: JsonValueKind.Object } record)
        {
            var formatted = Pairs(record, "FormattedValues").ToDictionary(p => p.Key, p => Text(p.Value) ?? string.Empty, StringComparer.Ordinal);
            foreach (var (key, value) in Pairs(record, "Attributes"))
            {
                // An option set's label (Status: Won) is what the export shows; a reference's name (Owner) too.
                properties[key] = formatted.TryGetValue(key, out var label) ? label
                    : value.ValueKind == JsonValueKind.Object ? Text(value, "Name") ?? Text(value, "Value") ?? Text(value, "Id") ?? string.Empty
                    : DynamicsDate(Text(value)) is { } date ? date.ToString("O", CultureInfo.InvariantCulture) : Text(value) ?? string.Empty;
            }
        }

        return [new WebhookEvent(id, deal, at, WebhookEventKind.Change, properties)];
    }

    /// <summary>Zoho CRM: the parameters the workflow rule's webhook sends, as a form or a JSON object; <c>token</c> is the secret, not a field.</summary>
    private static List<WebhookEvent> ReadZoho(WebhookCall call, WebhookMapping webhook, string idColumn)
    {
        var parameters = Parameters(call);
        parameters.Remove("token");
        if (parameters.Count == 0)
        {
            throw new WebhookPayloadException("the call holds no parameters: add the deal's fields to the workflow webhook's parameters");
        }

        var id = webhook.EventIdProperty is { } property && parameters.TryGetValue(property, out var given) && given.Length > 0
            ? given
            : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)))))[..32];
        var dealProperty = webhook.Properties.FirstOrDefault(p => p.Value == idColumn).Key ?? idColumn;
        return [new WebhookEvent(id, parameters.GetValueOrDefault(dealProperty), null, WebhookEventKind.Change, parameters)];
    }

    /// <summary>SalesWorkflow's envelope: <c>{"events": [{"id", "deal", "occurredAt", "type", "properties": {…}}]}</c>, or one such event.</summary>
    private static List<WebhookEvent> ReadJson(WebhookCall call)
    {
        using var document = JsonDocument.Parse(call.Body, Json);
        var root = document.RootElement;
        var items = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("events", out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToList()
            : root.ValueKind == JsonValueKind.Object ? [root]
            : throw new WebhookPayloadException("the body is a JSON object: {\"events\": [{\"id\": …, \"deal\": …, \"properties\": {…}}]}");
        var events = new List<WebhookEvent>();
        foreach (var (item, index) in items.Select((item, index) => (item, index)))
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new WebhookPayloadException($"event {index + 1} is not a JSON object");
            }

            var id = Text(item, "id") is { Length: > 0 } eventId ? eventId : throw new WebhookPayloadException($"event {index + 1} has no `id`");
            DateTimeOffset? at = null;
            if (Text(item, "occurredAt") is { } written)
            {
                at = DateTimeOffset.TryParse(written, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : throw new WebhookPayloadException($"event {id}: `occurredAt` `{Short(written)}` is not an ISO 8601 time");
            }

            var kind = Text(item, "type") switch
            {
                null or "change" => WebhookEventKind.Change,
                "deleted" => WebhookEventKind.Deleted,
                var other => throw new WebhookPayloadException($"event {id}: `type` is `change` or `deleted`, not `{Short(other)}`"),
            };
            var properties = new Dictionary<string, string>(StringComparer.Ordinal);
            if (item.TryGetProperty("properties", out var values))
            {
                if (values.ValueKind != JsonValueKind.Object)
                {
                    throw new WebhookPayloadException($"event {id}: `properties` is an object of property → value");
                }

                foreach (var value in values.EnumerateObject())
                {
                    properties[value.Name] = Text(value.Value) ?? string.Empty;
                }
            }

            events.Add(new WebhookEvent(id, Text(item, "deal"), at, kind, properties));
        }

        return events;
    }

    private static Dictionary<string, string> Parameters(WebhookCall call)
    {
        var body = Encoding.UTF8.GetString(call.Body.Span).Trim();
        if (!body.StartsWith('{'))
        {
            return FormValues(body);
        }

        using var document = JsonDocument.Parse(body, Json);
        return document.RootElement.EnumerateObject().GroupBy(p => p.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Text(g.Last().Value) ?? string.Empty, StringComparer.Ordinal);
    }

    private static XDocument LoadXml(WebhookCall call)
    {
        // No DTDs, no external entities, a bounded size: an outbound message needs none of them.
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 4 * 1024 * 1024, IgnoreComments = true };
        using var stream = new MemoryStream(call.Body.ToArray(), writable: false);
        using var reader = XmlReader.Create(stream, settings);
        return XDocument.Load(reader);
    }

    private static XElement? Child(XElement element, string name) => element.Elements().FirstOrDefault(e => e.Name.LocalName == name);

    /// <summary>A Dynamics date, <c>/Date(1764547200000)/</c>, as a moment; null for anything else.</summary>
    private static DateTimeOffset? DynamicsDate(string? text) =>
        text is { Length: > 8 } && text.StartsWith("/Date(", StringComparison.Ordinal) && text.EndsWith(")/", StringComparison.Ordinal)
        && long.TryParse(text[6..^2].Split('+', '-')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms < 253_402_300_799_000
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;

    /// <summary>The value of the pair named <paramref name="key"/> (or the first) of a Dynamics list of <c>{key, value}</c>.</summary>
    private static JsonElement? Parameter(JsonElement context, string list, string? key) =>
        Pairs(context, list).Where(p => key is null || p.Key == key).Select(p => (JsonElement?)p.Value).FirstOrDefault();

    private static IEnumerable<(string Key, JsonElement Value)> Pairs(JsonElement element, string list) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(list, out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object && Text(i, "key") is not null && i.TryGetProperty("value", out _)).Select(i => (Text(i, "key")!, i.GetProperty("value")))
            : [];

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) ? Text(value) : null;

    /// <summary>A scalar as text (a number as written); null for null, objects and arrays.</summary>
    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    private static string Short(string text) => text.Length > 40 ? text[..40] + "…" : text;
}

/// <summary>A payload that reads as JSON or XML but not as the CRM's shape.</summary>
internal sealed class WebhookPayloadException(string message) : Exception(message);
