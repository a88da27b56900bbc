using System.Globalization;
using System.Text.RegularExpressions;

namespace SalesWorkflow.Import;

/// <summary>
/// Reads a goals export (Dynamics' Goal records: name, owner, period, target, parent goal) into yearly targets shaped
/// as the process's <c>targets:</c>. Each year's goal without a parent is the year; its child goals are teams, theirs
/// reps; goals of a quarter or a month without a parent are the year's quarters and months. Where a breakdown cannot
/// be written as the process needs it (an owner not mapped, parts that do not add up), it is left out and reported:
/// the process's targets must add up, and nothing is guessed.
/// </summary>
internal sealed partial class CrmImporter
{
    /// <summary>One goal of the file, read; <see cref="Row"/> reports on it after the file is read.</summary>
    private sealed record GoalRow(CrmRow Row, string Name, string Owner, string Parent, int Year, string Period, decimal Amount);

    /// <summary>Goals of other metrics than the mapping's <c>goals.metrics</c>, left out on purpose.</summary>
    public int OtherMetricGoals { get; private set; }

    /// <summary>The goals file as found in the folder; null when the mapping names none or its pattern matches none.</summary>
    public string? GoalsFile { get; private set; }

    /// <summary>Reads the goals file and builds each year's targets; problems are issues of the import.</summary>
    public IReadOnlyList<GoalTargets> ReadGoals(out int goalsRead)
    {
        goalsRead = 0;
        if (mapping.Files.Goals is not { } written || mapping.GoalColumns is not { } c)
        {
            return [];
        }

        if (written.Contains('*', StringComparison.Ordinal) && (!Directory.Exists(folder) || !Directory.EnumerateFiles(folder, written, new EnumerationOptions { MatchCasing = MatchCasing.CaseInsensitive }).Any()))
        {
            return [];
        }

        if (ResolvePattern(written, except: []) is not { } file)
        {
            return [];
        }

        GoalsFile = file;
        var rows = new List<GoalRow>();
        var columns = new[] { c.Name, c.Owner, c.Target };
        var optional = new[] { c.Parent, c.Period, c.Year, c.From, c.To, c.Metric }.OfType<string>().ToArray();
        ReadCsv(file, [.. columns, .. optional], row =>
        {
            if (mapping.GoalMetrics.Count > 0 && c.Metric is { } metricColumn && !mapping.GoalMetrics.Contains(row.Value(metricColumn), StringComparer.Ordinal))
            {
                OtherMetricGoals++;
                return;
            }

            if (ReadGoal(row, c) is { } goal)
            {
                rows.Add(goal);
            }
        });
        goalsRead = rows.Count;
        return BuildTargets(rows, c);
    }

