using System.Globalization;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Events;

namespace SalesWorkflow.Benchmarks.Analytics;

/// <summary>
/// The daily digest (issue 18) for 1,000 people over 100,000 deals, from an SQLite file as <c>salesflow digest</c>
/// builds it: open the database with the definitions and an organisation file of 1,000 people in 50 teams, read the
/// log and the deals' columns, give each open task and escalation to its people. Each deal has a start, stage moves,
/// stage tasks (created, some completed, some reassigned), escalations and an outcome: about 900,000 events. The
/// baseline reads the same log for the KPIs (<see cref="ISalesWorkflowAnalytics.ReadKpiLogAsync"/>), which the digest
/// reads too. Target: under 5 s.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 7)]
public class DigestBenchmarks
{
    private const int People = 1_000;
    private const int Teams = 50;
    private static readonly DateTimeOffset At = new(2026, 12, 1, 1, 0, 0, TimeSpan.Zero);
    private static readonly string[] EventColumns = ["$id", "$deal", "$type", "$at", "$command", "$stage", "$data"];
    private static readonly string[] DealColumns = ["$deal", "$stage", "$status", "$owner", "$team", "$level", "$entered"];
    private string _folder = string.Empty;
    private string _database = string.Empty;
    private string _definitions = string.Empty;

    [Params(100_000)]
    public int Deals { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("sw-bench-digest-").FullName;
        _database = Path.Combine(_folder, "history.db");
        _definitions = Path.Combine(_folder, "definitions");
        Directory.CreateDirectory(_definitions);
        File.Copy(RepositoryFiles.Definition("standard-b2b.yaml"), Path.Combine(_definitions, "standard-b2b.yaml"));
        File.WriteAllText(Path.Combine(_definitions, "organisation.yaml"), Organisation());
        Write(_database, _definitions, Deals);
        HistoryDatabase.SettleFinalizers();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>What the digest reads of the log anyway: the KPI log, condensed as it streams.</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> ReadTheLog()
    {
        await using var provider = Open();
        return (await provider.GetRequiredService<ISalesWorkflowAnalytics>().ReadKpiLogAsync()).EventCount;
    }

    /// <summary>Every person's digest: the log, the deals' columns, and the walk that gives each item to its people.</summary>
    [Benchmark]
    public async Task<IReadOnlyList<Digest>> DigestsForEveryone()
    {
        await using var provider = Open();
        return await provider.GetRequiredService<ISalesWorkflowAnalytics>().BuildDigestsAsync(At, TimeSpan.FromDays(1));
    }

    private ServiceProvider Open() => HistoryDatabase.Engine(_database, _definitions);

    private static string Person(int i) => "p-" + i.ToString("0000", CultureInfo.InvariantCulture);

    private static string Team(int i) => "t-" + (i % Teams).ToString("00", CultureInfo.InvariantCulture);

    /// <summary>1,000 people in 50 teams; the first person of each team manages it; the first person of all is the director.</summary>
    private static string Organisation()
    {
        var yaml = new StringBuilder("format: 1\nkind: organisation\nid: bench\ntimeZone: Asia/Shanghai\npeople:\n");
        for (var i = 0; i < People; i++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{ id: {Person(i)}, email: {Person(i)}@example.com, team: {Team(i)}, language: {(i % 3 == 0 ? "en" : "zh")} }}\n");
        }

        yaml.Append("teams:\n");
        for (var t = 0; t < Teams; t++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{ id: {Team(t)}, manager: {Person(t)} }}\n");
        }

