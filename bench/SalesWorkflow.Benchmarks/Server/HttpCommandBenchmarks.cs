using System.Net.Http.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Benchmarks.Server;

/// <summary>
/// Commands per second through the server's HTTP API (Kestrel on loopback, a token, JSON, the caller's view checked,
/// problem details and all) next to the same commands submitted in-process to the engine of the same server, with 32
/// concurrent clients on SQLite. Each command logs an activity on one of 2,000 open deals. Goal (issue 17): HTTP costs
/// at most 1.3× the in-process path.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 12, invocationCount: 1)]
public class HttpCommandBenchmarks
{
    private const int Deals = 2_000;
    private const int CommandsPerInvocation = 2_000;
    private const int Clients = 32;

    private BenchmarkServer _server = null!;
    private HttpClient _client = null!;
    private WebApplication _bare = null!;
    private HttpClient _bareClient = null!;
    private int _invocation;

    [GlobalSetup]
    public async Task Setup()
    {
        _server = await BenchmarkServer.StartAsync();
        await _server.SeedAsync(Deals);
        _client = _server.Client();

        // A Kestrel with one endpoint and no middleware, for the floor under the floor.
        var bare = WebApplication.CreateSlimBuilder();
        bare.Logging.ClearProviders();
        bare.WebHost.UseUrls("http://127.0.0.1:0");
        _bare = bare.Build();
        _bare.MapGet("/", () => "ok");
        await _bare.StartAsync();
        _bareClient = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(_bare.Urls.First()) };
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = CommandsPerInvocation)]
    public Task InProcess()
    {
        var invocation = ++_invocation;
        return RunClients(async i =>
        {
            var (dealId, key) = Command(invocation, i);
            var result = await _server.Engine.SubmitAsync(new LogActivity("api:crm-sync:" + key, dealId, Activity(i)) { Actor = "crm-sync" });
            if (result.Status != CommandStatus.Applied)
            {
                throw new InvalidOperationException($"{dealId}: {result.Status} {result.Rejection?.Message}");
            }
        });
    }

    [Benchmark(OperationsPerInvoke = CommandsPerInvocation)]
    public Task Http() => SendAll(minimal: false);

    /// <summary>The same with <c>Prefer: return=minimal</c>: the answer without the deal's evaluation.</summary>
    [Benchmark(OperationsPerInvoke = CommandsPerInvocation)]
    public Task HttpMinimal() => SendAll(minimal: true);

    /// <summary>
    /// The floor: the same 32 clients on the same connections asking <c>/healthz</c>, which does no work. What HTTP
    /// itself (HttpClient, sockets, Kestrel, the middleware) costs per request on these two shared cores.
    /// </summary>
    [Benchmark(OperationsPerInvoke = CommandsPerInvocation)]
    public Task HttpFloor() => RunClients(async _ =>
    {
        using var response = await _client.GetAsync("/healthz");
        response.EnsureSuccessStatusCode();
    });

    /// <summary>HttpClient and Kestrel alone: a bare server answering "ok", same clients, same cores.</summary>
    [Benchmark(OperationsPerInvoke = CommandsPerInvocation)]
    public Task BareKestrel() => RunClients(async _ =>
    {
        using var response = await _bareClient.GetAsync("/");
        response.EnsureSuccessStatusCode();
    });

    private Task SendAll(bool minimal)
    {
        var invocation = ++_invocation;
        return RunClients(async i =>
        {
            var (dealId, key) = Command(invocation, i);
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/deals/{dealId}/activities") { Content = JsonContent.Create(Activity(i)) };
            request.Headers.Add("Idempotency-Key", key);
            if (minimal)
            {
                request.Headers.Add("Prefer", "return=minimal");
            }

            using var response = await _client.SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{dealId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        });
    }

    private static (string DealId, string Key) Command(int invocation, int i) =>
        ("D-" + (uint)(i * 2_654_435_761L + invocation) % Deals, $"b{invocation}-{i}");

    private static Activity Activity(int i) => new() { Id = "a" + i, Kind = i % 3 == 0 ? "call" : "email", Outcome = "positive", At = DateTimeOffset.UtcNow };

    private static Task RunClients(Func<int, Task> submit)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < CommandsPerInvocation)
            {
                await submit(i);
            }
        })));
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _client.Dispose();
        _bareClient.Dispose();
        await _bare.DisposeAsync();
        await _server.DisposeAsync();
    }
}
