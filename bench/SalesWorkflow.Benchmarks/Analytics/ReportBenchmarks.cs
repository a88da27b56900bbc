using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Benchmarks.Analytics;

/// <summary>
/// The review report over the history of 100,000 deals of the standard B2B process (about 700,000 events: starts,
/// stage moves and re-entries, refused moves, risks raised and cleared, escalations, feedback, outcomes), against a
/// baseline that walks the same events once and counts outcomes. Measured in memory and, as <c>salesflow report</c>
/// does it, from an SQLite file: open it, stream the log, compute the period and the previous one (and, for
/// comparison, the earlier way: the whole log read into a list in pages first).
/// Target: under 5 s.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 7)]
public class ReportBenchmarks
{
    private static readonly object[] Failing = [new { criterion = "budget-confirmed" }];
    private static readonly string[] Missing = ["pricing-sheet"];
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private List<DealEvent> _events = [];
    private KpiQuery[] _queries = [];
    private string _folder = string.Empty;
    private string _database = string.Empty;

    [Params(100_000)]
    public int Deals { get; set; }

    [GlobalSetup(Targets = [nameof(CountOutcomes), nameof(QuarterKpis), nameof(QuarterWithPrevious)])]
    public void SetupInMemory()
    {
        _events = Generate(Deals);
        _queries = Queries();
    }

