using System.Globalization;
using System.Text;
using CsvHelper;
using SalesWorkflow.Cli.Commands;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Import;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Cli.Tests;

/// <summary>
/// Targets from a goals export (issue 20, item 1): Dynamics' Goal records become the process's <c>targets:</c>, are
/// compared with the process's own, and every goal that cannot be written as the process needs it is reported.
/// </summary>
public sealed class CrmGoalsTests : IDisposable
{
    private static readonly string StandardB2b = Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml");

    private static readonly Lazy<ProcessDefinition> Process = new(() =>
        PluginSupport.Loader(PluginSupport.Load(null, TextWriter.Null)).Load([StandardB2b]).Processes.Single());

    private static readonly string DynamicsFixture = RepoPaths.Combine("tests", "Fixtures", "crm", "dynamics");

    private readonly string _folder = Directory.CreateTempSubdirectory("sw-goals-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The Dynamics preset with the teams and people of the fixture mapped, as its comments say to.</summary>
    private static string DynamicsWithTeams() =>
        CrmMapping.PresetText("dynamics")!
            .Replace("goals:\n  metrics: [Revenue]\n", "goals:\n  metrics: [Revenue]\n  teams: { East Sales: east, South Sales: south }\n", StringComparison.Ordinal)
        + "owners: { Zhang Wei: zhang-wei, Li Na: li-na, Chen Jie: chen-jie, Wang Fang: wang-fang }\n";

    [Fact]
    public async Task TheDynamicsFixturesGoals_AreTheYearAndQuarters_AsARecountOfTheCsvSays_AndTheTeamsLeftOutAreReported()
    {
        var database = Path.Combine(_folder, "goals.db");
        var targets = Path.Combine(_folder, "targets.yaml");

        var (code, output, error) = await CliRunner.RunAsync("import", DynamicsFixture, "--from", "dynamics", "--process", StandardB2b, "--db", database, "--targets-out", targets);

        Assert.True(code == 0, output + error);
        var goals = Recount();
        var year = goals.Single(g => g["Parent Goal"].Length == 0 && g["Fiscal Period"] == "Annual" && g["Goal Metric"] == "Revenue");
        var quarters = goals.Where(g => g["Parent Goal"].Length == 0 && g["Fiscal Period"].StartsWith("Quarter ", StringComparison.Ordinal)).ToDictionary(g => "Q" + g["Fiscal Period"][^1], g => Money(g["Target (Money)"]));
        var table = System.Text.RegularExpressions.Regex.Replace(output, " {2,}", " ");
        Assert.Contains($" 2026 10,000,000,000.00 {Money(year["Target (Money)"]).ToString("#,0.00", CultureInfo.InvariantCulture)} ", table, StringComparison.Ordinal);
        Assert.Contains($"({goals.Count(g => g["Goal Metric"] == "Revenue")} goals read, 1 of other metrics left out, 1 warning(s))", output, StringComparison.Ordinal);
        Assert.Contains("Goals 12-1-2026.csv(3,5): warning: the teams of 2026 are not written: goal `FY2026 East Revenue` is for `East Sales`, which `goals.teams` does not map to a team id", output, StringComparison.Ordinal);

        var plan = Splice(await File.ReadAllTextAsync(targets), noWarnings: true).Single();
        Assert.Equal(2026, plan.Year);
        Assert.Equal(Money(year["Target (Money)"]), plan.Amount);
        Assert.Equal(quarters.OrderBy(q => q.Key, StringComparer.Ordinal), plan.Quarters.Select(q => new KeyValuePair<string, decimal>(q.Key, q.Amount)));
        Assert.Empty(plan.Teams);
        // The deals import as before: the goals file is not an opportunities file the preset's "*.csv" matches.
        Assert.Contains("Imported 12 deals from tests/Fixtures/crm/dynamics/All Opportunities 12-1-2026.csv", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithTeamsAndPeopleMapped_TheGoalTree_BecomesTeamsAndReps_ThatLoadAsTheProcesssTargets()
    {
        var mapping = Path.Combine(_folder, "dynamics.yaml");
        await File.WriteAllTextAsync(mapping, DynamicsWithTeams());
        var targets = Path.Combine(_folder, "targets.yaml");

        var (code, output, error) = await CliRunner.RunAsync("import", DynamicsFixture, "--mapping", mapping, "--process", StandardB2b, "--db", Path.Combine(_folder, "t.db"), "--targets-out", targets);

        Assert.True(code == 0, output + error);
        var goals = Recount();
        decimal Goal(string name) => Money(goals.Single(g => g["Name"] == name)["Target (Money)"]);
        var yaml = await File.ReadAllTextAsync(targets);
        // A team the process has keeps the process's name and its translations; no diagnostic at all.
        Assert.Contains("        name: { zh: \"华东大区\", en: \"East\" }", yaml, StringComparison.Ordinal);
        var plan = Splice(yaml, noWarnings: true).Single();
        Assert.Equal(
            [("east", "East", Goal("FY2026 East Revenue")), ("south", "South", Goal("FY2026 South Revenue"))],
            plan.Teams.Select(t => (t.Key, t.Name.Get("en"), t.Amount)));
        Assert.Equal(
            [("zhang-wei", "Zhang Wei", Goal("FY2026 Zhang Wei")), ("li-na", "Li Na", Goal("FY2026 Li Na"))],
            plan.Teams[0].Parts.Select(r => (r.Key, r.Name.Get("en"), r.Amount)));
        // Against the process: its east team is 40% of 10,000,000,000; the CRM's 600,000; the CRM has no north.
        var table = System.Text.RegularExpressions.Regex.Replace(output, " {2,}", " ");
        Assert.Contains(" 2026 team east 4,000,000,000.00 600,000.00 -3,999,400,000.00\n", table, StringComparison.Ordinal);
        Assert.Contains(" 2026 team north 2,500,000,000.00 — —\n", table, StringComparison.Ordinal);
        Assert.Contains(" 2026 team east rep li-na 1,400,000,000.00 240,000.00 -1,399,760,000.00\n", table, StringComparison.Ordinal);
        Assert.DoesNotContain("warning", output, StringComparison.Ordinal);
    }

    [Fact]
    public void GoalsThatCannotBePlaced_AreReportedAtTheirRow_AndNothingOfThemIsWritten()
    {
        var result = Read("""
            Name,Owner,Parent,Period,Year,Target
            Company,Boss,,Annual,FY2026,"1,000"
            East,East Sales,Company,Annual,FY2026,600
            West,West Sales,Company,Annual,FY2026,400
            Orphan,Li Na,Nowhere,Annual,FY2026,10
            Loop A,Li Na,Loop B,Annual,FY2026,10
            Loop B,Li Na,Loop A,Annual,FY2026,10
            Mismatch,Li Na,East,Quarter 1,FY2026,10
            Half,Boss,,Semester 1,FY2026,500
            East,Other,Company,Annual,FY2026,1
            Bad amount,Boss,,Quarter 2,FY2026,-5
            Overflow,Boss,,Quarter 3,FY2026,99999999999999999999
            ,Boss,,Quarter 4,FY2026,1
            Far,Boss,,Annual,FY1999,1
            No year,Boss,,Annual,,1
            Company 2,Boss,,Annual,2026,1
            """);

        Assert.Equal(
            [
                "goals.csv(10,1): error: goal `East` is named twice (first at line 3): child goals could not tell which is their parent, so this row is skipped",
                "goals.csv(11,6): error: target `-5` is not a non-negative number: row skipped",
                "goals.csv(12,6): error: target `99999999999999999999` is not a non-negative number: row skipped",
                "goals.csv(13,1): error: the goal has no name: row skipped",
                "goals.csv(14,5): error: 1999 is outside the years a process's targets take (2000 to 2100): row skipped",
                "goals.csv(15,5): error: goal `No year` gives no year: row skipped",
                "goals.csv(16,1): error: goal `Company 2` is a second goal without a parent for 2026 (the first is `Company`, line 2): one target per period, so it is left out",
                "goals.csv(5,3): error: goal `Orphan`: parent goal `Nowhere` is not in the file: row skipped",
                "goals.csv(6,3): error: goal `Loop A`: its parent goals lead back to it: row skipped",
                "goals.csv(7,3): error: goal `Loop B`: its parent goals lead back to it: row skipped",
                "goals.csv(8,3): error: goal `Mismatch`: its parent `East` is for 2026, it for Q1 2026: row skipped",
                "goals.csv(9,4): error: period `Semester 1` is not in the mapping's `goals.periods` (Annual, Quarter 1, Quarter 2, Quarter 3, Quarter 4): goal `Half` left out",
            ],
            result.Issues.Select(i => i.ToString()).Order(StringComparer.Ordinal));
        // What could be placed is still read, and compared: the year with its two teams.
        var target = Assert.Single(result.Targets);
        Assert.Equal(1000m, target.Amount);
        Assert.Equal(["east", "west"], target.Teams.Select(t => t.Key));
    }

    [Fact]
    public void ABreakdownThatDoesNotAddUp_OrIsIncomplete_IsLeftOut_WithTheFiguresThatDisagree()
    {
        var result = Read("""
            Name,Owner,Parent,Period,Year,Target
            Company,Boss,,Annual,2026,1000
            East,East Sales,Company,Annual,2026,600
            West,West Sales,Company,Annual,2026,300
            Q1,Boss,,Quarter 1,2026,250
            Q2,Boss,,Quarter 2,2026,250
            Q1 East,East Sales,Q1,Quarter 1,2026,100
            """);

        var target = Assert.Single(result.Targets);
        Assert.Empty(target.Teams);
        Assert.Empty(target.Quarters);
        Assert.Equal(
            [
                "goals.csv(5,4): warning: the quarters of 2026 are not written: only Q1 2026, Q2 2026 have a goal, and a breakdown must be complete",
                "goals.csv(5,1): warning: the 1 goal(s) below `Q1` are not written: a process's targets break down the year, not its quarters or months, to teams and reps",
                "goals.csv(2,6): warning: the teams of 2026 are not written: they add up to 900, the goal above them is 1,000, and a process's targets must add up",
            ],
            result.Issues.Select(i => i.ToString()));
    }

    [Fact]
    public void RepsWhoseOwnerIsNotAnId_AreLeftOut_WithTheOwnersEntryToAdd()
    {
        var result = Read("""
            Name,Owner,Parent,Period,Year,Target
            Company,Boss,,Annual,2026,100
            East,East Sales,Company,Annual,2026,100
            Li,Li Na,East,Annual,2026,60
            Wang,王芳,East,Annual,2026,40
            """);

        Assert.Empty(Assert.Single(result.Targets).Teams[0].Parts);
        Assert.Equal(
            "goals.csv(4,2): warning: the reps of `East` are not written: `Li Na` is not a person id targets can carry (lower-case words and hyphens); map it under `owners:` (`Li Na: li-na`), which the deals' owners take too",
            Assert.Single(result.Issues).ToString());

        var mapped = Read(
            """
            Name,Owner,Parent,Period,Year,Target
            Company,Boss,,Annual,2026,100
            East,East Sales,Company,Annual,2026,100
            Li,Li Na,East,Annual,2026,60
            Wang,王芳,East,Annual,2026,40
            """,
            "owners: { Li Na: li-na, 王芳: wang-fang }\n");
        Assert.Empty(mapped.Issues);
        Assert.Equal([("li-na", "Li Na", 60m), ("wang-fang", "王芳", 40m)], mapped.Targets[0].Teams[0].Parts.Select(p => (p.Key, p.Name, p.Amount)));
    }

    [Fact]
    public void CustomPeriods_ThatAreACalendarYearQuarterOrMonth_AreRead_AndOthersReported()
    {
        var result = Read(
            """
            Name,Owner,From,To,Target
            Year,Boss,2027-01-01,2027-12-31,1200
            Q1,Boss,2027-01-01,2027-03-31,300
            Q2,Boss,2027-04-01,2027-06-30,300
            Q3,Boss,2027-07-01,2027-09-30,300
            Q4,Boss,2027-10-01,2027-12-31,300
            Feb,Boss,2027-02-01,2027-02-28,100
            Odd,Boss,2027-02-15,2027-03-14,100
            """,
            columns: "{ name: Name, owner: Owner, from: From, to: To, target: Target }",
            goals: string.Empty);

        var target = Assert.Single(result.Targets);
        Assert.Equal((2027, 1200m), (target.Year, target.Amount));
        Assert.Equal([300m, 300m, 300m, 300m], target.Quarters.Select(q => q.Amount));
        Assert.Equal(
            [
                "goals.csv(8,3): error: goal `Odd` runs 2027-02-15 to 2027-03-14: the process's targets are for a calendar year, quarter or month, so it is left out",
                "goals.csv(7,3): warning: the months of 2027 are not written: only February 2027 have a goal, and a breakdown must be complete",
            ],
            result.Issues.Select(i => i.ToString()));
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("\"><img src=x onerror=alert(1)>")]
    [InlineData("East: \"quoted\" # not a comment, {braces}, [brackets], 'single'")]
    [InlineData("=HYPERLINK(\"http://x\")")]
    [InlineData("{ id: evil }")]
    public void HostileNames_AreWrittenAsText_AndLoadBackAsTheyWere(string name)
    {
        var quoted = "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        var result = Read(
            $"""
            Name,Owner,Parent,Period,Year,Target
            Company,Boss,,Annual,2026,100
            East,{quoted},Company,Annual,2026,100
            Li,{quoted},East,Annual,2026,100
            """,
            $"owners: {{ {YamlKey(name)}: li-na }}\n",
            goalTeams: $"{{ {YamlKey(name)}: hostile }}");

        Assert.Empty(result.Issues);
        var plan = Splice(result.ToYaml()).Single();
        Assert.Equal(name, plan.Teams[0].Name.Get("en"));
        Assert.Equal(name, plan.Teams[0].Parts[0].Name.Get("en"));
    }

    [Fact]
    public void GeneratedGoalTrees_AlwaysLoadAsTheProcesssTargets_OrAreLeftOutWithAReason()
    {
        // Random trees of teams and reps, some adding up and some not: what is written always loads without error,
        // and every breakdown left out is reported.
        var random = new Random(20261206);
        for (var run = 0; run < 60; run++)
        {
            var csv = new StringBuilder("Name,Owner,Parent,Period,Year,Target\n");
            var year = random.Next(4, 10) * 1000;
            csv.Append(CultureInfo.InvariantCulture, $"Company,Boss,,Annual,2026,{year}\n");
            var teams = random.Next(1, 4);
            var owners = new List<string>();
            var teamMap = new List<string>();
            for (var t = 0; t < teams; t++)
            {
                var teamAmount = t == teams - 1 && random.Next(3) > 0 ? year - ((year / teams) * (teams - 1)) : year / teams;
                csv.Append(CultureInfo.InvariantCulture, $"Team {t},Team {t} Sales,Company,Annual,2026,{teamAmount}\n");
                teamMap.Add($"Team {t} Sales: team-{t}");
                var reps = random.Next(0, 3);
                for (var r = 0; r < reps; r++)
                {
                    var repAmount = r == reps - 1 ? teamAmount - ((teamAmount / reps) * (reps - 1)) + random.Next(-1, 2) : teamAmount / reps;
                    csv.Append(CultureInfo.InvariantCulture, $"Rep {t}.{r},Person {t} {r},Team {t},Annual,2026,{Math.Max(0, repAmount)}\n");
                    owners.Add($"Person {t} {r}: person-{t}-{r}");
                }
            }

            var result = Read(csv.ToString(), owners.Count == 0 ? string.Empty : $"owners: {{ {string.Join(", ", owners)} }}\n", goalTeams: $"{{ {string.Join(", ", teamMap)} }}");

            Assert.DoesNotContain(result.Issues, i => i.IsError);
            var plans = Splice(result.ToYaml());
            Assert.Equal(year, plans.Single().Amount);
            var written = plans.Single().Teams.Count + plans.Single().Teams.Count(t => t.Parts.Count > 0);
            var expected = teams + csv.ToString().Split('\n').Where(l => l.StartsWith("Rep ", StringComparison.Ordinal)).Select(l => l.Split(',')[2]).Distinct().Count();
            Assert.True(written == expected || result.Issues.Any(i => i.Kind == "breakdown-left-out"), csv.ToString());
        }
    }

    [Fact]
    public void AGoalsMapping_ThatCannotTellAGoalsPeriod_OrMapsNoPeriods_IsAPositionedMappingError()
    {
        var noPeriod = CrmMapping.Parse("mapping.yaml", Mapping("{ name: Name, owner: Owner, target: Target }", string.Empty));
        Assert.Contains(noPeriod.Diagnostics, d => d.ToString().Contains("`columns.goals` must say when each goal is for: `period` (with `year`), or `from` and `to`", StringComparison.Ordinal));

        var noPeriods = CrmMapping.Parse("mapping.yaml", Mapping("{ name: Name, owner: Owner, target: Target, period: Period, year: Year }", string.Empty));
        Assert.Contains(noPeriods.Diagnostics, d => d.ToString().Contains("`goals.periods` must map its values", StringComparison.Ordinal));

        var unknownKey = CrmMapping.Parse("mapping.yaml", Mapping(DefaultColumns, "goals:\n  periods: { Annual: year }\n  quarterly: true\n"));
        Assert.Contains(unknownKey.Diagnostics, d => d.ToString().Contains("mapping.yaml(15,3): error", StringComparison.Ordinal) && d.ToString().Contains("quarterly", StringComparison.Ordinal));

        var badPeriod = CrmMapping.Parse("mapping.yaml", Mapping(DefaultColumns, "goals:\n  periods: { Annual: Q5 }\n"));
        Assert.Contains(badPeriod.Diagnostics, d => d.ToString().Contains("mapping.yaml(14,22): error SW1005: `Q5` is not allowed here", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TargetsOut_NeverReplacesTheProcessOrTheExport_AndIsNotWrittenWhenGoalsWereSkipped()
    {
        var copy = Path.Combine(_folder, "process.yaml");
        File.Copy(StandardB2b, copy);
        var refused = await CliRunner.RunAsync("import", DynamicsFixture, "--from", "dynamics", "--process", copy, "--db", Path.Combine(_folder, "a.db"), "--targets-out", copy);
        Assert.Equal(ExitCodes.UsageOrIo, refused.ExitCode);
        Assert.Contains("will not write the targets over", refused.Error, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllTextAsync(StandardB2b), await File.ReadAllTextAsync(copy));

        var export = Path.Combine(_folder, "export");
        Directory.CreateDirectory(export);
        foreach (var file in Directory.GetFiles(DynamicsFixture))
        {
            File.Copy(file, Path.Combine(export, Path.GetFileName(file)));
        }

        await File.AppendAllTextAsync(Path.Combine(export, "Goals 12-1-2026.csv"), "x,y,z,Stray,Wang Min,Wang Min,Revenue,Semester 1,FY2026,$5.00,$0.00,\r\n");
        var targets = Path.Combine(_folder, "targets.yaml");
        var (code, output, _) = await CliRunner.RunAsync("import", export, "--from", "dynamics", "--process", StandardB2b, "--db", Path.Combine(_folder, "b.db"), "--targets-out", targets);
        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("No targets written to", output, StringComparison.Ordinal);
        Assert.False(File.Exists(targets));
    }

    [Theory]
    [InlineData("../goals.csv")]
    [InlineData("/etc/passwd")]
    public void AGoalsFileOutsideTheExportFolder_IsRefused_WithoutShowingWhatItHolds(string path)
    {
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(_folder)!, "goals.csv"), "Name,Owner,Parent,Period,Year,Target\nSecret,Boss,,Annual,2026,1\n");
        var parsed = CrmMapping.Parse("mapping.yaml", Mapping(DefaultColumns, DefaultGoals).Replace("goals: goals.csv", $"goals: \"{path}\"", StringComparison.Ordinal));
        Assert.True(parsed.Mapping is not null, string.Join("\n", parsed.Diagnostics));

        var result = CrmGoals.Read(parsed.Mapping, _folder, Process.Value);

        var issue = Assert.Single(result.Issues);
        Assert.Equal("file-outside-folder", issue.Kind);
        Assert.DoesNotContain("Secret", issue.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", issue.Message, StringComparison.Ordinal);
        Assert.Empty(result.Targets);
    }

    private const string DefaultColumns = "{ name: Name, owner: Owner, parent: Parent, period: Period, year: Year, target: Target }";

    private const string DefaultGoals = "goals:\n  periods: { Annual: year, Quarter 1: Q1, Quarter 2: Q2, Quarter 3: Q3, Quarter 4: Q4 }\n";

    private static string Mapping(string columns, string goals, string teams = "{ East Sales: east, West Sales: west }") => $"""
        format: 1
        kind: crm-mapping
        files: {"{"} opportunities: deals.csv, goals: goals.csv {"}"}
        columns:
          opportunities: {"{"} id: Id, stage: Stage, owner: Owner, engagedAt: Created {"}"}
          goals: {columns}
        stages:
          Open: {"{"} stage: proposal {"}"}
          Won: {"{"} status: won {"}"}
          Lost: {"{"} status: lost {"}"}
        lossReason: other
        {(goals.Length == 0 ? string.Empty : goals.Replace("goals:\n", $"goals:\n  teams: {teams}\n", StringComparison.Ordinal))}
        """;

    private CrmGoalsResult Read(string csv, string extra = "", string columns = DefaultColumns, string goals = DefaultGoals, string goalTeams = "{ East Sales: east, West Sales: west }")
    {
        var parsed = CrmMapping.Parse("mapping.yaml", Mapping(columns, goals.Length == 0 ? "goals:\n  metrics: []\n" : goals, goalTeams) + extra);
        Assert.True(parsed.Mapping is not null, string.Join("\n", parsed.Diagnostics));
        File.WriteAllText(Path.Combine(_folder, "goals.csv"), csv, new UTF8Encoding(false));
        return CrmGoals.Read(parsed.Mapping, _folder, Process.Value);
    }

    /// <summary>The written targets in place of standard-b2b's own, loaded by the definitions loader: no diagnostics allowed.</summary>
    private static IReadOnlyList<TargetPlan> Splice(string targetsYaml, bool noWarnings = false)
    {
        var process = File.ReadAllText(StandardB2b);
        var start = process.IndexOf("\ntargets:\n", StringComparison.Ordinal);
        var end = process.IndexOf("\n\n", start + 1, StringComparison.Ordinal);
        var text = process[..(start + 1)] + targetsYaml + (end < 0 ? string.Empty : process[end..]);
        var loader = PluginSupport.Loader(PluginSupport.Load(null, TextWriter.Null));
        var set = loader.LoadText(StandardB2b, text);
        // No diagnostic the process did not have before (it loads alone here, without its organisation file).
        var before = loader.LoadText(StandardB2b, process).Diagnostics.Select(d => d.ToString()).ToHashSet(StringComparer.Ordinal);
        var added = set.Diagnostics.Where(d => !before.Contains(d.ToString())).ToList();
        Assert.True(noWarnings ? added.Count == 0 : !set.HasErrors, string.Join("\n", added) + "\n" + targetsYaml);
        return set.Processes.Single().Targets;
    }

    private static readonly System.Text.Json.JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A name as a YAML double-quoted key (JSON's escapes are YAML's).</summary>
    private static string YamlKey(string name) => System.Text.Json.JsonSerializer.Serialize(name, Relaxed);

    /// <summary>The fixture's goals, read here with CsvHelper, independently of the importer.</summary>
    private static List<Dictionary<string, string>> Recount()
    {
        using var reader = new StreamReader(Path.Combine(DynamicsFixture, "Goals 12-1-2026.csv"));
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        var rows = new List<Dictionary<string, string>>();
        csv.Read();
        csv.ReadHeader();
        while (csv.Read())
        {
            rows.Add(csv.HeaderRecord!.ToDictionary(h => h, h => csv.GetField(h) ?? string.Empty, StringComparer.Ordinal));
        }

        return rows;
    }

    private static decimal Money(string text) => decimal.Parse(text, NumberStyles.Currency, CultureInfo.GetCultureInfo("en-US"));
}
