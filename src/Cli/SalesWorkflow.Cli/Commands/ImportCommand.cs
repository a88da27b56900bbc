using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Import;

namespace SalesWorkflow.Cli.Commands;

/// <summary>
/// <c>salesflow import</c>: loads a CRM export (CSV files) into a database through the engine (SalesWorkflow.Import),
/// with a mapping file or a shipped preset from the CRM's columns and values to a process (docs/import.md). Every row it
/// cannot take is reported with its position; the summary counts what the database holds.
/// </summary>
internal static class ImportCommand
{
    private const int ExamplesPerKind = 3;

    public static Command Create(CliContext context)
    {
        var folder = new Argument<string?>("folder") { Description = "Folder with the CRM's CSV files (and, by default, mapping.yaml).", Arity = ArgumentArity.ZeroOrOne };
        var db = new Option<string>("--db") { Description = "SQLite database file (created if missing), or a PostgreSQL connection string or URI; importing again is safe.", DefaultValueFactory = _ => "salesworkflow.db" };
        var processFile = new Option<string?>("--process") { Description = "The process definition file the deals follow (the presets map onto definitions/standard-b2b.yaml)." };
        var mappingFile = new Option<string?>("--mapping") { Description = "The mapping file (default: <folder>/mapping.yaml)." };
        var preset = new Option<string?>("--from") { Description = $"Read the export with a shipped preset instead of a mapping file: {string.Join(", ", CrmMapping.Presets)}." };
        var printMapping = new Option<bool>("--print-mapping") { Description = "Print the preset --from names, to save as a mapping file and edit, and import nothing." };
        var asOf = new Option<string?>("--as-of") { Description = "The day the export was taken (yyyy-MM-dd): when the changes it does not date (stage moves, new amounts, reopenings) of deals the database holds are applied. Default: now." };
        var issuesFile = new Option<string?>("--issues") { Description = "Write every reported row to this CSV file (file, line, column, severity, kind, message)." };
        var targetsOut = new Option<string?>("--targets-out") { Description = "Write the goals export (files.goals) as the process's `targets:` section to this YAML file, to replace the process's own." };
        var plugins = PluginSupport.CreateOption();
        var command = new Command("import", "Import a CRM export (CSV) into a database through the engine, reporting every row it cannot take.")
        {
            folder,
            db,
            processFile,
            mappingFile,
            preset,
            printMapping,
            asOf,
            issuesFile,
            targetsOut,
            plugins,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            context,
            new ImportArguments(parse.GetValue(folder), parse.GetValue(db)!, parse.GetValue(processFile), parse.GetValue(mappingFile), parse.GetValue(preset), parse.GetValue(printMapping), parse.GetValue(asOf), parse.GetValue(issuesFile), parse.GetValue(targetsOut), parse.GetValue(plugins)),
            cancellationToken));
        return command;
    }

    private sealed record ImportArguments(string? Folder, string Database, string? Process, string? Mapping, string? Preset, bool PrintMapping, string? AsOf, string? Issues, string? TargetsOut, IReadOnlyList<string>? Plugins);

    private static async Task<int> RunAsync(CliContext context, ImportArguments arguments, CancellationToken cancellationToken)
    {
        if (arguments.Preset is not null && arguments.Mapping is not null)
        {
            await context.Error.WriteLineAsync("salesflow: give --from (a preset) or --mapping (a file), not both");
            return ExitCodes.UsageOrIo;
        }

        if (arguments.PrintMapping)
        {
            if (arguments.Preset is null || CrmMapping.PresetText(arguments.Preset) is not { } text)
            {
                await context.Error.WriteLineAsync($"salesflow: --print-mapping prints a preset: pass --from with one of {string.Join(", ", CrmMapping.Presets)}");
                return ExitCodes.UsageOrIo;
            }

            await context.Out.WriteAsync(text);
            return ExitCodes.Ok;
        }

        if (arguments.Folder is not { } folder || arguments.Process is not { } processPath)
        {
            await context.Error.WriteLineAsync("salesflow: import needs the export's folder and --process (e.g. salesflow import exports/hubspot --from hubspot --process definitions/standard-b2b.yaml)");
            return ExitCodes.UsageOrIo;
        }

        if (!Directory.Exists(folder))
        {
            await context.Error.WriteLineAsync($"salesflow: the folder '{folder}' does not exist");
            return ExitCodes.UsageOrIo;
        }

        var mappingPath = arguments.Mapping ?? Path.Combine(folder, "mapping.yaml");
        var dbPath = arguments.Database;
        foreach (var (output, what) in new[] { (arguments.Issues, "the issues"), (arguments.TargetsOut, "the targets") })
        {
            if (output is not null && OutputFile.RefusalToReplace(output, [dbPath, processPath, mappingPath, .. Directory.EnumerateFiles(folder)]) is { } refusal)
            {
                // Checked before anything is imported: these files are written last.
                await context.Error.WriteLineAsync($"salesflow: will not write {what} over '{output}': {refusal}; choose another path");
                return ExitCodes.UsageOrIo;
            }
        }

        if (arguments.TargetsOut is not null && arguments.Issues is not null && Path.GetFullPath(arguments.TargetsOut) == Path.GetFullPath(arguments.Issues))
        {
            await context.Error.WriteLineAsync("salesflow: --targets-out and --issues name the same file; choose two");
            return ExitCodes.UsageOrIo;
        }

        if (arguments.Preset is null && !File.Exists(mappingPath))
        {
            await context.Error.WriteLineAsync($"salesflow: no mapping file '{mappingPath}' (pass --mapping, or --from with a preset: {string.Join(", ", CrmMapping.Presets)}; samples/maven-crm/mapping.yaml is an example)");
            return ExitCodes.UsageOrIo;
        }

        var loaded = arguments.Preset is { } name ? CrmMapping.Preset(name) : CrmMapping.Load(mappingPath);
        foreach (var diagnostic in loaded.Diagnostics)
        {
            await context.Error.WriteLineAsync(diagnostic.ToString());
        }

        if (loaded.Mapping is not { } mapping)
        {
            return ExitCodes.Invalid;
        }

        var set = PluginSupport.Loader(PluginSupport.Load(arguments.Plugins, context.Error)).Load([processPath]);
        if (set.HasErrors || set.Processes.Count != 1)
        {
            ValidateCommand.Write(context.Error, set, json: false);
            await context.Error.WriteLineAsync(set.HasErrors ? "salesflow: fix the process definition first" : $"salesflow: '{processPath}' holds no single process");
            return ExitCodes.Invalid;
        }

        var process = set.Processes[0];
        DateTimeOffset? exportTakenAt = null;
        if (arguments.AsOf is { } asOfText)
        {
            if (!DateOnly.TryParseExact(asOfText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                await context.Error.WriteLineAsync($"salesflow: --as-of takes a day as yyyy-MM-dd, not '{PrintableText.Escape(asOfText)}'");
                return ExitCodes.UsageOrIo;
            }

            // The end of that working day in the process's time zone, after the day's own closes.
            var local = day.ToDateTime(new TimeOnly(18, 0));
            exportTakenAt = new DateTimeOffset(local, process.Calendar.TimeZone.GetUtcOffset(local));
        }

        // PostgreSQL as demo, explain and history take it; the summary never prints the connection string (its password).
        var postgres = PostgreSqlOptionsExtensions.IsPostgreSqlConnectionString(dbPath);
        var target = postgres ? "the PostgreSQL database" : dbPath;
        var watch = Stopwatch.StartNew();
        CrmImportResult result;
        try
        {
            result = await CrmImport.RunAsync(
                new CrmImportRequest
                {
                    Folder = folder,
                    Mapping = mapping,
                    Process = process,
                    ProcessPath = processPath,
                    UseStore = o =>
                    {
                        if (postgres)
                        {
                            o.UsePostgreSql(dbPath);
                        }
                        else
                        {
                            o.UseSqlite($"Data Source={dbPath}");
                        }
                    },
                    ConfigureServices = services => PluginSupport.AddTo(services, arguments.Plugins),
                    AsOf = exportTakenAt,
                },
                cancellationToken);
        }
        catch (SalesWorkflowStoreException ex)
        {
            await context.Error.WriteLineAsync("salesflow: " + ex.Message);
            return ExitCodes.UsageOrIo;
        }

        watch.Stop();
        foreach (var diagnostic in result.MappingDiagnostics)
        {
            await context.Error.WriteLineAsync(diagnostic.ToString());
        }

        if (!result.Replayed)
        {
            await WriteIssuesAsync(context.Error, result.Issues);
            return ExitCodes.Invalid;
        }

        var issues = result.Issues;
        var o = context.Out;
        var held = result.InDatabase;
        await o.WriteLineAsync($"Imported {N(held.Total)} deals from {Path.Combine(folder, result.OpportunitiesFile)}{(mapping.Crm is { } crm ? $" ({crm})" : string.Empty)} into {target} ({process.Id} v{process.Version}): " +
            $"{N(held.Open)} open, {N(held.Won)} won, {N(held.Lost)} lost.");
        if (held != result.Read)
        {
            await o.WriteLineAsync($"The export's readable rows said {N(result.Read.Open)} open, {N(result.Read.Won)} won, {N(result.Read.Lost)} lost; " +
                "the difference is what the engine refused, and won deals the export calls open or lost, which are not reopened (both listed below).");
        }

        if (result.OtherPipelineRows > 0)
        {
            await o.WriteLineAsync($"Left out: {N(result.OtherPipelineRows)} row(s) of other pipelines (the mapping's `pipelines:`).");
        }

        var changes = result.Changes;
        await o.WriteLineAsync($"Deals: {N(changes.New)} new, {N(changes.Changed)} changed, {N(changes.Unchanged)} already imported as the export has them.");
        if (changes.Changed > 0)
        {
            await o.WriteLineAsync($"Changed: {N(changes.Moved)} moved, {N(changes.Updated)} updated (amount, dates, owner, account, fields), {N(changes.Won)} won, {N(changes.Lost)} lost, {N(changes.Reopened)} reopened.");
        }

        await o.WriteLineAsync($"Engine: {N(result.Commands.Applied)} commands applied, {N(result.Commands.Duplicates)} already applied, {N(result.Commands.Rejected)} refused; {watch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s.");
        if (result.Goals is { } goals)
        {
            await WriteGoalsAsync(o, folder, goals, process, arguments.TargetsOut);
        }
        else if (arguments.TargetsOut is not null)
        {
            await o.WriteLineAsync("No targets written: the mapping names no goals file (`files.goals`).");
        }

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

        if (arguments.Issues is { } written)
        {
            await WriteIssuesCsvAsync(written, issues);
            await o.WriteLineAsync($"Every reported row: {written}");
        }

        return result.HasErrors ? ExitCodes.Invalid : ExitCodes.Ok;
    }

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Money(decimal? value) => value is { } amount ? amount.ToString("#,0.00", CultureInfo.InvariantCulture) : "—";

    /// <summary>The goals as targets: each year against the process's, and written out when asked and complete.</summary>
    private static async Task WriteGoalsAsync(TextWriter o, string folder, CrmGoalsResult goals, Engine.Definitions.ProcessDefinition process, string? targetsOut)
    {
        if (goals.GoalsFile is not { } file)
        {
            if (targetsOut is not null)
            {
                await o.WriteLineAsync("No targets written: no goals file in the folder matches the mapping's `files.goals`.");
            }

            return;
        }

        var errors = goals.Issues.Count(i => i.IsError);
        var years = goals.Targets.Count == 0 ? "no year" : string.Join(", ", goals.Targets.Select(t => t.Year.ToString(CultureInfo.InvariantCulture)));
        await o.WriteLineAsync();
        await o.WriteLineAsync($"Targets from {Path.Combine(folder, file)}: {years} ({N(goals.GoalsRead)} goals read" +
            $"{(goals.OtherMetricGoals > 0 ? $", {N(goals.OtherMetricGoals)} of other metrics left out" : string.Empty)}" +
            $"{(errors > 0 ? $", {N(errors)} skipped" : string.Empty)}{(goals.Issues.Count > errors ? $", {N(goals.Issues.Count - errors)} warning(s)" : string.Empty)}).");
        if (goals.AgainstProcess.Count > 0)
        {
            var width = Math.Max(4, goals.AgainstProcess.Max(r => r.Part.Length));
            var header = $"  {"part".PadRight(width)}  {(process.Id + " v" + process.Version.ToString(CultureInfo.InvariantCulture)).PadLeft(20)}  {"CRM goal".PadLeft(20)}  {"difference".PadLeft(20)}";
            await o.WriteLineAsync(header);
            foreach (var row in goals.AgainstProcess)
            {
                await o.WriteLineAsync($"  {row.Part.PadRight(width)}  {Money(row.InProcess),20}  {Money(row.InCrm),20}  {(row.Difference is { } d ? (d > 0 ? "+" : string.Empty) + Money(d) : "—"),20}");
            }
        }

        if (targetsOut is null)
        {
            if (goals.Targets.Count > 0)
            {
                await o.WriteLineAsync("To make them the process's targets: import again with --targets-out targets.yaml and replace the process's `targets:` with it.");
            }

            return;
        }

        if (errors > 0 || goals.Targets.Count == 0)
        {
            await o.WriteLineAsync($"No targets written to {targetsOut}: {(errors > 0 ? "goals were skipped (listed below); fix them in the CRM or the mapping first" : "the goals give no year's target")}.");
            return;
        }

        await File.WriteAllTextAsync(targetsOut, goals.ToYaml());
        await o.WriteLineAsync($"Targets written to {targetsOut}: replace the process's `targets:` with it (salesflow validate checks the result).");
    }

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
