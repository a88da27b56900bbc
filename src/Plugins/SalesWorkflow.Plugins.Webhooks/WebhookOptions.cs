namespace SalesWorkflow.Plugins.Webhooks;

/// <summary>
/// Where and how the webhooks plugin delivers process events. Validated when a <see cref="WebhooksPlugin"/> is created
/// (every problem is reported at once); the plugin copies the values, so changing the options afterwards has no
/// effect. The same shape is read from <c>webhooks.json</c> (camelCase property names, time spans as
/// <c>hh:mm:ss</c>); see the plugin's README.
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>The receivers; each gets its own event sink, named <c>webhooks:&lt;url&gt;</c>. Empty means none.</summary>
    public IReadOnlyList<WebhookEndpoint> Endpoints { get; set; } = [];

    /// <summary>
    /// Shared secret used to sign requests to endpoints that have no <see cref="WebhookEndpoint.Secret"/> of their own
    /// (header <c>X-SalesWorkflow-Signature</c>). Null sends unsigned requests.
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>Time allowed for one attempt (connect, send, response headers). Default 10 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Retries after the first attempt, for network errors, timeouts, 408, 429 and 5xx answers. Default 3;
    /// 0 disables retries inside the sink (the engine's outbox still redelivers later).
    /// </summary>
    public int RetryAttempts { get; set; } = 3;

    /// <summary>
    /// Median delay before the first retry; later retries back off exponentially, with jitter. Default 1 second.
    /// </summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Longest wait between two attempts, back-off and <c>Retry-After</c> alike. A receiver that asks for a longer
    /// wait ends the delivery at once: it fails and the engine's outbox redelivers it later. Default 10 seconds.
    /// </summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// File to which every failed delivery appends one JSON line (event id, deal id, type, URL, status code or error,
    /// attempts, time). Null writes none. A relative path is resolved against the current directory (in
    /// <c>webhooks.json</c>: against the file's folder).
    /// </summary>
    public string? DeadLetterPath { get; set; }
}
