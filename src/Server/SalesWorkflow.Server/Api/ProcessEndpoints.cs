using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;
using SalesWorkflow.Analytics;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Server.Accounts;

namespace SalesWorkflow.Server.Api;

/// <summary>
/// The processes the server runs, and what a process owner does before publishing a change: validate an uploaded
/// version (the same positioned diagnostics as <c>salesflow validate</c>) and backtest it against the recorded history
/// of the live database (as <c>salesflow backtest</c>). Uploads are texts only: nothing is read from the server's disk.
/// </summary>
internal static class ProcessEndpoints
{
    /// <summary>The name a single uploaded YAML body is known by in diagnostics.</summary>
    public const string SingleFileName = "process.yaml";

    public static void Map(RouteGroupBuilder api)
    {
        var processes = api.MapGroup("/processes").WithTags("Processes");
        processes.MapGet("/", List).RequireAuthorization(ApiScopes.DealsRead).WithName("ListProcesses")
            .WithSummary("The processes the server runs: each version it knows and the one new deals start on.")
            .Produces<List<ProcessSummary>>();
        processes.MapPost("/validate", Validate).RequireAuthorization(ApiScopes.ProcessesWrite).WithName("ValidateProcess")
            .WithSummary("Validates an uploaded process version with the server's plugins: every diagnostic with its file, line and column, and whether its version is new, unchanged or already taken by other content.")
            .WithDescription(UploadDescription)
            .AddOpenApiOperationTransformer(DescribeUpload)
            .Produces<ValidationResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        processes.MapPost("/{processId}/backtest", Backtest).RequireAuthorization(ApiScopes.ProcessesWrite).WithName("BacktestProcess")
            .WithSummary("Replays the recorded history of the process under an uploaded version and the one deals ran on: the moves its gates would block and where, escalations per level, and the KPI deltas (stage conversion, won deals and revenue). JSON or Markdown, as `salesflow backtest` prints it.")
            .WithDescription(UploadDescription + " `from` is the version compared against (default: the one new deals start on); sweepEvery, sweepAt, timersEvery and timersAt give the cadence the history was recorded under, as the CLI's options do. One backtest runs at a time on a node; another waits up to 30 s, then gets 503 with Retry-After.")
            .AddOpenApiOperationTransformer(DescribeUpload)
            .Produces<JsonElement>(contentType: "application/json")
            .Produces<string>(contentType: "text/markdown")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>
    /// The request body in the document: JSON or YAML. Not declared with Accepts, whose content-type matching would answer
    /// another media type before the endpoint could say what it takes.
    /// </summary>
    private static async Task DescribeUpload(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var files = await context.GetOrCreateSchemaAsync(typeof(SourceUpload), cancellationToken: cancellationToken);
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["application/yaml"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The process file." } },
                ["application/json"] = new() { Schema = files },
            },
        };
    }

    private const string UploadDescription =
        "The body is the process file itself (Content-Type: application/yaml; diagnostics call it process.yaml), or JSON naming several files by relative path, for a process that imports rule packs: {\"entry\": \"standard-b2b.yaml\", \"files\": {\"standard-b2b.yaml\": \"…\", \"packs/bant.yaml\": \"…\"}}. Imports are resolved among the files sent; nothing is read from the server's disk.";

    private static async Task<IResult> List(ISalesWorkflowAnalytics analytics, CancellationToken cancellationToken)
    {
        var processes = new List<ProcessSummary>();
        foreach (var process in await analytics.ListProcessesAsync(cancellationToken))
        {
            var shown = await analytics.FindProcessAsync(process.Id, process.LatestVersion ?? process.Versions[^1], cancellationToken);
            processes.Add(new ProcessSummary(process.Id, shown?.Name.Get("en") ?? process.Id, shown?.Name.Get("zh") ?? process.Id, process.LatestVersion, process.Versions));
        }

        return TypedResults.Ok(processes);
    }

    private static async Task<IResult> Validate(HttpRequest request, ISalesWorkflowAnalytics analytics, IOptions<JsonOptions> json)
    {
        var (upload, problem) = await ReadUploadAsync(request, json.Value.SerializerOptions);
        if (upload is null)
        {
            return problem!;
        }

        var set = await analytics.LoadDefinitionAsync(upload.Entry!, upload.Files!, request.HttpContext.RequestAborted);
        var checks = new List<ProcessCheck>();
        foreach (var process in set.Processes)
        {
            var known = await analytics.FindProcessAsync(process.Id, process.Version, request.HttpContext.RequestAborted);
            var status = known is null ? "new" : known.ContentHash == process.ContentHash ? "unchanged" : "version-taken";
            checks.Add(new ProcessCheck(process.Id, process.Version, status));
        }

        return TypedResults.Ok(new ValidationResponse(!set.HasErrors, checks, set.Diagnostics));
    }

    private static async Task<IResult> Backtest(
        string processId,
        int? from,
        string? sweepEvery,
        string? sweepAt,
        string? timersEvery,
        [Microsoft.AspNetCore.Mvc.FromQuery] string[]? timersAt,
        string? format,
        HttpRequest request,
        ISalesWorkflowAnalytics analytics,
        ISalesWorkflowEngine engine,
        BacktestGate gate,
        IOptions<JsonOptions> json)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (format is not null and not ("json" or "markdown"))
        {
            return ApiProblems.Invalid("format is json or markdown.");
        }

        if (!BacktestReport.TryParseCadence(sweepEvery, sweepAt, timersEvery, timersAt ?? [], name => name, out var cadence, out var cadenceError))
        {
            return ApiProblems.Invalid(cadenceError + ".");
        }

