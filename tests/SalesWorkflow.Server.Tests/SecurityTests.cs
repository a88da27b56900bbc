using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SalesWorkflow.Server.Accounts;

namespace SalesWorkflow.Server.Tests;

/// <summary>
/// Who may call what, tried over every operation of the OpenAPI document rather than hand-picked routes: 401 without
/// credentials or with a dead token, 403 outside the token's scopes; and nobody reads another team's deals by id,
/// by guessing, by query filters or through the event feed.
/// </summary>
public sealed class SecurityTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    private sealed record Operation(HttpMethod Method, string Path, IReadOnlyList<string> Scopes, bool Anonymous);

    private async Task<IReadOnlyList<Operation>> OperationsAsync()
    {
        var client = await factory.Anonymous();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var operations = new List<Operation>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var security = operation.Value.TryGetProperty("security", out var s) ? s : default;
                var anonymous = security.ValueKind != JsonValueKind.Array;
                var scopes = anonymous ? [] : security[0].EnumerateObject().Single().Value.EnumerateArray().Select(e => e.GetString()!).ToList();
                var concrete = path.Name.Replace("{dealId}", "no-such-deal", StringComparison.Ordinal).Replace("{item}", "icp-fit", StringComparison.Ordinal);
                operations.Add(new Operation(new HttpMethod(operation.Name.ToUpperInvariant()), concrete, scopes, anonymous));
            }
        }

        Assert.True(operations.Count >= 20, $"the document lists {operations.Count} operations");
        return operations;
    }

    private static HttpRequestMessage Request(Operation operation) => new(operation.Method, operation.Path)
    {
        Content = operation.Method == HttpMethod.Get || operation.Method == HttpMethod.Delete ? null : new StringContent("{}", Encoding.UTF8, "application/json"),
    };

    [Fact]
    public async Task EveryOperation_WithoutCredentials_Answers401AsAProblem()
    {
        var client = await factory.Anonymous();
        var operations = await OperationsAsync();

        foreach (var operation in operations.Where(o => !o.Anonymous))
        {
            using var response = await client.SendAsync(Request(operation));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{operation.Method} {operation.Path}: {response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Contains(operations, o => o.Anonymous && o.Path == "/api/session");
    }

    [Fact]
    public async Task EveryOperation_WithATokenOutsideItsScope_Answers403()
    {
        var checkedOperations = 0;
        foreach (var operation in (await OperationsAsync()).Where(o => o.Scopes.Count > 0))
        {
            var others = ApiScopes.All.Except(operation.Scopes).ToArray();
            var client = await factory.ClientFor("chen-jie", others);
            using var response = await client.SendAsync(Request(operation));
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{operation.Method} {operation.Path} without {string.Join(' ', operation.Scopes)}: {response.StatusCode}");
            checkedOperations++;
        }

        Assert.True(checkedOperations >= 18, $"{checkedOperations} operations name a scope");
    }

    [Fact]
    public async Task RevokedToken_AndDisabledUser_Answer401()
    {
        await factory.SeedAsync();
        var revoked = await factory.Accounts.CreateTokenAsync("crm-sync", [ApiScopes.DealsRead]);
        await factory.Accounts.RevokeTokenAsync(revoked.Record.TokenId);
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", revoked.Token);
        var forged = factory.CreateClient();
        forged.DefaultRequestHeaders.Authorization = new("Bearer", revoked.Token[..^4] + "AAAA");

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/deals")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/deals")).StatusCode);
    }

    [Fact]
    public async Task Rep_CannotReachAnotherTeamsDeal_ByIdGuessFilterOrFeed()
    {
        var east = await factory.ClientFor("li-na");
        var west = await factory.ClientFor("wang-wei");
        Assert.Equal(HttpStatusCode.OK, (await ServerFactory.StartDeal(east, "tenant-east")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ServerFactory.StartDeal(west, "tenant-west")).StatusCode);

        var byId = await east.GetAsync("/api/deals/tenant-west");
        var missing = await east.GetAsync("/api/deals/tenant-none");
        Assert.Equal(HttpStatusCode.NotFound, byId.StatusCode);
        Assert.Equal(missing.StatusCode, byId.StatusCode);
        Assert.Equal(
            (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString(),
            (await byId.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        foreach (var path in new[] { "/api/deals/tenant-west/history", "/api/deals/tenant-west/evaluation", "/api/deals/tenant-west/explanation" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await east.GetAsync(path)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await east.PostAsJsonAsync("/api/deals/tenant-west/activities", new { id = "x", kind = "call" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await east.GetAsync("/api/deals?owner=wang-wei")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ServerFactory.StartDeal(east, "tenant-steal", owner: new { id = "wang-wei", team = "west" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await east.PutAsJsonAsync("/api/deals/tenant-east/facts", new { owner = new { id = "wang-wei", team = "west" } })).StatusCode);

        var list = await east.GetFromJsonAsync<JsonElement>("/api/deals?limit=1000");
        Assert.All(list.GetProperty("deals").EnumerateArray(), d => Assert.Equal("li-na", d.GetProperty("ownerId").GetString()));
        var feed = await east.GetFromJsonAsync<JsonElement>("/api/events?after=0&limit=1000");
        var dealsInFeed = feed.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("dealId").GetString()).ToHashSet();
        Assert.Contains("tenant-east", dealsInFeed);
        Assert.DoesNotContain("tenant-west", dealsInFeed);
    }

    [Fact]
    public async Task Manager_SeesTheTeamsDeals_AndNoOtherTeam()
    {
        var rep = await factory.ClientFor("li-na");
        var other = await factory.ClientFor("wang-wei");
        var manager = await factory.ClientFor("zhao-min");
        await ServerFactory.StartDeal(rep, "team-east");
        await ServerFactory.StartDeal(other, "team-west");

        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync("/api/deals/team-east")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await manager.GetAsync("/api/deals/team-west")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.GetAsync("/api/deals?team=west")).StatusCode);
        var list = await manager.GetFromJsonAsync<JsonElement>("/api/deals?limit=1000");
        Assert.All(list.GetProperty("deals").EnumerateArray(), d => Assert.Equal("east", d.GetProperty("team").GetString()));
        Assert.Contains(list.GetProperty("deals").EnumerateArray(), d => d.GetProperty("dealId").GetString() == "team-east");
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.GetAsync("/api/review?period=2026&team=west")).StatusCode);
    }

    [Fact]
    public async Task BrowserSession_SignsIn_AndEachChangeNeedsTheAntiforgeryToken()
    {
        var browser = await factory.Anonymous();

        var wrong = await browser.PostAsJsonAsync("/api/session", new { userId = "li-na", password = "wrong password!" });
        var unknown = await browser.PostAsJsonAsync("/api/session", new { userId = "nobody", password = "wrong password!" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(await wrong.Content.ReadFromJsonAsync<JsonElement>() is var w ? w.GetProperty("detail").GetString() : null,
            await unknown.Content.ReadFromJsonAsync<JsonElement>() is var u ? u.GetProperty("detail").GetString() : null);

        var signedIn = await browser.PostAsJsonAsync("/api/session", new { userId = "li-na", password = ServerFactory.Password });
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        var cookie = string.Join(';', signedIn.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        var session = await signedIn.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("cookie", session.GetProperty("method").GetString());
        var antiforgery = session.GetProperty("antiforgeryToken").GetString()!;

        var forged = await ServerFactory.StartDeal(browser, "cookie-1");
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal("antiforgery-failed", (await forged.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        browser.DefaultRequestHeaders.Add("X-XSRF-TOKEN", antiforgery);
        Assert.Equal(HttpStatusCode.OK, (await ServerFactory.StartDeal(browser, "cookie-1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/deals/cookie-1")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await browser.DeleteAsync("/api/session")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/deals/cookie-1")).StatusCode);
    }

    [Fact]
    public async Task DisablingAUser_EndsTheirSessionAndTokens()
    {
        await factory.SeedAsync();
        await factory.Accounts.AddUserAsync(new ServerUser("leaver", [SalesRoles.Rep], "east"), ServerFactory.Password);
        var browser = await factory.Anonymous();
        await browser.PostAsJsonAsync("/api/session", new { userId = "leaver", password = ServerFactory.Password });
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/session")).StatusCode);

        await factory.Accounts.SetDisabledAsync("leaver", disabled: true);

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/session")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PostAsJsonAsync("/api/session", new { userId = "leaver", password = ServerFactory.Password })).StatusCode);
    }

    [Fact]
    public async Task BadInput_IsAPositionedProblem_WithNoStackTraceAndNoEcho()
    {
        var rep = await factory.ClientFor("li-na");

        var broken = await rep.PostAsync("/api/deals", new StringContent("{\"dealId\": \"x\", \"opportunity\": {\"amount\": \"secret-value\"}}", Encoding.UTF8, "application/json"));
        var text = await broken.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal("application/problem+json", broken.Content.Headers.ContentType?.MediaType);
        Assert.Contains("$.opportunity.amount", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedBody_IsRefusedWith413()
    {
        var rep = await factory.ClientFor("li-na");
        var huge = new StringContent("{\"dealId\":\"" + new string('x', 2 * 1024 * 1024) + "\"}", Encoding.UTF8, "application/json");

        var response = await rep.PostAsync("/api/deals", huge);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task EveryAnswer_CarriesTheSecurityHeaders()
    {
        var client = await factory.Anonymous();

        foreach (var path in new[] { "/api/deals", "/healthz", "/openapi/v1.json", "/no-such-page" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }
    }
}