    /// <summary>
    /// Writes the history to a database file, and keeps nothing of it in memory: <c>salesflow report</c> starts with an
    /// empty heap, and 700,000 events held by the benchmark would make every collection during the read dearer.
    /// </summary>
    [GlobalSetup(Targets = [nameof(ReportFromDatabase), nameof(ReportFromDatabaseByPages)])]
    public void SetupDatabase()
    {
        _queries = Queries();
        _folder = Directory.CreateTempSubdirectory("sw-bench-report-").FullName;
        _database = Path.Combine(_folder, "history.db");
        WriteDatabase(_database, Generate(Deals));

        HistoryDatabase.SettleFinalizers();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        SqliteConnection.ClearAllPools();
        if (_folder.Length > 0)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static KpiQuery[] Queries()
    {
        var set = FirstPartyPlugins.Loader().Load([RepositoryFiles.Definition("standard-b2b.yaml")]);
        var process = set.Processes.Single(p => p.Id == "standard-b2b");
        var quarter = ReportPeriod.TryParse("2026-Q3", out var q) ? q : throw new InvalidOperationException("bad period");
        return [new KpiQuery(quarter) { Process = process, TimeZone = Shanghai }, new KpiQuery(quarter.Previous()) { Process = process, TimeZone = Shanghai }];
    }

    [Benchmark(Baseline = true)]
    public int CountOutcomes()
    {
        var count = 0;
        var period = _queries[0].Period;
        foreach (var e in _events)
        {
            count += e.Type is DealEventTypes.DealWon or DealEventTypes.DealLost && period.Contains(e.At, Shanghai) ? 1 : 0;
        }

        return count;
    }

    /// <summary>Every KPI of the quarter, from events already in memory.</summary>
    [Benchmark]
    public PipelineKpis QuarterKpis() => KpiCalculator.Compute(_events, _queries[0]);

    /// <summary>What <c>salesflow report</c> computes: the quarter and the one before, reading the log once.</summary>
    [Benchmark]
    public IReadOnlyList<PipelineKpis> QuarterWithPrevious() => KpiCalculator.Compute(_events, _queries);

    /// <summary>
    /// The whole report job as <c>salesflow report</c> runs it: open the file read-only, stream the log through
    /// <see cref="ISalesWorkflowAnalytics.ReadKpiLogAsync"/> (each event condensed as it is read), compute both periods.
    /// </summary>
    [Benchmark]
    public async Task<IReadOnlyList<PipelineKpis>> ReportFromDatabase()
    {
        await using var provider = OpenReadOnly();
        var log = await provider.GetRequiredService<ISalesWorkflowAnalytics>().ReadKpiLogAsync();
        return log.Compute(_queries);
    }

    /// <summary>The same job the way it ran before the streaming read: every event read into a list in pages of 10,000, then computed.</summary>
    [Benchmark]
    public async Task<IReadOnlyList<PipelineKpis>> ReportFromDatabaseByPages()
    {
        await using var provider = OpenReadOnly();
        var engine = provider.GetRequiredService<ISalesWorkflowEngine>();
        var events = new List<DealEvent>();
        for (long after = 0; ;)
        {
            var page = await engine.ReadEventsWithoutEvaluationsAsync(after, 10_000);
            if (page.Count == 0)
            {
                break;
            }

            events.AddRange(page);
            after = page[^1].Sequence;
        }

        return KpiCalculator.Compute(events, _queries);
    }

    private ServiceProvider OpenReadOnly()
    {
        var services = new ServiceCollection();
        services.AddSalesWorkflow(o =>
        {
            o.UseStoredProcessVersions = true;
            o.UseSqlite($"Data Source={_database};Mode=ReadOnly");
            o.RunBackgroundServices = false;
        });
        return services.BuildServiceProvider();
    }

    /// <summary>A year of history shaped like the engine's: the standard B2B stages, with the events the report reads.</summary>
    private static List<DealEvent> Generate(int deals)
    {
        var random = new Random(7);
        var origin = new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.Zero);
        string[] stages = ["lead", "first-contact", "needs-analysis", "proposal", "negotiation"];
        string[] reps = ["zhang-wei", "li-na", "wang-fang", "chen-jie", "liu-yang", "zhao-lei", "sun-li"];
        string[] teams = ["east", "east", "east", "south", "south", "north", "north"];
        var events = new List<DealEvent>();
        long sequence = 0;
        void Add(string deal, string type, DateTimeOffset at, string stage, object data) => events.Add(new DealEvent
        {
            Sequence = ++sequence,
            EventId = $"{deal}:{sequence}",
            DealId = deal,
            Type = type,
            At = at,
            CommandId = "c" + sequence,
            ProcessId = "standard-b2b",
            ProcessVersion = 1,
            Stage = stage,
            Data = JsonSerializer.SerializeToElement(data),
        });
        for (var d = 0; d < deals; d++)
        {
            var id = $"D-{d:000000}";
            var at = origin.AddMinutes(random.Next(0, 330 * 24 * 60));
            var rep = random.Next(reps.Length);
            var amount = random.Next(10, 5_000) * 1000m;
            Add(id, DealEventTypes.TrackingStarted, at, "lead", new { process = "standard-b2b", stage = "lead", opportunity = new { amount }, owner = new { id = reps[rep], team = teams[rep] } });
            var stage = 0;
            for (var step = random.Next(1, 9); step > 0; step--)
            {
                at = at.AddHours(random.Next(4, 24 * 12));
                switch (random.Next(10))
                {
                    case < 4 when stage < stages.Length - 1:
                        Add(id, DealEventTypes.StageChanged, at, stages[stage + 1], new { from = stages[stage], to = stages[stage + 1], kind = "forward" });
                        stage++;
                        break;
                    case 4 when stage > 0:
                        Add(id, DealEventTypes.StageChanged, at, stages[stage - 1], new { from = stages[stage], to = stages[stage - 1], kind = "back" });
                        stage--;
                        break;
                    case 5:
                        Add(id, DealEventTypes.AdvanceBlocked, at, stages[stage], new { from = stages[stage], to = "x", failing = Failing, missingChecklist = Missing });
                        break;
                    case 6:
                        Add(id, DealEventTypes.RiskRaised, at, stages[stage], new { risk = "competitor-present", category = "market", severity = "medium", weight = 10 });
                        break;
                    case 7:
                        Add(id, DealEventTypes.EscalationRaised, at, stages[stage], new { escalation = "stalled-deal", level = random.Next(1, 4), notify = "manager", trigger = "time-in-stage" });
                        break;
                    case 8:
                        Add(id, DealEventTypes.FeedbackRecorded, at, stages[stage], new { id = "f1", satisfaction = random.Next(1, 6), isComplaint = random.Next(5) == 0, resolved = false });
                        break;
                    default:
                        Add(id, DealEventTypes.FactsUpdated, at, stages[stage], new { opportunity = new { amount = amount + 1000 } });
                        break;
                }
            }

            at = at.AddDays(random.Next(1, 20));
            switch (random.Next(3))
            {
                case 0:
                    Add(id, DealEventTypes.StageChanged, at, "after-sales", new { from = stages[stage], to = "after-sales", kind = "win" });
                    Add(id, DealEventTypes.DealWon, at, "after-sales", new { stage = "after-sales", amount });
                    break;
                case 1:
                    Add(id, DealEventTypes.StageChanged, at, "lost", new { from = stages[stage], to = "lost", kind = "lose" });
                    Add(id, DealEventTypes.DealLost, at, "lost", new { reason = random.Next(2) == 0 ? "price" : "timing", amount });
                    break;
                default:
                    break;
            }
        }

        // The log is in commit order: deals interleave.
        return [.. events.OrderBy(e => e.At).ThenBy(e => e.Sequence).Select((e, i) => e with { Sequence = i + 1 })];
    }

    /// <summary>The engine makes the schema; the history goes in with plain inserts (replaying 100,000 deals through commands would take minutes).</summary>
    private static void WriteDatabase(string path, List<DealEvent> events)
    {
        HistoryDatabase.CreateSchema(path, RepositoryFiles.Definition("standard-b2b.yaml"));
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO events (event_id, deal_id, type, at, command_id, process_id, process_version, stage, data_json, evaluation_json)
            VALUES ($id, $deal, $type, $at, $command, $process, $version, $stage, $data, NULL);
            """;
        string[] names = ["$id", "$deal", "$type", "$at", "$command", "$process", "$version", "$stage", "$data"];
        var parameters = names.Select(n => insert.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        foreach (var e in events)
        {
            object[] values = [e.EventId, e.DealId, e.Type, e.At.ToUnixTimeMilliseconds(), e.CommandId, e.ProcessId, e.ProcessVersion, e.Stage, e.Data.GetRawText()];
            for (var i = 0; i < values.Length; i++)
            {
                parameters[i].Value = values[i];
            }

            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
