using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SalesWorkflow.Plugins.Webhooks.Tests;

/// <summary>What the receiver answers to the n-th request.</summary>
internal sealed record Reply(int Status, string? Body = null, IReadOnlyDictionary<string, string>? Headers = null, bool Hang = false)
{
    public static Reply Ok { get; } = new(200);

    /// <summary>Never answers (until the receiver is disposed): the sender's timeout must fire.</summary>
    public static Reply NoAnswer { get; } = new(0, Hang: true);
}

/// <summary>A request as the receiver saw it.</summary>
internal sealed record ReceivedRequest(string Method, string Path, string? ContentType, IReadOnlyDictionary<string, string> Headers, byte[] Body, string Query = "")
{
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : throw new Xunit.Sdk.XunitException($"no {name} header; got {string.Join(", ", Headers.Keys)}");
}

/// <summary>
/// A webhook receiver on 127.0.0.1 and a free port (System.Net.HttpListener). Replies are scripted per request number;
/// the last reply repeats.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly HttpListener _listener;
    private readonly Reply[] _replies;
    private readonly List<ReceivedRequest> _requests = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly TaskCompletionSource _stopping = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;

    private WebhookReceiver(HttpListener listener, Uri url, Reply[] replies)
    {
        _listener = listener;
        _replies = replies;
        Url = url;
        _loop = Task.Run(AcceptAsync);
    }

    /// <summary>Where to send webhooks (path <c>/hooks</c>).</summary>
    public Uri Url { get; }

    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static WebhookReceiver Start(params Reply[] replies)
    {
        if (replies.Length == 0)
        {
            replies = [Reply.Ok];
        }

        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new WebhookReceiver(listener, new Uri($"http://127.0.0.1:{port}/hooks"), replies);
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                listener.Close(); // Someone took the port between FreePort and Start: try another.
            }
        }
    }

    /// <summary>A port nothing listens on (connections to it are refused).</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Waits (real time, bounded) until at least <paramref name="count"/> requests arrived.</summary>
    public async Task WaitForRequestsAsync(int count)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (Requests.Count < count)
        {
            await _arrived.WaitAsync(TimeSpan.FromMilliseconds(50), deadline.Token);
        }
    }

    /// <summary>True when at least <paramref name="count"/> requests arrive within <paramref name="wait"/> (real time).</summary>
    public async Task<bool> HasRequestsWithinAsync(int count, TimeSpan wait)
    {
        var clock = Stopwatch.StartNew();
        while (Requests.Count < count && clock.Elapsed < wait)
        {
            await _arrived.WaitAsync(TimeSpan.FromMilliseconds(5));
        }

        return Requests.Count >= count;
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.TrySetResult();
        _listener.Stop();
        _listener.Close();
        await _loop;
        _arrived.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stopping.Task.IsCompleted)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            int number;
            lock (_requests)
            {
                _requests.Add(new ReceivedRequest(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.ContentType, headers, body.ToArray(), context.Request.Url.Query));
                number = _requests.Count;
            }

            _arrived.Release();
            var reply = _replies[Math.Min(number, _replies.Length) - 1];
            if (reply.Hang)
            {
                await _stopping.Task;
                context.Response.Abort();
                return;
            }

            context.Response.StatusCode = reply.Status;
            foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
            {
                context.Response.AddHeader(name, value);
            }

            var bytes = System.Text.Encoding.UTF8.GetBytes(reply.Body ?? "");
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The sender gave up (timeout, cancellation) or the receiver is stopping.
        }
    }
}
