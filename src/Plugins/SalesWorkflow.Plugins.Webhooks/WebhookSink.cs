using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using SalesWorkflow.Sdk.Events;

namespace SalesWorkflow.Plugins.Webhooks;

/// <summary>
/// Delivers events to one endpoint: POSTs the signed JSON, retries transient failures through the shared pipeline,
/// and on final failure appends a dead-letter record and throws so that the engine's outbox redelivers later.
/// Thread-safe: every call keeps its state in its own <see cref="Delivery"/>.
/// </summary>
internal sealed class WebhookSink : IProcessEventSink
{
    private static readonly string UserAgent = "SalesWorkflow-Webhooks/" + WebhooksPlugin.PluginVersion;
    private const int ExcerptBytes = 512;
    private const int AnswerBytes = 4096;
    private const int ExcerptChars = 200;

    private readonly byte[]? _secretKey;
    private readonly string? _chatSecret;
    private readonly FrozenSet<string>? _eventTypes;
    private readonly WebhookDelivery _shared;
    private readonly WebhookFormat _format;
    private readonly string _language;

    public WebhookSink(WebhookEndpoint endpoint, string? sharedSecret, WebhookDelivery shared)
    {
        Url = endpoint.Url;
        _format = endpoint.Format;
        _shared = shared;
        _language = endpoint.Language ?? ChatFormats.DefaultLanguage(endpoint.Format);
        if (_format == WebhookFormat.Raw)
        {
            Name = "webhooks:" + endpoint.Url.AbsoluteUri;
            DisplayUrl = endpoint.Url.AbsoluteUri;
            var secret = endpoint.Secret ?? sharedSecret;
            _secretKey = secret is null ? null : Encoding.UTF8.GetBytes(secret);
            _eventTypes = endpoint.EventTypes?.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        }
        else
        {
            // A chat tool's webhook URL is its credential (a key, a token, a signature in the path or query): it must
            // not reach the outbox's table, messages or dead letters. A short hash keeps two robots on one host apart.
            var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(endpoint.Url.AbsoluteUri)))[..8];
            var format = _format.ToString().ToLowerInvariant();
            Name = $"webhooks:{format}:{endpoint.Url.Host}:{id}";
            DisplayUrl = $"{endpoint.Url.Scheme}://{endpoint.Url.Authority}/… ({format} {id})";
            _chatSecret = ChatFormats.IsSigned(_format) ? endpoint.Secret : null;
            _eventTypes = (endpoint.EventTypes ?? (IEnumerable<string>)ChatFormats.EventsForPeople).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        }
    }

    /// <summary>
    /// Sink name, stable across restarts (the outbox stores it with each pending delivery): <c>webhooks:&lt;url&gt;</c>,
    /// or for a chat endpoint <c>webhooks:&lt;format&gt;:&lt;host&gt;:&lt;hash&gt;</c>, without the URL's secret parts.
    /// </summary>
    public string Name { get; }

    public Uri Url { get; }

    /// <summary>The URL as messages and dead letters show it: whole for a raw endpoint, without its credential for a chat one.</summary>
    public string DisplayUrl { get; }

    public bool IsSigned => _secretKey is not null || _chatSecret is not null;

    public async ValueTask EmitAsync(ProcessEvent processEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(processEvent);
        if (_eventTypes is not null && !_eventTypes.Contains(processEvent.Type))
        {
            return;
        }

        byte[]? body = null;
        Notification? notification = null;
        try
        {
            if (_format == WebhookFormat.Raw)
            {
                body = WebhookPayload.Serialize(processEvent);
            }
            else
            {
                notification = Notification.For(processEvent, _language);
            }
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            // Retrying cannot help; the record tells an operator which event could not be sent.
            var problem = $"the event's data is not valid JSON ({ex.Message}); not sent";
            throw new InvalidOperationException(Describe(processEvent, problem, WriteDeadLetter(processEvent, null, problem, 0)), ex);
        }

        var delivery = new Delivery(this, processEvent, body, notification);
        Outcome<AttemptResult> outcome;
        try
        {
            var result = await _shared.Pipeline.ExecuteAsync(static (d, ct) => d.Sink.SendAsync(d, ct), delivery, cancellationToken);
            outcome = Outcome.FromResult(result);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            outcome = Outcome.FromException<AttemptResult>(ex);
        }

        if (outcome.Exception is null && outcome.Result.IsSuccess)
        {
            return;
        }

        // Polly hands back the last outcome when the caller cancels between attempts: that is a shutdown, not a failure.
        cancellationToken.ThrowIfCancellationRequested();

        var (statusCode, failure) = Explain(outcome, delivery.Attempts);
        var message = Describe(processEvent, failure, WriteDeadLetter(processEvent, statusCode, failure, delivery.Attempts));
        throw new HttpRequestException(message, outcome.Exception, (HttpStatusCode?)statusCode);
    }

    /// <summary>Network errors and timeouts are worth another attempt (and are what the pipeline retries).</summary>
    internal static bool IsTransient(Exception exception) =>
        exception is HttpRequestException or TimeoutRejectedException or IOException;

    /// <summary>408, 429 and 5xx are worth another attempt.</summary>
    internal static bool IsTransient(int statusCode) =>
        statusCode is (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500 and <= 599;

    private async ValueTask<AttemptResult> SendAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        delivery.Attempts++;
        var processEvent = delivery.Event;

        // A fresh timestamp (and signature) per attempt: receivers reject stale ones to stop replays.
        var now = _shared.TimeProvider.GetUtcNow();
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var (url, body) = delivery.Notification is { } notification
            ? ChatFormats.Request(_format, Url, _chatSecret, notification, processEvent.Recipients, now)
            : (Url, delivery.Body!);
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(WebhookPayload.MediaType);
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        request.Headers.Add(WebhookPayload.EventIdHeader, processEvent.EventId);
        request.Headers.Add(WebhookPayload.EventTypeHeader, processEvent.Type);
        request.Headers.Add(WebhookPayload.TimestampHeader, timestamp);
        if (_secretKey is not null)
        {
            request.Headers.Add(WebhookPayload.SignatureHeader, WebhookPayload.Sign(_secretKey, timestamp, body));
        }

        using var response = await _shared.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            // WeCom, DingTalk and Feishu answer 200 to a message they refused (a bad signature, a rate limit).
            if (ChatFormats.AnswersInBody(_format) && ChatFormats.RefusalIn(_format, await ReadExcerptAsync(response.Content, cancellationToken, whole: true)) is { } refusal)
            {
                return new AttemptResult(status, null, null, refusal.Error, null) { Refused = true, RefusalIsTransient = refusal.Transient };
            }

            return new AttemptResult(status, null, null, null, null);
        }

        return new AttemptResult(
            status,
            response.ReasonPhrase,
            RetryAfter(response.Headers.RetryAfter),
            await ReadExcerptAsync(response.Content, cancellationToken),
            response.Headers.Location);
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        var delay = header?.Delta ?? (header?.Date is { } date ? date - _shared.TimeProvider.GetUtcNow() : null);
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }

    /// <summary>The start of an error response's body, on one line: receivers often say there what they did not like.</summary>
    private static async Task<string?> ReadExcerptAsync(HttpContent content, CancellationToken cancellationToken, bool whole = false)
    {
        try
        {
            var buffer = new byte[whole ? AnswerBytes : ExcerptBytes];
            var stream = await content.ReadAsStreamAsync(cancellationToken);
            await using (stream)
            {
                var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
                if (whole)
                {
                    return Encoding.UTF8.GetString(buffer, 0, read);
                }

                var text = string.Join(' ', Encoding.UTF8.GetString(buffer, 0, read).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
                return text.Length == 0 ? null : text.Length <= ExcerptChars ? text : text[..ExcerptChars] + "…";
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return null; // The status code is what matters; a body that cannot be read adds nothing.
        }
    }

    private (int? StatusCode, string Failure) Explain(Outcome<AttemptResult> outcome, int attempts)
    {
        var options = _shared.Options;
        var gaveUp = string.Create(CultureInfo.InvariantCulture, $"gave up after {attempts} attempt{(attempts == 1 ? "" : "s")}");
        switch (outcome.Exception)
        {
            case TimeoutRejectedException:
                return (null, $"no response within {WebhookOptionsValidator.Describe(options.Timeout)}; {gaveUp}");
            case { } exception:
                return (null, $"network error: {exception.Message}; {gaveUp}");
        }

        var result = outcome.Result;
        var answer = string.Create(CultureInfo.InvariantCulture, $"HTTP {result.StatusCode}{(result.ReasonPhrase is { Length: > 0 } reason ? " " + reason : "")}");
        if (result.ResponseExcerpt is not null)
        {
            answer += $" \"{result.ResponseExcerpt}\"";
        }

        string verdict;
        if (result.Refused)
        {
            answer = $"{_format} refused the message ({result.ResponseExcerpt})";
            verdict = result.RefusalIsTransient ? gaveUp : "not retried: the receiver rejected the message";
        }
        else if (result.StatusCode is >= 300 and <= 399)
        {
            verdict = $"redirects are not followed{(result.Location is null ? "" : $" (to {result.Location})")}: configure the final URL";
        }
        else if (!IsTransient(result.StatusCode))
        {
            verdict = "not retried: the receiver rejected the request";
        }
        else if (result.RetryAfter > options.MaxRetryDelay)
        {
            verdict = $"the receiver asked to retry after {WebhookOptionsValidator.Describe(result.RetryAfter.Value)}, longer than MaxRetryDelay ({WebhookOptionsValidator.Describe(options.MaxRetryDelay)}): left to the outbox's redelivery";
        }
        else
        {
            verdict = gaveUp;
        }

        return (result.StatusCode, $"{answer}; {verdict}");
    }

    /// <summary>Appends the dead-letter record when a file is configured; returns what to add to the exception message.</summary>
    private string WriteDeadLetter(ProcessEvent processEvent, int? statusCode, string failure, int attempts)
    {
        if (_shared.DeadLetters is not { } file)
        {
            return "";
        }

        try
        {
            file.Append(processEvent, DisplayUrl, statusCode, failure, attempts, _shared.TimeProvider.GetUtcNow());
            return $" Dead-letter record appended to {file.Path}.";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $" The dead-letter record could not be written to {file.Path}: {ex.Message}";
        }
    }

    private string Describe(ProcessEvent processEvent, string failure, string deadLetter) =>
        $"Webhook {DisplayUrl} did not take event {processEvent.EventId} ({processEvent.Type}) of deal {processEvent.DealId}: {failure}.{deadLetter}";

    /// <summary>One call of <see cref="EmitAsync"/>: what is sent, and how many attempts it took.</summary>
    private sealed class Delivery(WebhookSink sink, ProcessEvent processEvent, byte[]? body, Notification? notification)
    {
        public WebhookSink Sink { get; } = sink;

        public ProcessEvent Event { get; } = processEvent;

        /// <summary>The raw event's body, the same for every attempt; null for a chat format.</summary>
        public byte[]? Body { get; } = body;

        /// <summary>What a chat format says, built once; its request is built per attempt (signatures carry the time).</summary>
        public Notification? Notification { get; } = notification;

        public int Attempts { get; set; }
    }
}

/// <summary>What one attempt got back; the response itself is disposed before the pipeline decides anything.</summary>
internal readonly record struct AttemptResult(int StatusCode, string? ReasonPhrase, TimeSpan? RetryAfter, string? ResponseExcerpt, Uri? Location)
{
    /// <summary>A chat tool answered 200 and said in the body that it did not post the message.</summary>
    public bool Refused { get; init; }

    /// <summary>The refusal was a rate limit or a busy tool: worth another attempt.</summary>
    public bool RefusalIsTransient { get; init; }

    public bool IsSuccess => StatusCode is >= 200 and <= 299 && !Refused;

    /// <summary>Worth another attempt: 408, 429, 5xx, or a transient refusal.</summary>
    public bool IsTransient => Refused ? RefusalIsTransient : WebhookSink.IsTransient(StatusCode);
}

/// <summary>
/// What the sinks of one plugin instance share: the HTTP client, the clock, the dead-letter file and the resilience
/// pipeline (built once: retry with exponential back-off and jitter around a per-attempt timeout).
/// </summary>
internal sealed class WebhookDelivery
{
    public WebhookDelivery(WebhookOptions options, TimeProvider timeProvider, HttpClient httpClient)
    {
        Options = options;
        TimeProvider = timeProvider;
        HttpClient = httpClient;
        DeadLetters = options.DeadLetterPath is null ? null : new DeadLetterFile(options.DeadLetterPath);
        Pipeline = BuildPipeline(options, timeProvider);
    }

    /// <summary>The validated options (a copy the caller cannot change).</summary>
    public WebhookOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    public HttpClient HttpClient { get; }

    public DeadLetterFile? DeadLetters { get; }

    public ResiliencePipeline<AttemptResult> Pipeline { get; }

    private static ResiliencePipeline<AttemptResult> BuildPipeline(WebhookOptions options, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder<AttemptResult> { TimeProvider = timeProvider };
        if (options.RetryAttempts > 0)
        {
            var maxDelay = options.MaxRetryDelay;
            builder.AddRetry(new RetryStrategyOptions<AttemptResult>
            {
                MaxRetryAttempts = options.RetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = maxDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } exception
                    ? WebhookSink.IsTransient(exception)
                    : args.Outcome.Result.IsTransient && !(args.Outcome.Result.RetryAfter > maxDelay)),

                // Honour Retry-After (ShouldHandle already refused waits longer than MaxRetryDelay); else back off.
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is null ? args.Outcome.Result.RetryAfter : null),
            });
        }

        return builder.AddTimeout(options.Timeout).Build();
    }
}
