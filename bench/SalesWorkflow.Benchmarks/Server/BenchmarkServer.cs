using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Server.Accounts;
using SalesWorkflow.Server.Hosting;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Benchmarks.Server;

/// <summary>
/// <c>salesflow serve</c> as the benchmarks run it: Kestrel on a loopback port over a fresh SQLite file, the shipped
/// definitions and plugins, an integration user with a token, and the engine of the same process for the in-process
/// side of every comparison.
/// </summary>
internal sealed class BenchmarkServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _folder;

    private BenchmarkServer(WebApplication app, string folder, Uri address, string token)
    {
        _app = app;
        _folder = folder;
        Address = address;
        Token = token;
        Engine = app.Services.GetRequiredService<ISalesWorkflowEngine>();
    }

    public Uri Address { get; }

    public string Token { get; }

    public ISalesWorkflowEngine Engine { get; }

    public static async Task<BenchmarkServer> StartAsync()
    {
        var folder = Directory.CreateTempSubdirectory("sw-bench-server-").FullName;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var address = new Uri($"http://127.0.0.1:{port}");
        var builder = SalesWorkflowServer.CreateBuilder(
        [
            $"--SalesWorkflowServer:Database={Path.Combine(folder, "salesworkflow.db")}",
            "--SalesWorkflowServer:RequestsPerMinute=100000000",
            $"--SalesWorkflow:Definitions={Path.Combine(RepositoryFiles.Root, "definitions")}",
            $"--urls={address}",
        ]);
        builder.Logging.ClearProviders();
        builder.Services.AddFirstPartyPlugins();
        var app = SalesWorkflowServer.Build(builder);
        await app.StartAsync();
        var accounts = app.Services.GetRequiredService<AccountStore>();
        await accounts.AddUserAsync(new ServerUser("crm-sync", [SalesRoles.Integration], string.Empty), "benchmark-password");
        var token = await accounts.CreateTokenAsync("crm-sync", [ApiScopes.DealsRead, ApiScopes.DealsWrite]);
        return new BenchmarkServer(app, folder, address, token.Token);
    }

    public HttpClient Client()
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        var client = new HttpClient(handler) { BaseAddress = Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return client;
    }

    /// <summary>Starts <paramref name="deals"/> deals (D-0 …) through the engine, 32 at a time.</summary>
    public async Task SeedAsync(int deals)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < deals)
            {
                var result = await Engine.SubmitAsync(new StartTracking($"seed-{i}", "D-" + i, "standard-b2b")
                {
                    Opportunity = new Opportunity { Name = "Deal " + i, Amount = 10_000 + (i % 97 * 1_000), AccountId = "acme-" + (i % 500), OwnerId = "rep-" + (i % 40) },
                    Owner = new Owner { Id = "rep-" + (i % 40), Team = i % 2 == 0 ? "east" : "west" },
                });
                if (result.Status == CommandStatus.Rejected)
                {
                    throw new InvalidOperationException(result.Rejection!.Message);
                }
            }
        })));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
