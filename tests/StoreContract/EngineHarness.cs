using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>
/// An engine on a fresh database with a fake clock; background loops off (tests drive them). The one harness of the
/// store contract (tests/StoreContract): each test project that includes it says which store it runs on in its own
/// <c>StoreUnderTest</c> (SQLite in SalesWorkflow.Engine.Tests, PostgreSQL in SalesWorkflow.Engine.PostgreSql.Tests),
/// so the contract tests run unchanged on both. Harnesses given the same <c>folder</c> share one database.
/// </summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly string _prefix = Guid.NewGuid().ToString("N")[..8];
    private int _commands;

    public EngineHarness(string? definitions = null, IProcessEventSink? sink = null, string? folder = null, IProcessEventSink? extraSink = null)
    {
        Store = StoreUnderTest.Open(folder);
        Clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 1, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Clock);
        foreach (var eventSink in new[] { sink, extraSink }.OfType<IProcessEventSink>())
        {
            services.AddSingleton(eventSink);
        }

        services.AddFirstPartyPlugins();
        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(definitions ?? Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"));
            Store.Configure(o);
            o.RunBackgroundServices = false;
        });
        _services = services.BuildServiceProvider();
        Engine = _services.GetRequiredService<ISalesWorkflowEngine>();
        Maintenance = _services.GetRequiredService<ISalesWorkflowMaintenance>();
        Analytics = _services.GetRequiredService<ISalesWorkflowAnalytics>();
    }

    /// <summary>The database under the engine, as the test project's store gives it.</summary>
    public StoreUnderTest Store { get; }

    public FakeTimeProvider Clock { get; }

    public ISalesWorkflowEngine Engine { get; }

    public ISalesWorkflowMaintenance Maintenance { get; }

    public ISalesWorkflowAnalytics Analytics { get; }

    public string NextId() => $"cmd-{_prefix}-{Interlocked.Increment(ref _commands)}";

    public Task<CommandResult> Submit(DealCommand command) => Engine.SubmitAsync(command);

    public Task<CommandResult> Start(string dealId, decimal amount = 500_000, string process = "standard-b2b") =>
        Submit(new StartTracking(NextId(), dealId, process)
        {
            Opportunity = new Opportunity { Name = "Deal " + dealId, Amount = amount, AccountId = "acme", OwnerId = "li-na" },
            Account = new Account { Id = "acme", Industry = "manufacturing" },
            Owner = new Owner { Id = "li-na", OpenDeals = 5, LastActiveAt = Clock.GetUtcNow() },
            Contacts = [new Contact { Id = "c1", Name = "Wang", LastContactedAt = Clock.GetUtcNow() }],
        });

    /// <summary>Satisfies the lead gate (account, contact, checklist) of standard-b2b.</summary>
    public async Task PassLeadGate(string dealId)
    {
        await Submit(new CompleteChecklistItem(NextId(), dealId, "icp-fit"));
        await Submit(new CompleteChecklistItem(NextId(), dealId, "source-recorded"));
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        Store.Dispose();
    }
}
