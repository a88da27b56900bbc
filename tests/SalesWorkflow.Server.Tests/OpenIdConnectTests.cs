using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Server.Hosting;

namespace SalesWorkflow.Server.Tests;

/// <summary>
/// Sign-in with OpenID Connect, the whole way through ASP.NET Core's handler, against a provider in the test process:
/// the redirect to the provider, the code coming back, the token exchange with PKCE, the id token's signature and
/// nonce, and the provider's claims mapped to a SalesWorkflow user.
/// </summary>
public sealed class OpenIdConnectTests : IDisposable
{
    private readonly FakeIdentityProvider _provider = new();
    private readonly ServerFactory _factory = new(new Dictionary<string, string>
    {
        ["SalesWorkflowServer:OpenIdConnect:Authority"] = FakeIdentityProvider.Issuer,
        ["SalesWorkflowServer:OpenIdConnect:ClientId"] = FakeIdentityProvider.ClientId,
        ["SalesWorkflowServer:OpenIdConnect:ClientSecret"] = FakeIdentityProvider.ClientSecret,
    });

    private readonly WebApplicationFactory<Program> _server;

    public OpenIdConnectTests()
    {
        // Configure, not PostConfigure: the handler builds its backchannel client from this in its own post-configure.
        _server = _factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.Configure<OpenIdConnectOptions>(ServerAuthentication.OpenIdConnectScheme, o => o.BackchannelHttpHandler = _provider)));
    }

    private static Dictionary<string, object> Rep(params string[] roles) => new(StringComparer.Ordinal)
    {
        ["sub"] = "3f2a9c",
        ["preferred_username"] = "li-na",
        ["roles"] = roles.Length > 0 ? roles : ["rep", "not-a-salesworkflow-role"],
        ["team"] = "east",
    };

    /// <summary>A browser: cookies kept, redirects shown rather than followed, on https (the handler's cookies are Secure).</summary>
    private HttpClient Browser() => _server.CreateClient(new WebApplicationFactoryClientOptions
    {
        BaseAddress = new Uri("https://localhost"),
        AllowAutoRedirect = false,
        HandleCookies = true,
    });

    /// <summary>Starts sign-in, lets the provider approve it with <paramref name="claims"/>, and posts the answer back.</summary>
    private async Task<HttpResponseMessage> SignInAsync(HttpClient browser, Dictionary<string, object> claims, string returnUrl = "/deals")
    {
        var challenge = await browser.GetAsync("/api/session/oidc?returnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var (callback, form) = _provider.Approve(challenge.Headers.Location!, claims);
        Assert.Equal("localhost", callback.Host);
        return await browser.PostAsync(callback.PathAndQuery, form);
    }

    [Fact]
    public async Task SignIn_MapsTheProvidersClaims_ToAUserWithRolesAndTeam()
    {
        var browser = Browser();

        var back = await SignInAsync(browser, Rep());

        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        Assert.Equal("/deals", back.Headers.Location!.OriginalString);
        var session = await browser.GetFromJsonAsync<JsonElement>("/api/session");
        Assert.Equal("li-na", session.GetProperty("userId").GetString());
        Assert.Equal(["rep"], session.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("east", session.GetProperty("team").GetString());
        Assert.Equal("oidc", session.GetProperty("method").GetString());

        // A rep's session: her deals, not the review; and a change needs the anti-forgery header like any browser session.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/deals")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("/api/review?period=2026")).StatusCode);
        var unprotected = await ServerFactory.StartDeal(browser, "oidc-1");
        Assert.Equal(HttpStatusCode.BadRequest, unprotected.StatusCode);
        using var start = new HttpRequestMessage(HttpMethod.Post, "/api/deals")
        {
            Content = JsonContent.Create(new { dealId = "oidc-1", processId = "standard-b2b", opportunity = new { name = "OIDC", amount = 1000, accountId = "acme" } }),
        };
        start.Headers.Add("X-XSRF-TOKEN", session.GetProperty("antiforgeryToken").GetString());
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(start)).StatusCode);
        var history = await browser.GetFromJsonAsync<JsonElement>("/api/deals/oidc-1/history");
        Assert.Equal("li-na", history[0].GetProperty("actor").GetString());
    }

    [Fact]
    public async Task ATokenSignedWithAnotherKey_IsRefused_AndSignsNobodyIn()
    {
        var browser = Browser();
        _provider.SignWithAnotherKey = true;

        var back = await SignInAsync(browser, Rep());

        await AssertSignInFailedAsync(back);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/session")).StatusCode);
    }

    [Fact]
    public async Task AUserWithNoSalesWorkflowRole_IsRefused()
    {
        var browser = Browser();

        var back = await SignInAsync(browser, Rep("guest"));

        await AssertSignInFailedAsync(back);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/session")).StatusCode);
    }

    [Fact]
    public async Task ACallbackPostedAgain_IsRefused()
    {
        var browser = Browser();
        var challenge = await browser.GetAsync("/api/session/oidc");
        var (callback, form) = _provider.Approve(challenge.Headers.Location!, Rep());
        var body = await form.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync(callback.PathAndQuery, new StringContent(body, System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"))).StatusCode);

        // Replayed from another browser (no correlation cookie), or by the same one after it was used up.
        await AssertSignInFailedAsync(await Browser().PostAsync(callback.PathAndQuery, new StringContent(body, System.Text.Encoding.ASCII, "application/x-www-form-urlencoded")));
        await AssertSignInFailedAsync(await browser.PostAsync(callback.PathAndQuery, new StringContent(body, System.Text.Encoding.ASCII, "application/x-www-form-urlencoded")));
    }

    [Theory]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("https://evil.example/")]
    [InlineData("javascript:alert(1)")]
    public async Task AReturnAddressOffTheServer_ComesBackToTheRoot(string returnUrl)
    {
        var back = await SignInAsync(Browser(), Rep(), returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        Assert.Equal("/", back.Headers.Location!.OriginalString);
    }

    private static async Task AssertSignInFailedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sign-in-failed", problem.GetProperty("code").GetString());
        Assert.DoesNotContain("IDX", problem.ToString(), StringComparison.Ordinal);
        Assert.Null(response.Headers.Location);
    }

    public void Dispose()
    {
        _server.Dispose();
        _factory.Dispose();
        _provider.Dispose();
    }
}
