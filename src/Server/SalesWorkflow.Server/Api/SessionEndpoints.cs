using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SalesWorkflow.Server.Accounts;
using SalesWorkflow.Server.Hosting;
using SalesWorkflow.Server.Security;

namespace SalesWorkflow.Server.Api;

/// <summary>Sign-in and sign-out for people (a cookie), and who the caller is.</summary>
internal static class SessionEndpoints
{
    public const string SignInRateLimit = "sign-in";

    public static void Map(RouteGroupBuilder api, SalesWorkflowServerOptions options)
    {
        var session = api.MapGroup("/session").WithTags("Session");
        session.MapPost("/", SignIn).AllowAnonymous().RequireRateLimiting(SignInRateLimit).WithName("SignIn")
            .WithSummary("Signs a local user in: sets the session cookie. Wrong user and wrong password answer the same.")
            .Produces<SessionResponse>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        session.MapGet("/", Current).RequireAuthorization().WithName("GetSession")
            .WithSummary("Who is calling: user, roles, team, scopes; for a browser session the anti-forgery token to send with each change.")
            .Produces<SessionResponse>();
        session.MapDelete("/", (Func<HttpContext, Task<IResult>>)SignOut).RequireAuthorization().WithName("SignOut")
            .WithSummary("Ends the browser session.")
            .Produces(StatusCodes.Status204NoContent);
        if (options.OpenIdConnect is not null)
        {
            session.MapGet("/oidc", (string? returnUrl) => TypedResults.Challenge(
                    new AuthenticationProperties { RedirectUri = IsLocalPath(returnUrl) ? returnUrl : "/" },
                    [ServerAuthentication.OpenIdConnectScheme]))
                .AllowAnonymous().WithName("SignInWithOpenIdConnect")
                .WithSummary("Starts sign-in at the company's identity provider (OpenID Connect); comes back signed in.");
        }
    }

    /// <summary>
    /// A path on this server, so that sign-in cannot be used to send someone elsewhere: one leading <c>/</c> and no
    /// second <c>/</c> or <c>\</c> after it (browsers read <c>/\evil.example</c> as <c>//evil.example</c>), no control
    /// characters, as ASP.NET Core's own local-URL check.
    /// </summary>
    internal static bool IsLocalPath([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) &&
        !url.Any(char.IsControl) && Uri.IsWellFormedUriString(url, UriKind.Relative);

    private static async Task<IResult> SignIn(SignInRequest body, HttpContext http, AccountStore accounts, IAntiforgery antiforgery)
    {
        if (body.UserId is null || body.Password is null)
        {
            return ApiProblems.Invalid("Give userId and password.");
        }

        var user = await accounts.CheckPasswordAsync(body.UserId, body.Password, http.RequestAborted);
        if (user is null)
        {
            return ApiProblems.Problem(StatusCodes.Status401Unauthorized, "sign-in-failed", "The user or the password is wrong, or the user is disabled.");
        }

        var principal = Caller.Principal(user, "cookie", CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        http.User = principal;
        return TypedResults.Ok(Describe(http, antiforgery));
    }

    private static Microsoft.AspNetCore.Http.HttpResults.Ok<SessionResponse> Current(HttpContext http, IAntiforgery antiforgery) => TypedResults.Ok(Describe(http, antiforgery));

    private static async Task<IResult> SignOut(HttpContext http)
    {
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.NoContent();
    }

    private static SessionResponse Describe(HttpContext http, IAntiforgery antiforgery)
    {
        var caller = Caller.Of(http);
        var token = caller.UsesCookie ? antiforgery.GetAndStoreTokens(http).RequestToken : null;
        return new SessionResponse(caller.UserId, [.. caller.Roles.Order(StringComparer.Ordinal)], caller.Team, [.. caller.Scopes.Order(StringComparer.Ordinal)], caller.Method, token);
    }
}
