using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Import;

/// <summary>What to import, from where, into which store (docs/import.md).</summary>
public sealed class CrmImportRequest
{
    /// <summary>The folder holding the export's CSV files.</summary>
    public required string Folder { get; init; }

    /// <summary>How to read them: a file (<see cref="CrmMapping.Load"/>) or a preset (<see cref="CrmMapping.Preset"/>).</summary>
    public required CrmMapping Mapping { get; init; }

    /// <summary>The process the deals follow, as loaded from <see cref="ProcessPath"/> (with its plugins).</summary>
    public required ProcessDefinition Process { get; init; }

    /// <summary>The definition file of <see cref="Process"/>, for the engine the import runs.</summary>
    public required string ProcessPath { get; init; }

    /// <summary>Sets the store the deals are written to: <c>o =&gt; o.UseSqlite("Data Source=sales.db")</c> or <c>UsePostgreSql(…)</c>.</summary>
    public required Action<SalesWorkflowOptions> UseStore { get; init; }

    /// <summary>Adds services the engine needs (the process's plugins).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>
    /// When the export was taken: a change the export does not date (a stage move, a new amount, a reopening) of a deal
    /// the database holds is applied at this moment (never before the deal's last change). Null for now.
    /// </summary>
    public DateTimeOffset? AsOf { get; init; }

    /// <summary>Told how many of the replay's steps are done, of how many.</summary>
    public Action<int, int>? Progress { get; init; }
}

/// <summary>How many deals are open, won and lost.</summary>
/// <param name="Open">Open deals.</param>
/// <param name="Won">Won deals.</param>
/// <param name="Lost">Lost deals.</param>
public sealed record ImportCounts(int Open, int Won, int Lost)
{
    /// <summary>All of them.</summary>
    public int Total => Open + Won + Lost;
}

/// <summary>What an import did: what the export held, what the database now holds of it, and every row reported.</summary>
public sealed class CrmImportResult
{
    /// <summary>Problems of the mapping against the process (a stage it lacks), at their place in the mapping; any error stopped the import before it began.</summary>
    public IReadOnlyList<Diagnostic> MappingDiagnostics { get; init; } = [];

    /// <summary>Every row reported, by file, line and column.</summary>
    public IReadOnlyList<ImportIssue> Issues { get; init; } = [];

    /// <summary>True when the deals were replayed; false when the mapping or a whole file (missing, not UTF-8, a column missing) stopped the import first.</summary>
    public bool Replayed { get; init; }

    /// <summary>The opportunities file as found in the folder.</summary>
    public string OpportunitiesFile { get; init; } = string.Empty;

    /// <summary>The deals of the export that could be read, by the status the export gives them.</summary>
    public ImportCounts Read { get; init; } = new(0, 0, 0);

    /// <summary>
    /// Those deals as the database holds them after the import, counted from the database: what the summary reports.
    /// It differs from <see cref="Read"/> only when the engine refused some command (each refusal is an issue).
    /// </summary>
    public ImportCounts InDatabase { get; init; } = new(0, 0, 0);

    /// <summary>Rows of other pipelines, left out as the mapping's <c>pipelines:</c> says.</summary>
    public int OtherPipelineRows { get; init; }

    /// <summary>What the engine did with the commands.</summary>
    public ImportTotals Commands { get; init; } = new();

    /// <summary>Deal by deal: new, unchanged, or what changed of a deal the database held already.</summary>
    public ImportChanges Changes { get; init; } = new();

    /// <summary>The goals export read as the process's targets, when the mapping names one (<c>files.goals</c>); its issues are among <see cref="Issues"/>.</summary>
    public CrmGoalsResult? Goals { get; init; }

    /// <summary>True when a row was skipped or a command refused.</summary>
    public bool HasErrors => MappingDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error) || Issues.Any(i => i.IsError) || Commands.Rejected > 0;
}

/// <summary>
/// Imports a CRM export into a SalesWorkflow database through the engine (docs/import.md): each deal starts on its
/// create date and a won or lost one closes on its close date, so the event log holds the history a live engine would
/// have recorded. Importing a newer export of the same CRM applies only what changed, and the same export again
/// nothing: a deal the database holds is compared with its row first, and each command's id derives from the CRM's id.
/// </summary>
public static class CrmImport
{
    /// <summary>Kinds of issue that concern a whole file: nothing of the export is imported while one stands.</summary>
    private static readonly HashSet<string> WholeFileIssues = new(StringComparer.Ordinal) { "missing-file", "file-outside-folder", "missing-column", "empty-file", "not-utf8", "not-gb18030", "duplicate-column" };

