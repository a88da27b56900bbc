using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using SalesWorkflow.Server.Accounts;

namespace SalesWorkflow.Server.Security;

/// <summary>
/// ASP.NET Core authentication for API tokens (<c>Authorization: Bearer swt_…</c>): the token's hash is looked up in
/// the account store, and the request acts as the token's user within the token's scopes. A lookup is remembered for a
/// few seconds, so a busy integration does not read the accounts on every call; a revoked token or a disabled user stops
/// working within that time.
/// </summary>
internal sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccountStore accounts,
    TokenCache cache,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "SalesWorkflow.Token";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers[HeaderNames.Authorization];
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var token = header["Bearer ".Length..].Trim();
        var now = clock.GetUtcNow();
        if (!cache.TryGet(token, now, out var found))
        {
            found = await accounts.FindByTokenAsync(token, Context.RequestAborted);
            cache.Set(token, found, now);
        }

        if (found is not { } account)
        {
            return AuthenticateResult.Fail("The API token is unknown, revoked or expired, or its user is disabled.");
        }

        var principal = Caller.Principal(account.User, "token", SchemeName, account.Token.Scopes);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Hosting.ServerAuthentication.WriteProblemAsync(Context, StatusCodes.Status401Unauthorized);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Hosting.ServerAuthentication.WriteProblemAsync(Context, StatusCodes.Status403Forbidden);
}

/// <summary>Token lookups, remembered for <see cref="Lifetime"/> (also the unknown ones, so that guessing costs the store nothing).</summary>
internal sealed class TokenCache
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);
    private const int MaximumEntries = 10_000;

    private readonly ConcurrentDictionary<string, ((ServerUser User, ApiTokenRecord Token)? Found, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);

    public bool TryGet(string token, DateTimeOffset now, out (ServerUser User, ApiTokenRecord Token)? found)
    {
        if (_entries.TryGetValue(token, out var entry) && entry.Until > now && (entry.Found is not { } f || f.Token.ExpiresAt is not { } expires || expires > now))
        {
            found = entry.Found;
            return true;
        }

        found = null;
        return false;
    }

    public void Set(string token, (ServerUser User, ApiTokenRecord Token)? found, DateTimeOffset now)
    {
        if (_entries.Count >= MaximumEntries)
        {
            _entries.Clear();
        }

        _entries[token] = (found, now + Lifetime);
    }

    /// <summary>Forgets every lookup (after a revocation through this process).</summary>
    public void Clear() => _entries.Clear();
}
