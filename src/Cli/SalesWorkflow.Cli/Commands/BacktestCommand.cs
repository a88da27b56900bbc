using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
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
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, IncludeFields = true };

    public static Command Create(CliContext context)
    {
        var from = new Option<string>("--from") { Description = "The process definition the history was recorded under (or the one to compare against).", Required = true };
        var to = new Option<string>("--to") { Description = "The changed process definition.", Required = true };
        var db = new Option<string>("--db") { Description = "The database whose history is replayed.", DefaultValueFactory = _ => "salesworkflow.db" };
        var format = new Option<string>("--format") { Description = "md (default) or json.", DefaultValueFactory = _ => "md" };
        var plugins = PluginSupport.CreateOption();
        var command = new Command("backtest", "Replay the recorded history under a changed process: blocked deals, escalation volume per level, and what is at stake.")
        {
            from,
            to,
            db,
            format,
            plugins,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse.GetValue(from)!, parse.GetValue(to)!, parse.GetValue(db)!, parse.GetValue(format)!, parse.GetValue(plugins), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string fromPath, string toPath, string dbPath, string format, IReadOnlyList<string>? pluginFolders, CancellationToken cancellationToken)
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
        var result = Backtest.Run(events, processes[0], processes[1]);
        watch.Stop();
        await context.Out.WriteAsync(format == "json"
            ? JsonSerializer.Serialize(new { process = processes[0].Id, from = processes[0].Version, to = processes[1].Version, result.Deals, result.Moves, result.Unreproduced, blockedMoves = result.Blocked.Count, result.BlockedByCriterion, result.EscalationsBefore, result.EscalationsAfter, notificationsByRole = result.NotificationsByRole.ToDictionary(r => r.Key, r => new { before = r.Value.Before, after = r.Value.After }), wonDealsBlocked = new { deals = result.WonDealsBlocked.Deals, revenue = result.WonDealsBlocked.Revenue }, result.LostDealsBlocked, result.FloodWarnings, kpis = KpisJson(result.Kpis), blocked = result.Blocked.Take(100) }, Json) + "\n"
            : Markdown(result, processes[0], processes[1], watch.Elapsed));
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

    private static string Markdown(BacktestResult r, CompiledProcess from, CompiledProcess to, TimeSpan elapsed)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"# Backtest: {from.Id} v{from.Version} → v{to.Version}\n\n");
        b.Append(CultureInfo.InvariantCulture, $"Replayed {N(r.Deals)} deals and {N(r.Moves)} stage moves in {elapsed.TotalSeconds:0.00} s ({(r.Deals / Math.Max(elapsed.TotalSeconds, 1e-6)).ToString("N0", CultureInfo.InvariantCulture)} deals/s).\n\n");
        if (r.Unreproduced > 0)
        {
            b.Append(CultureInfo.InvariantCulture, $"Note: {N(r.Unreproduced)} recorded moves fail even the recorded gates on the rebuilt facts (history incomplete, e.g. facts changed outside the engine); they are left out.\n\n");
        }

        b.Append(CultureInfo.InvariantCulture, $"## Gates\n\nThe new gates would have blocked **{N(r.Blocked.Count)}** of {N(r.Moves)} moves ({N(r.Blocked.Select(x => x.DealId).Distinct().Count())} deals); ");
        b.Append(CultureInfo.InvariantCulture, $"{N(r.WonDealsBlocked.Deals)} of those deals were won in the end ({N(r.WonDealsBlocked.Revenue)} won revenue at stake), {N(r.LostDealsBlocked)} were lost.\n\n");
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
