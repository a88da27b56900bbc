using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SalesWorkflow.Server.Tests;

/// <summary>
/// An OpenID Connect provider in the test process, just enough of one for the authorization code flow with PKCE:
/// discovery, signing keys, the authorize step (done by <see cref="Approve"/> in place of a person at a login page)
/// and the token endpoint, which checks the code, the client secret and the PKCE verifier before it issues an id token
/// signed with its RSA key. The server reaches it as its backchannel handler.
/// </summary>
internal sealed class FakeIdentityProvider : HttpMessageHandler
{
    public const string Issuer = "https://idp.test";
    public const string ClientId = "salesworkflow";
    public const string ClientSecret = "a-client-secret";

    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "test-key" };
    private readonly ConcurrentDictionary<string, Grant> _codes = new(StringComparer.Ordinal);

    /// <summary>Signs the next id tokens with a key the provider does not publish (a forgery).</summary>
    public bool SignWithAnotherKey { get; set; }

    private sealed record Grant(string Nonce, string Challenge, string RedirectUri, IReadOnlyDictionary<string, object> Claims);

    /// <summary>
    /// What the provider's login page does once the person has signed in: reads the authorize request the server
    /// redirected to, and answers with the form the browser posts back to the server (code and state).
    /// </summary>
    public (Uri CallbackUri, FormUrlEncodedContent Form) Approve(Uri authorizeRequest, IReadOnlyDictionary<string, object> claims)
    {
        Assert.StartsWith(Issuer + "/authorize", authorizeRequest.ToString(), StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(authorizeRequest.Query);
        Assert.Equal(ClientId, query["client_id"].ToString());
        Assert.Equal("code", query["response_type"].ToString());
        Assert.Equal("S256", query["code_challenge_method"].ToString());
        Assert.Contains("openid", query["scope"].ToString(), StringComparison.Ordinal);
        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
        _codes[code] = new Grant(query["nonce"].ToString(), query["code_challenge"].ToString(), query["redirect_uri"].ToString(), claims);
        return (new Uri(query["redirect_uri"].ToString()), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["code"] = code,
            ["state"] = query["state"].ToString(),
        }));
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        return path switch
        {
            "/.well-known/openid-configuration" => Json(new Dictionary<string, object>
            {
                ["issuer"] = Issuer,
                ["authorization_endpoint"] = Issuer + "/authorize",
                ["token_endpoint"] = Issuer + "/token",
                ["jwks_uri"] = Issuer + "/jwks",
                ["response_types_supported"] = new[] { "code" },
                ["subject_types_supported"] = new[] { "public" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                ["code_challenge_methods_supported"] = new[] { "S256" },
            }),
            "/jwks" => Json(new { keys = new[] { PublicJwk(_key) } }),
            "/token" => await TokenAsync(request, cancellationToken),
            _ => new HttpResponseMessage(HttpStatusCode.NotFound),
        };
    }

    private async Task<HttpResponseMessage> TokenAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var form = QueryHelpers.ParseQuery(await request.Content!.ReadAsStringAsync(cancellationToken));
        var secretOk = form["client_id"] == ClientId && form["client_secret"] == ClientSecret;
        if (!secretOk || !_codes.TryRemove(form["code"].ToString(), out var grant) || form["redirect_uri"] != grant.RedirectUri ||
            Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))) != grant.Challenge)
        {
            return new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = JsonContent.Create(new { error = "invalid_grant" }) };
        }

        var claims = new Dictionary<string, object>(grant.Claims, StringComparer.Ordinal) { ["nonce"] = grant.Nonce };
        var signingKey = SignWithAnotherKey ? new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key" } : _key;
        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = ClientId,
            Claims = claims,
            IssuedAt = DateTime.UtcNow,
            NotBefore = DateTime.UtcNow.AddMinutes(-1),
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(signingKey, SecurityAlgorithms.RsaSha256),
        });
        return Json(new Dictionary<string, object>
        {
            ["access_token"] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24)),
            ["token_type"] = "Bearer",
            ["expires_in"] = 300,
            ["id_token"] = idToken,
        });
    }

    private static Dictionary<string, string> PublicJwk(RsaSecurityKey key)
    {
        var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["alg"] = "RS256",
            ["kid"] = key.KeyId,
            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
            ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
        };
    }

    private static HttpResponseMessage Json(object body) => new(HttpStatusCode.OK) { Content = JsonContent.Create(body) };
}
