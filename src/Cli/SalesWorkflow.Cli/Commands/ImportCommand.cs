using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Cli.Demo;
using SalesWorkflow.Cli.Import;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;

namespace SalesWorkflow.Cli.Commands;

/// <summary>
/// <c>salesflow import</c>: loads a CRM export (CSV files) into a database through the engine, with a mapping file
/// from the CRM's columns and stage names to a process. Every row it cannot take is reported with its position.
/// </summary>
internal static class ImportCommand
{
    private const int ExamplesPerKind = 3;

    public static Command Create(CliContext context)
    {
        var folder = new Argument<string>("folder") { Description = "Folder with the CRM's CSV files (and, by default, mapping.yaml)." };
        var db = new Option<string>("--db") { Description = "SQLite database file (created if missing), or a PostgreSQL connection string or URI; importing again is safe.", DefaultValueFactory = _ => "salesworkflow.db" };
        var processFile = new Option<string>("--process") { Description = "The process definition file the deals follow.", Required = true };
        var mappingFile = new Option<string?>("--mapping") { Description = "The mapping file (default: <folder>/mapping.yaml)." };
        var issuesFile = new Option<string?>("--issues") { Description = "Write every reported row to this CSV file (file, line, column, severity, kind, message)." };
        var plugins = PluginSupport.CreateOption();
        var command = new Command("import", "Import a CRM export (CSV) into a database through the engine, reporting every row it cannot take.")
        {
            folder,
            db,
            processFile,
            mappingFile,
            issuesFile,
            plugins,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            context,
            parse.GetValue(folder)!,
            parse.GetValue(db)!,
            parse.GetValue(processFile)!,
            parse.GetValue(mappingFile),
            parse.GetValue(issuesFile),
            parse.GetValue(plugins),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string folder, string dbPath, string processPath, string? mappingPath, string? issuesPath, IReadOnlyList<string>? pluginFolders, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder))
        {
            await context.Error.WriteLineAsync($"salesflow: the folder '{folder}' does not exist");
            return ExitCodes.UsageOrIo;
        }

        mappingPath ??= Path.Combine(folder, "mapping.yaml");
        if (issuesPath is not null && OutputFile.RefusalToReplace(issuesPath, [dbPath, processPath, mappingPath, .. Directory.EnumerateFiles(folder)]) is { } refusal)
        {
            // Checked before anything is imported: the issues file is written last.
            await context.Error.WriteLineAsync($"salesflow: will not write the issues over '{issuesPath}': {refusal}; choose another path");
            return ExitCodes.UsageOrIo;
        }

        if (!File.Exists(mappingPath))
        {
            await context.Error.WriteLineAsync($"salesflow: no mapping file '{mappingPath}' (pass --mapping; samples/maven-crm/mapping.yaml is an example)");
            return ExitCodes.UsageOrIo;
        }

        var (mapping, mappingErrors) = CrmMapping.Load(mappingPath);
        if (mapping is null)
        {
            foreach (var error in mappingErrors)
            {
                await context.Error.WriteLineAsync(error);
            }

            return ExitCodes.Invalid;
        }

        var set = PluginSupport.Loader(PluginSupport.Load(pluginFolders, context.Error)).Load([processPath]);
        if (set.HasErrors || set.Processes.Count != 1)
        {
            ValidateCommand.Write(context.Error, set, json: false);
            await context.Error.WriteLineAsync(set.HasErrors ? "salesflow: fix the process definition first" : $"salesflow: '{processPath}' holds no single process");
            return ExitCodes.Invalid;
        }

        var process = set.Processes[0];
        foreach (var stage in mapping.Stages.Values.Select(s => s.Stage).Append(mapping.EngagedStage).OfType<string>().Where(s => s.Length > 0).Distinct(StringComparer.Ordinal))
        {
            if (process.FindStage(stage) is not { IsOpen: true })
            {
                await context.Error.WriteLineAsync($"{mappingPath}: error: `{stage}` is not an open stage of {process.Id} ({string.Join(", ", process.Stages.Where(s => s.IsOpen).Select(s => s.Id))})");
                return ExitCodes.Invalid;
            }
        }

        if (mapping.Stages.Values.Any(s => s.Status == "lost") && process.Transitions.LossReasons.Count > 0 && process.Transitions.LossReasons.All(r => r.Id != mapping.LossReason))
        {
            await context.Error.WriteLineAsync($"{mappingPath}: error: `lossReason: {mapping.LossReason}` is not a loss reason of {process.Id} ({string.Join(", ", process.Transitions.LossReasons.Select(r => r.Id))})");
            return ExitCodes.Invalid;
        }

