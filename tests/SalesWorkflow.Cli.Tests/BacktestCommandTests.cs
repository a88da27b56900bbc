using System.Text.Json;
using System.Text.Json.Nodes;
using SalesWorkflow.Cli.Commands;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Tests;
using Snapshooter.Xunit;

namespace SalesWorkflow.Cli.Tests;

/// <summary>A demo history to replay, made once for the backtest tests.</summary>
public sealed class DemoHistoryFixture : IAsyncLifetime
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("sw-backtest-").FullName;

    public string DatabasePath => Path.Combine(Folder, "demo.db");

    public string Current => Path.Combine(Folder, "standard-b2b.yaml");

    public async Task InitializeAsync()
    {
        File.Copy(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), Current);
        var (code, output, error) = await CliRunner.RunAsync("demo", "--db", DatabasePath, "--deals", "300", "--months", "3", "--quiet", "--definitions", RepoPaths.Definitions);
        Assert.True(code == 0, output + error);
    }

    /// <summary>Writes the next version (3) of the shipped process with <paramref name="change"/> applied.</summary>
    public string Changed(string name, Func<string, string> change)
    {
        var path = Path.Combine(Folder, name + ".yaml");
        File.WriteAllText(path, change(RepoPaths.StandardB2bAt(3)));
        return path;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class BacktestCommandTests(DemoHistoryFixture history) : IClassFixture<DemoHistoryFixture>
{
    private async Task<JsonElement> Backtest(string to)
    {
        var (code, output, error) = await CliRunner.RunAsync("backtest", "--from", history.Current, "--to", to, "--db", history.DatabasePath, "--format", "json");
        Assert.True(code == 0, output + error);
        return JsonDocument.Parse(output).RootElement;
    }

    [Fact]
    public async Task Backtest_SameRules_BlocksNothingAndReproducesEveryRecordedMove()
    {
        var result = await Backtest(history.Changed("same", text => text));

        Assert.True(result.GetProperty("moves").GetInt32() > 100);
        Assert.Equal(0, result.GetProperty("unreproduced").GetInt32()); // the facts rebuilt from the log pass the recorded gates
        Assert.Equal(0, result.GetProperty("blockedMoves").GetInt32());
        Assert.Equal(result.GetProperty("escalationsBefore").GetRawText(), result.GetProperty("escalationsAfter").GetRawText());
        Assert.Empty(result.GetProperty("floodWarnings").EnumerateArray());
    }

    [Fact]
    public async Task Backtest_StricterGate_NamesTheStageAndCriterionOfEveryMoveItWouldHaveBlocked()
    {
        var stricter = StricterNegotiationGate("stricter");

        var result = await Backtest(stricter);

        var blocked = result.GetProperty("blocked").EnumerateArray().ToList();
        Assert.NotEmpty(blocked);
        Assert.Equal(blocked.Count, result.GetProperty("blockedMoves").GetInt32());
        Assert.All(blocked, b =>
        {
            Assert.Equal("negotiation", b.GetProperty("stage").GetString());
            Assert.Equal(["discount-within-policy"], b.GetProperty("failingCriteria").EnumerateArray().Select(c => c.GetString()));
        });
        Assert.True(result.GetProperty("wonDealsBlocked").GetProperty("deals").GetInt32() > 0);
    }

    [Fact]
    public async Task Backtest_StricterGate_ReportsTheKpiDeltasInJsonAndMarkdown()
    {
        var stricter = StricterNegotiationGate("stricter-kpis");

        var result = await Backtest(stricter);
        var (code, markdown, _) = await CliRunner.RunAsync("backtest", "--from", history.Current, "--to", stricter, "--db", history.DatabasePath);

        var kpis = result.GetProperty("kpis");
        var stages = kpis.GetProperty("stages").EnumerateArray().ToDictionary(s => s.GetProperty("stage").GetString()!);
        var negotiation = stages["negotiation"];
        var held = result.GetProperty("blockedMoves").GetInt32();
        Assert.Equal(held, negotiation.GetProperty("movesBlocked").GetInt32());
        Assert.True(negotiation.GetProperty("leftAfter").GetInt32() < negotiation.GetProperty("leftBefore").GetInt32());
        Assert.All(stages.Values.Where(s => s.GetProperty("stage").GetString() != "negotiation"), s => Assert.Equal(s.GetProperty("leftBefore").GetInt32(), s.GetProperty("leftAfter").GetInt32()));
        var won = kpis.GetProperty("wonDeals");
        Assert.Equal(result.GetProperty("wonDealsBlocked").GetProperty("deals").GetInt32(), won.GetProperty("before").GetInt32() - won.GetProperty("after").GetInt32());
        var revenue = kpis.GetProperty("wonRevenue");
        Assert.Equal(result.GetProperty("wonDealsBlocked").GetProperty("revenue").GetDecimal(), revenue.GetProperty("before").GetDecimal() - revenue.GetProperty("after").GetDecimal());
        Assert.Equal(kpis.GetProperty("escalationsPer100Deals").GetProperty("before").GetDouble(), kpis.GetProperty("escalationsPer100Deals").GetProperty("after").GetDouble());

        Assert.Equal(0, code);
        Assert.Contains("## KPI deltas", markdown, StringComparison.Ordinal);
        Assert.Contains($"| negotiation | {negotiation.GetProperty("entered").GetInt32():N0} | {negotiation.GetProperty("leftBefore").GetInt32():N0} | {negotiation.GetProperty("leftAfter").GetInt32():N0} |", markdown, StringComparison.Ordinal);
        Assert.Contains($"| won deals | {won.GetProperty("before").GetInt32():N0} | {won.GetProperty("after").GetInt32():N0} | -{held:N0} |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backtest_MarkdownOfAStageNameFromTheDatabase_IsEscaped()
    {
        // A database is someone else's file: a stage name in it must not become HTML, a link or a table column.
        var copy = Path.Combine(history.Folder, "hostile-stage.db");
        File.Copy(history.DatabasePath, copy, overwrite: true);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={copy};Pooling=False"))
        {
            connection.Open();
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE events SET stage = 'lead <script>alert(1)</script> | x [a](javascript:alert(1))';";
            Assert.True(update.ExecuteNonQuery() > 0);
        }

        var (code, markdown, error) = await CliRunner.RunAsync("backtest", "--from", history.Current, "--to", history.Current, "--db", copy);

        Assert.True(code == 0, error);
        Assert.DoesNotContain("<script", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("[a](javascript", markdown, StringComparison.Ordinal);
        Assert.Contains("| lead &lt;script&gt;alert(1)&lt;/script&gt; \\| x \\[a\\](javascript:alert(1)) |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backtest_LowerStallThreshold_WarnsOfAManagerFlood()
    {
        var twitchy = history.Changed("twitchy", text => text.Replace("      timeInStage: 14d", "      timeInStage: 2d", StringComparison.Ordinal));

        var (code, output, _) = await CliRunner.RunAsync("backtest", "--from", history.Current, "--to", twitchy, "--db", history.DatabasePath);

        Assert.Equal(0, code);
        Assert.Contains("**Warning: the manager would get", output, StringComparison.Ordinal);
        Assert.Contains("| stalled-deal L2 (manager) |", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Pins every figure of a broad change on the (deterministic) demo history: a new criterion, a criterion that reads
    /// a risk (HasRisk), one that reads a plugin's result for every amount (Met), and a lower stall threshold. Any
    /// change to how the replay evaluates gates or times stays shows up here.
    /// </summary>
    [Fact]
    public async Task Backtest_BroadChange_GivesThePinnedFigures()
    {
        var broad = history.Changed("broad", text => text
            .Replace("      - id: payment-terms-agreed", """
                  - id: discount-within-policy
                    when: Opportunity.DiscountPercent <= 10
                  - id: payment-terms-agreed
            """.Replace("            ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal)
            .Replace("      - id: proposal-sent", """
                  - id: no-price-pressure
                    when: '!HasRisk("price-pressure")'
                  - id: proposal-sent
            """.Replace("            ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal)
            .Replace("when: Opportunity.Amount < 1000000 || Met(\"credit.cleared\")", "when: Met(\"credit.cleared\")", StringComparison.Ordinal)
            .Replace("      timeInStage: 14d", "      timeInStage: 2d", StringComparison.Ordinal));

        var result = await Backtest(broad);

        // The figures this test was written to pin (fields added later are left to their own tests).
        var pinned = new JsonObject();
        foreach (var name in (string[])["deals", "moves", "unreproduced", "blockedMoves", "blockedByCriterion", "escalationsBefore", "escalationsAfter", "notificationsByRole", "wonDealsBlocked", "lostDealsBlocked", "floodWarnings", "blocked"])
        {
            pinned[name] = JsonNode.Parse(result.GetProperty(name).GetRawText());
        }

        Assert.True(result.GetProperty("blockedMoves").GetInt32() > 20);
        Snapshot.Match(pinned.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// Fidelity: replayed under the recorded process with the demo's own cadence (a sweep at 18:00 local, timers at
    /// 17:00 and after the sweep at 18:00; the demo starts at 09:00 +08:00), the condition-triggered escalations are
    /// the ones the engine raised, level by level. With the runtime's default cadence (a sweep every 15 minutes) the
    /// replay differs, as it should: clocks start earlier than the demo's nightly sweep noticed.
    /// </summary>
    [Fact]
    public async Task Backtest_RecordedProcess_ReplaysTheConditionEscalationsTheEngineRaised()
    {
        var set = PluginSupport.Loader(PluginSupport.Load([], TextWriter.Null)).Load([history.Current]);
        var process = CompiledProcess.Compile(set.Processes.Single());
        await using var database = StoredDatabase.Open(history.DatabasePath, TextWriter.Null)!;
        var events = await database.ReadAllEventsAsync(CancellationToken.None);
        var demo = new BacktestCadence
        {
            SweepInterval = TimeSpan.FromDays(1),
            SweepOffset = TimeSpan.FromHours(10),
            TimerPollInterval = TimeSpan.FromDays(1),
            TimerPollOffsets = [TimeSpan.FromHours(9), TimeSpan.FromHours(10)],
        };

        var conditionEscalations = ConditionEscalationIds(process);
        Dictionary<string, int> Replayed(BacktestCadence cadence) => Engine.Analytics.Backtest.Run(events, process, process, cadence).EscalationsBefore
            .Where(e => conditionEscalations.Contains(e.Key.Split(' ')[0])).ToDictionary(e => e.Key, e => e.Value);
        var recorded = RecordedConditionEscalations(events);

        Assert.True(recorded.Values.Sum() > 50, $"{recorded.Values.Sum()} condition escalations recorded");
        Assert.Equal(recorded.OrderBy(e => e.Key, StringComparer.Ordinal), Replayed(demo).OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.NotEqual(recorded.OrderBy(e => e.Key, StringComparer.Ordinal), Replayed(BacktestCadence.Runtime).OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    /// <summary>The same fidelity through the command line: the demo's cadence given as options.</summary>
    [Fact]
    public async Task Backtest_DemoCadenceAsOptions_ReplaysTheConditionEscalationsTheEngineRaised()
    {
        var set = PluginSupport.Loader(PluginSupport.Load([], TextWriter.Null)).Load([history.Current]);
        var conditionEscalations = ConditionEscalationIds(CompiledProcess.Compile(set.Processes.Single()));
        Dictionary<string, int> recorded;
        await using (var database = StoredDatabase.Open(history.DatabasePath, TextWriter.Null)!)
        {
            recorded = RecordedConditionEscalations(await database.ReadAllEventsAsync(CancellationToken.None));
        }

        var (code, output, error) = await CliRunner.RunAsync("backtest", "--from", history.Current, "--to", history.Current, "--db", history.DatabasePath, "--format", "json",
            "--sweep-every", "1d", "--sweep-at", "10:00", "--timers-every", "1d", "--timers-at", "09:00", "--timers-at", "10:00");
        var (markdownCode, markdown, _) = await CliRunner.RunAsync("backtest", "--from", history.Current, "--to", history.Current, "--db", history.DatabasePath, "--sweep-every", "1d", "--sweep-at", "10:00");

        Assert.True(code == ExitCodes.Ok, error);
        Assert.NotEmpty(recorded);
        var result = JsonDocument.Parse(output).RootElement;
        Assert.Equal("sweep every 1d at 10:00 UTC; timers every 1d at 09:00, 10:00 UTC", result.GetProperty("cadence").GetString());
        var replayed = result.GetProperty("escalationsBefore").EnumerateObject()
            .Where(e => conditionEscalations.Contains(e.Name.Split(' ')[0])).ToDictionary(e => e.Name, e => e.Value.GetInt32());
        Assert.Equal(recorded.OrderBy(e => e.Key, StringComparer.Ordinal), replayed.OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Equal(ExitCodes.Ok, markdownCode);
        Assert.Contains("with a sweep every 1d at 10:00 UTC; timers every 1s at 00:00 UTC", markdown, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--sweep-every", "5bd", "not a length of elapsed time")]
    [InlineData("--sweep-every", "0m", "not a length of elapsed time")]
    [InlineData("--timers-every", "soon", "not a length of elapsed time")]
    [InlineData("--sweep-at", "25:00", "not a UTC time of day")]
    [InlineData("--timers-at", "9am", "not a UTC time of day")]
    public async Task Backtest_BadCadence_IsAUsageErrorSayingWhatIsWrong(string option, string value, string expected)
    {
        var (code, output, error) = await CliRunner.RunAsync("backtest", "--from", history.Current, "--to", history.Current, "--db", history.DatabasePath, option, value);

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains($"{option} `{value}` is {expected}", error, StringComparison.Ordinal);
        Assert.Empty(output);
    }

    /// <summary>Version 2 with one more negotiation criterion: a discount of at most 10%.</summary>
    private string StricterNegotiationGate(string name) => history.Changed(name, text => text.Replace("      - id: payment-terms-agreed", """
                  - id: discount-within-policy
                    when: Opportunity.DiscountPercent <= 10
                  - id: payment-terms-agreed
            """.Replace("            ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal));

    private static HashSet<string> ConditionEscalationIds(CompiledProcess process) =>
        process.Definition.Escalations.Where(e => e.Condition is not null).Select(e => e.Id).ToHashSet();

    /// <summary>Condition-triggered escalations the engine raised, keyed as the backtest counts them ("id L2 (role)").</summary>
    private static Dictionary<string, int> RecordedConditionEscalations(IEnumerable<DealEvent> events) =>
        events.Where(e => e.Type == DealEventTypes.EscalationRaised && e.Data.GetProperty("trigger").GetString() == "condition")
            .GroupBy(e => $"{e.Data.GetProperty("escalation").GetString()} L{e.Data.GetProperty("level").GetInt32()} ({e.Data.GetProperty("notify").GetString()})")
            .ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public async Task Backtest_TwoDifferentProcesses_IsAUsageError()
    {
        var (code, _, error) = await CliRunner.RunAsync("backtest", "--from", history.Current, "--to", Path.Combine(RepoPaths.Definitions, "saas-velocity.yaml"), "--db", history.DatabasePath);

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("compare two versions of one process", error, StringComparison.Ordinal);
    }
}
