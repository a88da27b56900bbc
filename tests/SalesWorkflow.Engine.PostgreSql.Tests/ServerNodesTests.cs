using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using SalesWorkflow.Tests;
using Xunit.Abstractions;

namespace SalesWorkflow.Engine.PostgreSql.Tests;

/// <summary>
/// Two <c>salesflow serve</c> nodes on one PostgreSQL database, each an OS process: a node killed (SIGKILL) while
/// requests are in flight loses no command it acknowledged, a client's retry of every command with the same
/// idempotency key on the other node gets the original outcome, and the other node keeps serving.
/// </summary>
public sealed class ServerNodesTests(ITestOutputHelper output)
{
    private const string Password = "a-long-password-1";
    private const int Deals = 160;

    [PostgresFact]
    public async Task NodeKilledMidRequests_LosesNothingAcknowledged_AndRetriesElsewhereGetTheOriginalOutcome()
    {
        var database = PostgresServer.Shared.CreateDatabase();
        using var first = Node.Start(database, output);
        await first.WaitUntilReady();
        Assert.Equal(0, await Cli("users", "add", "crm-sync", "--role", "integration", "--password-stdin", "--db", database));
        var token = (await CliOutput("tokens", "create", "--user", "crm-sync", "--scope", "deals:read", "--scope", "deals:write", "--db", database)).Trim();
        using var second = Node.Start(database, output);
        await second.WaitUntilReady();

        // Deals started through the first node, concurrently; it is killed after the tenth acknowledgement. Enough of them
        // that some are still in flight when the kill lands (with forty, a fast node had answered them all: CI, 2026-12-03).
        var acknowledged = new ConcurrentDictionary<string, string>();
        using var toFirst = first.Client(token);
        var sends = Enumerable.Range(0, Deals).Select(async i =>
        {
            var deal = $"node-{i:000}";
            try
            {
                using var response = await Start(toFirst, deal);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    acknowledged[deal] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("events").GetRawText();
                    if (acknowledged.Count == 10)
                    {
                        first.Kill();
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                // The node died under this request: the client does not know whether it applied.
            }
        }).ToList();
        await Task.WhenAll(sends);
        Assert.True(first.HasExited, "the first node was killed");
        Assert.InRange(acknowledged.Count, 10, Deals - 1);

        // The client retries every command, acknowledged or not, with the same key, on the node still alive.
        using var toSecond = second.Client(token);
        for (var i = 0; i < Deals; i++)
        {
            var deal = $"node-{i:000}";
            using var retry = await Start(toSecond, deal);
            var body = await retry.Content.ReadAsStringAsync();
            Assert.True(retry.StatusCode == HttpStatusCode.OK, $"{deal}: {retry.StatusCode} {body}");
            if (acknowledged.TryGetValue(deal, out var events))
            {
                Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
                Assert.Equal(events, JsonDocument.Parse(body).RootElement.GetProperty("events").GetRawText());
            }
        }

        // Every deal exists once, started once.
        for (var i = 0; i < Deals; i++)
        {
            var history = await toSecond.GetFromJsonAsync<JsonElement>($"/api/deals/node-{i:000}/history");
            Assert.Single(history.EnumerateArray(), e => e.GetProperty("type").GetString() == "tracking-started");
        }

        Assert.Equal(HttpStatusCode.OK, (await toSecond.GetAsync("/readyz")).StatusCode);
        output.WriteLine($"{acknowledged.Count} of {Deals} commands acknowledged by the first node before it was killed; all {Deals} retried on the second, the acknowledged ones replayed.");
    }

    private static async Task<HttpResponseMessage> Start(HttpClient client, string deal)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/deals")
        {
            Content = JsonContent.Create(new
            {
                dealId = deal,
                processId = "standard-b2b",
                opportunity = new { name = "Deal " + deal, amount = 50_000, accountId = "acme" },
                owner = new { id = "li-na", team = "east" },
            }),
        };
        request.Headers.Add("Idempotency-Key", "start-" + deal);
        return await client.SendAsync(request);
    }

    private static async Task<int> Cli(params string[] args)
    {
        using var process = Process.Start(Salesflow(args, redirectInput: true))!;
        await process.StandardInput.WriteLineAsync(Password);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    private static async Task<string> CliOutput(params string[] args)
    {
        using var process = Process.Start(Salesflow(args, redirectInput: false))!;
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        return text;
    }

    private static ProcessStartInfo Salesflow(IEnumerable<string> args, bool redirectInput)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = redirectInput, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "salesflow.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    /// <summary>One <c>salesflow serve</c> process on a free loopback port.</summary>
    private sealed class Node : IDisposable
    {
        private readonly Process _process;
        private readonly ITestOutputHelper _output;
        private readonly int _port;

        private Node(Process process, int port, ITestOutputHelper output)
        {
            _process = process;
            _port = port;
            _output = output;
        }

        public bool HasExited => _process.HasExited;

        public static Node Start(string database, ITestOutputHelper output)
        {
            var port = ServedProcess.FreePort();
            var process = Process.Start(Salesflow(["serve", "--db", database, "--urls", $"http://127.0.0.1:{port}", "--definitions", RepoPaths.Definitions], redirectInput: false))!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { Length: > 0 } line)
                {
                    try
                    {
                        output.WriteLine($"[serve {port}] {line}");
                    }
                    catch (InvalidOperationException)
                    {
                        // the test has finished
                    }
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return new Node(process, port, output);
        }

        public HttpClient Client(string token)
        {
            var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}"), Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return client;
        }

        public Task WaitUntilReady() => ServedProcess.WaitUntilReadyAsync(new Uri($"http://127.0.0.1:{_port}"), _process);

        public void Kill()
        {
            _process.Kill();
            _process.WaitForExit();
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"killed the node on {_port}"));
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }
}
