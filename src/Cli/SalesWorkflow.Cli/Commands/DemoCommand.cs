using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Cli.Demo;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;
using Spectre.Console;

namespace SalesWorkflow.Cli.Commands;

/// <summary><c>salesflow demo</c>: the main job. Runs a realistic pipeline through the engine on SQLite and summarises it.</summary>
internal static class DemoCommand
{
    /// <summary>When the simulated pipeline starts (09:00 in Shanghai on a Monday).</summary>
    internal static readonly DateTimeOffset SimulationStart = new(2026, 1, 5, 9, 0, 0, TimeSpan.FromHours(8));

    public static Command Create(CliContext context)
    {
        var db = new Option<string>("--db") { Description = "SQLite database file to create (replaced if it exists), or a PostgreSQL connection string (Host=…) or postgres:// URI (its SalesWorkflow tables are dropped first).", DefaultValueFactory = _ => "salesworkflow.db" };
        var workers = new Option<int>("--workers") { Description = "Worker processes sharing the work (PostgreSQL only; each works every N-th deal, timers go to whichever claims them first).", DefaultValueFactory = _ => 1 };
        var deals = new Option<int>("--deals") { Description = "Number of deals to simulate.", DefaultValueFactory = _ => 5000 };
        var months = new Option<int>("--months") { Description = "Simulated months.", DefaultValueFactory = _ => 6 };
        var seed = new Option<int>("--seed") { Description = "Random seed; the same seed gives the same run.", DefaultValueFactory = _ => 20260105 };
        var definitions = new Option<string>("--definitions") { Description = "Definitions folder.", DefaultValueFactory = _ => "definitions" };
        var process = new Option<string>("--process") { Description = "Process the deals follow.", DefaultValueFactory = _ => "standard-b2b" };
        var language = new Option<string>("--lang") { Description = "Language of stage and reason names (zh or en).", DefaultValueFactory = _ => "en" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress bar." };
        var forceOption = new Option<bool>("--force") { Description = "Replace the --db file even when it is not a SalesWorkflow database." };
        var report = new Option<string?>("--report") { Description = "Where to write the HTML review report of the last full quarter simulated (or month, for short runs); default: next to the SQLite file, as <name>-report.html; `none` for no report." };
        var plugins = PluginSupport.CreateOption();
        var command = new Command("demo", "Simulate months of a sales pipeline (deals, activities, advances, stalls, wins and losses) through the engine on SQLite (or PostgreSQL, with --workers processes sharing it), then summarise it.")
        {
            db,
            deals,
            months,
            seed,
            definitions,
            process,
            language,
            quiet,
            report,
            plugins,
            workers,
            forceOption,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            context,
            parse.GetValue(db)!,
            new SimulationSettings(parse.GetValue(deals), parse.GetValue(months), parse.GetValue(seed), parse.GetValue(process)!, SimulationStart, Workers: parse.GetValue(workers)),
            parse.GetValue(definitions)!,
            parse.GetValue(language)!,
            parse.GetValue(quiet),
            parse.GetValue(report),
            parse.GetValue(plugins),
            parse.GetValue(forceOption),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string dbPath, SimulationSettings settings, string definitions, string language, bool quiet, string? reportPath, IReadOnlyList<string>? pluginFolders, bool force, CancellationToken cancellationToken)
    {
        if (settings.Deals is < 1 or > 1_000_000 || settings.Months is < 1 or > 36)
        {
            await context.Error.WriteLineAsync("salesflow: --deals must be 1–1,000,000 and --months 1–36");
            return ExitCodes.UsageOrIo;
        }

        var postgres = PostgreSqlOptionsExtensions.IsPostgreSqlConnectionString(dbPath);
        if (settings.Workers < 1 || settings.Workers > 16 || (settings.Workers > 1 && !postgres))
        {
            await context.Error.WriteLineAsync("salesflow: --workers must be 1–16, and more than one needs a PostgreSQL --db (e.g. --db \"Host=localhost;Database=sales;Username=me\"): SQLite has one writer");
            return ExitCodes.UsageOrIo;
        }

        if (!Directory.Exists(definitions))
        {
            await context.Error.WriteLineAsync($"salesflow: the definitions folder '{definitions}' does not exist (run from the repository root, or pass --definitions)");
            return ExitCodes.UsageOrIo;
        }

        var set = PluginSupport.Loader(PluginSupport.Load(pluginFolders, context.Error)).Load([definitions]);
        var definition = set.Processes.FirstOrDefault(p => p.Id == settings.ProcessId);
        if (set.HasErrors || definition is null)
        {
            ValidateCommand.Write(context.Error, set, json: false);
            await context.Error.WriteLineAsync(definition is null ? $"salesflow: no process '{settings.ProcessId}' in {definitions}" : "salesflow: fix the definitions first");
            return ExitCodes.Invalid;
        }

        // Redirected to a file or a CI log: plain text (no colour codes), and wide enough not to wrap stage names.
        // NO_COLOR (https://no-color.org): a terminal without colours, still laid out for it.
        var redirected = !ReferenceEquals(context.Out, Console.Out) || Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(context.Terminal),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = TerminalText.Colours(redirected, Environment.GetEnvironmentVariable("NO_COLOR")),
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected)
        {
            console.Profile.Width = Math.Max(console.Profile.Width, 120);
        }

        // One demo per file at a time (a second run would interleave with the first), and only a SalesWorkflow
        // database, an empty file or a new path is replaced: anything else needs --force.
        IDisposable? runLock;
        try
        {
            runLock = postgres ? null : DemoDatabaseFile.TryLock(dbPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"salesflow: cannot write next to '{dbPath}' (the demo's lock file): {TerminalText.Safe(ex.Message)}");
            return ExitCodes.UsageOrIo;
        }

        using var heldLock = runLock;

        // The review is written at the end; a path it may not replace is refused now, not after the simulation.
        reportPath = reportPath == "none" ? reportPath
            : reportPath ?? (postgres ? "salesworkflow-report.html" : Path.Combine(Path.GetDirectoryName(dbPath) ?? string.Empty, Path.GetFileNameWithoutExtension(dbPath) + "-report.html"));
        if (reportPath != "none" && OutputFile.RefusalToReplace(reportPath, [postgres ? null : dbPath]) is { } reportRefusal)
        {
            await context.Error.WriteLineAsync($"salesflow: will not write the review over '{reportPath}': {reportRefusal}; choose another --report path, or `--report none`");
            return ExitCodes.UsageOrIo;
        }
        if (!postgres && runLock is null)
        {
            await context.Error.WriteLineAsync($"salesflow: another salesflow demo is writing '{dbPath}' right now; wait for it, or choose another --db");
            return ExitCodes.UsageOrIo;
        }

        if (!postgres && !force && DemoDatabaseFile.WhyNotReplace(dbPath) is { } looksLike)
        {
            await context.Error.WriteLineAsync($"salesflow: '{dbPath}' is not a SalesWorkflow database ({looksLike}); the demo replaces its --db file, so it leaves this one alone. Choose another --db, or pass --force to replace it.");
            return ExitCodes.UsageOrIo;
        }

        foreach (var file in postgres ? [] : new[] { dbPath, dbPath + "-wal", dbPath + "-shm" })
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await context.Error.WriteLineAsync($"salesflow: cannot replace '{file}': {ex.Message}");
                return ExitCodes.UsageOrIo;
            }
        }

