using Microsoft.AspNetCore.Http;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Server.Api;

/// <summary>
/// Errors as RFC 9457 problem details: <c>type</c> is <c>urn:salesworkflow:problem:{code}</c>, and <c>code</c> is the
/// engine's stable rejection code (or the server's own: <c>forbidden</c>, <c>invalid-request</c>…), so programs switch
/// on it, and <c>detail</c> is for people. Nothing in a problem comes from an exception: no stack trace, no SQL.
/// </summary>
internal static class ApiProblems
{
    public static IResult Problem(int status, string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        var all = new Dictionary<string, object?>(StringComparer.Ordinal) { ["code"] = code };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            all[key] = value;
        }

        return TypedResults.Problem(detail: detail, statusCode: status, title: Title(status), type: "urn:salesworkflow:problem:" + code, extensions: all);
    }

    public static IResult Forbidden(string detail) => Problem(StatusCodes.Status403Forbidden, "forbidden", detail);

    public static IResult Invalid(string detail) => Problem(StatusCodes.Status400BadRequest, "invalid-request", detail);

    /// <summary>A deal the caller may not see answers as one that does not exist, so ids cannot be probed.</summary>
    public static IResult UnknownDeal(string dealId) => Problem(StatusCodes.Status404NotFound, "unknown-deal", $"No deal '{dealId}' is tracked that you can see.");

    /// <summary>The HTTP status of each rejection code.</summary>
    public static int StatusOf(string code) => code switch
    {
        "unknown-deal" => StatusCodes.Status404NotFound,
        "already-tracked" or "deal-closed" or "deal-not-lost" or "command-id-reused" or "transition-not-allowed" => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status422UnprocessableEntity,
    };

    public static IResult Rejected(Rejection rejection)
    {
        var extensions = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (rejection.FailingCriteria.Count > 0)
        {
            extensions["failingCriteria"] = rejection.FailingCriteria;
        }

        if (rejection.MissingChecklist.Count > 0)
        {
            extensions["missingChecklist"] = rejection.MissingChecklist;
        }

        return Problem(StatusOf(rejection.Code), rejection.Code, rejection.Message, extensions);
    }

    private static string Title(int status) => status switch
    {
        400 => "The request is not valid",
        401 => "Sign in first",
        403 => "Not allowed",
        404 => "Not found",
        409 => "Conflict with the deal's state",
        413 => "The request is too large",
        422 => "The command was refused",
        429 => "Too many requests",
        _ => "The request failed",
    };
}
