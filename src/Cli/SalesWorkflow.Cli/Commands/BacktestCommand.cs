using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Evaluation;

namespace SalesWorkflow.Cli.Commands;

/// <summary>
/// <c>salesflow backtest</c>: replays the recorded history under the current and a changed process definition and
/// says what the change would have done — deals the new gates would have blocked and where, escalations per level
/// (with a manager-flood warning), and the won business a stricter gate puts at risk.
/// </summary>
internal static class BacktestCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, IncludeFields = true };

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
    internal static bool TryCadence(string? sweepEvery, string? sweepAt, string? timersEvery, IReadOnlyList<string> timersAt, out BacktestCadence cadence, out string error)
    {
        cadence = BacktestCadence.Runtime;
        error = string.Empty;
        var defaults = BacktestCadence.Runtime;
        if (!TryInterval("--sweep-every", sweepEvery, defaults.SweepInterval, out var sweepInterval, ref error) ||
            !TryInterval("--timers-every", timersEvery, defaults.TimerPollInterval, out var timerInterval, ref error) ||
            !TryTimeOfDay("--sweep-at", sweepAt, out var sweepOffset, ref error))
        {
            return false;
        }

        var timerOffsets = new List<TimeSpan>();
        foreach (var at in timersAt)
        {
            if (!TryTimeOfDay("--timers-at", at, out var offset, ref error))
            {
                return false;
            }

            timerOffsets.Add(offset);
        }

        cadence = new BacktestCadence
        {
            SweepInterval = sweepInterval,
            SweepOffset = sweepOffset,
            TimerPollInterval = timerInterval,
            TimerPollOffsets = timerOffsets.Count > 0 ? timerOffsets : defaults.TimerPollOffsets,
        };
        return true;
    }

    private static bool TryInterval(string option, string? text, TimeSpan fallback, out TimeSpan interval, ref string error)
    {
        interval = fallback;
        if (text is null)
        {
            return true;
        }

        if (!Duration.TryParse(text, out var duration, out var why) || duration.IsBusinessDays || duration.Elapsed <= TimeSpan.Zero)
        {
            error = $"{option} `{text}` is not a length of elapsed time such as 15m, 1h or 1d ({(why.Length > 0 ? why : "business days and zero do not describe a cadence")})";
            return false;
        }

        interval = duration.Elapsed;
        return true;
    }

    private static bool TryTimeOfDay(string option, string? text, out TimeSpan offset, ref string error)
    {
        offset = TimeSpan.Zero;
        if (text is null)
        {
            return true;
        }

        if (!TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            error = $"{option} `{text}` is not a UTC time of day written HH:mm, e.g. 10:00";
            return false;
        }

        offset = time.ToTimeSpan();
        return true;
    }

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
        var result = Backtest.Run(events, processes[0], processes[1], cadence);
        watch.Stop();
        await context.Out.WriteAsync(format == "json"
            ? JsonSerializer.Serialize(new { process = processes[0].Id, from = processes[0].Version, to = processes[1].Version, cadence = CadenceText(cadence), result.Deals, result.Moves, result.Unreproduced, blockedMoves = result.Blocked.Count, result.BlockedByCriterion, result.EscalationsBefore, result.EscalationsAfter, notificationsByRole = result.NotificationsByRole.ToDictionary(r => r.Key, r => new { before = r.Value.Before, after = r.Value.After }), wonDealsBlocked = new { deals = result.WonDealsBlocked.Deals, revenue = result.WonDealsBlocked.Revenue }, lostDealsBlocked = result.Kpis.LostDealsStoppedEarly, result.FloodWarnings, kpis = KpisJson(result.Kpis), blocked = result.Blocked.Take(100) }, Json) + "\n"
            : Markdown(result, processes[0], processes[1], cadence, watch.Elapsed));
        return ExitCodes.Ok;
    }

    private static string N(decimal value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static object KpisJson(BacktestKpiDeltas k) => new
    {
        stages = k.Stages.Select(s => new { stage = s.Stage, entered = s.Entered, leftBefore = s.LeftBefore, leftAfter = s.LeftAfter, movesBlocked = s.MovesBlocked, conversionBefore = Round(s.ConversionBefore), conversionAfter = Round(s.ConversionAfter) }),
        wonDeals = new { before = k.WonDeals.Before, after = k.WonDeals.After },
        wonRevenue = new { before = k.WonRevenue.Before, after = k.WonRevenue.After },
        lostDealsStoppedEarly = new { deals = k.LostDealsStoppedEarly, daysEarlierTotal = Round(k.LostDaysEarlierTotal), daysEarlierMean = Round(k.LostDaysEarlierMean) },
        escalationsPer100Deals = new { before = Round(k.EscalationsPer100Deals.Before), after = Round(k.EscalationsPer100Deals.After) },
    };

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 4) : null;

    private static string Percent(double? value) => value is { } v ? v.ToString("P1", CultureInfo.InvariantCulture) : "–";

    private static string Change(decimal before, decimal after) => (after - before).ToString("+#,0;-#,0;0", CultureInfo.InvariantCulture);

    /// <summary>The cadence in words, e.g. "sweep every 1d at 10:00 UTC; timers every 1d at 09:00, 10:00 UTC".</summary>
    private static string CadenceText(BacktestCadence c)
    {
        static string Every(TimeSpan interval) => interval < TimeSpan.FromMinutes(1) ? $"{interval.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s" : Duration.FromElapsed(interval).Text;
        static string At(TimeSpan offset) => TimeOnly.FromTimeSpan(offset).ToString("HH:mm", CultureInfo.InvariantCulture);
        return $"sweep every {Every(c.SweepInterval)} at {At(c.SweepOffset)} UTC; timers every {Every(c.TimerPollInterval)} at {string.Join(", ", c.TimerPollOffsets.Select(At))} UTC";
    }

    private static string Markdown(BacktestResult r, CompiledProcess from, CompiledProcess to, BacktestCadence cadence, TimeSpan elapsed)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"# Backtest: {from.Id} v{from.Version} → v{to.Version}\n\n");
        b.Append(CultureInfo.InvariantCulture, $"Replayed {N(r.Deals)} deals and {N(r.Moves)} stage moves in {elapsed.TotalSeconds:0.00} s ({(r.Deals / Math.Max(elapsed.TotalSeconds, 1e-6)).ToString("N0", CultureInfo.InvariantCulture)} deals/s); condition-triggered escalations replayed with a {CadenceText(cadence)} (set with --sweep-every/--sweep-at/--timers-every/--timers-at).\n\n");
        if (r.Unreproduced > 0)
        {
            b.Append(CultureInfo.InvariantCulture, $"Note: {N(r.Unreproduced)} recorded moves fail even the recorded gates on the rebuilt facts (history incomplete, e.g. facts changed outside the engine); they are left out.\n\n");
        }

        b.Append(CultureInfo.InvariantCulture, $"## Gates\n\nThe new gates would have blocked **{N(r.Blocked.Count)}** of {N(r.Moves)} moves ({N(r.Blocked.Select(x => x.DealId).Distinct().Count())} deals); ");
        b.Append(CultureInfo.InvariantCulture, $"{N(r.WonDealsBlocked.Deals)} of those deals were won in the end ({N(r.WonDealsBlocked.Revenue)} won revenue at stake), {N(r.Kpis.LostDealsStoppedEarly)} were lost.\n\n");
        if (r.BlockedByCriterion.Count > 0)
        {
            b.Append("| stage / criterion | moves blocked |\n|---|---:|\n");
            foreach (var (key, count) in r.BlockedByCriterion.Take(20))
            {
                b.Append(CultureInfo.InvariantCulture, $"| {key} | {N(count)} |\n");
            }
        }

        var k = r.Kpis;
        b.Append("\n## KPI deltas\n\nEach recorded gate judged on the facts of its moment; nothing downstream re-simulated (docs/kpis.md, \"KPI deltas\").\n\n");
        b.Append("| stage | entered | left forward before | after | conversion before | after | moves held |\n|---|---:|---:|---:|---:|---:|---:|\n");
        foreach (var s in k.Stages)
        {
            b.Append(CultureInfo.InvariantCulture, $"| {s.Stage} | {N(s.Entered)} | {N(s.LeftBefore)} | {N(s.LeftAfter)} | {Percent(s.ConversionBefore)} | {Percent(s.ConversionAfter)} | {N(s.MovesBlocked)} |\n");
        }

        b.Append("\n| KPI | before | after | change |\n|---|---:|---:|---:|\n");
        b.Append(CultureInfo.InvariantCulture, $"| won deals | {N(k.WonDeals.Before)} | {N(k.WonDeals.After)} | {Change(k.WonDeals.Before, k.WonDeals.After)} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| won revenue | {N(k.WonRevenue.Before)} | {N(k.WonRevenue.After)} | {Change(k.WonRevenue.Before, k.WonRevenue.After)} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| escalations per 100 deals | {k.EscalationsPer100Deals.Before:0.0} | {k.EscalationsPer100Deals.After:0.0} | {k.EscalationsPer100Deals.After - k.EscalationsPer100Deals.Before:+0.0;-0.0;0.0} |\n");
        b.Append(CultureInfo.InvariantCulture, $"\nLost deals a new gate would have stopped before the loss: {N(k.LostDealsStoppedEarly)}");
        b.Append(k.LostDaysEarlierMean is { } mean ? string.Create(CultureInfo.InvariantCulture, $", on average {mean:0.0} days earlier ({k.LostDaysEarlierTotal:0} days in all).\n") : ".\n");

        b.Append("\n## Escalations (time in stage)\n\n| escalation level | before | after | change |\n|---|---:|---:|---:|\n");
        foreach (var key in r.EscalationsBefore.Keys.Union(r.EscalationsAfter.Keys).Order(StringComparer.Ordinal))
        {
            var before = r.EscalationsBefore.GetValueOrDefault(key);
            var after = r.EscalationsAfter.GetValueOrDefault(key);
            b.Append(CultureInfo.InvariantCulture, $"| {key} | {N(before)} | {N(after)} | {(after - before).ToString("+#,0;-#,0;0", CultureInfo.InvariantCulture)} |\n");
        }

        b.Append("\n| notified | before | after |\n|---|---:|---:|\n");
        foreach (var (role, (before, after)) in r.NotificationsByRole)
        {
            b.Append(CultureInfo.InvariantCulture, $"| {role} | {N(before)} | {N(after)} |\n");
        }

        foreach (var role in r.FloodWarnings)
        {
            b.Append(CultureInfo.InvariantCulture, $"\n**Warning: the {role} would get {N(r.NotificationsByRole[role].After)} notifications instead of {N(r.NotificationsByRole[role].Before)}** — a flood that gets ignored; raise the thresholds or narrow the stages.\n");
        }

        return b.ToString();
    }
}