    private GoalRow? ReadGoal(CrmRow row, GoalColumns c)
    {
        var name = row.Value(c.Name);
        if (name.Length == 0)
        {
            row.Error(c.Name, "bad-goal", "the goal has no name: row skipped");
            return null;
        }

        var amountText = row.Value(c.Target);
        if (!TryAmount(amountText, mapping.Amounts, out var amount) || amount < 0)
        {
            row.Error(c.Target, "bad-amount", amountText.Length == 0 ? $"goal `{name}` has no target: row skipped" : $"target `{amountText}` is not a non-negative number: row skipped");
            return null;
        }

        string period;
        int? year = null;
        if (c.Period is { } periodColumn && row.Value(periodColumn) is { Length: > 0 } crmPeriod)
        {
            if (!mapping.GoalPeriods.TryGetValue(crmPeriod, out var mapped))
            {
                row.Error(periodColumn, "unknown-period", $"period `{crmPeriod}` is not in the mapping's `goals.periods` ({string.Join(", ", mapping.GoalPeriods.Keys)}): goal `{name}` left out");
                return null;
            }

            period = mapped;
            if (c.Year is { } yearColumn && row.Value(yearColumn) is { Length: > 0 } yearText)
            {
                if (FourDigitYear().Match(yearText) is not { Success: true } digits)
                {
                    row.Error(yearColumn, "bad-date", $"`{yearText}` is not a year (`FY2026` or `2026`): row skipped");
                    return null;
                }

                year = int.Parse(digits.Value, CultureInfo.InvariantCulture);
            }
        }
        else if (c.From is { } fromColumn && c.To is { } toColumn)
        {
            if (!TryDate(row, fromColumn, out var from) || !TryDate(row, toColumn, out var to))
            {
                return null;
            }

            if (from is not { } first || to is not { } last || CalendarPeriod(first, last) is not { } calendar)
            {
                row.Error(fromColumn, "custom-period", $"goal `{name}` runs {from?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "?"} to {to?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "?"}: the process's targets are for a calendar year, quarter or month, so it is left out");
                return null;
            }

            (year, period) = calendar;
        }
        else
        {
            row.Error(c.Period ?? c.From ?? c.Name, "unknown-period", $"goal `{name}` gives no period: row skipped");
            return null;
        }

        if (year is not { } goalYear)
        {
            row.Error(c.Year ?? c.Period ?? c.Name, "bad-date", $"goal `{name}` gives no year: row skipped");
            return null;
        }

        if (goalYear is < 2000 or > 2100)
        {
            row.Error(c.Year ?? c.From ?? c.Name, "date-out-of-range", $"{goalYear} is outside the years a process's targets take (2000 to 2100): row skipped");
            return null;
        }

        return new GoalRow(row, name, row.Value(c.Owner), c.Parent is null ? string.Empty : row.Value(c.Parent), goalYear, period, amount);
    }

    /// <summary>The calendar year, quarter or month a custom period spans exactly; null for any other span.</summary>
    private static (int Year, string Period)? CalendarPeriod(DateOnly from, DateOnly to)
    {
        if (from.Day != 1 || to.Year != from.Year || to.AddDays(1).Day != 1)
        {
            return null;
        }

        var months = to.Month - from.Month + 1;
        return months switch
        {
            12 => (from.Year, "year"),
            3 when from.Month % 3 == 1 => (from.Year, "Q" + ((from.Month + 2) / 3).ToString(CultureInfo.InvariantCulture)),
            1 => (from.Year, from.Month.ToString(CultureInfo.InvariantCulture)),
            _ => null,
        };
    }

