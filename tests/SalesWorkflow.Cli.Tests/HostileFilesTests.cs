using Microsoft.Data.Sqlite;
using SalesWorkflow.Cli.Demo;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Cli.Tests;

/// <summary>
/// Other people's files and hostile text (issue 15, findings 3, 4, 5, 7): a file that is not a SalesWorkflow database
/// is a message, never a stack trace, and is left as it was found; text from outside cannot act on the terminal.
/// </summary>
public sealed class HostileFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sw-hostile-files-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder, name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    private string ForeignSqlite()
    {
        var path = Path.Combine(_folder, "other-app.db");
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Acme');";
        command.ExecuteNonQuery();
        return path;
    }

    public static TheoryData<string, string> NotDatabases() => new()
    {
        { "empty", "empty" },
        { "text", "not a SalesWorkflow database" },
        { "binary", "not a SalesWorkflow database" },
        { "truncated", "not a SalesWorkflow database" },
        { "foreign", "not a SalesWorkflow one" },
    };

    private string FileOf(string kind) => kind switch
    {
        "empty" => Write("empty.db", []),
        "text" => Write("notes.db", "meeting notes\nline two\n"u8.ToArray()),
        "binary" => Write("random.db", [.. Enumerable.Range(0, 4096).Select(i => (byte)((i * 7919) % 251))]),
        "truncated" => Write("truncated.db", [.. System.IO.File.ReadAllBytes(RepoPaths.Combine("tests", "Fixtures", "legacy-25b76f2", "salesworkflow.db")).Take(3000)]),
        _ => ForeignSqlite(),
    };

    [Theory]
    [MemberData(nameof(NotDatabases))]
    public async Task ReportExplainHistoryBacktest_OnAFileThatIsNotADatabase_SayWhatItIsWithoutATrace(string kind, string expected)
    {
        var path = FileOf(kind);
        var before = System.IO.File.ReadAllBytes(path);

        foreach (var args in new[]
        {
            new[] { "report", "--db", path, "--period", "2017" },
            ["explain", "--db", path, "D-1"],
            ["history", "--db", path, "D-1"],
        })
        {
            var (code, output, error) = await CliRunner.RunAsync(args);

            Assert.Equal(ExitCodes.UsageOrIo, code);
            Assert.Contains(expected, error, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled", error + output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);
        }

        Assert.Equal(before, System.IO.File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData("UPDATE events SET at = 9223372036854775807;", "a moment outside the dates")]
    [InlineData("UPDATE events SET at = -9223372036854775808;", "a moment outside the dates")]
    [InlineData("UPDATE events SET evaluation_json = '[]';", "DealEvaluation it cannot read")]
    [InlineData("UPDATE instances SET state_json = 'null';", "InstanceRecord it cannot read")]
    [InlineData("UPDATE process_versions SET sources_json = 'not json';", "it cannot read")]
    public async Task ReportExplainHistory_OnADatabaseEditedOutsideSalesWorkflow_SayItIsDamaged_NotThatSalesflowHasABug(string edit, string expected)
    {
        var path = Path.Combine(_folder, "edited.db");
        var (made, _, madeError) = await CliRunner.RunAsync("demo", "--db", path, "--deals", "5", "--months", "1", "--definitions", RepoPaths.Definitions, "--quiet", "--report", "none");
        Assert.True(made == ExitCodes.Ok, madeError);
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = edit;
            Assert.True(command.ExecuteNonQuery() > 0);
        }

        var outcomes = new List<string>();
        foreach (var args in new[]
        {
            new[] { "report", "--db", path, "--period", "2026" },
            ["explain", "--db", path, "D-00001"],
            ["history", "--db", path, "D-00001"],
        })
        {
            var (code, output, error) = await CliRunner.RunAsync(args);
            Assert.DoesNotContain("internal error", error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);
            if (code != ExitCodes.Ok)
            {
                Assert.Equal(ExitCodes.UsageOrIo, code);
                outcomes.Add(error);
            }
        }

        // Each edit breaks at least one of the three; each that breaks says the database is damaged, and what.
        Assert.NotEmpty(outcomes);
        Assert.All(outcomes, error => Assert.Contains("damaged or edited outside SalesWorkflow", error, StringComparison.Ordinal));
        Assert.Contains(outcomes, error => error.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OutputOptions_NeverReplaceTheCommandsInputADatabaseOrADefinition()
    {
        var database = Path.Combine(_folder, "out.db");
        var (made, _, madeError) = await CliRunner.RunAsync("demo", "--db", database, "--deals", "5", "--months", "1", "--definitions", RepoPaths.Definitions, "--quiet", "--report", "none");
        Assert.True(made == ExitCodes.Ok, madeError);
        var process = Path.Combine(_folder, "process.yaml");
        System.IO.File.Copy(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), process);
        var databaseBefore = System.IO.File.ReadAllBytes(database);
        var processBefore = System.IO.File.ReadAllBytes(process);

        foreach (var (args, expected) in new[]
        {
            (new[] { "report", "--db", database, "--period", "2026", "--out", database }, "one of this command's inputs"),
            (["graph", process, "-o", process], "one of this command's inputs"),
            (["report", "--db", database, "--period", "2026", "--out", process], "a SalesWorkflow definition"),
            (["graph", process, "-o", database], "an SQLite database"),
            (["demo", "--db", Path.Combine(_folder, "second.db"), "--deals", "5", "--months", "1", "--definitions", RepoPaths.Definitions, "--quiet", "--report", database], "an SQLite database"),
        })
        {
            var (code, _, error) = await CliRunner.RunAsync(args);

            Assert.Equal(ExitCodes.UsageOrIo, code);
            Assert.Contains(expected, error, StringComparison.Ordinal);
        }

        Assert.Equal(databaseBefore, System.IO.File.ReadAllBytes(database));
        Assert.Equal(processBefore, System.IO.File.ReadAllBytes(process));
    }

    [Fact]
    public async Task Explain_StoredDealAtAMomentBeforeItsStageBegan_IsRefused()
    {
        var database = Path.Combine(_folder, "early.db");
        var (made, _, madeError) = await CliRunner.RunAsync("demo", "--db", database, "--deals", "5", "--months", "1", "--definitions", RepoPaths.Definitions, "--quiet", "--report", "none");
        Assert.True(made == ExitCodes.Ok, madeError);

        var (code, output, error) = await CliRunner.RunAsync("explain", "--db", database, "D-00001", "--now", "2000-01-01T00:00:00Z");

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("is before deal 'D-00001' entered its stage", error, StringComparison.Ordinal);
        Assert.DoesNotContain("days in stage", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_IntoAnotherApplicationsDatabase_IsRefusedWithoutSwitchingItToWal()
    {
        var path = ForeignSqlite();
        var before = System.IO.File.ReadAllBytes(path);
        var sample = RepoPaths.Combine("samples", "maven-crm");

        var (code, _, error) = await CliRunner.RunAsync("import", sample, "--db", path, "--process", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"));

        Assert.NotEqual(ExitCodes.Ok, code);
        Assert.Contains("not a SalesWorkflow one", error, StringComparison.Ordinal);
        // Bytes 18 and 19 of an SQLite header are 2 once a file is in WAL mode; the file is exactly as it was.
        Assert.Equal(before, System.IO.File.ReadAllBytes(path));
        Assert.False(System.IO.File.Exists(path + "-wal"));
    }

    [Theory]
    [InlineData("text", "a text file")]
    [InlineData("binary", "binary data")]
    [InlineData("foreign", "another application")]
    public async Task Demo_OnAFileThatIsNotASalesWorkflowDatabase_LeavesItAlone(string kind, string looksLike)
    {
        var path = FileOf(kind);
        var before = System.IO.File.ReadAllBytes(path);

        var (code, _, error) = await CliRunner.RunAsync("demo", "--db", path, "--deals", "5", "--months", "1", "--definitions", RepoPaths.Definitions, "--quiet", "--report", "none");

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains(looksLike, error, StringComparison.Ordinal);
        Assert.Contains("--force", error, StringComparison.Ordinal);
        Assert.Equal(before, System.IO.File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Demo_WithForce_ReplacesTheFile()
    {
        var path = FileOf("text");

        var (code, _, error) = await CliRunner.RunAsync("demo", "--db", path, "--deals", "5", "--months", "1", "--definitions", RepoPaths.Definitions, "--quiet", "--report", "none", "--force");

        Assert.True(code == ExitCodes.Ok, error);
        Assert.Equal("SQLite format 3\0"u8.ToArray(), System.IO.File.ReadAllBytes(path).Take(16).ToArray());
    }

    [Fact]
    public async Task Demo_WhileAnotherDemoWritesTheFile_Refuses()
    {
        var path = Path.Combine(_folder, "busy.db");
        using var running = DemoDatabaseFile.TryLock(path);
        Assert.NotNull(running);

        var (code, _, error) = await CliRunner.RunAsync("demo", "--db", path, "--deals", "5", "--months", "1", "--definitions", RepoPaths.Definitions, "--quiet", "--report", "none");

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("another salesflow demo", error, StringComparison.Ordinal);
        Assert.False(System.IO.File.Exists(path));
    }

    [Fact]
    public async Task Import_ExportFileIsALinkToANamedPipe_IsRefusedWithoutWaiting()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var export = Path.Combine(_folder, "export");
        Directory.CreateDirectory(export);
        foreach (var file in new[] { "mapping.yaml", "sales_teams.csv", "accounts.csv", "products.csv" })
        {
            System.IO.File.Copy(RepoPaths.Combine("samples", "maven-crm", file), Path.Combine(export, file));
        }

        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(export, "pipe")))
        {
            mkfifo.WaitForExit();
        }

        System.IO.File.CreateSymbolicLink(Path.Combine(export, "sales_pipeline.csv"), "pipe");

        var run = CliRunner.RunAsync("import", export, "--db", Path.Combine(_folder, "piped.db"), "--process", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"));

        Assert.True(await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60))) == run, "the import waited on the pipe behind the link");
        var (code, _, error) = await run;
        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("not a regular file", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_WhereNoFileCanBeWritten_SaysSo_NotThatAnotherDemoIsRunning()
    {
        // Under a regular file no lock file can be created, as on a read-only disk or in a folder of another user.
        var notAFolder = Path.Combine(_folder, "plain.txt");
        await System.IO.File.WriteAllTextAsync(notAFolder, "not a folder");

        var (code, _, error) = await CliRunner.RunAsync("demo", "--db", Path.Combine(notAFolder, "demo.db"), "--deals", "5", "--months", "1", "--definitions", RepoPaths.Definitions, "--quiet", "--report", "none");

        Assert.Equal(ExitCodes.UsageOrIo, code);
        Assert.Contains("cannot write next to", error, StringComparison.Ordinal);
        Assert.DoesNotContain("another salesflow demo", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_DealNameWithTerminalEscapes_CannotActOnTheTerminal()
    {
        var (code, output, error) = await ExplainDealWith("deal.yaml", "name: Acme ERP rollout", "name: \"Acme\\e]0;owned\\a\\e[2J\\rGate: PASSED\\nfake line\\u202e\"");

        Assert.True(code is ExitCodes.Ok or ExitCodes.Invalid, error);
        Assert.Contains("Acme", output, StringComparison.Ordinal);
        AssertNoControlCharacters(output + error);
        Assert.DoesNotContain("\nfake line", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_DealEnteredItsStageAfterNow_IsAnErrorAtTheDate()
    {
        var (code, output, error) = await ExplainDealWith("future.yaml", "enteredStageAt: 2026-03-02T09:00:00+08:00", "enteredStageAt: 2026-04-02T09:00:00+08:00");

        Assert.NotEqual(ExitCodes.Ok, code);
        Assert.True((error + output).Contains("future.yaml(6,", StringComparison.Ordinal), error + output);
        Assert.Contains("is after `now`", error + output, StringComparison.Ordinal);
        Assert.DoesNotContain("-", (error + output).Split("days in stage")[0].Split('\n')[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_FileWithNulAndEscapeBytes_ShowsThemEscaped()
    {
        var path = Write("binary.yaml", [.. "format: 1\nkind: process\nid: a\0b\u001b[31m\n"u8.ToArray()]);

        var (_, output, error) = await CliRunner.RunAsync("validate", path);

        Assert.Contains("error", output + error, StringComparison.Ordinal);
        AssertNoControlCharacters(output + error);
    }

    [Fact]
    public async Task Validate_AKeyWithALineBreak_CannotForgeADiagnosticLine()
    {
        var path = Write("forge.yaml", "format: 1\nkind: process\nid: a\n\"probabilty\\nforged.yaml(1,1): error SW9999: all is fine\": 1\n"u8.ToArray());

        var (_, output, error) = await CliRunner.RunAsync("validate", path);

        Assert.Contains("\\u000aforged.yaml(1,1)", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain((output + error).Split('\n'), line => line.TrimStart().StartsWith("forged.yaml", StringComparison.Ordinal));
    }

    [Fact]
    public void History_ANoteWithALineBreak_StaysOnItsEventsLine()
    {
        var lost = new SalesWorkflow.Engine.Runtime.DealEvent
        {
            EventId = "e1",
            DealId = "D-1",
            Type = SalesWorkflow.Engine.Runtime.DealEventTypes.DealLost,
            At = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero),
            CommandId = "c1",
            ProcessId = "standard-b2b",
            ProcessVersion = 1,
            Stage = "lost",
            Data = System.Text.Json.JsonDocument.Parse("""{"reason":"price","note":"too dear\n2026-03-02 09:00  deal-won  after-sales  won, amount 9999999","from":"lead","amount":1000,"daysOpen":3}""").RootElement,
        };

        var text = SalesWorkflow.Analytics.DealHistoryText.History([lost], TimeZoneInfo.Utc);

        Assert.Equal(2, text.TrimEnd('\n').Split('\n').Length - 1); // the heading, a blank line, one event
        Assert.Contains("too dear\\u000a2026-03-02", text, StringComparison.Ordinal);
    }

    /// <summary>Explains the sample deal file with one line of it replaced.</summary>
    private Task<(int ExitCode, string Out, string Error)> ExplainDealWith(string name, string line, string replacement)
    {
        var original = System.IO.File.ReadAllText(RepoPaths.Combine("tests", "SalesWorkflow.Cli.Tests", "Deals", "acme-needs-analysis.yaml"));
        Assert.Contains(line, original, StringComparison.Ordinal);
        var path = Path.Combine(_folder, name);
        System.IO.File.WriteAllText(path, original.Replace(line, replacement, StringComparison.Ordinal));
        return CliRunner.RunAsync("explain", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), "--deal", path);
    }

    private static void AssertNoControlCharacters(string text) =>
        Assert.DoesNotContain(text, c => c is < ' ' and not '\n' and not '\t' or '\u007f' or (>= '\u0080' and <= '\u009f') or '\u202e');
}
