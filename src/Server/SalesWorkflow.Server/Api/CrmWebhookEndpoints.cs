using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Import;
using SalesWorkflow.Server.Accounts;
using SalesWorkflow.Server.Hosting;
using SalesWorkflow.Server.Security;

namespace SalesWorkflow.Server.Api;

/// <summary>
/// Live sync (docs/import.md, "Live sync"): <c>POST /api/crm/{name}/webhook</c> for each configured CRM. The call is
/// anonymous to the server's sign-in: the CRM proves itself by its signature or shared value, checked by the receiver.
/// </summary>
internal static class CrmWebhookEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var crm = api.MapGroup("/crm").WithTags("CRM sync");
        crm.MapPost("/{name}/webhook", ReceiveAsync).AllowAnonymous().WithName("ReceiveCrmWebhook")
            .WithSummary("A CRM's webhook call: verified (HubSpot v3 signature, Salesforce organization id, Dynamics key, Zoho token, or the json format's signature), its deal changes applied as commands whose ids are the CRM's event ids.")
            .Produces(StatusCodes.Status200OK).Produces(StatusCodes.Status400BadRequest).Produces(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status404NotFound).Produces(StatusCodes.Status422UnprocessableEntity);
        crm.MapGet("/{name}/events", ListAsync).RequireAuthorization(ApiScopes.EventsRead).WithName("ListCrmWebhookEvents")
            .WithSummary("The webhook's latest events, newest first, with what became of each; `refused=true` for the refused ones, with their payload to send again once mended. Callers who see every deal only.")
            .Produces<List<CrmEventRecord>>().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> ReceiveAsync(string name, HttpRequest request, CrmWebhookReceivers receivers, ISalesWorkflowEngine engine)
    {
        if (receivers.Find(name) is not { } receiver)
        {
            return ApiProblems.Problem(StatusCodes.Status404NotFound, "unknown-webhook", $"No CRM webhook is configured under this name; the configured ones are: {string.Join(", ", receivers.Names.DefaultIfEmpty("none"))}.");
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        var call = new CrmWebhookRequest
        {
            Method = request.Method,
            Url = new Uri(request.GetEncodedUrl()),
            Headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            Body = body.ToArray(),
        };
        var response = await receiver.ReceiveAsync(engine, call, request.HttpContext.RequestAborted);
        return Results.Text(response.Body, response.ContentType, statusCode: response.StatusCode);
    }

    private static async Task<IResult> ListAsync(string name, bool? refused, int? limit, HttpContext http, CrmWebhookReceivers receivers, AccountStore store)
    {
        if (Caller.Of(http).View != DealView.All)
        {
            return ApiProblems.Forbidden("A webhook's events concern every deal: only callers who see every deal (director, process owner, approver, integration) may list them.");
        }

        if (receivers.Find(name) is null)
        {
            return ApiProblems.Problem(StatusCodes.Status404NotFound, "unknown-webhook", "No CRM webhook is configured under this name.");
        }

        return TypedResults.Ok(await store.LatestCrmEventsAsync(name, refused == true, Math.Clamp(limit ?? 100, 1, 1000), http.RequestAborted));
    }
}

/// <summary>The configured webhooks' receivers, built and checked when the server starts: a mapping that does not load, or does not fit its process, stops the start with the reason.</summary>
internal sealed partial class CrmWebhookReceivers(IOptions<SalesWorkflowServerOptions> options, ISalesWorkflowAnalytics analytics, AccountStore store, TimeProvider clock, ILogger<CrmWebhookReceivers> logger) : IHostedService
{
    private readonly Dictionary<string, CrmWebhookReceiver> _receivers = new(StringComparer.Ordinal);

    public IEnumerable<string> Names => _receivers.Keys.Order(StringComparer.Ordinal);

    public CrmWebhookReceiver? Find(string name) => _receivers.GetValueOrDefault(name);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.CrmWebhooks.Count == 0)
        {
            return;
        }

        var processes = await analytics.ListProcessesAsync(cancellationToken);
        foreach (var (name, settings) in options.Value.CrmWebhooks)
        {
            string Fail(string why) => $"SalesWorkflowServer:CrmWebhooks:{name}: {why}";
            if (string.IsNullOrWhiteSpace(settings.Secret))
            {
                throw new InvalidOperationException(Fail("Secret is empty; set it from an environment variable (SalesWorkflowServer__CrmWebhooks__" + name + "__Secret) or a secret store."));
            }

            var mappingName = settings.Mapping ?? name;
            var loaded = CrmMapping.Presets.Contains(mappingName, StringComparer.Ordinal) ? CrmMapping.Preset(mappingName) : CrmMapping.Load(mappingName);
            if (loaded.Mapping is not { } mapping)
            {
                throw new InvalidOperationException(Fail("the mapping does not load: " + string.Join("; ", loaded.Diagnostics.Select(d => d.ToString()))));
            }

            var chosen = settings.Process is { } id ? processes.FirstOrDefault(p => p.Id == id)
                : processes.FirstOrDefault(p => p.Id == "standard-b2b") ?? (processes.Count == 1 ? processes[0] : null);
            if (chosen is null || await analytics.FindProcessAsync(chosen.Id, chosen.LatestVersion ?? chosen.Versions[^1], cancellationToken) is not { } process)
            {
                throw new InvalidOperationException(Fail($"name the process with Process; the engine runs {string.Join(", ", processes.Select(p => p.Id).DefaultIfEmpty("none"))}."));
            }

            try
            {
                _receivers[name] = new CrmWebhookReceiver(name, mapping, process, settings.Secret, new DatabaseLedger(store), clock) { ReplayWindow = settings.ReplayWindow };
            }
            catch (ArgumentException e)
            {
                throw new InvalidOperationException(Fail(e.Message), e);
            }

            Log.Serving(logger, name, mapping.WebhookFormat, process.Id);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "CRM webhook {Name}: {Format} payloads into {Process} at /api/crm/{Name}/webhook")]
        public static partial void Serving(ILogger logger, string name, string? format, string process);
    }

    /// <summary>The ledger in the SalesWorkflow database, so that every node of a cluster sees the same events.</summary>
    private sealed class DatabaseLedger(AccountStore store) : ICrmEventLedger
    {
        public Task<CrmEventRecord?> FindAsync(string source, string eventId, CancellationToken cancellationToken) => store.FindCrmEventAsync(source, eventId, cancellationToken);

        public async Task<IReadOnlyList<CrmEventRecord>> AppliedAfterAsync(string source, string dealId, DateTimeOffset occurredAt, CancellationToken cancellationToken) =>
            await store.AppliedCrmEventsAfterAsync(source, dealId, occurredAt, cancellationToken);

        public Task RecordAsync(CrmEventRecord record, CancellationToken cancellationToken) => store.RecordCrmEventAsync(record, cancellationToken);
    }
}
