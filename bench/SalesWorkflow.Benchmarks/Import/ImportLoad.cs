using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Import;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Benchmarks.Import;

/// <summary>
/// The 100,000-deal import with stage history (docs/performance.md, issue 20): one import is minutes long, so this is a
/// load driver, not BenchmarkDotNet. It generates a Salesforce-shaped export (opportunities and OpportunityHistory),
/// imports it into a fresh SQLite database with the shipped preset, records every command the import issues and when,
/// then submits exactly those commands at those moments, with the same parallelism, to a fresh engine: the baseline.
/// <c>dotnet run -c Release --project bench/SalesWorkflow.Benchmarks -- import [--deals 100000] [--runs 3]</c>.
/// </summary>
internal static class ImportLoad
{
    private static readonly string[] OpenStages = ["Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote", "Negotiation/Review"];

    public static async Task<int> RunAsync(string[] args)
    {
        var deals = Option(args, "--deals", 100_000);
        var runs = Option(args, "--runs", 3);
        var folder = Directory.CreateTempSubdirectory("sw-import-load-").FullName;
        try
        {
            var export = Path.Combine(folder, "export");
            Directory.CreateDirectory(export);
            var historyRows = Generate(export, deals);
            var processPath = RepositoryFiles.Definition("standard-b2b.yaml");
            var process = FirstPartyPlugins.Loader().Load([processPath]).Processes.Single(p => p.Id == "standard-b2b");
            var mapping = CrmMapping.Preset("salesforce").Mapping!;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{deals:N0} deals, {historyRows:N0} stage-history rows; {Environment.ProcessorCount} cores; {runs} runs"));
            Console.WriteLine("run | import s | deals/s | commands | raw engine s | commands/s | import / raw");
            var importTimes = new List<double>();
            var rawTimes = new List<double>();
            for (var run = 1; run <= runs; run++)
            {
                var recorded = new ConcurrentQueue<(DateTimeOffset At, DealCommand Command)>();
                var database = Path.Combine(folder, $"import-{run}.db");
                var watch = Stopwatch.StartNew();
                var result = await CrmImport.RunAsync(new CrmImportRequest
                {
                    Folder = export,
                    Mapping = mapping,
                    Process = process,
                    ProcessPath = processPath,
                    UseStore = o => o.UseSqlite($"Data Source={database}"),
                    ConfigureServices = services =>
                    {
                        services.AddFirstPartyPlugins();
                        Record(services, recorded);
                    },
                });
                var importSeconds = watch.Elapsed.TotalSeconds;
                if (result.InDatabase.Total != deals || result.Commands.Rejected > 0)
                {
                    Console.Error.WriteLine($"The import did not hold every deal: {result.InDatabase.Total} of {deals}, {result.Commands.Rejected} refused; first issue: {(result.Issues.Count > 0 ? result.Issues[0] : null)}");
                    return 1;
                }

                var rawSeconds = await ReplayRawAsync(processPath, Path.Combine(folder, $"raw-{run}.db"), recorded);
                importTimes.Add(importSeconds);
                rawTimes.Add(rawSeconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{run} | {importSeconds:0.0} | {deals / importSeconds:N0} | {recorded.Count:N0} | {rawSeconds:0.0} | {recorded.Count / rawSeconds:N0} | {importSeconds / rawSeconds:0.00}"));
            }

            var import = Median(importTimes);
            var raw = Median(rawTimes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median: import {import:0.0} s = {deals / import:N0} deals/s; the same commands straight to the engine {raw:0.0} s; ratio {import / raw:0.00}"));
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Wraps the import's engine so that every command it submits is recorded with the replay clock's moment.</summary>
    private static void Record(IServiceCollection services, ConcurrentQueue<(DateTimeOffset, DealCommand)> recorded)
    {
        var original = services.Last(d => d.ServiceType == typeof(ISalesWorkflowEngine));
        services.Add(ServiceDescriptor.Singleton<ISalesWorkflowEngine>(provider =>
            new RecordingEngine((ISalesWorkflowEngine)original.ImplementationFactory!(provider), provider.GetRequiredService<TimeProvider>(), recorded)));
    }

    /// <summary>The recorded commands, moment by moment as the import submitted them (eight at a time), into a fresh engine.</summary>
    private static async Task<double> ReplayRawAsync(string processPath, string database, ConcurrentQueue<(DateTimeOffset At, DealCommand Command)> recorded)
    {
        var moments = recorded.GroupBy(r => r.At).OrderBy(g => g.Key).ToList();
        var clock = new SteppedClock(moments[0].Key);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(processPath);
            o.UseSqlite($"Data Source={database}");
            o.RunBackgroundServices = false;
            o.TrackStageTasks = false;
        });
        services.AddFirstPartyPlugins();
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<ISalesWorkflowEngine>();
        await engine.QueryAsync(new DealQuery { Limit = 1 }); // started before the clock runs, as the import's is
        var watch = Stopwatch.StartNew();
        foreach (var moment in moments)
        {
            clock.Now = moment.Key;
            // Within a moment a deal's commands keep their order (a start before its first move): per deal, in sequence.
            await Parallel.ForEachAsync(moment.GroupBy(m => m.Command.DealId), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (deal, token) =>
            {
                foreach (var (_, command) in deal)
                {
                    var result = await engine.SubmitAsync(command, token);
                    if (result.Status == CommandStatus.Rejected)
                    {
                        throw new InvalidOperationException($"The raw replay was refused {command.GetType().Name} of {command.DealId}: {result.Rejection?.Message}");
                    }
                }
            });
        }

        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>Writes the export; returns how many history rows it has.</summary>
    private static int Generate(string folder, int deals)
    {
        var random = new Random(20261206);
        var opportunities = new StringBuilder("\"Opportunity ID\",\"Opportunity Name\",\"Account Name\",\"Stage\",\"Amount\",\"Close Date\",\"Created Date\",\"Opportunity Owner\",\"Type\"\n");
        var history = new StringBuilder("\"OpportunityId\",\"StageName\",\"CreatedDate\"\n");
        var rows = 0;
        var start = new DateOnly(2024, 1, 1);
        for (var i = 0; i < deals; i++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"0065g{i:D10}");
            var created = start.AddDays(random.Next(0, 700));
            var outcome = random.Next(100);
            var reached = random.Next(1, OpenStages.Length); // how far along the stages it went
            var day = created;
            for (var s = 1; s <= reached; s++)
            {
                day = day.AddDays(random.Next(1, 20));
                history.Append(CultureInfo.InvariantCulture, $"\"{id}\",\"{OpenStages[s]}\",\"{day:yyyy-MM-dd}T10:00:00.000Z\"\n");
                rows++;
            }

            var (stage, close) = outcome switch
            {
                < 25 => (OpenStages[reached], day.AddDays(random.Next(10, 90))),
                < 70 => ("Closed Won", day.AddDays(random.Next(1, 20))),
                _ => ("Closed Lost", day.AddDays(random.Next(1, 20))),
            };
            opportunities.Append(CultureInfo.InvariantCulture, $"\"{id}\",\"Deal {i}\",\"Account {i % 5000}\",\"{stage}\",\"{random.Next(5, 500) * 1000}\",\"{close:M/d/yyyy}\",\"{created:M/d/yyyy}\",\"Rep {i % 40}\",\"New Customer\"\n");
        }

        File.WriteAllText(Path.Combine(folder, "report1764547200000.csv"), opportunities.ToString());
        File.WriteAllText(Path.Combine(folder, "OpportunityHistory.csv"), history.ToString());
        return rows;
    }

    private static int Option(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The import's engine, with each command it is given recorded at the replay clock's moment.</summary>
    private sealed class RecordingEngine(ISalesWorkflowEngine inner, TimeProvider clock, ConcurrentQueue<(DateTimeOffset, DealCommand)> recorded) : ISalesWorkflowEngine
    {
        public Task<CommandResult> SubmitAsync(DealCommand command, CancellationToken cancellationToken = default)
        {
            recorded.Enqueue((clock.GetUtcNow(), command));
            return inner.SubmitAsync(command, cancellationToken);
        }

        public Task<DealState?> GetDealAsync(string dealId, CancellationToken cancellationToken = default) => inner.GetDealAsync(dealId, cancellationToken);

        public Task<IReadOnlyList<DealEvent>> GetHistoryAsync(string dealId, CancellationToken cancellationToken = default) => inner.GetHistoryAsync(dealId, cancellationToken);

        public Task<IReadOnlyList<DealSummary>> QueryAsync(DealQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

        public Task<DealExplanation?> ExplainAsync(string dealId, DateTimeOffset? at = null, CancellationToken cancellationToken = default) => inner.ExplainAsync(dealId, at, cancellationToken);

        public Task<IReadOnlyList<DealEvent>> ReadEventsAsync(long afterSequence, int limit, CancellationToken cancellationToken = default) => inner.ReadEventsAsync(afterSequence, limit, cancellationToken);

        public Task<IReadOnlyList<DealEvent>> ReadEventsWithoutEvaluationsAsync(long afterSequence, int limit, CancellationToken cancellationToken = default) => inner.ReadEventsWithoutEvaluationsAsync(afterSequence, limit, cancellationToken);
    }

    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now.ToUniversalTime();
    }
}
