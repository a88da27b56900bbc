using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Server.Accounts;
using SalesWorkflow.Server.Api;
using SalesWorkflow.Server.Security;
using SalesWorkflow.Server.Web;

namespace SalesWorkflow.Server.Hosting;

/// <summary>
/// The server in an ASP.NET Core application of your own: <c>AddSalesWorkflowServer</c> next to
/// <c>AddSalesWorkflow</c>, then <c>UseSalesWorkflowServer</c> and <c>MapSalesWorkflow</c> on the app
/// (docs/server.md, "Hosting it yourself").
/// </summary>
public static class SalesWorkflowServerExtensions
{
    /// <summary>The anti-forgery header a browser session sends with each change.</summary>
    public const string AntiforgeryHeader = "X-XSRF-TOKEN";

    private const string ReadyTag = "ready";

    /// <summary>
    /// Adds the server's services: authentication (session cookie, API tokens, OpenID Connect when configured),
    /// authorization by scope, the accounts, problem details, rate limits, anti-forgery, health checks and the OpenAPI
    /// document. The engine itself is registered with <c>AddSalesWorkflow</c>, on the same database.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddSalesWorkflowServer(this IServiceCollection services, Action<SalesWorkflowServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new SalesWorkflowServerOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(provider => AccountStore.ForDatabase(options.Database, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<TokenCache>();
        services.AddSingleton<BacktestGate>();
        services.AddHostedService<AccountsStartup>();
        services.AddSingleton<CrmWebhookReceivers>();
        services.AddHostedService(provider => provider.GetRequiredService<CrmWebhookReceivers>());
        services.AddDataProtection().SetApplicationName("SalesWorkflow");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(provider =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new DatabaseKeyRepository(provider.GetRequiredService<AccountStore>())));

        ServerAuthentication.Add(services, options);
        services.AddAntiforgery(o =>
        {
            o.HeaderName = AntiforgeryHeader;
            o.Cookie.Name = "salesworkflow.antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
        });
        services.ConfigureHttpJsonOptions(o =>
        {
            SalesWorkflowJson.Configure(o.SerializerOptions);
            o.SerializerOptions.Converters.Add(new SourceSpanJson());
        });
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // Nothing of an exception reaches a response but what the server chose to say.
            context.ProblemDetails.Extensions.Remove("exception");
            context.ProblemDetails.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
        });
        AddRateLimits(services, options);
        services.AddHealthChecks().AddCheck<EngineReadyCheck>("engine", tags: [ReadyTag]);
        ServerOpenApi.Add(services);
        return services;
    }

    /// <summary>
    /// The server's middleware, in order: problem details for errors (never a stack trace), security headers, the body
    /// size limit, authentication, rate limits, authorization and anti-forgery for browser sessions. Call it before
    /// <see cref="MapSalesWorkflow"/>.
    /// </summary>
    /// <param name="app">The application.</param>
    /// <returns>The application.</returns>
    public static IApplicationBuilder UseSalesWorkflowServer(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.ApplicationServices.GetRequiredService<IOptions<SalesWorkflowServerOptions>>().Value;
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                SalesWorkflowStoreException { IsTransient: true } => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
            ExceptionHandler = WriteExceptionAsync,
        });
        app.UseStatusCodePages();
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
            if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
            {
                headers.CacheControl = "no-store";
            }

            if (context.Request.ContentLength > options.MaxRequestBodyBytes)
            {
                await ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, "request-too-large", $"The request body is larger than {options.MaxRequestBodyBytes:N0} bytes.").ExecuteAsync(context);
                return;
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = options.MaxRequestBodyBytes;
            }

            await next(context);
        });
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.Use(ValidateAntiforgeryAsync);
        return app;
    }

    /// <summary>
    /// Maps the REST API under <paramref name="prefix"/>, the OpenAPI document at <c>/openapi/v1.json</c>, and the health
    /// endpoints <c>/healthz</c> (the process answers) and <c>/readyz</c> (the engine answers; not while shutting down).
    /// </summary>
    /// <param name="endpoints">The application's routes.</param>
    /// <param name="prefix">Where the API lives (default <c>/api</c>).</param>
    /// <returns>The API's route group, for adding conventions.</returns>
    public static RouteGroupBuilder MapSalesWorkflow(this IEndpointRouteBuilder endpoints, string prefix = "/api")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<SalesWorkflowServerOptions>>().Value;
        var api = endpoints.MapGroup(prefix);
        SessionEndpoints.Map(api, options);
        DealEndpoints.Map(api);
        FeedEndpoints.Map(api);
        ReportEndpoints.Map(api);
        ProcessEndpoints.Map(api);
        CrmWebhookEndpoints.Map(api);
        InboxEndpoints.Map(api);
        ProcessViewEndpoints.Map(api);
        WebApp.Map(endpoints);
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) }).AllowAnonymous();
        ServerOpenApi.Map(endpoints);
        return api;
    }

    private static void AddRateLimits(IServiceCollection services, SalesWorkflowServerOptions options) => services.AddRateLimiter(limiter =>
    {
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            var key = context.User.Identity?.IsAuthenticated == true
                ? "user:" + Caller.Of(context).UserId
                : "address:" + context.Connection.RemoteIpAddress;
            return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(1, options.RequestsPerMinute),
                TokensPerPeriod = Math.Max(1, options.RequestsPerMinute / 6),
                ReplenishmentPeriod = TimeSpan.FromSeconds(10),
                QueueLimit = 0,
            });
        });
        limiter.AddPolicy(SessionEndpoints.SignInRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
            "sign-in:" + context.Connection.RemoteIpAddress,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = Math.Max(1, options.SignInAttemptsPerMinute), Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        limiter.OnRejected = async (context, cancellationToken) =>
        {
            if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
            {
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            await ApiProblems.Problem(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests: wait as Retry-After says, then try again.").ExecuteAsync(context.HttpContext);
        };
    });

    /// <summary>A change made with a browser session must carry the session's anti-forgery token, so another site cannot make it on the user's behalf.</summary>
    private static async Task ValidateAntiforgeryAsync(HttpContext context, RequestDelegate next)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
            && context.User.Identity?.IsAuthenticated == true && Caller.Of(context).UsesCookie)
        {
            var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                await ApiProblems.Problem(StatusCodes.Status400BadRequest, "antiforgery-failed", $"A change from a browser session needs the {AntiforgeryHeader} header with the token GET /api/session gives.").ExecuteAsync(context);
                return;
            }
        }

        await next(context);
    }

    private static async Task WriteExceptionAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var (code, detail) = error switch
        {
            BadHttpRequestException bad => (bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "request-too-large" : "invalid-request", BadRequestDetail(bad)),
            SalesWorkflowStoreException { IsTransient: true } => ("unavailable", "The database is not reachable just now; nothing of this request was saved unless a retry with the same Idempotency-Key says so. Try again shortly."),
            _ => ("internal-error", "The server failed to answer this request; it has been logged with the trace id."),
        };
        await ApiProblems.Problem(context.Response.StatusCode, code, detail).ExecuteAsync(context);
    }

    /// <summary>What was wrong with a request, with the JSON position when the body did not read; never the body itself.</summary>
    private static string BadRequestDetail(BadHttpRequestException bad) => bad.InnerException is JsonException json
        ? $"The JSON body does not read: {json.Message.Split(" Path:", 2)[0]} (at {json.Path ?? "$"}, line {(json.LineNumber ?? 0) + 1}, byte {(json.BytePositionInLine ?? 0) + 1})."
        : bad.Message;

    /// <summary>Starts the engine (which creates or upgrades the database), then makes sure the account tables are there.</summary>
    private sealed class AccountsStartup(ISalesWorkflowEngine engine, AccountStore accounts) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await engine.QueryAsync(new DealQuery { Limit = 1 }, cancellationToken);
            await accounts.EnsureCreatedAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Ready while the engine answers a query, and not once the host is stopping, so a load balancer drains the node.</summary>
    private sealed class EngineReadyCheck(ISalesWorkflowEngine engine, IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy("stopping");
            }

            try
            {
                await engine.QueryAsync(new DealQuery { Limit = 1 }, cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (SalesWorkflowStoreException e)
            {
                return HealthCheckResult.Unhealthy("the store does not answer", e);
            }
        }
    }
}
