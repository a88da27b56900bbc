using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SalesWorkflow.Analytics;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Server.Accounts;
using SalesWorkflow.Server.Security;

namespace SalesWorkflow.Server.Api;

/// <summary>KPIs and the director's period review, computed by the library from the event log as <c>salesflow report</c> computes them.</summary>
internal static class ReportEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var reports = api.MapGroup("/").WithTags("Reports");
        reports.MapGet("/review", Review).RequireAuthorization(ApiScopes.ReportsRead).WithName("GetReview")
            .WithSummary("The period review against the period before (targets, funnel, stalls, blocking criteria, risks, satisfaction, scorecards): JSON, Markdown or HTML, for all teams, a team or a rep, as of any day.")
            .Produces<JsonElement>(contentType: "application/json")
            .Produces<string>(contentType: "text/markdown")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        reports.MapGet("/kpis", Kpis).RequireAuthorization(ApiScopes.ReportsRead).WithName("GetKpis")
            .WithSummary("The KPIs of one period, for all teams, a team or a rep, as of any day.")
            .Produces<JsonElement>(contentType: "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);
    }

    private static async Task<IResult> Review(HttpContext http, ISalesWorkflowAnalytics analytics, string period, string? team, string? rep, string? process, DateOnly? asOf, string? format, string? language)
    {
        if (format is not null and not ("json" or "markdown" or "html"))
        {
            return ApiProblems.Invalid("format is json, markdown or html.");
        }

        // The language asked for, else the browser's (Accept-Language), else the process's first.
        language ??= ReportLanguage(http.Request.Headers.AcceptLanguage.ToString());
        if (language is not null && !PeriodReview.Languages.Contains(language.Split('-', 2)[0].ToLowerInvariant(), StringComparer.Ordinal))
        {
            return ApiProblems.Invalid($"language is {string.Join(" or ", PeriodReview.Languages)}.");
        }

        var (review, problem) = await ComputeAsync(http, analytics, period, team, rep, process, asOf);
        if (review is null)
        {
            return problem!;
        }

        return format switch
        {
            "markdown" => TypedResults.Text(review.ToMarkdown(language), "text/markdown; charset=utf-8"),
            "html" => TypedResults.Text(review.ToHtml(language), "text/html; charset=utf-8"),
            _ => TypedResults.Text(review.ToJson(), "application/json; charset=utf-8"),
        };
    }

    /// <summary>The first language of an Accept-Language header the report is written in, by quality; null when none is.</summary>
    internal static string? ReportLanguage(string acceptLanguage)
    {
        if (!Microsoft.Net.Http.Headers.StringWithQualityHeaderValue.TryParseList(acceptLanguage.Split(','), out var languages))
        {
            return null;
        }

        return languages.Where(l => l.Quality is not 0).OrderByDescending(l => l.Quality ?? 1)
            .Select(l => l.Value.Value?.Split('-', 2)[0].ToLowerInvariant())
            .FirstOrDefault(l => l is not null && PeriodReview.Languages.Contains(l, StringComparer.Ordinal));
    }

    private static async Task<IResult> Kpis(HttpContext http, ISalesWorkflowAnalytics analytics, string period, string? team, string? rep, string? process, DateOnly? asOf)
    {
        var (review, problem) = await ComputeAsync(http, analytics, period, team, rep, process, asOf);
        if (review is null)
        {
            return problem!;
        }

        using var document = JsonDocument.Parse(review.ToJson());
        var root = document.RootElement;
        return TypedResults.Ok(new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["process"] = root.GetProperty("process").Clone(),
            ["scope"] = root.GetProperty("scope").Clone(),
            ["kpis"] = root.GetProperty("current").Clone(),
        });
    }

    private static async Task<(PeriodReview? Review, IResult? Problem)> ComputeAsync(HttpContext http, ISalesWorkflowAnalytics analytics, string period, string? team, string? rep, string? process, DateOnly? asOf)
    {
        if (!ReportPeriod.TryParse(period, out var reportPeriod))
        {
            return (null, ApiProblems.Invalid($"period `{period}` is not yyyy, yyyy-Qn or yyyy-MM (e.g. 2017-Q3)."));
        }

        var caller = Caller.Of(http);
        if (caller.View == DealView.Team)
        {
            if (team is not null && team != caller.Team)
            {
                return (null, ApiProblems.Forbidden($"A manager reviews their own team ({caller.Team})."));
            }

            team = caller.Team;
        }
        else if (caller.View == DealView.Own)
        {
            if (rep is not null && rep != caller.UserId)
            {
                return (null, ApiProblems.Forbidden("You review your own figures only."));
            }

            rep = caller.UserId;
        }

        var log = await analytics.ReadKpiLogAsync(http.RequestAborted);
        try
        {
            var review = await PeriodReview.ComputeAsync(analytics, log, new ReviewRequest(reportPeriod) { Team = team, Rep = rep, ProcessId = process, AsOfDate = asOf }, http.RequestAborted);
            return (review, null);
        }
        catch (ArgumentException e)
        {
            return (null, ApiProblems.Invalid(e.Message));
        }
    }
}
