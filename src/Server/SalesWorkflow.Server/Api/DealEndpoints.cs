using System.ComponentModel;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Server.Accounts;
using SalesWorkflow.Server.Security;

namespace SalesWorkflow.Server.Api;

/// <summary>The deal endpoints: the engine's commands and reads, each checked against what the caller may see and do.</summary>
internal static class DealEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    private const int MaximumKeyLength = 200;

    public static void Map(RouteGroupBuilder api)
    {
        var deals = api.MapGroup("/deals").WithTags("Deals");
        deals.MapGet("/", ListDeals).RequireAuthorization(ApiScopes.DealsRead).Read<DealPage>("ListDeals", "Deals the caller can see, by stage, owner, team, status, blocked, escalated or at risk; paged by deal id.");
        deals.MapPost("/", StartDeal).RequireAuthorization(ApiScopes.DealsWrite).Command("StartDeal", "Starts tracking a deal in the first stage of its process (or the stage given).");
        deals.MapGet("/{dealId}", GetDeal).RequireAuthorization(ApiScopes.DealsRead).Read<DealState>("GetDeal", "The deal's state: stage, status, facts, checklist, escalations and last evaluation.");
        deals.MapGet("/{dealId}/evaluation", GetEvaluation).RequireAuthorization(ApiScopes.DealsRead).Read<DealEvaluation>("GetEvaluation", "The deal's last evaluation: gate and failing criteria with the values they read, risks, health, escalations.");
        deals.MapGet("/{dealId}/explanation", Explain).RequireAuthorization(ApiScopes.DealsRead).Read<ExplanationResponse>("ExplainDeal", "Why the deal is where it is, in words (en or zh), re-evaluated at a moment of its life (default: its last evaluation).");
        deals.MapGet("/{dealId}/history", History).RequireAuthorization(ApiScopes.DealsRead).Read<List<FeedEvent>>("GetHistory", "The deal's audit history, oldest first.");

        deals.MapPut("/{dealId}/facts", (string dealId, UpdateFactsRequest body, HttpContext http, ISalesWorkflowEngine engine) =>
                Submit(http, engine, dealId, id => new UpsertFacts(id, dealId) { Opportunity = body.Opportunity, Account = body.Account, Owner = body.Owner, Contacts = body.Contacts ?? [], Approvals = body.Approvals ?? [] }, body.Owner))
            .RequireAuthorization(ApiScopes.DealsWrite).Command("UpdateFacts", "Replaces the opportunity, account or owner given; adds or replaces contacts and approvals by id.");
        deals.MapPost("/{dealId}/activities", (string dealId, Activity body, HttpContext http, ISalesWorkflowEngine engine) =>
                Submit(http, engine, dealId, id => new LogActivity(id, dealId, body)))
            .RequireAuthorization(ApiScopes.DealsWrite).Command("LogActivity", "Records a call, meeting, visit, e-mail, proposal….");
        deals.MapPost("/{dealId}/feedback", (string dealId, Feedback body, HttpContext http, ISalesWorkflowEngine engine) =>
                Submit(http, engine, dealId, id => new RecordFeedback(id, dealId, body)))
            .RequireAuthorization(ApiScopes.DealsWrite).Command("RecordFeedback", "Records customer feedback: satisfaction, complaints and their resolution.");
        deals.MapPost("/{dealId}/checklist/{item}", (string dealId, string item, HttpContext http, ISalesWorkflowEngine engine) =>
                Submit(http, engine, dealId, id => new CompleteChecklistItem(id, dealId, item)))
            .RequireAuthorization(ApiScopes.DealsWrite).Command("CompleteChecklistItem", "Ticks off a checklist item of the current stage.");
        deals.MapPost("/{dealId}/tasks", (string dealId, CreateTaskRequest body, HttpContext http, ISalesWorkflowEngine engine) =>
                Submit(http, engine, dealId, id => new CreateTask(id, dealId, body.TaskId, body.Title) { DueAt = body.DueAt, AssignTo = body.AssignTo }))
            .RequireAuthorization(ApiScopes.DealsWrite).Command("CreateTask", "Creates an ad hoc task in the current stage; it comes due once at dueAt while open (docs/tasks.md).");
        deals.MapPost("/{dealId}/tasks/{taskId}/complete", (string dealId, string taskId, [FromBody] CompleteTaskRequest? body, HttpContext http, ISalesWorkflowEngine engine) =>
                Submit(http, engine, dealId, id => new CompleteTask(id, dealId, taskId) { Note = body?.Note }))
            .RequireAuthorization(ApiScopes.DealsWrite).Command("CompleteTask", "Completes an open task of the current stage; on time when by its due moment.");
        deals.MapPost("/{dealId}/tasks/{taskId}/reassign", (string dealId, string taskId, ReassignTaskRequest body, HttpContext http, ISalesWorkflowEngine engine) =>
                Submit(http, engine, dealId, id => new ReassignTask(id, dealId, taskId, body.AssignTo) { Note = body.Note }))
            .RequireAuthorization(ApiScopes.DealsWrite).Command("ReassignTask", "Gives an open task of the current stage to another person; its due moment stays.");
        deals.MapPost("/{dealId}/advance", (string dealId, [FromBody] AdvanceRequest? body, HttpContext http, ISalesWorkflowEngine engine) =>
                Submit(http, engine, dealId, id => new RequestAdvance(id, dealId) { ToStage = body?.ToStage }))
            .RequireAuthorization(ApiScopes.DealsWrite).Command("AdvanceDeal", "Moves the deal to the next stage (or the one given) if the gate passes; a refusal lists the failing criteria.");
        deals.MapPost("/{dealId}/override", (string dealId, OverrideRequest body, HttpContext http, ISalesWorkflowEngine engine) =>
                Submit(http, engine, dealId, id => new OverrideGate(id, dealId, body.Reason, Caller.Of(http).UserId) { ToStage = body.ToStage }))
            .RequireAuthorization(ApiScopes.GatesOverride).Command("OverrideGate", "Moves the deal on despite a failing gate; the caller is recorded as the approver. Approvers only.");
        deals.MapPost("/{dealId}/won", (string dealId, [FromBody] CloseWonRequest? body, HttpContext http, ISalesWorkflowEngine engine) =>
                Submit(http, engine, dealId, id => new CloseWon(id, dealId) { Note = body?.Note }))
            .RequireAuthorization(ApiScopes.DealsWrite).Command("CloseWon", "Closes the deal as won.");
        deals.MapPost("/{dealId}/lost", (string dealId, CloseLostRequest body, HttpContext http, ISalesWorkflowEngine engine) =>
                Submit(http, engine, dealId, id => new CloseLost(id, dealId, body.Reason) { Note = body.Note, ToStage = body.ToStage }))
            .RequireAuthorization(ApiScopes.DealsWrite).Command("CloseLost", "Closes the deal as lost, with one of the process's loss reasons.");
        deals.MapPost("/{dealId}/reopen", (string dealId, [FromBody] ReopenRequest? body, HttpContext http, ISalesWorkflowEngine engine) =>
                Submit(http, engine, dealId, id => new Reopen(id, dealId) { Note = body?.Note }))
            .RequireAuthorization(ApiScopes.DealsWrite).Command("ReopenDeal", "Brings a lost deal back to the stage it was lost from.");
        deals.MapPost("/{dealId}/migrate", (string dealId, MigrateRequest body, HttpContext http, ISalesWorkflowEngine engine) =>
                Submit(http, engine, dealId, id => new MigrateVersion(id, dealId, body.ToVersion)))
            .RequireAuthorization(ApiScopes.ProcessesWrite).Command("MigrateDeal", "Moves the deal to another version of its process, keeping its stage.");
    }

    private static async Task<IResult> ListDeals(
        HttpContext http,
        ISalesWorkflowEngine engine,
        string? stage,
        string? owner,
        string? team,
        [Description("open, won or lost")] string? status,
        bool? blocked,
        bool? atRisk,
        int? minEscalationLevel,
        int? maxHealth,
        string? after,
        int? limit)
    {
        DealStatus? statusFilter = null;
        if (status is not null)
        {
            if (!Enum.TryParse<DealStatus>(status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || char.IsDigit(status[0]))
            {
                return ApiProblems.Invalid($"status is open, won or lost (not `{(status.Length > 20 ? status[..20] + "…" : status)}`).");
            }

            statusFilter = parsed;
        }

        var caller = Caller.Of(http);
        switch (caller.View)
        {
            case DealView.Own when owner is not null && owner != caller.UserId:
                return ApiProblems.Forbidden("A rep sees only their own deals: leave out owner, or give your own id.");
            case DealView.Own:
                owner = caller.UserId;
                break;
            case DealView.Team when team is not null && team != caller.Team:
                return ApiProblems.Forbidden($"A manager sees the deals of their team ({caller.Team}) only.");
            case DealView.Team:
                team = caller.Team;
                break;
        }

        var pageSize = Math.Clamp(limit ?? 100, 1, 1000);
        var found = await engine.QueryAsync(
            new DealQuery
            {
                Stage = stage,
                OwnerId = owner,
                Team = team,
                Status = statusFilter,
                Blocked = blocked,
                AtRisk = atRisk,
                MinEscalationLevel = minEscalationLevel,
                MaxHealth = maxHealth,
                AfterDealId = after,
                Limit = pageSize,
            },
            http.RequestAborted);
        return TypedResults.Ok(new DealPage(found, found.Count == pageSize ? found[^1].DealId : null));
    }

    private static async Task<IResult> StartDeal(StartDealRequest body, HttpContext http, ISalesWorkflowEngine engine)
    {
        var caller = Caller.Of(http);
        if (body.Opportunity is null || string.IsNullOrWhiteSpace(body.DealId) || string.IsNullOrWhiteSpace(body.ProcessId))
        {
            return ApiProblems.Invalid("A deal needs a dealId, a processId and an opportunity.");
        }

        // A rep or manager starting a deal without naming the owner owns it; the team defaults to the caller's.
        var owner = body.Owner ?? new Owner { Id = body.Opportunity.OwnerId.Length > 0 ? body.Opportunity.OwnerId : caller.UserId };
        if (owner.Id.Length == 0)
        {
            owner.Id = caller.UserId;
        }

        if (owner.Team.Length == 0 && owner.Id == caller.UserId)
        {
            owner.Team = caller.Team;
        }

        if (body.Opportunity.OwnerId.Length == 0)
        {
            body.Opportunity.OwnerId = owner.Id;
        }

        if (!caller.Sees(owner.Id, owner.Team))
        {
            return ApiProblems.Forbidden(caller.View == DealView.Own
                ? "A rep starts deals they own: leave out the owner, or name yourself."
                : $"A manager starts deals of their team ({caller.Team}) only.");
        }

        return await Run(http, engine, id => new StartTracking(id, body.DealId, body.ProcessId)
        {
            Opportunity = body.Opportunity,
            Account = body.Account,
            Owner = owner,
            Contacts = body.Contacts ?? [],
            Version = body.Version,
            Stage = body.Stage,
        });
    }

    private static async Task<IResult> GetDeal(string dealId, HttpContext http, ISalesWorkflowEngine engine) =>
        await Visible(http, engine, dealId) is { } deal ? TypedResults.Ok(deal) : ApiProblems.UnknownDeal(dealId);

    private static async Task<IResult> GetEvaluation(string dealId, HttpContext http, ISalesWorkflowEngine engine) =>
        await Visible(http, engine, dealId) is { } deal ? TypedResults.Ok(deal.LastEvaluation) : ApiProblems.UnknownDeal(dealId);

    private static async Task<IResult> Explain(string dealId, HttpContext http, ISalesWorkflowEngine engine, DateTimeOffset? at, string? language)
    {
        if (language is not null and not ("en" or "zh"))
        {
            return ApiProblems.Invalid("language is en or zh.");
        }

        if (await Visible(http, engine, dealId) is null)
        {
            return ApiProblems.UnknownDeal(dealId);
        }

        var explanation = await engine.ExplainAsync(dealId, at, http.RequestAborted);
        return explanation is null
            ? ApiProblems.UnknownDeal(dealId)
            : TypedResults.Ok(new ExplanationResponse(explanation.ToText(language ?? PreferredLanguage(http)), explanation.Evaluation));
    }

    private static async Task<IResult> History(string dealId, HttpContext http, ISalesWorkflowEngine engine)
    {
        if (await Visible(http, engine, dealId) is null)
        {
            return ApiProblems.UnknownDeal(dealId);
        }

        var history = await engine.GetHistoryAsync(dealId, http.RequestAborted);
        return TypedResults.Ok(history.Select(FeedEvent.From).ToList());
    }

    /// <summary>The deal, when the caller may see it.</summary>
    private static async Task<DealState?> Visible(HttpContext http, ISalesWorkflowEngine engine, string dealId)
    {
        var deal = await engine.GetDealAsync(dealId, http.RequestAborted);
        return deal is not null && Caller.Of(http).Sees(deal.Owner.Id, deal.Owner.Team) ? deal : null;
    }

    /// <summary>A command on an existing deal: the caller must see the deal, and a new owner too.</summary>
    private static async Task<IResult> Submit(HttpContext http, ISalesWorkflowEngine engine, string dealId, Func<string, DealCommand> command, Owner? newOwner = null)
    {
        var caller = Caller.Of(http);

        // A caller who sees every deal needs no read of the deal first: the engine answers unknown-deal itself.
        if (caller.View != DealView.All && await Visible(http, engine, dealId) is null)
        {
            return ApiProblems.UnknownDeal(dealId);
        }

        if (newOwner is not null && !caller.Sees(newOwner.Id, newOwner.Team))
        {
            return ApiProblems.Forbidden("You may hand a deal only to an owner whose deals you see (yourself, or your team for a manager).");
        }

        return await Run(http, engine, command);
    }

    private static async Task<IResult> Run(HttpContext http, ISalesWorkflowEngine engine, Func<string, DealCommand> build)
    {
        var caller = Caller.Of(http);
        string commandId;
        if (http.Request.Headers.TryGetValue(IdempotencyHeader, out var keys))
        {
            var key = keys.ToString();
            if (key.Length is 0 or > MaximumKeyLength || key.Any(c => c is < '!' or > '~'))
            {
                return ApiProblems.Invalid($"{IdempotencyHeader} is 1–{MaximumKeyLength} printable ASCII characters without spaces.");
            }

            // Scoped to the caller, so one caller's key can never replay another caller's outcome.
            commandId = $"api:{caller.UserId}:{key}";
        }
        else
        {
            commandId = "api:" + Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture);
        }

        DealCommand command;
        try
        {
            command = build(commandId) with { Actor = caller.UserId };
        }
        catch (ArgumentException e)
        {
            return ApiProblems.Invalid(e.Message);
        }

        CommandResult result;
        try
        {
            result = await engine.SubmitAsync(command, http.RequestAborted);
        }
        catch (ArgumentException e)
        {
            // The engine's own checks of a command's shape (a required fact missing): the caller's to fix.
            return ApiProblems.Invalid(e.Message);
        }

        if (result.Status == CommandStatus.Duplicate)
        {
            http.Response.Headers[ReplayedHeader] = "true";
        }

        if (result.Rejection is { } rejection)
        {
            return ApiProblems.Rejected(rejection);
        }

        // Prefer: return=minimal (RFC 7240) leaves out the evaluation, most of the answer's bytes, for callers that
        // only need to know the command went through (a CRM syncing changes).
        var minimal = http.Request.Headers["Prefer"].Any(p => p?.Contains("return=minimal", StringComparison.OrdinalIgnoreCase) == true);
        if (minimal)
        {
            http.Response.Headers["Preference-Applied"] = "return=minimal";
        }

        return TypedResults.Ok(new CommandResponse(result.Status, result.CommandId, result.DealId, result.Stage, minimal ? null : result.Evaluation, result.Events.Select(FeedEvent.From).ToList()));
    }

    private static string PreferredLanguage(HttpContext http) =>
        http.Request.GetTypedHeaders().AcceptLanguage.OrderByDescending(l => l.Quality ?? 1).FirstOrDefault()?.Value.Value is { } tag
        && tag.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? "zh" : "en";

    /// <summary>The OpenAPI description of a command endpoint: its answer, and the problems it can give.</summary>
    private static RouteHandlerBuilder Command(this RouteHandlerBuilder endpoint, string name, string summary) => endpoint
        .WithName(name)
        .WithSummary(summary)
        .WithDescription("Send an Idempotency-Key header to make a retry safe: the same key gives the original outcome (with Idempotent-Replayed: true) and is never applied twice. Prefer: return=minimal leaves the evaluation out of the answer.")
        .Produces<CommandResponse>()
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    private static RouteHandlerBuilder Read<T>(this RouteHandlerBuilder endpoint, string name, string summary) => endpoint
        .WithName(name)
        .WithSummary(summary)
        .Produces<T>()
        .ProducesProblem(StatusCodes.Status404NotFound);
}
