using System.CommandLine;
using System.Diagnostics;
using SalesWorkflow.Analytics;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Evaluation;

namespace SalesWorkflow.Cli.Commands;

/// <summary>
/// <c>salesflow backtest</c>: replays the recorded history under the current and a changed process definition and
/// says what the change would have done — deals the new gates would have blocked and where, escalations per level
/// (with a manager-flood warning), and the won business a stricter gate puts at risk.
/// </summary>
internal static class BacktestCommand
{
    public static Command Create(CliContext context)
    {
        var from = new Option<string>("--from") { Description = "The process definition the history was recorded under (or the one to compare against).", Required = true };
        var to = new Option<string>("--to") { Description = "The changed process definition.", Required = true };
        var db = new Option<string>("--db") { Description = "The database whose history is replayed.", DefaultValueFactory = _ => "salesworkflow.db" };
        var format = new Option<string>("--format") { Description = "md (default) or json.", DefaultValueFactory = _ => "md" };
        var plugins = PluginSupport.CreateOption();

        // The cadence the history was recorded under: condition-triggered escalations are noticed by the sweep and
        // fired by the timer polls, so replaying them faithfully needs the application's own settings.
        var sweepEvery = new Option<string?>("--sweep-every") { Description = "How often the application swept open deals (SweepInterval) while the history was recorded, e.g. 15m or 1d (default: the runtime's 15m)." };
        var sweepAt = new Option<string?>("--sweep-at") { Description = "Where the sweeps fell, as a UTC time of day, e.g. 10:00 (default 00:00)." };
        var timersEvery = new Option<string?>("--timers-every") { Description = "How often due escalation timers were fired (TimerPollInterval), e.g. 1m or 1d (default: the runtime's 1 s)." };
        var timersAt = new Option<string[]>("--timers-at") { Description = "UTC time of day a timer poll fell at (repeat for several polls per interval; default 00:00)." };
        var command = new Command("backtest", "Replay the recorded history under a changed process: blocked deals, escalation volume per level, and what is at stake.")
        {
            from,
            to,
            db,
            format,
            plugins,
            sweepEvery,
            sweepAt,
            timersEvery,
            timersAt,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!TryCadence(parse.GetValue(sweepEvery), parse.GetValue(sweepAt), parse.GetValue(timersEvery), parse.GetValue(timersAt) ?? [], out var cadence, out var error))
            {
                await context.Error.WriteLineAsync($"salesflow: {error}");
                return ExitCodes.UsageOrIo;
            }

            return await RunAsync(context, parse.GetValue(from)!, parse.GetValue(to)!, parse.GetValue(db)!, parse.GetValue(format)!, parse.GetValue(plugins), cadence, cancellationToken);
        });
        return command;
    }

    /// <summary>The cadence the options describe (the runtime's defaults for what they leave out), or why they are wrong.</summary>
    internal static bool TryCadence(string? sweepEvery, string? sweepAt, string? timersEvery, IReadOnlyList<string> timersAt, out BacktestCadence cadence, out string error) =>
        BacktestReport.TryParseCadence(sweepEvery, sweepAt, timersEvery, timersAt, OptionName, out cadence, out error);

    private static string OptionName(string setting) => setting switch
    {
        "sweepEvery" => "--sweep-every",
        "sweepAt" => "--sweep-at",
        "timersEvery" => "--timers-every",
        _ => "--timers-at",
    };

    private static async Task<int> RunAsync(CliContext context, string fromPath, string toPath, string dbPath, string format, IReadOnlyList<string>? pluginFolders, BacktestCadence cadence, CancellationToken cancellationToken)
    {
        if (format is not ("md" or "json"))
        {
            await context.Error.WriteLineAsync($"salesflow: --format is md or json, not `{format}`");
            return ExitCodes.UsageOrIo;
        }

        var loader = PluginSupport.Loader(PluginSupport.Load(pluginFolders, context.Error));
        var processes = new List<CompiledProcess>();
        foreach (var path in new[] { fromPath, toPath })
        {
            var set = loader.Load([path]);
            if (set.HasErrors || set.Processes.Count != 1)
            {
                ValidateCommand.Write(context.Error, set, json: false);
                await context.Error.WriteLineAsync(set.HasErrors ? $"salesflow: fix '{path}' first" : $"salesflow: '{path}' holds no single process");
                return ExitCodes.Invalid;
            }

            processes.Add(CompiledProcess.Compile(set.Processes[0]));
        }

        if (processes[0].Id != processes[1].Id)
        {
            await context.Error.WriteLineAsync($"salesflow: --from is process `{processes[0].Id}` and --to is `{processes[1].Id}`: compare two versions of one process");
            return ExitCodes.UsageOrIo;
        }

        await using var database = StoredDatabase.Open(dbPath, context.Error, pluginFolders);
        if (database is null)
        {
            return ExitCodes.UsageOrIo;
        }

        var events = (await database.ReadAllEventsAsync(cancellationToken)).Where(e => e.ProcessId == processes[0].Id).ToList();

        var watch = Stopwatch.StartNew();
        var result = Backtest.Run(events, processes[0], processes[1], cadence, cancellationToken);
        watch.Stop();
        await context.Out.WriteAsync(format == "json"
            ? BacktestReport.ToJson(result, processes[0], processes[1], cadence)
            : BacktestReport.ToMarkdown(result, processes[0], processes[1], cadence, watch.Elapsed, "set with --sweep-every/--sweep-at/--timers-every/--timers-at"));
        return ExitCodes.Ok;
    }
}