    private List<GoalTargets> BuildTargets(List<GoalRow> rows, GoalColumns c)
    {
        var byName = new Dictionary<string, GoalRow>(StringComparer.Ordinal);
        foreach (var goal in rows.ToList())
        {
            if (!byName.TryAdd(goal.Name, goal))
            {
                goal.Row.Error(c.Name, "duplicate-id", $"goal `{goal.Name}` is named twice (first at line {byName[goal.Name].Row.Line}): child goals could not tell which is their parent, so this row is skipped");
                rows.Remove(goal);
            }
        }

        // A goal whose parent is missing, of another period, or leads back to itself is left out, with what lies below it.
        var placed = new List<GoalRow>();
        foreach (var goal in rows)
        {
            if (ParentProblem(goal, byName) is { } problem)
            {
                goal.Row.Error(c.Parent ?? c.Name, "bad-parent", $"goal `{goal.Name}`: {problem}: row skipped");
            }
            else
            {
                placed.Add(goal);
            }
        }

        var kept = placed.ToHashSet();
        var children = placed.Where(g => g.Parent.Length > 0 && kept.Contains(byName[g.Parent]))
            .GroupBy(g => g.Parent, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        List<GoalRow> ChildrenOf(GoalRow goal) => children.GetValueOrDefault(goal.Name) ?? [];

        var targets = new List<GoalTargets>();
        foreach (var year in placed.Where(g => g.Parent.Length == 0).GroupBy(g => g.Year).OrderBy(g => g.Key))
        {
            var heads = new Dictionary<string, GoalRow>(StringComparer.Ordinal);
            foreach (var head in year)
            {
                if (!heads.TryAdd(head.Period, head))
                {
                    head.Row.Error(c.Name, "duplicate-id", $"goal `{head.Name}` is a second goal without a parent for {Describe(year.Key, head.Period)} (the first is `{heads[head.Period].Name}`, line {heads[head.Period].Row.Line}): one target per period, so it is left out");
                }
            }

            var quarters = Breakdown(heads, year.Key, ["Q1", "Q2", "Q3", "Q4"], "quarters", c);
            var months = Breakdown(heads, year.Key, [.. Enumerable.Range(1, 12).Select(m => m.ToString(CultureInfo.InvariantCulture))], "months", c);
            decimal amount;
            GoalRow? annual = heads.GetValueOrDefault("year");
            if (annual is not null)
            {
                amount = annual.Amount;
            }
            else if (quarters.Count == 4 || months.Count == 12)
            {
                amount = quarters.Count == 4 ? quarters.Sum(q => q.Amount) : months.Sum(m => m.Amount);
            }
            else
            {
                var first = year.First();
                first.Row.Warning(c.Period ?? c.From ?? c.Name, "no-year-goal", $"{year.Key} has no goal for the whole year without a parent, nor all four quarters or twelve months: no target is written for it");
                continue;
            }

            quarters = AddsUp(quarters, amount, annual, $"the quarters of {year.Key}", c);
            months = AddsUp(months, amount, annual, $"the months of {year.Key}", c);
            foreach (var head in heads.Values.Where(h => h.Period != "year" && ChildrenOf(h).Count > 0))
            {
                head.Row.Warning(c.Name, "breakdown-left-out", $"the {ChildrenOf(head).Count} goal(s) below `{head.Name}` are not written: a process's targets break down the year, not its quarters or months, to teams and reps");
            }

            var teams = annual is null ? [] : Teams(annual, ChildrenOf, c);
            targets.Add(new GoalTargets(year.Key, amount, quarters, months, teams));
        }

        return targets;
    }

    /// <summary>Why a goal cannot be placed under its parent; null when it can (or has none).</summary>
    private static string? ParentProblem(GoalRow goal, Dictionary<string, GoalRow> byName)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { goal.Name };
        for (var at = goal; at.Parent.Length > 0; at = byName[at.Parent])
        {
            if (!byName.TryGetValue(at.Parent, out var parent))
            {
                return at == goal ? $"parent goal `{at.Parent}` is not in the file" : $"its parent `{goal.Parent}` is left out";
            }

            if (parent.Year != at.Year || parent.Period != at.Period)
            {
                return at == goal ? $"its parent `{parent.Name}` is for {Describe(parent.Year, parent.Period)}, it for {Describe(at.Year, at.Period)}" : $"its parent `{goal.Parent}` is left out";
            }

            if (!seen.Add(parent.Name))
            {
                return "its parent goals lead back to it";
            }
        }

        return null;
    }

    private static List<GoalPart> Breakdown(Dictionary<string, GoalRow> heads, int year, string[] periods, string what, GoalColumns c)
    {
        var present = periods.Where(heads.ContainsKey).ToList();
        if (present.Count == 0)
        {
            return [];
        }

        if (present.Count < periods.Length)
        {
            var first = heads[present[0]];
            first.Row.Warning(c.Period ?? c.From ?? c.Name, "breakdown-left-out", $"the {what} of {year} are not written: only {string.Join(", ", present.Select(p => Describe(year, p)))} have a goal, and a breakdown must be complete");
            return [];
        }

        return [.. present.Select(p => new GoalPart(p, heads[p].Name, heads[p].Amount, []))];
    }

    /// <summary>The parts when they add up to the whole (a cent of rounding per part allowed, as the validator does); else none, reported.</summary>
    private static List<GoalPart> AddsUp(List<GoalPart> parts, decimal whole, GoalRow? at, string what, GoalColumns c)
    {
        if (parts.Count == 0 || Math.Abs(parts.Sum(p => p.Amount) - whole) <= 0.01m * parts.Count)
        {
            return parts;
        }

        at?.Row.Warning(c.Target, "breakdown-left-out", $"{what} are not written: they add up to {Money(parts.Sum(p => p.Amount))}, the goal above them is {Money(whole)}, and a process's targets must add up");
        return [];
    }

