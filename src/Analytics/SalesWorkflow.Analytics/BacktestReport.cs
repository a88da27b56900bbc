using System.Globalization;
using System.Text;
using System.Text.Json;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Evaluation;

namespace SalesWorkflow.Analytics;

/// <summary>
/// A backtest's result as a report for the process owner: Markdown (gates, KPI deltas, escalations, notification
/// floods) or JSON (the same figures and the first 100 blocked moves), as <c>salesflow backtest</c> prints it and a
/// server or web app returns it. docs/kpis.md explains the figures.
/// </summary>
public static class BacktestReport
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, IncludeFields = true };

    /// <summary>The result as indented JSON (camelCase), with a line break at the end.</summary>
    public static string ToJson(BacktestResult result, CompiledProcess from, CompiledProcess to, BacktestCadence cadence)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(cadence);
        return JsonSerializer.Serialize(new { process = from.Id, from = from.Version, to = to.Version, cadence = Describe(cadence), result.Deals, result.Moves, result.Unreproduced, blockedMoves = result.Blocked.Count, result.BlockedByCriterion, result.EscalationsBefore, result.EscalationsAfter, notificationsByRole = result.NotificationsByRole.ToDictionary(role => role.Key, role => new { before = role.Value.Before, after = role.Value.After }), wonDealsBlocked = new { deals = result.WonDealsBlocked.Deals, revenue = result.WonDealsBlocked.Revenue }, lostDealsBlocked = result.Kpis.LostDealsStoppedEarly, result.FloodWarnings, kpis = KpisJson(result.Kpis), blocked = result.Blocked.Take(100) }, Json) + "\n";
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
    public static string Describe(BacktestCadence cadence)
    {
        ArgumentNullException.ThrowIfNull(cadence);
        static string Every(TimeSpan interval) => interval < TimeSpan.FromMinutes(1) ? $"{interval.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s" : Duration.FromElapsed(interval).Text;
        static string At(TimeSpan offset) => TimeOnly.FromTimeSpan(offset).ToString("HH:mm", CultureInfo.InvariantCulture);
        return $"sweep every {Every(cadence.SweepInterval)} at {At(cadence.SweepOffset)} UTC; timers every {Every(cadence.TimerPollInterval)} at {string.Join(", ", cadence.TimerPollOffsets.Select(At))} UTC";
    }

    /// <summary>
    /// The cadence four settings describe, as <see cref="Describe"/> writes it: how often the application swept open
    /// deals (<paramref name="sweepEvery"/>, an elapsed duration such as <c>15m</c> or <c>1d</c>) and at what UTC time of
    /// day (<paramref name="sweepAt"/>, <c>HH:mm</c>), how often due timers were fired and at which times of day. What is
    /// left out (null, or no <paramref name="timersAt"/>) is the runtime's default. False, with why in
    /// <paramref name="error"/>, when a setting does not read; <paramref name="nameOf"/> turns a setting's name
    /// (<c>sweepEvery</c>, <c>sweepAt</c>, <c>timersEvery</c>, <c>timersAt</c>) into the caller's (an option, a query
    /// parameter) for that message.
    /// </summary>
    public static bool TryParseCadence(string? sweepEvery, string? sweepAt, string? timersEvery, IReadOnlyList<string> timersAt, Func<string, string>? nameOf, out BacktestCadence cadence, out string error)
    {
        ArgumentNullException.ThrowIfNull(timersAt);
        nameOf ??= name => name;
        cadence = BacktestCadence.Runtime;
        error = string.Empty;
        var defaults = BacktestCadence.Runtime;
        if (!TryInterval(nameOf("sweepEvery"), sweepEvery, defaults.SweepInterval, out var sweepInterval, ref error) ||
            !TryInterval(nameOf("timersEvery"), timersEvery, defaults.TimerPollInterval, out var timerInterval, ref error) ||
            !TryTimeOfDay(nameOf("sweepAt"), sweepAt, out var sweepOffset, ref error))
        {
            return false;
        }

        var timerOffsets = new List<TimeSpan>();
        foreach (var at in timersAt)
        {
            if (!TryTimeOfDay(nameOf("timersAt"), at, out var offset, ref error))
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

    private static bool TryInterval(string setting, string? text, TimeSpan fallback, out TimeSpan interval, ref string error)
    {
        interval = fallback;
        if (text is null)
        {
            return true;
        }

        if (!Duration.TryParse(text, out var duration, out var why) || duration.IsOnCalendar || duration.Elapsed <= TimeSpan.Zero)
        {
            error = $"{setting} `{text}` is not a length of elapsed time such as 15m, 1h or 1d ({(why.Length > 0 ? why : "business days and zero do not describe a cadence")})";
            return false;
        }

        interval = duration.Elapsed;
        return true;
    }

    private static bool TryTimeOfDay(string setting, string? text, out TimeSpan offset, ref string error)
    {
        offset = TimeSpan.Zero;
        if (text is null)
        {
            return true;
        }

        if (!TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            error = $"{setting} `{text}` is not a UTC time of day written HH:mm, e.g. 10:00";
            return false;
        }

        offset = time.ToTimeSpan();
        return true;
    }

    /// <summary>The result as Markdown; <paramref name="cadenceHint"/>, when given, follows the cadence in brackets (e.g. how to change it).</summary>
    public static string ToMarkdown(BacktestResult result, CompiledProcess from, CompiledProcess to, BacktestCadence cadence, TimeSpan elapsed, string? cadenceHint = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(cadence);
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"# Backtest: {MarkdownText.Escape(from.Id)} v{from.Version} → v{to.Version}\n\n");
        b.Append(CultureInfo.InvariantCulture, $"Replayed {N(result.Deals)} deals and {N(result.Moves)} stage moves in {elapsed.TotalSeconds:0.00} s ({(result.Deals / Math.Max(elapsed.TotalSeconds, 1e-6)).ToString("N0", CultureInfo.InvariantCulture)} deals/s); condition-triggered escalations replayed with a {Describe(cadence)}{(cadenceHint is null ? string.Empty : $" ({cadenceHint})")}.\n\n");
        if (result.Unreproduced > 0)
        {
            b.Append(CultureInfo.InvariantCulture, $"Note: {N(result.Unreproduced)} recorded moves fail even the recorded gates on the rebuilt facts (history incomplete, e.g. facts changed outside the engine); they are left out.\n\n");
        }

        b.Append(CultureInfo.InvariantCulture, $"## Gates\n\nThe new gates would have blocked **{N(result.Blocked.Count)}** of {N(result.Moves)} moves ({N(result.Blocked.Select(x => x.DealId).Distinct().Count())} deals); ");
        b.Append(CultureInfo.InvariantCulture, $"{N(result.WonDealsBlocked.Deals)} of those deals were won in the end ({N(result.WonDealsBlocked.Revenue)} won revenue at stake), {N(result.Kpis.LostDealsStoppedEarly)} were lost.\n\n");
        if (result.BlockedByCriterion.Count > 0)
        {
            b.Append("| stage / criterion | moves blocked |\n|---|---:|\n");
            foreach (var (key, count) in result.BlockedByCriterion.Take(20))
            {
                b.Append(CultureInfo.InvariantCulture, $"| {MarkdownText.Escape(key)} | {N(count)} |\n");
            }
        }

        var k = result.Kpis;
        b.Append("\n## KPI deltas\n\nEach recorded gate judged on the facts of its moment; nothing downstream re-simulated (docs/kpis.md, \"KPI deltas\").\n\n");
        b.Append("| stage | entered | left forward before | after | conversion before | after | moves held |\n|---|---:|---:|---:|---:|---:|---:|\n");
        foreach (var s in k.Stages)
        {
            b.Append(CultureInfo.InvariantCulture, $"| {MarkdownText.Escape(s.Stage)} | {N(s.Entered)} | {N(s.LeftBefore)} | {N(s.LeftAfter)} | {Percent(s.ConversionBefore)} | {Percent(s.ConversionAfter)} | {N(s.MovesBlocked)} |\n");
        }

        b.Append("\n| KPI | before | after | change |\n|---|---:|---:|---:|\n");
        b.Append(CultureInfo.InvariantCulture, $"| won deals | {N(k.WonDeals.Before)} | {N(k.WonDeals.After)} | {Change(k.WonDeals.Before, k.WonDeals.After)} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| won revenue | {N(k.WonRevenue.Before)} | {N(k.WonRevenue.After)} | {Change(k.WonRevenue.Before, k.WonRevenue.After)} |\n");
        b.Append(CultureInfo.InvariantCulture, $"| escalations per 100 deals | {k.EscalationsPer100Deals.Before:0.0} | {k.EscalationsPer100Deals.After:0.0} | {k.EscalationsPer100Deals.After - k.EscalationsPer100Deals.Before:+0.0;-0.0;0.0} |\n");
        b.Append(CultureInfo.InvariantCulture, $"\nLost deals a new gate would have stopped before the loss: {N(k.LostDealsStoppedEarly)}");
        b.Append(k.LostDaysEarlierMean is { } mean ? string.Create(CultureInfo.InvariantCulture, $", on average {mean:0.0} days earlier ({k.LostDaysEarlierTotal:0} days in all).\n") : ".\n");

        b.Append("\n## Escalations (time in stage)\n\n| escalation level | before | after | change |\n|---|---:|---:|---:|\n");
        foreach (var key in result.EscalationsBefore.Keys.Union(result.EscalationsAfter.Keys).Order(StringComparer.Ordinal))
        {
            var before = result.EscalationsBefore.GetValueOrDefault(key);
            var after = result.EscalationsAfter.GetValueOrDefault(key);
            b.Append(CultureInfo.InvariantCulture, $"| {MarkdownText.Escape(key)} | {N(before)} | {N(after)} | {(after - before).ToString("+#,0;-#,0;0", CultureInfo.InvariantCulture)} |\n");
        }

        b.Append("\n| notified | before | after |\n|---|---:|---:|\n");
        foreach (var (role, (before, after)) in result.NotificationsByRole)
        {
            b.Append(CultureInfo.InvariantCulture, $"| {MarkdownText.Escape(role)} | {N(before)} | {N(after)} |\n");
        }

        foreach (var role in result.FloodWarnings)
        {
            b.Append(CultureInfo.InvariantCulture, $"\n**Warning: the {MarkdownText.Escape(role)} would get {N(result.NotificationsByRole[role].After)} notifications instead of {N(result.NotificationsByRole[role].Before)}** — a flood that gets ignored; raise the thresholds or narrow the stages.\n");
        }

        return b.ToString();
    }
}