        if (postgres)
        {
            try
            {
                await DemoWorkers.ResetAsync(dbPath, cancellationToken);
            }
            catch (Npgsql.NpgsqlException ex)
            {
                await context.Error.WriteLineAsync($"salesflow: cannot use the PostgreSQL database: {ex.Message}");
                return ExitCodes.UsageOrIo;
            }
        }

        var clock = new SimulatedClock(settings.Start);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(definitions);
            if (postgres)
            {
                o.UsePostgreSql(dbPath);
            }
            else
            {
                o.UseSqlite($"Data Source={dbPath}");
            }

            o.RunBackgroundServices = false;
        });
        PluginSupport.AddTo(services, pluginFolders);
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<ISalesWorkflowEngine>();
        var maintenance = provider.GetRequiredService<ISalesWorkflowMaintenance>();
        var simulation = new PipelineSimulation(engine, maintenance, clock, settings);
        console.MarkupLine($"Simulating [bold]{DemoReport.Number(settings.Deals)}[/] deals over [bold]{settings.Months}[/] months on [bold]{Markup.Escape(TerminalText.Safe(definition.Name.Get(language)))}[/] ({definition.Id} v{definition.Version}), database [bold]{Markup.Escape(TerminalText.Safe(postgres ? "PostgreSQL" : dbPath))}[/]{(settings.Workers > 1 ? $", {settings.Workers} worker processes" : string.Empty)} …");
        var watch = Stopwatch.StartNew();
        DemoWorkers.Totals? shared = null;
        try
        {
            if (settings.Workers > 1)
            {
                // The coordinator's engine creates the schema and registers the process versions before the workers start.
                _ = await engine.QueryAsync(new DealQuery { Limit = 1 }, cancellationToken);
                var lastMonth = -1;
                shared = await DemoWorkers.CoordinateAsync(dbPath, settings, definitions, pluginFolders, settings.Workers, (day, days, totals) =>
                {
                    var month = (day - 1) * settings.Months / Math.Max(1, days);
                    if (month != lastMonth && !quiet)
                    {
                        lastMonth = month;
                        console.MarkupLine($"  month {month + 1}/{settings.Months}: {DemoReport.Number(totals.DealsStarted)} deals, {DemoReport.Number(totals.Commands)} commands, {DemoReport.Number(totals.TimersFired)} timers fired");
                    }
                }, cancellationToken);
            }
            else if (quiet || !console.Profile.Capabilities.Interactive)
            {
                var lastMonth = -1;
                await simulation.RunAsync(p =>
                {
                    var month = (p.Day - 1) * settings.Months / Math.Max(1, p.Days);
                    if (month != lastMonth && !quiet)
                    {
                        lastMonth = month;
                        console.MarkupLine($"  month {month + 1}/{settings.Months}: {DemoReport.Number(p.DealsStarted)} deals, {DemoReport.Number(p.Commands)} commands, {DemoReport.Number(p.TimersFired)} timers fired");
                    }
                }, cancellationToken);
            }
            else
            {
                await console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()).StartAsync(async progress =>
                {
                    var task = progress.AddTask("simulated days", maxValue: 1);
                    await simulation.RunAsync(p =>
                    {
                        task.MaxValue = p.Days;
                        task.Value = p.Day;
                        task.Description = $"day {p.Day}/{p.Days} · {DemoReport.Number(p.DealsStarted)} deals · {DemoReport.Number(p.Commands)} commands";
                    }, cancellationToken);
                });
            }
        }
        catch (SalesWorkflowStoreException ex)
        {
            await context.Error.WriteLineAsync("salesflow: " + ex.Message);
            return ExitCodes.UsageOrIo;
        }

        watch.Stop();

        // Plugins' event sinks (e.g. Webhooks with SALESWORKFLOW_WEBHOOK_URLS set) get the run's events, as the
        // background dispatcher would deliver them in a live engine.
        var deliveries = 0;
        for (int delivered; (delivered = await maintenance.DispatchEventsAsync(cancellationToken)) > 0;)
        {
            deliveries += delivered;
        }

        var p = shared ?? new DemoWorkers.Totals(simulation.Progress.Commands, simulation.Progress.Rejected, simulation.Progress.TimersFired, simulation.Progress.SweepChanges, simulation.Progress.DealsStarted);
        console.WriteLine();
        var report = await DemoReport.BuildAsync(engine, cancellationToken);
        await report.WriteAsync(console, engine, definition, language, cancellationToken);
        var size = postgres ? 0 : new FileInfo(dbPath).Length + (File.Exists(dbPath + "-wal") ? new FileInfo(dbPath + "-wal").Length : 0);
        console.MarkupLine($"[grey]{DemoReport.Number(p.Commands)} commands ({DemoReport.Number(p.Rejected)} rejected, e.g. blocked advances), {DemoReport.Number(p.TimersFired)} timers fired (escalations, tasks, complaints), {DemoReport.Number(p.SweepChanges)} sweep changes in {watch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s ({(p.Commands / watch.Elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture)} commands/s){(postgres ? string.Empty : $"; database {(size / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture)} MB")}[/]");
        if (deliveries > 0)
        {
            console.MarkupLine($"[grey]{DemoReport.Number(deliveries)} event deliveries to plugins' event sinks[/]");
        }

        if (await DemoReport.InterestingDealAsync(engine, cancellationToken) is { } example)
        {
            console.WriteLine();
            console.MarkupLine("Look closer at any deal:");
            var quoted = postgres ? $"\"{dbPath}\"" : dbPath;
            console.MarkupLine($"  salesflow explain --db {Markup.Escape(quoted)} {example}");
            console.MarkupLine($"  salesflow history --db {Markup.Escape(quoted)} {example}");
        }

        if (reportPath == "none")
        {
            console.WriteLine();
            await context.Out.WriteLineAsync($"Work the deals through the API (docs/server.md): salesflow serve --db {ServeCommand.Quote(dbPath)}");
            return ExitCodes.Ok;
        }

        // The director's review of the run, as `salesflow report` writes it (next to the database file by default).
        var period = ReviewPeriod(settings);
        console.WriteLine();
        await context.Out.WriteLineAsync($"The review of {period.Label} (and of any other period: salesflow report --db {(postgres ? $"\"{dbPath}\"" : dbPath)} --period {period.Label}):");
        var reported = await ReportCommand.RunAsync(context, dbPath, period.Label, null, null, null, null, "html", reportPath, pluginFolders, cancellationToken, language);
        console.WriteLine();
        await context.Out.WriteLineAsync($"Work the deals through the API (docs/server.md): salesflow serve --db {ServeCommand.Quote(dbPath)}");
        return reported;
    }

    /// <summary>The last quarter the simulation covered to its end, else the last such month, else its first month.</summary>
    internal static ReportPeriod ReviewPeriod(SimulationSettings settings)
    {
        var first = DateOnly.FromDateTime(settings.Start.DateTime);
        var end = first.AddMonths(settings.Months);
        var quarter = new DateOnly(end.Year, (((end.Month - 1) / 3) * 3) + 1, 1).AddMonths(-3);
        var month = new DateOnly(end.Year, end.Month, 1).AddMonths(-1);
        var text = quarter.AddMonths(3) <= end && quarter.AddMonths(1) > first ? $"{quarter.Year}-Q{((quarter.Month - 1) / 3) + 1}"
            : month > first ? month.ToString("yyyy-MM", CultureInfo.InvariantCulture)
            : first.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        return ReportPeriod.TryParse(text, out var period) ? period : throw new InvalidOperationException($"Bad review period {text}.");
    }
}