    private List<GoalPart> Teams(GoalRow annual, Func<GoalRow, List<GoalRow>> childrenOf, GoalColumns c)
    {
        var goals = childrenOf(annual);
        if (goals.Count == 0)
        {
            return [];
        }

        var teams = new List<GoalPart>();
        foreach (var goal in goals)
        {
            var id = mapping.GoalTeams.GetValueOrDefault(goal.Owner) ?? mapping.GoalTeams.GetValueOrDefault(goal.Name);
            if (id is null)
            {
                goal.Row.Warning(c.Owner, "breakdown-left-out", $"the teams of {annual.Year} are not written: goal `{goal.Name}` is for `{goal.Owner}`, which `goals.teams` does not map to a team id");
                return [];
            }

            if (teams.Any(t => t.Key == id))
            {
                goal.Row.Warning(c.Owner, "breakdown-left-out", $"the teams of {annual.Year} are not written: team `{id}` has two goals below `{annual.Name}`");
                return [];
            }

            var teamName = mapping.GoalTeams.ContainsKey(goal.Owner) ? goal.Owner : goal.Name;
            teams.Add(new GoalPart(id, teamName, goal.Amount, Reps(goal, childrenOf, c)));
        }

        return AddsUp(teams, annual.Amount, annual, $"the teams of {annual.Year}", c);
    }

    private List<GoalPart> Reps(GoalRow team, Func<GoalRow, List<GoalRow>> childrenOf, GoalColumns c)
    {
        var reps = new List<GoalPart>();
        foreach (var goal in childrenOf(team))
        {
            var id = mapping.Owners.GetValueOrDefault(goal.Owner) ?? goal.Owner;
            if (id.Length > 64 || !TargetId().IsMatch(id))
            {
                goal.Row.Warning(c.Owner, "breakdown-left-out", $"the reps of `{team.Name}` are not written: `{goal.Owner}` is not a person id targets can carry (lower-case words and hyphens); map it under `owners:` (`{goal.Owner}: {Suggested(goal.Owner)}`), which the deals' owners take too");
                return [];
            }

            if (reps.Any(r => r.Key == id))
            {
                goal.Row.Warning(c.Owner, "breakdown-left-out", $"the reps of `{team.Name}` are not written: `{id}` has two goals below it");
                return [];
            }

            foreach (var below in childrenOf(goal).Take(1))
            {
                below.Row.Warning(c.Name, "breakdown-left-out", $"the goals below `{goal.Name}` are not written: a process's targets end at the rep");
            }

            reps.Add(new GoalPart(id, goal.Owner, goal.Amount, []));
        }

        return AddsUp(reps, team.Amount, team, $"the reps of `{team.Name}`", c);
    }

    private static string Suggested(string owner)
    {
        var words = NotIdCharacters().Replace(owner.ToLowerInvariant(), "-").Trim('-');
        return words.Length > 0 && char.IsAsciiLetterLower(words[0]) ? words : "person-id";
    }

    private static string Describe(int year, string period) => period switch
    {
        "year" => year.ToString(CultureInfo.InvariantCulture),
        ['Q', _] => $"{period} {year}",
        _ => $"{CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(int.Parse(period, CultureInfo.InvariantCulture))} {year}",
    };

    private static string Money(decimal amount) => amount.ToString("#,0.##", CultureInfo.InvariantCulture);

    [GeneratedRegex("(?<![0-9])(20[0-9]{2}|2100|1[0-9]{3})(?![0-9])")]
    private static partial Regex FourDigitYear();

    /// <summary>The id pattern of a rep target (schema/process.schema.json).</summary>
    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    private static partial Regex TargetId();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotIdCharacters();
}