    /// <summary>Checks the mapping against the process, reads the export, replays it, and counts what the database holds.</summary>
    /// <param name="request">What to import.</param>
    /// <param name="cancellationToken">Stops the replay; what was applied stays, and importing again resumes.</param>
    /// <returns>What happened.</returns>
    public static async Task<CrmImportResult> RunAsync(CrmImportRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var mapping = request.Mapping;
        var process = request.Process;
        var mappingDiagnostics = Check(mapping, process);
        if (mappingDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            return new CrmImportResult { MappingDiagnostics = mappingDiagnostics };
        }

        var importer = new CrmImporter(mapping, request.Folder, process);
        var deals = importer.Read();
        var read = Count(deals.Select(d => d.Status));
        if (importer.Issues.Any(i => i.IsError && WholeFileIssues.Contains(i.Kind)))
        {
            return new CrmImportResult { MappingDiagnostics = mappingDiagnostics, Issues = importer.Issues, OpportunitiesFile = importer.OpportunitiesFile, Read = read };
        }

        var clock = new ReplayClock(deals.Count == 0 ? DateTimeOffset.UnixEpoch : deals.Min(d => d.EngagedAt));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(request.ProcessPath);
            request.UseStore(o);
            o.RunBackgroundServices = false; // History is replayed: no timers fire, no sweep runs.
            o.TrackStageTasks = false; // The export holds no tasks: none are made up for the history replayed.
        });
        request.ConfigureServices?.Invoke(services);
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<ISalesWorkflowEngine>();
        var (totals, changes) = await importer.RunAsync(engine, clock, deals, request.AsOf ?? TimeProvider.System.GetUtcNow(), request.Progress, cancellationToken);
        var inDatabase = await CountInDatabaseAsync(engine, deals.Select(d => d.Id).ToHashSet(StringComparer.Ordinal), cancellationToken);

        // Read last: a goals file that cannot be read leaves the deals imported.
        var goals = mapping.Files.Goals is null ? null : CrmGoals.Read(importer, process);
        return new CrmImportResult
        {
            Goals = goals,
            MappingDiagnostics = mappingDiagnostics,
            Issues = importer.Issues,
            Replayed = true,
            OpportunitiesFile = importer.OpportunitiesFile,
            Read = read,
            InDatabase = inDatabase,
            OtherPipelineRows = importer.OtherPipelineRows,
            Commands = totals,
            Changes = changes,
        };
    }

    /// <summary>The mapping against the process: every stage, loss reason and custom field it names must be the process's.</summary>
    internal static List<Diagnostic> Check(CrmMapping mapping, ProcessDefinition process)
    {
        var diagnostics = new List<Diagnostic>();
        void Error(Engine.Definitions.SourceSpan at, string message, string? hint) =>
            diagnostics.Add(new Diagnostic(ImportDiagnosticIds.NotInProcess, DiagnosticSeverity.Error, at, message, hint, null));

        var openStages = string.Join(", ", process.Stages.Where(s => s.IsOpen).Select(s => s.Id));
        foreach (var stage in mapping.Stages.Values.Select(s => s.Stage).Append(mapping.EngagedStage).OfType<MappedValue>())
        {
            if (process.FindStage(stage.Value) is not { IsOpen: true })
            {
                Error(stage.Span, $"`{stage.Value}` is not an open stage of {process.Id}", $"the open stages are {openStages}");
            }
        }

        var reasons = process.Transitions.LossReasons;
        if (reasons.Count > 0)
        {
            foreach (var reason in mapping.LossReasons.Values.Append(mapping.LossReason).Concat(mapping.Stages.Values.Select(s => s.LossReason)).OfType<MappedValue>())
            {
                if (reasons.All(r => r.Id != reason.Value))
                {
                    Error(reason.Span, $"`{reason.Value}` is not a loss reason of {process.Id}", $"the loss reasons are {string.Join(", ", reasons.Select(r => r.Id))}");
                }
            }
        }

        foreach (var custom in mapping.Columns.Custom)
        {
            if (process.Fields.All(f => f.Id != custom.Key))
            {
                Error(custom.Span, $"{process.Id} has no custom field `{custom.Key}`", $"its fields are {string.Join(", ", process.Fields.Select(f => f.Id))}");
            }
        }

        return diagnostics;
    }

    private static ImportCounts Count(IEnumerable<string> statuses)
    {
        var byStatus = statuses.GroupBy(s => s, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new ImportCounts(byStatus.GetValueOrDefault("open"), byStatus.GetValueOrDefault("won"), byStatus.GetValueOrDefault("lost"));
    }

    /// <summary>The imported deals' statuses as the database holds them, read page by page.</summary>
    private static async Task<ImportCounts> CountInDatabaseAsync(ISalesWorkflowEngine engine, HashSet<string> ids, CancellationToken cancellationToken)
    {
        var statuses = new List<string>(ids.Count);
        string? after = null;
        while (true)
        {
            var page = await engine.QueryAsync(new DealQuery { AfterDealId = after, Limit = 10_000 }, cancellationToken);
            statuses.AddRange(page.Where(d => ids.Contains(d.DealId)).Select(d => d.Status switch
            {
                DealStatus.Won => "won",
                DealStatus.Lost => "lost",
                _ => "open",
            }));
            if (page.Count < 10_000)
            {
                return Count(statuses);
            }

            after = page[^1].DealId;
        }
    }
}
