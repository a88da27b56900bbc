using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Server.Hosting;

/// <summary>
/// The OpenAPI document (Microsoft.AspNetCore.OpenApi), generated from the endpoints at <c>/openapi/v1.json</c> and
/// checked into docs/openapi.json, so a change of the API shows in review (a test fails until the file is updated).
/// It holds nothing of the machine it was generated on (no server address), so every build writes the same file.
/// </summary>
internal static class ServerOpenApi
{
    public const string DocumentName = "v1";

    public static void Add(IServiceCollection services) => services.AddOpenApi(DocumentName, o =>
    {
        o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "SalesWorkflow Server",
                Version = "1.0.0",
                Description = "The SalesWorkflow engine over HTTP: deals and their commands, evaluations, explanations and histories, the event feed, KPIs and the period review, and validating and backtesting a process version before it goes live. "
                    + "Errors are RFC 9457 problem details whose `code` is stable. Authenticate with a session cookie (POST /api/session) or an API token (Authorization: Bearer swt_…). See docs/server.md.",
            };
            document.Servers = [];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal)
            {
                ["token"] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "An API token from `salesflow tokens create`, limited to its scopes." },
                ["session"] = new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Cookie, Name = ServerAuthentication.CookieName, Description = "A browser session from POST /api/session; changes also need the X-XSRF-TOKEN header." },
            };
            return Task.CompletedTask;
        });
        o.AddSchemaTransformer((schema, context, _) =>
        {
            // Custom fields are written by the engine's converter as {"id": {"kind": value}}, which reflection cannot see.
            if (context.JsonTypeInfo.Type == typeof(CustomFields))
            {
                schema.Type = JsonSchemaType.Object;
                schema.Properties?.Clear();
                schema.Items = null;
                schema.AdditionalProperties = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    MinProperties = 1,
                    MaxProperties = 1,
                    Description = "The field's value under its kind: {\"text\": \"…\"}, {\"number\": 3}, {\"bool\": true} or {\"date\": \"2026-12-01T00:00:00Z\"}.",
                };
                schema.Examples = [JsonNode.Parse("""{"budgetConfirmed": {"bool": true}, "requirementChanges": {"number": 3}}""")!];
            }

            return Task.CompletedTask;
        });
        o.AddOperationTransformer((operation, context, _) =>
        {
            // Who may call it, in the document itself: the scope each operation needs (a token's scopes, or a session
            // whose roles grant it), which the API tests walk to check every operation's 401 and 403.
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAllowAnonymous>().Any())
            {
                return Task.CompletedTask;
            }

            var scopes = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("token", context.Document)] = scopes },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("session", context.Document)] = scopes },
            ];
            operation.Responses ??= [];
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No credentials, or a token that is unknown, revoked or expired." });
            operation.Responses.TryAdd("403", new OpenApiResponse { Description = "The caller's roles or token scopes do not allow it." });
            return Task.CompletedTask;
        });
    });

    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
}
