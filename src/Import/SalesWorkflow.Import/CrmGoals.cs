using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SalesWorkflow.Engine.Definitions;

namespace SalesWorkflow.Import;

/// <summary>A year's targets read from a CRM's goals, shaped as a process's <c>targets:</c> entry (docs/yaml-reference.md, section 16).</summary>
/// <param name="Year">The calendar year.</param>
/// <param name="Amount">The year's goal.</param>
/// <param name="Quarters">The quarters' goals (<c>Q1</c>…), all four or none.</param>
/// <param name="Months">The months' goals (<c>1</c>…), all twelve or none.</param>
/// <param name="Teams">The teams' goals, each with its reps' (<see cref="GoalPart.Parts"/>).</param>
public sealed record GoalTargets(int Year, decimal Amount, IReadOnlyList<GoalPart> Quarters, IReadOnlyList<GoalPart> Months, IReadOnlyList<GoalPart> Teams);

/// <summary>A part of a year's goal: a quarter, a month, a team or a rep.</summary>
/// <param name="Key">The quarter (<c>Q1</c>), month (<c>1</c>), team id or person id.</param>
/// <param name="Name">The goal's name (a period's), the team's name or the person's name, as the CRM writes it.</param>
/// <param name="Amount">The goal's target.</param>
/// <param name="Parts">A team's reps; empty otherwise, or when they could not be written.</param>
public sealed record GoalPart(string Key, string Name, decimal Amount, IReadOnlyList<GoalPart> Parts);

/// <summary>A target of the process beside the CRM's goal for the same year and part.</summary>
/// <param name="Part">Which: <c>2026</c>, <c>2026 Q1</c>, <c>2026 month 3</c>, <c>2026 team east</c>, <c>2026 team east rep li-na</c>.</param>
/// <param name="InProcess">The process's target; null where the process has none.</param>
/// <param name="InCrm">The CRM's goal; null where the CRM has none.</param>
public sealed record TargetDifference(string Part, decimal? InProcess, decimal? InCrm)
{
    /// <summary>The CRM's goal less the process's target; null where either is missing.</summary>
    public decimal? Difference => InProcess is { } process && InCrm is { } crm ? crm - process : null;
}

/// <summary>What a goals export holds as targets, what could not be read, and how it compares with the process.</summary>
public sealed class CrmGoalsResult
{
    /// <summary>The goals file as found in the folder; null when the mapping names none, or its pattern matched none.</summary>
    public string? GoalsFile { get; init; }

    /// <summary>Goals read (rows of other metrics aside).</summary>
    public int GoalsRead { get; init; }

    /// <summary>Goals of other metrics than the mapping's <c>goals.metrics</c>, left out on purpose.</summary>
    public int OtherMetricGoals { get; init; }

    /// <summary>Each year's targets, by year.</summary>
    public IReadOnlyList<GoalTargets> Targets { get; init; } = [];

    /// <summary>The goals' rows reported, by file, line and column: skipped (errors) or a breakdown left out (warnings).</summary>
    public IReadOnlyList<ImportIssue> Issues { get; init; } = [];

    /// <summary>The process's targets against the CRM's goals, year by year and part by part, for the years either has goals for.</summary>
    public IReadOnlyList<TargetDifference> AgainstProcess { get; init; } = [];

    /// <summary>
    /// The targets as a process's <c>targets:</c> section, with amounts (not shares), ready to replace the process's
    /// own; it loads without diagnostics wherever the process's teams and reps are the mapping's ids.
    /// </summary>
    /// <returns>YAML text, or an empty <c>targets: []</c> when there are none.</returns>
    public string ToYaml()
    {
        var yaml = new StringBuilder();
        yaml.Append("# The CRM's goals").Append(GoalsFile is { } file ? $" ({Comment(file)})" : string.Empty)
            .Append(" as the process's targets (docs/import.md, \"Targets from goals\").\n");
        if (Targets.Count == 0)
        {
            return yaml.Append("targets: []\n").ToString();
        }

        yaml.Append("targets:\n");
        foreach (var target in Targets)
        {
            yaml.Append("  - year: ").Append(target.Year.ToString(CultureInfo.InvariantCulture)).Append('\n');
            yaml.Append("    amount: ").Append(Amount(target.Amount)).Append('\n');
            if (target.Quarters.Count > 0)
            {
                yaml.Append("    quarters: { ").AppendJoin(", ", target.Quarters.Select(q => $"{q.Key}: {Amount(q.Amount)}")).Append(" }\n");
            }

            if (target.Months.Count > 0)
            {
                yaml.Append("    months: { ").AppendJoin(", ", target.Months.Select(m => $"{m.Key}: {Amount(m.Amount)}")).Append(" }\n");
            }

            if (target.Teams.Count > 0)
            {
                yaml.Append("    teams:\n");
                foreach (var team in target.Teams)
                {
                    yaml.Append("      - id: ").Append(team.Key).Append('\n');
                    yaml.Append("        name: ").Append(KnownTeamNames.TryGetValue(team.Key, out var known) ? Text(known) : Text(team.Name)).Append('\n');
                    yaml.Append("        amount: ").Append(Amount(team.Amount)).Append('\n');
                    if (team.Parts.Count > 0)
                    {
                        yaml.Append("        reps:\n");
                        foreach (var rep in team.Parts)
                        {
                            yaml.Append("          - { id: ").Append(rep.Key).Append(", name: ").Append(Text(rep.Name)).Append(", amount: ").Append(Amount(rep.Amount)).Append(" }\n");
                        }
                    }
                }
            }
        }

        return yaml.ToString();
    }

