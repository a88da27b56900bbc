using System.Text.Json;
using System.Text.RegularExpressions;
using SalesWorkflow.Tests;
using Snapshooter.Xunit;

namespace SalesWorkflow.Cli.Tests;

/// <summary>A small demo database, made once for the tests that read it.</summary>
public sealed class DemoDatabase : IAsyncLifetime
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("sw-cli-demo-").FullName;

    public string Path => System.IO.Path.Combine(Folder, "demo.db");

    public string Output { get; private set; } = string.Empty;

    /// <summary>The deal the demo suggests looking at.</summary>
    public string SuggestedDeal { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var (code, output, error) = await CliRunner.RunAsync("demo", "--db", Path, "--deals", "120", "--months", "2", "--definitions", RepoPaths.Definitions, "--quiet");
        Assert.True(code == ExitCodes.Ok, output + error);
        Output = output;
        SuggestedDeal = Regex.Match(output, @"salesflow explain --db \S+ (D-\d+)").Groups[1].Value;
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class DemoAndDatabaseCommandTests(DemoDatabase demo) : IClassFixture<DemoDatabase>
{
    [Fact]
    public void Demo_SmallPipeline_EndsWithTheDirectorsSummary()
    {
        foreach (var heading in new[] { "Pipeline by stage", "Won and lost", "Win rate", "Top blocking criteria", "Escalations raised, by level", "Risks raised, by category" })
        {
            Assert.Contains(heading, demo.Output, StringComparison.Ordinal);
        }

        Assert.Matches(@"\d[\d,]* commands \([\d,]+ rejected", demo.Output);
        Assert.Matches(@"[1-9][\d,]* timers fired \(escalations, tasks, complaints\)", demo.Output);
        Assert.NotEmpty(demo.SuggestedDeal);
    }

    [Fact]
    public async Task Demo_HalfAYear_ShowsComplaintsAgainstTheirLevels_AndCareTheSweepRaisedWithNoCommand()
    {
        var db = System.IO.Path.Combine(demo.Folder, "half-year.db");
        var (code, output, error) = await CliRunner.RunAsync("demo", "--db", db, "--deals", "300", "--months", "6", "--definitions", RepoPaths.Definitions, "--quiet");
        Assert.True(code == ExitCodes.Ok, output + error);

        // standard-b2b v2: answer in 24 hours, resolve in 3 business days; some complaints in the run miss each level.
        Assert.Contains("Complaints (answer within 24h, resolve within 3bd; a missed level is told to customer-service)", output, StringComparison.Ordinal);
        var all = Regex.Match(output, @"│ all\s+│ (\d+)\s+│ (\d+) \([\d.]+%\)\s+│ (\d+) \([\d.]+%\)");
        Assert.True(all.Success, output);
        var (complaints, answered, resolved) = (int.Parse(all.Groups[1].Value), int.Parse(all.Groups[2].Value), int.Parse(all.Groups[3].Value));
        Assert.InRange(answered, 1, complaints - 1);
        Assert.InRange(resolved, 1, complaints - 1);

        // After-sales care from the process's care:, raised by the nightly sweep: visits overdue, greetings due.
        foreach (var risk in new[] { "follow-up-visit-overdue", "holiday-greeting-due" })
        {
            Assert.Matches(@"customer-care\." + risk + @"\s+│\s+[1-9][\d,]*\s+│\s+[1-9][\d,]* \(", output);
        }
    }

    [Fact]
    public async Task Digest_OfTheDemo_ListsEachPersonsOverdueTasksAndEscalations_InTheirLanguage_WithoutChangingTheFile()
    {
        var before = System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(demo.Path));
        var (code, output, error) = await CliRunner.RunAsync("digest", "--db", demo.Path, "--definitions", RepoPaths.Definitions, "--at", "2026-02-27T09:00+08:00");

        Assert.True(code == ExitCodes.Ok, output + error);
        Assert.Equal(before, System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(demo.Path)));
        Assert.Matches(@"== 李娜 \(li-na\)\n2026-02-27 每日待办：\d+ 项逾期，\d+ 项即将到期，\d+ 个升级", output);
        Assert.Matches(@"== 刘洋 \(liu-yang\)\nDaily digest 2026-02-27: \d+ overdue", output); // liu-yang reads English
        Assert.Matches(@"\n  逾期: D-\d+（[a-z-]+）：任务 [a-z-]+，截止 2026-0[12]-\d\d \d\d:\d\d \+08:00\n", output);
        Assert.Matches(@"\d+ people with something in their digest\.", output);

        var (jsonCode, json, _) = await CliRunner.RunAsync("digest", "--db", demo.Path, "--definitions", RepoPaths.Definitions, "--at", "2026-02-27T09:00+08:00", "--person", "li-na", "--format", "json");
        Assert.Equal(ExitCodes.Ok, jsonCode);
        var digest = Assert.Single(JsonDocument.Parse(json).RootElement.EnumerateArray());
        Assert.Equal("li-na", digest.GetProperty("person").GetProperty("id").GetString());
        Assert.True(digest.GetProperty("overdue").GetArrayLength() > 0, json);
    }

    [Theory]
    [InlineData("--at", "yesterday", "is not a moment")]
    [InlineData("--due-within", "2bd", "is not an elapsed duration")]
    [InlineData("--definitions", "/nonexistent/definitions", "is not a folder")]
    public async Task Digest_BadArguments_SayWhatIsWrong(string option, string value, string message)
    {
        string[] definitions = option == "--definitions" ? [] : ["--definitions", RepoPaths.Definitions];
        var (code, _, error) = await CliRunner.RunAsync(["digest", "--db", demo.Path, .. definitions, option, value]);

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_SameSeed_GivesTheSameRun()
    {
        var again = System.IO.Path.Combine(demo.Folder, "again.db");
        var (code, output, _) = await CliRunner.RunAsync("demo", "--db", again, "--deals", "120", "--months", "2", "--definitions", RepoPaths.Definitions, "--quiet");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(Report(demo.Output), Report(output));

        // Everything but timing and the file names: the tables, the counts, the suggested deal.
        static string Report(string output) => Regex.Replace(output, @"in\s+[\d.]+\s+s\s+\([\d,]+\s+commands/s\);\s+database\s+[\d.]+\s+MB|\S+\.db|\S+\.html", "…");
    }

    [Fact]
    public async Task Demo_EndsWithTheReviewReportNextToItsDatabase_WhichMatchesItsSnapshot()
    {
        // A 2-month run has no full quarter: the review is of its last full month. Then how to serve the database.
        var html = System.IO.Path.Combine(demo.Folder, System.IO.Path.GetFileNameWithoutExtension(demo.Path) + "-report.html");
        var lines = demo.Output.TrimEnd().Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        Assert.Equal($"Report for 2026-02 (all teams) written to {html}", lines[^2]);
        Assert.Equal($"Work the deals through the API (docs/server.md): salesflow serve --db {demo.Path}", lines[^1]);

        var again = System.IO.Path.Combine(demo.Folder, "again-report.html");
        var (code, output, error) = await CliRunner.RunAsync("report", "--db", demo.Path, "--period", "2026-02", "--format", "html", "--language", "en", "--out", again);
        Assert.True(code == ExitCodes.Ok, output + error);
        Assert.Equal(await File.ReadAllTextAsync(html), await File.ReadAllTextAsync(again));

        // A fixed history (same seed, same run) with targets, escalations, risks, blocked moves and feedback.
        (code, output, error) = await CliRunner.RunAsync("report", "--db", demo.Path, "--period", "2026-02", "--language", "en");
        Assert.True(code == ExitCodes.Ok, output + error);
        Snapshot.Match(output);
    }

    [Fact]
    public async Task Demo_DatabaseInAMissingFolder_SaysTheFolderMustExist()
    {
        var (code, _, error) = await CliRunner.RunAsync("demo", "--db", System.IO.Path.Combine(demo.Folder, "missing-folder", "x.db"), "--deals", "5", "--months", "1", "--definitions", RepoPaths.Definitions, "--quiet");

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("folder", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExplainDb_StoredDeal_ExplainsItOnItsVersionWithoutChangingTheFile()
    {
        var before = await File.ReadAllBytesAsync(demo.Path);

        var (code, output, error) = await CliRunner.RunAsync("explain", "--db", demo.Path, demo.SuggestedDeal);

        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains($"({demo.SuggestedDeal}) — Standard B2B sales process (standard-b2b v2)", output, StringComparison.Ordinal);
        Assert.Contains("Can it move on?", output, StringComparison.Ordinal);
        Assert.Contains("Evaluated at ", output, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(demo.Path));
    }

    [Fact]
    public async Task ExplainDb_JsonFormat_HasTheDealAndItsEvaluation()
    {
        var (code, output, _) = await CliRunner.RunAsync("explain", "--db", demo.Path, demo.SuggestedDeal, "--format", "json");

        Assert.Equal(ExitCodes.Ok, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(demo.SuggestedDeal, json.RootElement.GetProperty("deal").GetProperty("dealId").GetString());
        Assert.True(json.RootElement.GetProperty("evaluation").TryGetProperty("gate", out _));
    }

    [Fact]
    public async Task ExplainDb_AtAnotherTime_ReEvaluatesThen()
    {
        var (code, output, _) = await CliRunner.RunAsync("explain", "--db", demo.Path, demo.SuggestedDeal, "--now", "2027-01-01T09:00:00+08:00");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("Evaluated at 2027-01-01 09:00 +08:00", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_StoredDeal_ListsEveryEventInOrder()
    {
        var (code, output, error) = await CliRunner.RunAsync("history", "--db", demo.Path, demo.SuggestedDeal);
        var (jsonCode, json, _) = await CliRunner.RunAsync("history", "--db", demo.Path, demo.SuggestedDeal, "--format", "json");

        Assert.True(code == ExitCodes.Ok, error);
        Assert.Equal(ExitCodes.Ok, jsonCode);
        var events = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains($"{events.Count} events (times in ", lines[0], StringComparison.Ordinal);
        Assert.Equal(events.Count, lines.Length - 1);
        Assert.Contains("tracking-started", lines[1], StringComparison.Ordinal);
        var sequences = events.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(sequences.Order(), sequences);
        Assert.All(events, e => Assert.Equal(demo.SuggestedDeal, e.GetProperty("dealId").GetString()));
    }

    [Fact]
    public async Task ExplainAndHistory_UnknownDeal_SayItIsNotThere()
    {
        var (explainCode, _, explainError) = await CliRunner.RunAsync("explain", "--db", demo.Path, "D-99999");
        var (historyCode, _, historyError) = await CliRunner.RunAsync("history", "--db", demo.Path, "D-99999");

        Assert.Equal(ExitCodes.Invalid, explainCode);
        Assert.Equal(ExitCodes.Invalid, historyCode);
        Assert.Contains("no deal 'D-99999'", explainError, StringComparison.Ordinal);
        Assert.Contains("no deal 'D-99999'", historyError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_MissingDatabase_SaysHowToCreateOne()
    {
        var (code, _, error) = await CliRunner.RunAsync("history", "--db", System.IO.Path.Combine(demo.Folder, "nope.db"), "D-00001");

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("no database at", error, StringComparison.Ordinal);
        Assert.Contains("salesflow demo --db", error, StringComparison.Ordinal);
        Assert.False(File.Exists(System.IO.Path.Combine(demo.Folder, "nope.db")));
    }

    [Fact]
    public async Task History_FileThatIsNotADatabase_IsReportedNotCrashedOn()
    {
        var path = System.IO.Path.Combine(demo.Folder, "notes.db");
        await File.WriteAllTextAsync(path, "these are my notes, not a database");

        var (code, _, error) = await CliRunner.RunAsync("history", "--db", path, "D-00001");

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("not a SalesWorkflow database or is corrupt", error, StringComparison.Ordinal);
        Assert.Equal("these are my notes, not a database", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Explain_NeitherDealFileNorDatabase_ShowsBothUsages()
    {
        var (code, _, error) = await CliRunner.RunAsync("explain", "D-00001");

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("--deal <deal.yaml>", error, StringComparison.Ordinal);
        Assert.Contains("--db <database>", error, StringComparison.Ordinal);
    }
}
