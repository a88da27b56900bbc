namespace SalesWorkflow.Plugins.Webhooks;

/// <summary>One receiver of webhook deliveries.</summary>
public sealed class WebhookEndpoint
{
    /// <summary>Absolute <c>http</c> or <c>https</c> URL the events are POSTed to. Credentials do not belong in it: use a secret.</summary>
    public required Uri Url { get; set; }

    /// <summary>Secret for this endpoint's signatures; overrides <see cref="WebhookOptions.Secret"/>.</summary>
    public string? Secret { get; set; }

    /// <summary>
    /// Event types this endpoint receives (e.g. <c>deal-won</c>, <c>escalation-raised</c>; case-insensitive). Null
    /// receives every event.
    /// </summary>
    public IReadOnlyList<string>? EventTypes { get; set; }
}
