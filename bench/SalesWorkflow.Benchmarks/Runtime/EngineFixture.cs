using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Benchmarks.Runtime;

/// <summary>A clock the benchmark moves by hand (timers fire when it says so).</summary>
internal sealed class BenchmarkClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>
/// The engine as an application embeds it (AddSalesWorkflow, standard-b2b, SQLite in WAL mode on a fresh file), with
/// the background loops off so that the benchmark alone decides when timers fire.
/// </summary>
internal sealed class EngineFixture : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly string _folder;

    private EngineFixture(string folder, BenchmarkClock clock)
    {
        _folder = folder;
        Clock = clock;
        DatabasePath = Path.Combine(folder, "salesworkflow.db");
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddFirstPartyPlugins();
        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(RepositoryFiles.Definition("standard-b2b.yaml"));
            o.UseSqlite($"Data Source={DatabasePath}");
            o.RunBackgroundServices = false;
        });
        _services = services.BuildServiceProvider();
        Engine = _services.GetRequiredService<ISalesWorkflowEngine>();
        Maintenance = _services.GetRequiredService<ISalesWorkflowMaintenance>();
    }

    public static DateTimeOffset Start { get; } = new(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8));

    public ISalesWorkflowEngine Engine { get; }

    public ISalesWorkflowMaintenance Maintenance { get; }

    public BenchmarkClock Clock { get; }

    public string DatabasePath { get; }

    public static EngineFixture Create()
    {
        var folder = Path.Combine(Path.GetTempPath(), "salesworkflow-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return new EngineFixture(folder, new BenchmarkClock(Start));
    }

    /// <summary>The opportunity of deal number <paramref name="index"/>, the same every run.</summary>
    public static Opportunity OpportunityOf(int index) => new()
    {
        Name = $"Account {index} ERP rollout",
        Amount = 50_000 + (index % 97 * 10_000),
        Currency = "CNY",
        AccountId = $"A-{index}",
        OwnerId = $"rep-{index % 40}",
        Source = index % 2 == 0 ? "inbound" : "outbound",
        NextStep = "Discovery call",
    };

    public static StartTracking NewDeal(string dealId, int index) => new($"{dealId}:start", dealId, "standard-b2b")
    {
        Opportunity = OpportunityOf(index),
        Account = new Account { Id = $"A-{index}", Name = $"Account {index}", Industry = "manufacturing", Region = "east", Employees = 800 },
        Owner = new Owner { Id = $"rep-{index % 40}", Name = $"Rep {index % 40}", Team = "east", ManagerId = "manager-east", OpenDeals = 25 },
        Contacts = [new Contact { Id = $"{dealId}-c1", Name = "Buyer", Role = "user" }],
    };

    public static LogActivity Activity(string commandId, string dealId, int number, DateTimeOffset at) =>
        new(commandId, dealId, new Activity { Id = $"{dealId}-a{number}", Kind = number % 3 == 0 ? "meeting" : "call", At = at, Outcome = "positive", ContactId = $"{dealId}-c1", Notes = "Talked through the rollout plan and the next steps." });

    /// <summary>Starts <paramref name="deals"/> deals (D-0 …) with a few activities each, as a running pipeline has.</summary>
    public async Task SeedAsync(int deals, int activitiesPerDeal, string prefix = "D-")
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, deals), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var dealId = prefix + i;
            await Expect(Engine.SubmitAsync(NewDeal(dealId, i), ct));
            for (var a = 0; a < activitiesPerDeal; a++)
            {
                await Expect(Engine.SubmitAsync(Activity($"{dealId}:seed{a}", dealId, a, Clock.GetUtcNow()), ct));
            }
        });
    }

    /// <summary>A benchmark that measures rejected commands measures the wrong thing: fail loudly instead.</summary>
    public static async Task Expect(Task<CommandResult> submit)
    {
        var result = await submit;
        if (result.Status != CommandStatus.Applied)
        {
            throw new InvalidOperationException($"Command {result.CommandId} was {result.Status}: {result.Rejection?.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
