using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Server.Accounts;
using SalesWorkflow.Server.Security;

namespace SalesWorkflow.Server.Api;

/// <summary>
/// The rep's inbox in one call (the web app's first screen): the caller's open deals by stage, with what blocks each in
/// the process's words and the values its criteria read, the checklist, and the tasks and escalations due.
/// </summary>
internal static class InboxEndpoints
{
    /// <summary>Most deals one inbox shows: a rep's open deals, not a pipeline report.</summary>
    private const int MaximumDeals = 500;

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/inbox", Inbox).RequireAuthorization(ApiScopes.DealsRead).WithTags("Deals").WithName("GetInbox")
            .WithSummary("The caller's open deals by stage: what blocks each (the failing criteria in the process's words, with the values they read), the checklist, tasks and escalations due.")
            .Produces<InboxResponse>()
            .ProducesProblem(StatusCodes.Status403Forbidden);

    private static async Task<IResult> Inbox(HttpContext http, ISalesWorkflowEngine engine, ISalesWorkflowAnalytics analytics)
    {
        var caller = Caller.Of(http);
        var found = await engine.QueryAsync(new DealQuery { OwnerId = caller.UserId, Status = DealStatus.Open, Limit = MaximumDeals + 1 }, http.RequestAborted);
        var processes = new Dictionary<(string, int), ProcessDefinition?>();
        var deals = new List<InboxDeal>();
        foreach (var summary in found.Take(MaximumDeals))
        {
            if (await engine.GetDealAsync(summary.DealId, http.RequestAborted) is not { } deal || !caller.Sees(deal.Owner.Id, deal.Owner.Team))
            {
                continue;
            }

            var key = (deal.ProcessId, deal.ProcessVersion);
            if (!processes.TryGetValue(key, out var process))
            {
                processes[key] = process = await analytics.FindProcessAsync(deal.ProcessId, deal.ProcessVersion, http.RequestAborted);
            }

            deals.Add(Describe(deal, process));
        }

        var stages = processes.Values.OfType<ProcessDefinition>().SelectMany(p => p.Stages.Where(s => s.IsOpen))
            .GroupBy(s => s.Id, StringComparer.Ordinal).Select(g => g.First()).OrderBy(s => s.Order)
            .Select(s => new InboxStage(s.Id, Texts(s.Name))).ToList();
        return TypedResults.Ok(new InboxResponse(caller.UserId, stages, deals, found.Count > MaximumDeals));
    }

    private static InboxDeal Describe(DealState deal, ProcessDefinition? process)
    {
        var stage = process?.FindStage(deal.Stage);
        var evaluation = deal.LastEvaluation;
        var blockers = evaluation.Gate.Criteria.Where(c => !c.Passed).Select(c =>
        {
            var criterion = stage?.ExitCriteria.FirstOrDefault(e => e.Id == c.Id);
            return new InboxBlocker(c.Id, Texts(criterion?.Description ?? LocalizedText.Empty), c.FailingTerm, [.. c.ValuesRead.Select(v => new InboxValue(v.Expression, v.Value))]);
        }).ToList();
        var checklist = (stage?.Checklist ?? []).Select(i => new InboxChecklistItem(i.Id, Texts(i.Text), i.Required, deal.ChecklistDone.Contains(i.Id))).ToList();
        var tasks = deal.Tasks.Where(t => !t.IsDone && t.Stage == deal.Stage).OrderBy(t => t.DueAt ?? DateTimeOffset.MaxValue)
            .Select(t => new InboxTask(t.Id, t.Title, t.DueAt, t.OverdueAt is not null)).ToList();
        var escalations = evaluation.Escalations.Select(e => new InboxEscalation(e.Id, e.Level, e.Notify, e.DueAt)).ToList();
        return new InboxDeal(
            deal.DealId,
            deal.Opportunity.Name,
            deal.Account.Name,
            deal.Opportunity.Amount,
            deal.Opportunity.Currency,
            deal.Stage,
            Texts(stage?.Name ?? LocalizedText.Empty),
            deal.EnteredStageAt,
            evaluation.Health,
            !evaluation.Gate.Passed,
            blockers,
            checklist,
            tasks,
            escalations);
    }

    /// <summary>A text of the process in each of its languages (<c>""</c>: the one text of a definition with a single language).</summary>
    private static IReadOnlyDictionary<string, string> Texts(LocalizedText text) => text.Values;
}
