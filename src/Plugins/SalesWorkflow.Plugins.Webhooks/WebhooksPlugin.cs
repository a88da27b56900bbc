using System.Text;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Plugins.Webhooks;

/// <summary>
/// Delivers committed process events to HTTP endpoints as JSON webhooks, signed with HMAC-SHA256 when a secret is set.
/// Registers one event sink per endpoint, named <c>webhooks:&lt;url&gt;</c>, so a failing endpoint never holds up
/// another's deliveries. Delivery is at least once: receivers dedupe on the <c>X-SalesWorkflow-Event-Id</c> header.
/// </summary>
/// <remarks>
/// Transient failures (network errors, timeouts, 408, 429, 5xx) are retried with exponential back-off and jitter,
/// honouring <c>Retry-After</c>; when a delivery finally fails, the sink appends a dead-letter record (if configured)
/// and throws, and the engine's outbox redelivers it later. The sinks are thread-safe and share one
/// <see cref="HttpClient"/>; creating the plugin validates its options and is cheap.
/// </remarks>
public sealed class WebhooksPlugin : ISalesWorkflowPlugin
{
    internal static readonly string PluginVersion = SdkVersion.Of(typeof(WebhooksPlugin).Assembly);

    // One client for the process (pooled connections, DNS refreshed every few minutes). The per-attempt timeout is
    // the pipeline's, and redirects are not followed: HttpClient would turn the POST into a GET.
    private static readonly HttpClient DefaultHttpClient = new(
        new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false,
            UseCookies = false,

            // Ids and event types are ASCII in practice; UTF-8 keeps a non-ASCII deal id from failing every attempt.
            RequestHeaderEncodingSelector = static (_, _) => Encoding.UTF8,
        })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };

    private readonly Func<IReadOnlyList<WebhookSink>> _createSinks;
    private IReadOnlyList<WebhookSink>? _sinks;

    /// <summary>
    /// Creates the plugin as the engine does when it loads it from a folder. The configuration is read when the
    /// engine calls <see cref="Register"/>: from <c>webhooks.json</c> next to the plugin assembly if that file exists,
    /// else from the environment variables <c>SALESWORKFLOW_WEBHOOK_URLS</c> (comma-separated URLs) and
    /// <c>SALESWORKFLOW_WEBHOOK_SECRET</c>. Without either the plugin registers nothing.
    /// </summary>
    public WebhooksPlugin()
        : this(WebhooksConfiguration.PluginDirectory, Environment.GetEnvironmentVariable, TimeProvider.System, DefaultHttpClient)
    {
    }

    /// <summary>Creates the plugin with the given options (for in-process use, e.g. through dependency injection).</summary>
    /// <param name="options">Endpoints and delivery settings; validated now, and copied.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public WebhooksPlugin(WebhookOptions options)
        : this(options, TimeProvider.System)
    {
    }

    /// <summary>Creates the plugin with the given options and clock (timestamps, back-off delays and timeouts use it).</summary>
    /// <param name="options">Endpoints and delivery settings; validated now, and copied.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> outside tests.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public WebhooksPlugin(WebhookOptions options, TimeProvider timeProvider)
        : this(options, timeProvider, DefaultHttpClient)
    {
    }

    internal WebhooksPlugin(WebhookOptions options, TimeProvider timeProvider, HttpClient httpClient)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(httpClient);
        var problems = WebhookOptionsValidator.Validate(options);
        if (problems.Count > 0)
        {
            throw new ArgumentException(Invalid(nameof(WebhookOptions), problems), nameof(options));
        }

        var sinks = CreateSinks(Copy(options), timeProvider, httpClient);
        _createSinks = () => sinks;
    }

    internal WebhooksPlugin(string configurationDirectory, Func<string, string?> environment, TimeProvider timeProvider, HttpClient httpClient)
    {
        _createSinks = () =>
        {
            var options = WebhooksConfiguration.Load(configurationDirectory, environment, out var source);
            if (options is null)
            {
                return [];
            }

            var problems = WebhookOptionsValidator.Validate(options);
            return problems.Count > 0
                ? throw new InvalidOperationException(Invalid(source, problems))
                : CreateSinks(Copy(options), timeProvider, httpClient);
        };
    }

    /// <summary>The plugin's name: <c>webhooks</c>.</summary>
    public string Name => "webhooks";

    /// <summary>The plugin's version.</summary>
    public string Version => PluginVersion;

    /// <summary>
    /// Adds one event sink per configured endpoint, named <c>webhooks:&lt;url&gt;</c> (the URL in its canonical
    /// absolute form). Adds nothing when there is no configuration.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The plugin was loaded from a folder and its configuration is invalid; the message names the file or variable
    /// and lists every problem. The engine then reports the plugin as not loaded and starts without it.
    /// </exception>
    public void Register(IPluginRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _sinks ??= _createSinks();
        foreach (var sink in _sinks)
        {
            registry.AddEventSink(sink.Name, sink);
        }
    }

    private static WebhookSink[] CreateSinks(WebhookOptions options, TimeProvider timeProvider, HttpClient httpClient)
    {
        var delivery = new WebhookDelivery(options, timeProvider, httpClient);
        return [.. options.Endpoints.Select(endpoint => new WebhookSink(endpoint, options.Secret, delivery))];
    }

    private static string Invalid(string source, IReadOnlyList<string> problems) =>
        $"Invalid configuration in {source}:{Environment.NewLine}- {string.Join(Environment.NewLine + "- ", problems)}";

    /// <summary>A deep copy, so that changing the caller's options later changes nothing here.</summary>
    private static WebhookOptions Copy(WebhookOptions options) => new()
    {
        Endpoints = [.. options.Endpoints.Select(e => new WebhookEndpoint { Url = e.Url, Secret = e.Secret, EventTypes = e.EventTypes is null ? null : [.. e.EventTypes], Format = e.Format, Language = e.Language })],
        Secret = options.Secret,
        Timeout = options.Timeout,
        RetryAttempts = options.RetryAttempts,
        RetryBaseDelay = options.RetryBaseDelay,
        MaxRetryDelay = options.MaxRetryDelay,
        DeadLetterPath = options.DeadLetterPath is null ? null : Path.GetFullPath(options.DeadLetterPath),
    };
}