    /// <summary>The process's names of its teams, kept where a team of the goals has the same id: their translations stay.</summary>
    internal IReadOnlyDictionary<string, LocalizedText> KnownTeamNames { get; init; } = new Dictionary<string, LocalizedText>();

    private static string Text(LocalizedText text) => text.Values.Count == 1 && text.Values.ContainsKey(LocalizedText.Neutral)
        ? Text(text.Values[LocalizedText.Neutral])
        : "{ " + string.Join(", ", text.Values.Select(v => $"{v.Key}: {Text(v.Value)}")) + " }";

    private static readonly JsonSerializerOptions TextOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A CRM's text as a YAML double-quoted scalar (JSON's escapes are YAML's): quotes, line breaks and <c>#</c> stay text.</summary>
    private static string Text(string value) => JsonSerializer.Serialize(value, TextOptions);

    private static string Amount(decimal amount) => amount.ToString("0.############", CultureInfo.InvariantCulture);

    private static string Comment(string text) => new([.. text.Select(ch => char.IsControl(ch) ? ' ' : ch)]);

    internal static IReadOnlyList<TargetDifference> Compare(IReadOnlyList<GoalTargets> goals, ProcessDefinition process)
    {
        var rows = new List<TargetDifference>();
        foreach (var crm in goals)
        {
            var plan = process.Targets.FirstOrDefault(t => t.Year == crm.Year);
            var name = crm.Year.ToString(CultureInfo.InvariantCulture);
            rows.Add(new TargetDifference(name, plan?.Amount, crm.Amount));
            Parts(rows, name + " ", plan?.Quarters.Select(q => (q.Key, q.Amount)), crm.Quarters.Select(q => (q.Key, q.Amount)));
            Parts(rows, name + " month ", plan?.Months.Select(q => (q.Key, q.Amount)), crm.Months.Select(q => (q.Key, q.Amount)));
            if (crm.Teams.Count == 0)
            {
                continue; // The CRM's team breakdown was left out (reported): not a difference of every team.
            }

            var planTeams = plan?.Teams ?? [];
            foreach (var team in planTeams.Select(t => t.Key).Union(crm.Teams.Select(t => t.Key), StringComparer.Ordinal))
            {
                var inPlan = planTeams.FirstOrDefault(t => t.Key == team);
                var inCrm = crm.Teams.FirstOrDefault(t => t.Key == team);
                rows.Add(new TargetDifference($"{name} team {team}", inPlan?.Amount, inCrm?.Amount));
                if (inCrm is { Parts.Count: > 0 })
                {
                    Parts(rows, $"{name} team {team} rep ", inPlan?.Parts.Select(r => (r.Key, r.Amount)), inCrm.Parts.Select(r => (r.Key, r.Amount)));
                }
            }
        }

        return rows;
    }

    private static void Parts(List<TargetDifference> rows, string prefix, IEnumerable<(string Key, decimal Amount)>? process, IEnumerable<(string Key, decimal Amount)> crm)
    {
        var inCrm = crm.ToList();
        if (inCrm.Count == 0)
        {
            return;
        }

        var inProcess = process?.ToList() ?? [];
        foreach (var key in inProcess.Select(p => p.Key).Union(inCrm.Select(c => c.Key), StringComparer.Ordinal))
        {
            rows.Add(new TargetDifference(prefix + key, inProcess.Any(p => p.Key == key) ? inProcess.First(p => p.Key == key).Amount : null, inCrm.Any(c => c.Key == key) ? inCrm.First(c => c.Key == key).Amount : null));
        }
    }
}

/// <summary>Reads a CRM's goals export into the process's targets (docs/import.md, "Targets from goals").</summary>
public static class CrmGoals
{
    /// <summary>Reads the goals file the mapping names (<c>files.goals</c>) from the folder, and compares it with the process's targets.</summary>
    /// <param name="mapping">The mapping, with <c>files.goals</c> and <c>columns.goals</c>.</param>
    /// <param name="folder">The export's folder.</param>
    /// <param name="process">The process whose targets the goals are compared with.</param>
    /// <returns>The targets, the rows reported and the comparison; no targets when the mapping names no goals.</returns>
    public static CrmGoalsResult Read(CrmMapping mapping, string folder, ProcessDefinition process)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(process);
        return Read(new CrmImporter(mapping, folder, process), process);
    }

    internal static CrmGoalsResult Read(CrmImporter importer, ProcessDefinition process)
    {
        var before = importer.Issues.Count;
        var targets = importer.ReadGoals(out var read);
        return new CrmGoalsResult
        {
            GoalsFile = importer.GoalsFile,
            GoalsRead = read,
            OtherMetricGoals = importer.OtherMetricGoals,
            Targets = targets,
            Issues = [.. importer.Issues.Skip(before)],
            AgainstProcess = CrmGoalsResult.Compare(targets, process),
            KnownTeamNames = process.Targets.SelectMany(t => t.Teams).Where(t => !t.Name.IsEmpty).GroupBy(t => t.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Last().Name, StringComparer.Ordinal),
        };
    }
}