        return yaml.Append("roles:\n  director: p-0000\n  customer-service: p-0001\n").ToString();
    }

    /// <summary>The engine makes the schema; the history and the deals' columns go in with plain inserts.</summary>
    private static void Write(string path, string definitions, int deals)
    {
        HistoryDatabase.CreateSchema(path, definitions);
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var insertEvent = connection.CreateCommand();
        insertEvent.Transaction = transaction;
        insertEvent.CommandText = """
            INSERT INTO events (event_id, deal_id, type, at, command_id, process_id, process_version, stage, data_json, evaluation_json)
            VALUES ($id, $deal, $type, $at, $command, 'standard-b2b', 2, $stage, $data, NULL);
            """;
        var eventParameters = EventColumns.Select(n => insertEvent.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        using var insertDeal = connection.CreateCommand();
        insertDeal.Transaction = transaction;
        insertDeal.CommandText = """
            INSERT INTO instances (deal_id, process_id, process_version, stage, status, owner_id, team, amount, health, blocked, escalation_level, entered_stage_at, updated_at, row_version, state_json, risk_count)
            VALUES ($deal, 'standard-b2b', 2, $stage, $status, $owner, $team, '100000', 50, 0, $level, $entered, $entered, 1, '{}', 0);
            """;
        var dealParameters = DealColumns.Select(n => insertDeal.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        var random = new Random(18);
        long sequence = 0;
        string[] stages = ["lead", "first-contact", "needs-analysis", "proposal", "negotiation"];
        for (var d = 0; d < deals; d++)
        {
            var deal = "D-" + d.ToString("000000", CultureInfo.InvariantCulture);
            var owner = random.Next(People);
            var at = At.AddDays(-random.Next(1, 300));
            void Add(string type, string stage, object data)
            {
                object[] values = [$"{deal}:{++sequence}", deal, type, at.ToUnixTimeMilliseconds(), "c" + sequence, stage, JsonSerializer.Serialize(data)];
                for (var i = 0; i < values.Length; i++)
                {
                    eventParameters[i].Value = values[i];
                }

                insertEvent.ExecuteNonQuery();
            }

            Add(DealEventTypes.TrackingStarted, "lead", new { process = "standard-b2b", stage = "lead", opportunity = new { amount = 100_000 }, owner = new { id = Person(owner), team = Team(owner) } });
            var stage = random.Next(stages.Length);
            for (var s = 1; s <= stage; s++)
            {
                at = at.AddDays(random.Next(1, 10));
                Add(DealEventTypes.StageChanged, stages[s], new { from = stages[s - 1], to = stages[s], kind = "forward" });
            }

            // The current stage's tasks: two for the owner, one for the manager; a third done, some reassigned.
            for (var t = 0; t < 3; t++)
            {
                var task = "task-" + t.ToString(CultureInfo.InvariantCulture);
                var due = at.AddDays(random.Next(1, 20));
                Add(DealEventTypes.TaskCreated, stages[stage], new { taskId = task, stage = stages[stage], title = new { en = "Task" }, assigneeRole = t == 2 ? "manager" : "owner", assignedTo = t == 2 ? null : Person(owner), dueAt = due, adHoc = false });
                switch (random.Next(6))
                {
                    case < 2:
                        Add(DealEventTypes.TaskCompleted, stages[stage], new { taskId = task, stage = stages[stage], dueAt = due, onTime = true });
                        break;
                    case 2:
                        Add(DealEventTypes.TaskReassigned, stages[stage], new { taskId = task, stage = stages[stage], from = Person(owner), to = Person(random.Next(People)) });
                        break;
                }
            }

            var level = random.Next(4);
            for (var l = 1; l <= level; l++)
            {
                Add(DealEventTypes.EscalationRaised, stages[stage], new { escalation = "stalled-deal", level = l, levels = 3, notify = l switch { 1 => "owner", 2 => "manager", _ => "director" }, trigger = "time-in-stage" });
            }

            var status = random.Next(10) switch { 0 => "lost", 1 => "won", _ => "open" };
            object[] row = [deal, status == "won" ? "after-sales" : status == "lost" ? "lost" : stages[stage], status, Person(owner), Team(owner), status == "open" ? level : 0, at.ToUnixTimeMilliseconds()];
            for (var i = 0; i < row.Length; i++)
            {
                dealParameters[i].Value = row[i];
            }

            insertDeal.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
