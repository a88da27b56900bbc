using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace SalesWorkflow.Cli.Tests;

/// <summary><c>salesflow users</c>, <c>tokens</c> and <c>serve</c>, as the README's walkthrough uses them.</summary>
public sealed class ServerCommandTests(DemoDatabase demo) : IClassFixture<DemoDatabase>
{
    private const string Password = "a-long-password-1";

    [Fact]
    public async Task Users_AddListDisable_AndTokens_CreateListRevoke()
    {
        var added = await CliRunner.RunWithInputAsync(Password + "\n", "users", "add", "cli-rep", "--role", "rep", "--team", "east", "--password-stdin", "--db", demo.Path);
        Assert.True(added.ExitCode == 0, added.Error);
        Assert.Contains("Added cli-rep (rep, team east).", added.Out, StringComparison.Ordinal);

        var again = await CliRunner.RunWithInputAsync(Password + "\n", "users", "add", "cli-rep", "--role", "rep", "--password-stdin", "--db", demo.Path);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("exists already", again.Error, StringComparison.Ordinal);

        var badRole = await CliRunner.RunWithInputAsync(Password + "\n", "users", "add", "cli-x", "--role", "king", "--password-stdin", "--db", demo.Path);
        Assert.Equal(1, badRole.ExitCode);
        Assert.Contains("rep, manager, director", badRole.Error, StringComparison.Ordinal);

        var shortPassword = await CliRunner.RunWithInputAsync("short\n", "users", "add", "cli-y", "--role", "rep", "--password-stdin", "--db", demo.Path);
        Assert.Equal(1, shortPassword.ExitCode);

        var token = await CliRunner.RunAsync("tokens", "create", "--user", "cli-rep", "--scope", "deals:read", "--name", "script", "--db", demo.Path);
        Assert.True(token.ExitCode == 0, token.Error);
        Assert.Matches("^swt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$", token.Out);
        Assert.Contains("not shown again", token.Error, StringComparison.Ordinal);
        var tokenId = token.Out[4..16];

        var listed = await CliRunner.RunAsync("tokens", "list", "--user", "cli-rep", "--db", demo.Path);
        Assert.Contains($"{tokenId}\tcli-rep\tdeals:read\tscript\tactive", listed.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Out.Trim(), listed.Out, StringComparison.Ordinal);

        Assert.Equal(0, (await CliRunner.RunAsync("tokens", "revoke", tokenId, "--db", demo.Path)).ExitCode);
        Assert.Equal(1, (await CliRunner.RunAsync("tokens", "revoke", tokenId, "--db", demo.Path)).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("users", "disable", "cli-rep", "--db", demo.Path)).ExitCode);
        Assert.Contains("cli-rep\trep\teast\tdisabled", (await CliRunner.RunAsync("users", "list", "--db", demo.Path)).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Users_OnAMissingOrForeignDatabase_SayWhatToDoAndCreateNothing()
    {
        var folder = Directory.CreateTempSubdirectory("sw-cli-users-").FullName;
        try
        {
            var missing = Path.Combine(folder, "none.db");
            var foreign = Path.Combine(folder, "notes.txt");
            await File.WriteAllTextAsync(foreign, "not a database");

            var onMissing = await CliRunner.RunWithInputAsync(Password + "\n", "users", "add", "x", "--role", "rep", "--password-stdin", "--db", missing);
            var onForeign = await CliRunner.RunWithInputAsync(Password + "\n", "users", "add", "x", "--role", "rep", "--password-stdin", "--db", foreign);

            Assert.Equal(1, onMissing.ExitCode);
            Assert.Contains("salesflow serve --db", onMissing.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(missing));
            Assert.Equal(1, onForeign.ExitCode);
            Assert.Equal("not a database", await File.ReadAllTextAsync(foreign));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_AnswersWithATokenFromTheCli_AndStopsCleanlyOnSigterm()
    {
        await CliRunner.RunWithInputAsync(Password + "\n", "users", "add", "li-na", "--role", "rep", "--team", "east", "--password-stdin", "--db", demo.Path);
        var token = (await CliRunner.RunAsync("tokens", "create", "--user", "li-na", "--scope", "deals:read", "--db", demo.Path)).Out.Trim();
        var writer = (await CliRunner.RunAsync("tokens", "create", "--user", "li-na", "--scope", "deals:read", "--scope", "deals:write", "--scope", "events:read", "--db", demo.Path)).Out.Trim();
        var port = SalesWorkflow.Tests.ServedProcess.FreePort();
        using var server = Serve(port, "--send-digests-at", "08:00");
        var output = server.StandardOutput.ReadToEndAsync();
        var errors = server.StandardError.ReadToEndAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await SalesWorkflow.Tests.ServedProcess.WaitUntilReadyAsync(client.BaseAddress!, server);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            var deals = await client.GetFromJsonAsync<JsonElement>("/api/deals?limit=5");
            Assert.All(deals.GetProperty("deals").EnumerateArray(), d => Assert.Equal("li-na", d.GetProperty("ownerId").GetString()));
            Assert.True(deals.GetProperty("deals").GetArrayLength() > 0);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/deals", new { dealId = "x" })).StatusCode);

            // The sample client, written from docs/openapi.json alone, works a deal end to end.
            var sample = new ProcessStartInfo("python3", [SalesWorkflow.Tests.RepoPaths.Combine("samples", "api-client", "work_a_deal.py"), "--base", $"http://127.0.0.1:{port}", "--token", writer, "--openapi", SalesWorkflow.Tests.RepoPaths.Combine("docs", "openapi.json")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var python = Process.Start(sample)!;
            var sampleOutput = await python.StandardOutput.ReadToEndAsync();
            var sampleErrors = await python.StandardError.ReadToEndAsync();
            await python.WaitForExitAsync();
            Assert.True(python.ExitCode == 0, sampleOutput + sampleErrors);
            Assert.Contains("now in first-contact (a retry with the same key: duplicate)", sampleOutput, StringComparison.Ordinal);
            // Her requests name her; the server's own sweep may have re-evaluated the deal too ("(engine)").
            Assert.Matches(@"GetHistory: 200, \d+ events, by \[('\(engine\)', )?'li-na'\]", sampleOutput);
        }
        finally
        {
            using (var term = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await server.WaitForExitAsync(stop.Token);
        }

        Assert.True(server.ExitCode == 0, $"exit {server.ExitCode}: {await errors}");
        Assert.Contains("SalesWorkflow server on", await output, StringComparison.Ordinal);
        Assert.Contains("Digests:      sent at 08:00 of each person's day", await output, StringComparison.Ordinal);
        Assert.Contains("Application is shutting down", await output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_OnAPortInUse_SaysSoInOneLine_WithoutAStackTrace()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        using var server = Serve(port);
        var output = server.StandardOutput.ReadToEndAsync();
        var errors = server.StandardError.ReadToEndAsync();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await server.WaitForExitAsync(stop.Token);

        Assert.Equal(2, server.ExitCode);
        var error = await errors;
        Assert.Contains($"127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.Contains("--urls", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", (await output) + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_WithADigestTimeThatDoesNotRead_SaysSoInOneLine()
    {
        using var server = Serve(0, "--send-digests-at", "8am");
        var errors = server.StandardError.ReadToEndAsync();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await server.WaitForExitAsync(stop.Token);

        Assert.Equal(2, server.ExitCode);
        Assert.Equal("salesflow: --send-digests-at '8am' is not a time of day written HH:mm, such as 08:00.", (await errors).Trim());
    }

    /// <summary>`salesflow serve` on the demo database, in its own process, on <paramref name="port"/> of the loopback.</summary>
    private Process Serve(int port, params string[] more) =>
        Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "salesflow.dll"), "serve", "--db", demo.Path, "--urls", $"http://127.0.0.1:{port}", "--definitions", SalesWorkflow.Tests.RepoPaths.Definitions, .. more])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
}
