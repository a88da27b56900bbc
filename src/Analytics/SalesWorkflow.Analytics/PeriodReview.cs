using System.Text.Json;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Definitions;

namespace SalesWorkflow.Analytics;

/// <summary>What a period review is asked for: the period, and optionally a process, a team or a rep, and a moment.</summary>
/// <param name="Period">The period reviewed; the one before it is the comparison.</param>
public sealed record ReviewRequest(ReportPeriod Period)
{
    /// <summary>The process reviewed; null: the one most deals run.</summary>
    public string? ProcessId { get; init; }

    /// <summary>Only deals of this team (as recorded when each deal started).</summary>
    public string? Team { get; init; }

    /// <summary>Only deals of this rep (owner id).</summary>
    public string? Rep { get; init; }

    /// <summary>Only what was known at this moment.</summary>
    public DateTimeOffset? AsOf { get; init; }

    /// <summary>Only what was known at the end of this day, in the process's time zone (used when <see cref="AsOf"/> is null).</summary>
    public DateOnly? AsOfDate { get; init; }
}

/// <summary>
/// The director's review of a period against the one before, computed from the event log: the data model behind the
/// Markdown, JSON and HTML renderings (docs/kpis.md). Immutable; the renderings are computed on each call.
/// </summary>
/// <param name="Process">The process reviewed, as a title (name, id and version), or "(no deals)".</param>
/// <param name="Scope">"all teams", "team …" or "rep …".</param>
/// <param name="TimeZone">The time zone dates were counted in (the process's).</param>
/// <param name="Current">The KPIs of the period.</param>
/// <param name="Previous">The KPIs of the period before.</param>
public sealed record PeriodReview(string Process, string Scope, TimeZoneInfo TimeZone, PipelineKpis Current, PipelineKpis Previous)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>
    /// Reviews <paramref name="request"/>'s period on <paramref name="log"/> (one read of the log serves any number of
    /// reviews), measured against the latest version deals were started on of the chosen process.
    /// </summary>
    /// <exception cref="ArgumentException">The request names a process no deal in the log runs.</exception>
    public static async Task<PeriodReview> ComputeAsync(ISalesWorkflowAnalytics analytics, KpiLog log, ReviewRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(analytics);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(request);
        var chosen = ChooseProcess(log, request.ProcessId);
        if (request.ProcessId is not null && chosen is null)
        {
            throw new ArgumentException($"No deal runs process `{request.ProcessId}` in this log (it has: {string.Join(", ", log.Processes.Select(p => p.Id))}).", nameof(request));
        }

        var definition = chosen is null ? null : await analytics.FindProcessAsync(chosen.Id, chosen.LatestVersion, cancellationToken);
        return Compute(log, definition, request);
    }

    /// <summary>The process a review measures against: the one asked for, else the one most deals run; null when there is none.</summary>
    public static LoggedProcess? ChooseProcess(KpiLog log, string? processId)
    {
        ArgumentNullException.ThrowIfNull(log);
        var processes = log.Processes;
        processId ??= processes.Count > 0 ? processes[0].Id : null;
        return processes.FirstOrDefault(p => p.Id == processId);
    }

    /// <summary>Reviews the period on <paramref name="log"/>, measured against <paramref name="definition"/> (its stages, stall thresholds, targets and time zone).</summary>
    public static PeriodReview Compute(KpiLog log, ProcessDefinition? definition, ReviewRequest request)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(request);
        var timeZone = definition?.Calendar.TimeZone ?? TimeZoneInfo.Utc;
        var asOf = request.AsOf;
        if (asOf is null && request.AsOfDate is { } day)
        {
            // A date means "at the end of that day", in the process's time zone.
            var midnight = day.AddDays(1).ToDateTime(TimeOnly.MinValue);
            asOf = new DateTimeOffset(midnight, timeZone.GetUtcOffset(midnight)).AddTicks(-1);
        }

        var process = definition is null ? "(no deals)" : $"{definition.Name.Get("en")} ({definition.Id} v{definition.Version})";
        var filter = new KpiFilter(request.Team, request.Rep);
        var kpis = log.Compute(
        [
            new KpiQuery(request.Period) { Filter = filter, AsOf = asOf, Process = definition, TimeZone = timeZone },
            new KpiQuery(request.Period.Previous()) { Filter = filter, AsOf = asOf, Process = definition, TimeZone = timeZone },
        ]);
        var scope = request.Team is not null ? $"team {request.Team}" : request.Rep is not null ? $"rep {request.Rep}" : "all teams";
        return new PeriodReview(process, scope, timeZone, kpis[0], kpis[1]) { Definition = definition };
    }

    /// <summary>The review as JSON (camelCase; the KPIs of both periods whole), for tools and dashboards.</summary>
    public string ToJson() => JsonSerializer.Serialize(new { process = Process, scope = Scope, timeZone = TimeZone.Id, current = Current, previous = Previous }, Json);

    /// <summary>The process measured against (its names, teams and languages), when there is one.</summary>
    public ProcessDefinition? Definition { get; init; }

    /// <summary>The languages the Markdown and HTML renderings are written in (<c>en</c>, <c>zh</c>).</summary>
    public static IReadOnlyList<string> Languages => ReviewText.Languages;

    /// <summary>The review as Markdown (chat, e-mail), in the process's first language the report is written in.</summary>
    public string ToMarkdown() => ToMarkdown(null);

    /// <summary>The review as Markdown (chat, e-mail).</summary>
    /// <param name="language"><c>en</c> or <c>zh</c> (<c>zh-CN</c> too); null for the process's first language the report is written in, else English.</param>
    /// <exception cref="ArgumentException">The report is not written in <paramref name="language"/> (see <see cref="Languages"/>).</exception>
    public string ToMarkdown(string? language) => Build(language).ToMarkdown();

    /// <summary>The review as one self-contained HTML file (inline SVG charts, no script, nothing fetched), in the process's first language the report is written in.</summary>
    public string ToHtml() => ToHtml(null);

    /// <summary>The review as one self-contained HTML file: inline SVG charts, no script, nothing fetched.</summary>
    /// <param name="language"><c>en</c> or <c>zh</c>; null for the process's first language the report is written in, else English.</param>
    /// <exception cref="ArgumentException">The report is not written in <paramref name="language"/> (see <see cref="Languages"/>).</exception>
    public string ToHtml(string? language) => Build(language).ToHtml();

    private ReviewReport Build(string? language)
    {
        var text = ReviewText.For(language, Definition);
        return ReviewReport.Build(Current, Previous, text.ProcessTitle(Process), Scope, text);
    }
}
