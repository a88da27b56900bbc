using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;
using SalesWorkflow.Server.Accounts;
using SalesWorkflow.Server.Security;

namespace SalesWorkflow.Server.Hosting;

/// <summary>
/// The authentication schemes, all ASP.NET Core's own: a session cookie for people (local accounts or OpenID
/// Connect), an API token scheme for machines, and a policy scheme that picks one per request (a Bearer header: the
/// token; otherwise the cookie). Authorization policies are the scopes.
/// </summary>
internal static class ServerAuthentication
{
    public const string Scheme = "SalesWorkflow";
    public const string OpenIdConnectScheme = "oidc";
    public const string CookieName = "salesworkflow.session";

    public static void Add(IServiceCollection services, SalesWorkflowServerOptions options)
    {
        var authentication = services
            .AddAuthentication(o =>
            {
                o.DefaultScheme = Scheme;
                o.DefaultChallengeScheme = Scheme;
            })
            .AddPolicyScheme(Scheme, "SalesWorkflow", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers[HeaderNames.Authorization].ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? TokenAuthenticationHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = options.SessionLifetime;
                o.SlidingExpiration = true;
                // An API answers 401 and 403; it never redirects to a login page.
                o.Events.OnRedirectToLogin = context => WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = context => WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden);
                o.Events.OnValidatePrincipal = RevalidateLocalUserAsync;
            });

        if (options.OpenIdConnect is { } oidc)
        {
            authentication.AddOpenIdConnect(OpenIdConnectScheme, o =>
            {
                o.Authority = oidc.Authority;
                o.ClientId = oidc.ClientId;
                o.ClientSecret = oidc.ClientSecret;
                o.ResponseType = "code";
                o.UsePkce = true;
                o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.MapInboundClaims = false;
                o.SaveTokens = false;
                o.Scope.Add("profile");
                o.Events.OnTokenValidated = context =>
                {
                    var principal = context.Principal!;
                    var id = principal.FindFirstValue(oidc.UserIdClaim) ?? principal.FindFirstValue("sub") ?? string.Empty;
                    var roles = principal.FindAll(oidc.RolesClaim).Select(c => c.Value).Where(SalesRoles.All.Contains).Distinct(StringComparer.Ordinal).ToList();
                    if (!ServerUser.IsValidId(id) || roles.Count == 0)
                    {
                        context.Fail("The identity provider's user has no usable id or no SalesWorkflow role.");
                        return Task.CompletedTask;
                    }

                    context.Principal = Caller.Principal(new ServerUser(id, roles, principal.FindFirstValue(oidc.TeamClaim) ?? string.Empty), "oidc", CookieAuthenticationDefaults.AuthenticationScheme);
                    return Task.CompletedTask;
                };
                // A sign-in that does not complete (a forged or expired token, a user without a role, a replayed
                // callback) is a 401 problem, logged by the handler; the reason stays in the log, as for a wrong password.
                o.Events.OnRemoteFailure = context =>
                {
                    context.HandleResponse();
                    return WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized, signInFailed: true);
                };
            });
        }

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddScopePolicies();
    }

    private static Microsoft.AspNetCore.Authorization.AuthorizationBuilder AddScopePolicies(this Microsoft.AspNetCore.Authorization.AuthorizationBuilder builder)
    {
        foreach (var scope in ApiScopes.All)
        {
            builder.AddPolicy(scope, p => p.RequireAuthenticatedUser().RequireClaim(Caller.ScopeClaim, scope));
        }

        return builder;
    }

    /// <summary>A local user's session follows their account: disabled, it ends; roles or team changed, it changes with them.</summary>
    private static async Task RevalidateLocalUserAsync(CookieValidatePrincipalContext context)
    {
        if (context.Principal is not { } principal || principal.FindFirstValue(Caller.MethodClaim) != "cookie")
        {
            return;
        }

        var accounts = context.HttpContext.RequestServices.GetRequiredService<AccountStore>();
        var caller = Caller.From(principal);
        var user = await accounts.FindUserAsync(caller.UserId, context.HttpContext.RequestAborted);
        if (user is null || user.Disabled)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }

        if (!user.Roles.ToHashSet(StringComparer.Ordinal).SetEquals(caller.Roles) || user.Team != caller.Team)
        {
            context.ReplacePrincipal(Caller.Principal(user, "cookie", CookieAuthenticationDefaults.AuthenticationScheme));
            context.ShouldRenew = true;
        }
    }

    /// <summary>Writes a 401 or 403 as problem details.</summary>
    public static Task WriteProblemAsync(HttpContext context, int status, bool signInFailed = false)
    {
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        var (code, detail) = signInFailed
            ? ("sign-in-failed", "The sign-in at the identity provider did not complete, or its user has no SalesWorkflow role; start again at GET /api/session/oidc.")
            : status == StatusCodes.Status401Unauthorized
            ? ("unauthenticated", "Sign in (POST /api/session), or send an API token: Authorization: Bearer swt_….")
            : ("forbidden", "Your roles, or your token's scopes, do not allow this.");
        return Api.ApiProblems.Problem(status, code, detail).ExecuteAsync(context);
    }
}