        var known = (await analytics.ListProcessesAsync(cancellationToken)).FirstOrDefault(p => p.Id == processId);
        if (known is null)
        {
            return ApiProblems.Problem(StatusCodes.Status404NotFound, "unknown-process", $"The server runs no process '{processId}'.");
        }

        var fromVersion = from ?? known.LatestVersion ?? known.Versions[^1];
        if (!known.Versions.Contains(fromVersion) || await analytics.FindProcessAsync(processId, fromVersion, cancellationToken) is not { } baseline)
        {
            return ApiProblems.Problem(StatusCodes.Status404NotFound, "unknown-version", $"The server knows versions {string.Join(", ", known.Versions)} of '{processId}', not {fromVersion}.");
        }

        var (upload, problem) = await ReadUploadAsync(request, json.Value.SerializerOptions);
        if (upload is null)
        {
            return problem!;
        }

        var set = await analytics.LoadDefinitionAsync(upload.Entry!, upload.Files!, cancellationToken);
        if (set.HasErrors)
        {
            return ApiProblems.Problem(StatusCodes.Status422UnprocessableEntity, "invalid-definition", "The uploaded process has errors; fix them first (POST /api/processes/validate shows the same list).", new Dictionary<string, object?>(StringComparer.Ordinal) { ["diagnostics"] = set.Diagnostics });
        }

        if (set.Processes.Count != 1 || set.Processes[0].Id != processId)
        {
            return ApiProblems.Problem(StatusCodes.Status422UnprocessableEntity, "process-mismatch", set.Processes.Count == 1
                ? $"The upload is process '{set.Processes[0].Id}', not '{processId}': compare two versions of one process."
                : "The upload holds no process to compare (the entry file is a rule pack or a test file).");
        }

        if (!await gate.Slot.WaitAsync(gate.Wait, cancellationToken))
        {
            request.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(gate.Wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "backtest-busy", "Another backtest is running on this server; try again shortly.");
        }

        try
        {
            var fromProcess = CompiledProcess.Compile(baseline);
            var toProcess = CompiledProcess.Compile(set.Processes[0]);
            // Without the stored evaluations: the replay evaluates both versions itself, as salesflow backtest does.
            var history = await EventLog.ReadAllAsync(engine, e => e.ProcessId == processId, cancellationToken);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var result = await Task.Run(() => Engine.Analytics.Backtest.Run(history, fromProcess, toProcess, cadence, cancellationToken), cancellationToken);
            return format == "markdown"
                ? TypedResults.Text(BacktestReport.ToMarkdown(result, fromProcess, toProcess, cadence, watch.Elapsed, "set with the sweepEvery, sweepAt, timersEvery and timersAt parameters"), "text/markdown; charset=utf-8")
                : TypedResults.Text(BacktestReport.ToJson(result, fromProcess, toProcess, cadence), "application/json; charset=utf-8");
        }
        finally
        {
            gate.Slot.Release();
        }
    }

    /// <summary>
    /// The upload as files and the one to load: JSON (<see cref="SourceUpload"/>) or one YAML file. A body that does not
    /// read is a 400 (positioned, for JSON), another media type a 415.
    /// </summary>
    private static async Task<(SourceUpload? Upload, IResult? Problem)> ReadUploadAsync(HttpRequest request, JsonSerializerOptions json)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType))
        {
            return (null, Unsupported());
        }

        if (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase))
        {
            SourceUpload? upload;
            try
            {
                upload = await request.ReadFromJsonAsync<SourceUpload>(json, request.HttpContext.RequestAborted);
            }
            catch (JsonException e)
            {
                // The handler shows where the JSON went wrong, never the body.
                throw new BadHttpRequestException("The JSON body does not read.", StatusCodes.Status400BadRequest, e);
            }

            if (upload?.Files is not { Count: > 0 } files)
            {
                return (null, ApiProblems.Invalid("files maps each file's relative path to its text, and holds at least the process file."));
            }

            var entry = upload.Entry ?? (files.Count == 1 ? files.Keys.Single() : null);
            return entry is null
                ? (null, ApiProblems.Invalid("entry names the process file among the files sent."))
                : (upload with { Entry = entry }, null);
        }

        if (mediaType.MediaType.Value is { } type && IsYaml(type))
        {
            string text;
            try
            {
                using var reader = new StreamReader(request.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
                text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
            }
            catch (DecoderFallbackException)
            {
                return (null, ApiProblems.Invalid("The YAML body is not UTF-8 text."));
            }

            return (new SourceUpload(new Dictionary<string, string>(StringComparer.Ordinal) { [SingleFileName] = text }) { Entry = SingleFileName }, null);
        }

        return (null, Unsupported());

        static IResult Unsupported() => ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Send the process file as application/yaml, or several files as application/json ({\"entry\": …, \"files\": {…}}).");
    }

    private static bool IsYaml(string mediaType) =>
        mediaType.Equals("application/yaml", StringComparison.OrdinalIgnoreCase) || mediaType.Equals("application/x-yaml", StringComparison.OrdinalIgnoreCase) ||
        mediaType.Equals("text/yaml", StringComparison.OrdinalIgnoreCase) || mediaType.Equals("text/x-yaml", StringComparison.OrdinalIgnoreCase);
}

/// <summary>One backtest at a time on a node: each replays the whole history of a process in memory, on every core.</summary>
internal sealed class BacktestGate : IDisposable
{
    /// <summary>How long a second backtest waits for the first before it is told to retry (30 s; shorter in tests).</summary>
    public TimeSpan Wait { get; set; } = TimeSpan.FromSeconds(30);

    public SemaphoreSlim Slot { get; } = new(1, 1);

    public void Dispose() => Slot.Dispose();
}
