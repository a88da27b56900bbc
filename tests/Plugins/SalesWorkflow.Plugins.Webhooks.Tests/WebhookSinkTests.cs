using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace SalesWorkflow.Plugins.Webhooks.Tests;

public sealed class WebhookSinkTests : IDisposable
{
    private readonly string _directory = TestData.TempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string DeadLetterPath => Path.Combine(_directory, "dead-letters.jsonl");

    [Fact]
    public async Task EmitAsync_Event_PostsCamelCaseJsonWithDataAsObject()
    {
        await using var receiver = WebhookReceiver.Start(Reply.Ok);
        var sink = TestData.Sink(TestData.Options(receiver.Url), TestData.Clock());

        await sink.DeliverAsync(TestData.Event());

        var request = Assert.Single(receiver.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/hooks", request.Path);
        Assert.Equal("application/json", request.ContentType);
        using var json = JsonDocument.Parse(request.Body);
        var root = json.RootElement;
        Assert.Equal(
            ["eventId", "sequence", "dealId", "type", "at", "processId", "processVersion", "stage", "data"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("deal-42:7", root.GetProperty("eventId").GetString());
        Assert.Equal(1007, root.GetProperty("sequence").GetInt64());
        Assert.Equal("deal-42", root.GetProperty("dealId").GetString());
        Assert.Equal("deal-won", root.GetProperty("type").GetString());
        Assert.Equal(TestData.Event().At, root.GetProperty("at").GetDateTimeOffset());
        Assert.Equal("standard-b2b", root.GetProperty("processId").GetString());
        Assert.Equal(3, root.GetProperty("processVersion").GetInt32());
        Assert.Equal("closed-won", root.GetProperty("stage").GetString());
        var data = root.GetProperty("data");
        Assert.Equal(JsonValueKind.Object, data.ValueKind);
        Assert.Equal(125000, data.GetProperty("amount").GetInt32());
        Assert.Equal(["champion", "budget"], data.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task EmitAsync_EmptyData_SendsEmptyObject()
    {
        await using var receiver = WebhookReceiver.Start(Reply.Ok);
        var sink = TestData.Sink(TestData.Options(receiver.Url), TestData.Clock());

        await sink.DeliverAsync(TestData.Event(dataJson: ""));

        using var json = JsonDocument.Parse(Assert.Single(receiver.Requests).Body);
        Assert.Equal("{}", json.RootElement.GetProperty("data").GetRawText());
    }

    [Fact]
    public async Task EmitAsync_Event_SendsIdTypeAndTimestampHeadersButNoSignatureWithoutSecret()
    {
        await using var receiver = WebhookReceiver.Start(Reply.Ok);
        var sink = TestData.Sink(TestData.Options(receiver.Url), TestData.Clock());

        await sink.DeliverAsync(TestData.Event());

        var request = Assert.Single(receiver.Requests);
        Assert.Equal("deal-42:7", request.Header("X-SalesWorkflow-Event-Id"));
        Assert.Equal("deal-won", request.Header("X-SalesWorkflow-Event-Type"));
        Assert.Equal(TestData.StartUnixSeconds.ToString(CultureInfo.InvariantCulture), request.Header("X-SalesWorkflow-Timestamp"));
        Assert.StartsWith("SalesWorkflow-Webhooks/1.0.0", request.Header("User-Agent"), StringComparison.Ordinal);
        Assert.False(request.Headers.ContainsKey("X-SalesWorkflow-Signature"));
    }

    [Fact]
    public async Task EmitAsync_NonAsciiEventId_IsDelivered()
    {
        await using var receiver = WebhookReceiver.Start(Reply.Ok);
        var sink = TestData.Sink(TestData.Options(receiver.Url), TestData.Clock());

        await sink.DeliverAsync(TestData.Event() with { EventId = "müller-gmbh-2025:3", DealId = "müller-gmbh-2025" });

        using var json = JsonDocument.Parse(Assert.Single(receiver.Requests).Body);
        Assert.Equal("müller-gmbh-2025:3", json.RootElement.GetProperty("eventId").GetString());
    }

    [Fact]
    public async Task EmitAsync_WithSecret_SignatureVerifiesWithTheSecretOnly()
    {
        await using var receiver = WebhookReceiver.Start(Reply.Ok);
        var options = TestData.Options(receiver.Url);
        options.Secret = "whsec-shared-3f9a";
        var sink = TestData.Sink(options, TestData.Clock());

        await sink.DeliverAsync(TestData.Event());

        var request = Assert.Single(receiver.Requests);
        var timestamp = request.Header("X-SalesWorkflow-Timestamp");
        var signature = request.Header("X-SalesWorkflow-Signature");
        Assert.Matches("^sha256=[0-9a-f]{64}$", signature);
        Assert.True(TestData.SignatureIsValid("whsec-shared-3f9a", timestamp, request.Body, signature));
        Assert.False(TestData.SignatureIsValid("another-secret", timestamp, request.Body, signature));
        Assert.False(TestData.SignatureIsValid("whsec-shared-3f9a", (TestData.StartUnixSeconds + 1).ToString(CultureInfo.InvariantCulture), request.Body, signature));
        Assert.False(TestData.SignatureIsValid("whsec-shared-3f9a", timestamp, [.. request.Body, (byte)' '], signature));
    }

    [Fact]
    public async Task EmitAsync_EndpointSecret_OverridesTheSharedSecret()
    {
        await using var own = WebhookReceiver.Start(Reply.Ok);
        await using var shared = WebhookReceiver.Start(Reply.Ok);
        var options = new WebhookOptions
        {
            Endpoints = [new WebhookEndpoint { Url = own.Url, Secret = "endpoint-secret" }, new WebhookEndpoint { Url = shared.Url }],
            Secret = "shared-secret",
        };
        var sinks = TestData.Sinks(options, TestData.Clock());

        foreach (var sink in sinks)
        {
            await sink.DeliverAsync(TestData.Event());
        }

        var toOwn = Assert.Single(own.Requests);
        var toShared = Assert.Single(shared.Requests);
        Assert.True(TestData.SignatureIsValid("endpoint-secret", toOwn.Header("X-SalesWorkflow-Timestamp"), toOwn.Body, toOwn.Header("X-SalesWorkflow-Signature")));
        Assert.False(TestData.SignatureIsValid("shared-secret", toOwn.Header("X-SalesWorkflow-Timestamp"), toOwn.Body, toOwn.Header("X-SalesWorkflow-Signature")));
        Assert.True(TestData.SignatureIsValid("shared-secret", toShared.Header("X-SalesWorkflow-Timestamp"), toShared.Body, toShared.Header("X-SalesWorkflow-Signature")));
    }

    [Fact]
    public async Task EmitAsync_EventTypeFilter_SendsOnlyListedTypes()
    {
        await using var receiver = WebhookReceiver.Start(Reply.Ok);
        var options = new WebhookOptions { Endpoints = [new WebhookEndpoint { Url = receiver.Url, EventTypes = ["Deal-Won", "escalation-raised"] }] };
        var sink = TestData.Sink(options, TestData.Clock());

        await sink.DeliverAsync(TestData.Event("stage-changed"));
        await sink.DeliverAsync(TestData.Event("deal-won"));
        await sink.DeliverAsync(TestData.Event("risk-raised"));
        await sink.DeliverAsync(TestData.Event("escalation-raised"));

        Assert.Equal(["deal-won", "escalation-raised"], receiver.Requests.Select(r => r.Header("X-SalesWorkflow-Event-Type")));
    }

    [Fact]
    public async Task EmitAsync_503Then503ThenOk_RetriesUntilDelivered()
    {
        await using var receiver = WebhookReceiver.Start(new Reply(503), new Reply(503), Reply.Ok);
        var options = TestData.Options(receiver.Url);
        options.DeadLetterPath = DeadLetterPath;
        var sink = TestData.Sink(options, TestData.Clock());

        await sink.DeliverAsync(TestData.Event());

        Assert.Equal(3, receiver.Requests.Count);
        Assert.All(receiver.Requests, r => Assert.Equal("deal-42:7", r.Header("X-SalesWorkflow-Event-Id")));
        Assert.Single(receiver.Requests.Select(r => Encoding.UTF8.GetString(r.Body)).Distinct());
        Assert.False(File.Exists(DeadLetterPath));
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    public async Task EmitAsync_TransientStatus_IsRetried(int status)
    {
        await using var receiver = WebhookReceiver.Start(new Reply(status), Reply.Ok);
        var sink = TestData.Sink(TestData.Options(receiver.Url), TestData.Clock());

        await sink.DeliverAsync(TestData.Event());

        Assert.Equal(2, receiver.Requests.Count);
    }

    [Fact]
    public async Task EmitAsync_RetryAfter_WaitsAsLongAsTheReceiverAsks()
    {
        var retryAfter = new Dictionary<string, string> { ["Retry-After"] = "30" };
        await using var receiver = WebhookReceiver.Start(new Reply(429, Headers: retryAfter), Reply.Ok);
        var clock = TestData.Clock();
        var options = TestData.Options(receiver.Url); // No back-off of its own: only Retry-After can delay the retry.
        options.MaxRetryDelay = TimeSpan.FromMinutes(1);
        var sink = TestData.Sink(options, clock);

        var emit = sink.DeliverAsync(TestData.Event());
        await receiver.WaitForRequestsAsync(1);
        var advanced = TimeSpan.Zero;
        while (!await receiver.HasRequestsWithinAsync(2, TimeSpan.FromMilliseconds(15)) && advanced < TimeSpan.FromSeconds(60))
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            advanced += TimeSpan.FromSeconds(1);
        }

        await emit;
        Assert.Equal(2, receiver.Requests.Count);
        Assert.True(advanced >= TimeSpan.FromSeconds(30), $"retried after {advanced} of the 30 s asked for");
        var first = long.Parse(receiver.Requests[0].Header("X-SalesWorkflow-Timestamp"), CultureInfo.InvariantCulture);
        var second = long.Parse(receiver.Requests[1].Header("X-SalesWorkflow-Timestamp"), CultureInfo.InvariantCulture);
        Assert.True(second - first >= 30, "each attempt carries a fresh timestamp");
    }

    [Fact]
    public async Task EmitAsync_RetryAfterLongerThanMaxRetryDelay_FailsAtOnceForTheOutboxToRedeliver()
    {
        var retryAfter = new Dictionary<string, string> { ["Retry-After"] = "120" };
        await using var receiver = WebhookReceiver.Start(new Reply(503, Headers: retryAfter), Reply.Ok);
        var options = TestData.Options(receiver.Url);
        options.DeadLetterPath = DeadLetterPath;
        var sink = TestData.Sink(options, TestData.Clock());

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => sink.DeliverAsync(TestData.Event()));

        Assert.Single(receiver.Requests);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Contains("retry after 120 s, longer than MaxRetryDelay (10 s)", error.Message, StringComparison.Ordinal);
        Assert.Single(File.ReadAllLines(DeadLetterPath));
    }

    [Fact]
    public async Task EmitAsync_400_IsNotRetriedWritesDeadLetterAndThrows()
    {
        await using var receiver = WebhookReceiver.Start(new Reply(400, """{"error":"unknown field 'stage'"}"""), Reply.Ok);
        var options = TestData.Options(receiver.Url);
        options.DeadLetterPath = DeadLetterPath;
        var sink = TestData.Sink(options, TestData.Clock());

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => sink.DeliverAsync(TestData.Event()));

        Assert.Single(receiver.Requests);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains(receiver.Url.AbsoluteUri, error.Message, StringComparison.Ordinal);
        Assert.Contains("deal-42:7", error.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 400 Bad Request", error.Message, StringComparison.Ordinal);
        Assert.Contains("unknown field 'stage'", error.Message, StringComparison.Ordinal);
        Assert.Contains("not retried", error.Message, StringComparison.Ordinal);
        Assert.Contains(DeadLetterPath, error.Message, StringComparison.Ordinal);

        using var record = JsonDocument.Parse(Assert.Single(File.ReadAllLines(DeadLetterPath)));
        var root = record.RootElement;
        Assert.Equal("deal-42:7", root.GetProperty("eventId").GetString());
        Assert.Equal("deal-42", root.GetProperty("dealId").GetString());
        Assert.Equal("deal-won", root.GetProperty("type").GetString());
        Assert.Equal(receiver.Url.AbsoluteUri, root.GetProperty("url").GetString());
        Assert.Equal(400, root.GetProperty("statusCode").GetInt32());
        Assert.Contains("HTTP 400", root.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, root.GetProperty("attempts").GetInt32());
        Assert.Equal(TestData.Start, root.GetProperty("failedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task EmitAsync_ServerErrorEveryTime_GivesUpAfterRetriesAndRecordsTheAttempts()
    {
        await using var receiver = WebhookReceiver.Start(new Reply(500));
        var options = TestData.Options(receiver.Url);
        options.RetryAttempts = 2;
        options.DeadLetterPath = DeadLetterPath;
        var sink = TestData.Sink(options, TestData.Clock());

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => sink.DeliverAsync(TestData.Event()));

        Assert.Equal(3, receiver.Requests.Count);
        Assert.Contains("gave up after 3 attempts", error.Message, StringComparison.Ordinal);
        using var record = JsonDocument.Parse(Assert.Single(File.ReadAllLines(DeadLetterPath)));
        Assert.Equal(3, record.RootElement.GetProperty("attempts").GetInt32());
        Assert.Equal(500, record.RootElement.GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public async Task EmitAsync_TwoFailures_AppendTwoDeadLetterLines()
    {
        await using var receiver = WebhookReceiver.Start(new Reply(422));
        var options = TestData.Options(receiver.Url);
        options.DeadLetterPath = Path.Combine(_directory, "nested", "dead.jsonl");
        var sink = TestData.Sink(options, TestData.Clock());

        await Assert.ThrowsAsync<HttpRequestException>(() => sink.DeliverAsync(TestData.Event()));
        await Assert.ThrowsAsync<HttpRequestException>(() => sink.DeliverAsync(TestData.Event("escalation-raised")));

        var lines = File.ReadAllLines(options.DeadLetterPath);
        Assert.Equal(["deal-won", "escalation-raised"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task EmitAsync_NoAnswerWithinTimeout_IsRetried()
    {
        await using var receiver = WebhookReceiver.Start(Reply.NoAnswer, Reply.Ok);
        var clock = TestData.Clock();
        var options = TestData.Options(receiver.Url);
        options.Timeout = TimeSpan.FromSeconds(5);
        var sink = TestData.Sink(options, clock);

        var emit = sink.DeliverAsync(TestData.Event());
        await receiver.WaitForRequestsAsync(1);
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(await receiver.HasRequestsWithinAsync(2, TimeSpan.FromMilliseconds(100)), "retried before the timeout");
        clock.Advance(TimeSpan.FromSeconds(1));

        await emit;
        Assert.Equal(2, receiver.Requests.Count);
    }

    [Fact]
    public async Task EmitAsync_NoAnswerEver_ThrowsSayingItTimedOut()
    {
        await using var receiver = WebhookReceiver.Start(Reply.NoAnswer);
        var clock = TestData.Clock();
        var options = TestData.Options(receiver.Url);
        options.RetryAttempts = 0;
        options.Timeout = TimeSpan.FromSeconds(5);
        options.DeadLetterPath = DeadLetterPath;
        var sink = TestData.Sink(options, clock);

        var emit = sink.DeliverAsync(TestData.Event());
        await receiver.WaitForRequestsAsync(1);
        clock.Advance(TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => emit);
        Assert.Contains("no response within 5 s", error.Message, StringComparison.Ordinal);
        Assert.Null(error.StatusCode);
        using var record = JsonDocument.Parse(Assert.Single(File.ReadAllLines(DeadLetterPath)));
        Assert.Equal(JsonValueKind.Null, record.RootElement.GetProperty("statusCode").ValueKind);
    }

    [Fact]
    public async Task EmitAsync_ConnectionRefused_IsRetriedThenReportedAsNetworkError()
    {
        var nobody = new Uri($"http://127.0.0.1:{WebhookReceiver.FreePort()}/hooks");
        var options = TestData.Options(nobody);
        options.RetryAttempts = 1;
        options.DeadLetterPath = DeadLetterPath;
        var sink = TestData.Sink(options, TestData.Clock());

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => sink.DeliverAsync(TestData.Event()));

        Assert.Contains("network error", error.Message, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(error.InnerException);
        using var record = JsonDocument.Parse(Assert.Single(File.ReadAllLines(DeadLetterPath)));
        Assert.Equal(2, record.RootElement.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task EmitAsync_NetworkErrorThenOk_IsRetried()
    {
        var handler = new ScriptedHandler(new HttpRequestException("connection reset"), new HttpResponseMessage(HttpStatusCode.NoContent));
        using var client = new HttpClient(handler);
        var registry = new RecordingRegistry();
        new WebhooksPlugin(TestData.Options(new Uri("https://hooks.example.com/sw")), TestData.Clock(), client).Register(registry);

        await Assert.Single(registry.Sinks).Sink.DeliverAsync(TestData.Event());

        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task EmitAsync_Redirect_IsNotFollowed()
    {
        var location = new Dictionary<string, string> { ["Location"] = "https://elsewhere.example.com/hooks" };
        await using var receiver = WebhookReceiver.Start(new Reply(301, Headers: location));
        var sink = TestData.Sink(TestData.Options(receiver.Url), TestData.Clock());

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => sink.DeliverAsync(TestData.Event()));

        Assert.Single(receiver.Requests);
        Assert.Contains("redirects are not followed (to https://elsewhere.example.com/hooks)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmitAsync_CallerCancels_StopsWithoutDeadLetter()
    {
        await using var receiver = WebhookReceiver.Start(Reply.NoAnswer);
        var options = TestData.Options(receiver.Url);
        options.DeadLetterPath = DeadLetterPath;
        var sink = TestData.Sink(options, TestData.Clock());
        using var shutdown = new CancellationTokenSource();

        var emit = sink.DeliverAsync(TestData.Event(), shutdown.Token);
        await receiver.WaitForRequestsAsync(1);
        await shutdown.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => emit);
        Assert.Single(receiver.Requests);
        Assert.False(File.Exists(DeadLetterPath));
    }

    [Fact]
    public async Task EmitAsync_InvalidEventData_SendsNothingAndThrows()
    {
        await using var receiver = WebhookReceiver.Start(Reply.Ok);
        var options = TestData.Options(receiver.Url);
        options.DeadLetterPath = DeadLetterPath;
        var sink = TestData.Sink(options, TestData.Clock());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => sink.DeliverAsync(TestData.Event(dataJson: "{\"amount\": ")));

        Assert.Empty(receiver.Requests);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
        using var record = JsonDocument.Parse(Assert.Single(File.ReadAllLines(DeadLetterPath)));
        Assert.Equal(0, record.RootElement.GetProperty("attempts").GetInt32());
    }

    /// <summary>Answers (or throws) from a script, one entry per call; counts calls.</summary>
    private sealed class ScriptedHandler(params object[] script) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => _calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            return script[Math.Min(call, script.Length) - 1] switch
            {
                Exception exception => Task.FromException<HttpResponseMessage>(exception),
                HttpResponseMessage response => Task.FromResult(response),
                var other => throw new InvalidOperationException($"bad script entry {other}"),
            };
        }
    }
}