        // PostgreSQL as demo, explain and history take it; the summary never prints the connection string (its password).
        var postgres = PostgreSqlOptionsExtensions.IsPostgreSqlConnectionString(dbPath);
        var target = postgres ? "the PostgreSQL database" : dbPath;
        var watch = Stopwatch.StartNew();
        var importer = new CrmImporter(mapping, folder, process);
        var deals = importer.Read();
        if (importer.Issues.Any(i => i.Kind is "missing-file" or "missing-column" or "empty-file" or "not-utf8" or "duplicate-column"))
        {
            await WriteIssuesAsync(context.Error, importer.Issues);
            return ExitCodes.Invalid;
        }

        var clock = new SimulatedClock(deals.Count == 0 ? DateTimeOffset.UnixEpoch : deals.Min(d => d.EngagedAt));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(processPath);
            if (postgres)
            {
                o.UsePostgreSql(dbPath);
            }
            else
            {
                o.UseSqlite($"Data Source={dbPath}");
            }

            o.RunBackgroundServices = false; // History is replayed: no timers fire, no sweep runs.
            o.TrackStageTasks = false; // The export holds no tasks: none are made up for the history replayed.
        });
        PluginSupport.AddTo(services, pluginFolders);
        ImportTotals totals;
        await using (var provider = services.BuildServiceProvider())
        {
            var engine = provider.GetRequiredService<ISalesWorkflowEngine>();
            try
            {
                totals = await importer.RunAsync(engine, clock, deals, progress: null, cancellationToken);
            }
            catch (SalesWorkflowStoreException ex)
            {
                await context.Error.WriteLineAsync("salesflow: " + ex.Message);
                return ExitCodes.UsageOrIo;
            }
        }

        watch.Stop();
        var issues = importer.Issues;
        var o = context.Out;
        var byStatus = deals.GroupBy(d => d.Status).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        await o.WriteLineAsync($"Imported {N(deals.Count)} deals from {Path.Combine(folder, mapping.Files.Opportunities)} into {target} ({process.Id} v{process.Version}): " +
            $"{N(byStatus.GetValueOrDefault("open"))} open, {N(byStatus.GetValueOrDefault("won"))} won, {N(byStatus.GetValueOrDefault("lost"))} lost.");
        await o.WriteLineAsync($"Engine: {N(totals.Applied)} commands applied, {N(totals.Duplicates)} already imported, {N(totals.Rejected)} refused; {watch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s.");
        if (issues.Count > 0)
        {
            await o.WriteLineAsync();
            await o.WriteLineAsync($"Rows reported ({N(issues.Count(i => i.IsError))} skipped, {N(issues.Count(i => !i.IsError))} taken with a warning):");
            foreach (var kind in issues.GroupBy(i => (i.IsError, i.Kind, i.File)).OrderByDescending(g => g.Key.IsError).ThenByDescending(g => g.Count()))
            {
                await o.WriteLineAsync($"  {(kind.Key.IsError ? "error" : "warning")} {kind.Key.Kind} in {kind.Key.File}: {N(kind.Count())} row(s), e.g.");
                foreach (var issue in kind.Take(ExamplesPerKind))
                {
                    await o.WriteLineAsync($"    {issue}");
                }
            }
        }

        if (issuesPath is not null)
        {
            await WriteIssuesCsvAsync(issuesPath, issues);
            await o.WriteLineAsync($"Every reported row: {issuesPath}");
        }

        return issues.Any(i => i.IsError) || totals.Rejected > 0 ? ExitCodes.Invalid : ExitCodes.Ok;
    }

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static async Task WriteIssuesAsync(TextWriter writer, IEnumerable<ImportIssue> issues)
    {
        foreach (var issue in issues)
        {
            await writer.WriteLineAsync(issue.ToString());
        }
    }

    private static async Task WriteIssuesCsvAsync(string path, IReadOnlyList<ImportIssue> issues)
    {
        await using var writer = new StreamWriter(path);
        await using var csv = new CsvHelper.CsvWriter(writer, CultureInfo.InvariantCulture);
        csv.WriteField("file");
        csv.WriteField("line");
        csv.WriteField("column");
        csv.WriteField("severity");
        csv.WriteField("kind");
        csv.WriteField("message");
        await csv.NextRecordAsync();
        foreach (var issue in issues)
        {
            csv.WriteField(issue.File);
            csv.WriteField(issue.Line);
            csv.WriteField(issue.Column);
            csv.WriteField(issue.IsError ? "error" : "warning");
            csv.WriteField(issue.Kind);
            csv.WriteField(issue.Message);
            await csv.NextRecordAsync();
        }
    }
}
