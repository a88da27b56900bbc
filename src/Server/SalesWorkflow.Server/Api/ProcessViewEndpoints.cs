using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Server.Accounts;

namespace SalesWorkflow.Server.Api;

/// <summary>The process view (the web app's process screen): the diagram as Mermaid text, and each stage's norms, checklist, gate, tasks and escalations.</summary>
internal static class ProcessViewEndpoints
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/processes/{processId}/view", View).RequireAuthorization(ApiScopes.DealsRead).WithTags("Processes").WithName("GetProcessView")
            .WithSummary("A process version as people read it: its diagram (Mermaid, in the language asked for), and each stage's norms, checklist, exit criteria, tasks and escalations, every text in each of the process's languages.")
            .Produces<ProcessView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> View(string processId, int? version, string? language, ISalesWorkflowAnalytics analytics, CancellationToken cancellationToken)
    {
        if (language is not null and not ("en" or "zh"))
        {
            return ApiProblems.Invalid("language is en or zh.");
        }

        var known = (await analytics.ListProcessesAsync(cancellationToken)).FirstOrDefault(p => p.Id == processId);
        var chosen = version ?? known?.LatestVersion ?? (known is { Versions.Count: > 0 } ? known.Versions[^1] : null);
        if (known is null || chosen is not { } v || await analytics.FindProcessAsync(processId, v, cancellationToken) is not { } process)
        {
            return ApiProblems.Problem(StatusCodes.Status404NotFound, "unknown-process", $"The server runs no version {(version is null ? string.Empty : version + " ")}of a process `{(processId.Length > 64 ? processId[..64] + "…" : processId)}`.");
        }

        var escalations = process.Escalations;
        var stages = process.Stages.Select(s => new ProcessViewStage(
            s.Id,
            s.Name.Values,
            s.Kind.ToString().ToLowerInvariant(),
            s.Probability,
            s.Norms.Values,
            [.. s.Checklist.Select(i => new ProcessViewChecklistItem(i.Id, i.Text.Values, i.Required))],
            [.. s.ExitCriteria.Select(c => new ProcessViewCriterion(c.Id, c.Description.Values, c.Condition.Text))],
            [.. s.Tasks.Select(t => new ProcessViewTask(t.Id, t.Title.Values, t.Due?.ToString(), t.Assignee))],
            [.. escalations.Where(e => e.Stages.Contains(s.Id, StringComparer.Ordinal)).Select(e => new ProcessViewEscalation(
                e.Id, e.Name.Values, e.TimeInStage?.ToString(), e.Condition?.Text, [.. e.Levels.Select(l => new ProcessViewEscalationLevel(l.Number, l.Notify, l.After.ToString()))]))])).ToList();
        var mermaid = ProcessDiagram.Render(process, DiagramFormat.Mermaid, language is null ? null : [language]);
        return TypedResults.Ok(new ProcessView(process.Id, process.Version, process.Name.Values, process.Languages, mermaid, stages));
    }
}
