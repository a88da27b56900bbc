using System.Security.Claims;
using SalesWorkflow.Server.Accounts;

namespace SalesWorkflow.Server.Security;

/// <summary>Which deals a caller sees: their own, their team's, or all.</summary>
internal enum DealView
{
    Own,
    Team,
    All,
}

/// <summary>
/// The authenticated caller of a request, read from the claims the sign-in put there: who, with which roles and team,
/// the scopes the call may use, and which deals they see. Every endpoint decides with this and nothing else.
/// </summary>
internal sealed class Caller
{
    public const string TeamClaim = "sw:team";
    public const string ScopeClaim = "sw:scope";
    public const string MethodClaim = "sw:auth";

    private Caller(string userId, IReadOnlySet<string> roles, string team, IReadOnlySet<string> scopes, string method)
    {
        UserId = userId;
        Roles = roles;
        Team = team;
        Scopes = scopes;
        Method = method;
        View = roles.Overlaps([SalesRoles.Director, SalesRoles.ProcessOwner, SalesRoles.Approver, SalesRoles.Integration]) ? DealView.All
            : roles.Contains(SalesRoles.Manager) ? DealView.Team
            : DealView.Own;
    }

    public string UserId { get; }

    public IReadOnlySet<string> Roles { get; }

    public string Team { get; }

    public IReadOnlySet<string> Scopes { get; }

    /// <summary>"cookie" (a person signed in), "token" (an API token) or "oidc" (signed in at the identity provider).</summary>
    public string Method { get; }

    public DealView View { get; }

    /// <summary>Whether the caller authenticated with a browser cookie, and so must prove each change is theirs (anti-forgery).</summary>
    public bool UsesCookie => Method is "cookie" or "oidc";

    /// <summary>The caller of <paramref name="context"/>'s request, read from its claims once per request (the endpoints, the rate limiter and the anti-forgery check all ask).</summary>
    public static Caller Of(Microsoft.AspNetCore.Http.HttpContext context)
    {
        if (context.Items.TryGetValue(typeof(Caller), out var cached) && cached is (ClaimsPrincipal principal, Caller caller) && ReferenceEquals(principal, context.User))
        {
            return caller;
        }

        var read = From(context.User);
        context.Items[typeof(Caller)] = (context.User, read);
        return read;
    }

    public static Caller From(ClaimsPrincipal principal)
    {
        var id = principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The request is not authenticated.");
        return new Caller(
            id,
            principal.FindAll(ClaimTypes.Role).Select(c => c.Value).ToHashSet(StringComparer.Ordinal),
            principal.FindFirstValue(TeamClaim) ?? string.Empty,
            principal.FindAll(ScopeClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal),
            principal.FindFirstValue(MethodClaim) ?? "cookie");
    }

    /// <summary>The claims of <paramref name="user"/> signing in by <paramref name="method"/>, with the scopes of their roles, limited to <paramref name="tokenScopes"/> for a token.</summary>
    public static ClaimsPrincipal Principal(ServerUser user, string method, string scheme, IReadOnlyCollection<string>? tokenScopes = null)
    {
        var granted = user.Roles.SelectMany(r => SalesRoles.Scopes.TryGetValue(r, out var s) ? s : []).ToHashSet(StringComparer.Ordinal);
        if (tokenScopes is not null)
        {
            granted.IntersectWith(tokenScopes);
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id),
            new(ClaimTypes.Name, user.DisplayName ?? user.Id),
            new(TeamClaim, user.Team),
            new(MethodClaim, method),
        };
        claims.AddRange(user.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        claims.AddRange(granted.Order(StringComparer.Ordinal).Select(s => new Claim(ScopeClaim, s)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>Whether the caller sees a deal of <paramref name="ownerId"/> in <paramref name="team"/>.</summary>
    public bool Sees(string ownerId, string team) => View switch
    {
        DealView.All => true,
        DealView.Team => string.Equals(ownerId, UserId, StringComparison.Ordinal) || (Team.Length > 0 && string.Equals(team, Team, StringComparison.Ordinal)),
        _ => string.Equals(ownerId, UserId, StringComparison.Ordinal),
    };
}
