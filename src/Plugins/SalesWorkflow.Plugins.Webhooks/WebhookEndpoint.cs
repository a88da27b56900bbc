namespace SalesWorkflow.Plugins.Webhooks;

/// <summary>One receiver of webhook deliveries.</summary>
public sealed class WebhookEndpoint
{
    /// <summary>Absolute <c>http</c> or <c>https</c> URL the events are POSTed to. Credentials do not belong in it: use a secret.</summary>
    public required Uri Url { get; set; }

    /// <summary>
    /// Secret for this endpoint's signatures; overrides <see cref="WebhookOptions.Secret"/>. For DingTalk and Feishu, the
    /// robot's signing secret (the shared secret is not used for them); WeCom, Slack and Teams sign nothing.
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>What the endpoint accepts: the raw event (default) or a chat tool's message.</summary>
    public WebhookFormat Format { get; set; }

    /// <summary>
    /// The language a chat message is written in, <c>zh</c> or <c>en</c>; default Chinese for WeCom, DingTalk and
    /// Feishu, English for Slack and Teams. Not used by <see cref="WebhookFormat.Raw"/>.
    /// </summary>
    public string? Language { get; set; }

    /// <summary>
    /// Event types this endpoint receives (e.g. <c>deal-won</c>, <c>escalation-raised</c>; case-insensitive). Null
    /// receives every event, or for a chat format the events meant for people: <c>escalation-raised</c>,
    /// <c>task-overdue</c> and <c>complaint-sla-breached</c>.
    /// </summary>
    public IReadOnlyList<string>? EventTypes { get; set; }
}
