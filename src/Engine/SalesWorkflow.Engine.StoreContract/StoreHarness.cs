using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.StoreContract;

/// <summary>
/// An engine on a store under test with a fake clock (2 March 2026, 01:00 UTC) and its background loops off: tests
/// drive timers and the sweep through <see cref="Maintenance"/>. It owns the store and disposes it.
/// </summary>
public class StoreHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly string _prefix = Guid.NewGuid().ToString("N")[..8];
    private int _commands;

    /// <summary>Builds the engine.</summary>
    /// <param name="store">The database to run on.</param>
    /// <param name="definitions">The definition file or folder (default: <see cref="ContractProcess.Path"/>).</param>
    /// <param name="configureServices">Adds services (sinks, plugins) before the engine.</param>
    /// <param name="configureEngine">Sets engine options (intervals, windows) after the store and definitions.</param>
    public StoreHarness(IStoreUnderTest store, string? definitions = null, Action<IServiceCollection>? configureServices = null, Action<SalesWorkflowOptions>? configureEngine = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        Store = store;
        Clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 1, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Clock);
        configureServices?.Invoke(services);
        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(definitions ?? ContractProcess.Path);
            store.Configure(o);
            o.RunBackgroundServices = false;
            configureEngine?.Invoke(o);
        });
        _services = services.BuildServiceProvider();
        Engine = _services.GetRequiredService<ISalesWorkflowEngine>();
        Maintenance = _services.GetRequiredService<ISalesWorkflowMaintenance>();
        Analytics = _services.GetRequiredService<ISalesWorkflowAnalytics>();
    }

    /// <summary>The database under the engine.</summary>
    public IStoreUnderTest Store { get; }

    /// <summary>The store the engine runs on, as the container built it from <see cref="Store"/>: for reads the engine does not expose.</summary>
    public Storage.IProcessStore ProcessStore => _services.GetRequiredService<Storage.IProcessStore>();

    /// <summary>The engine's clock; move it to make time pass.</summary>
    public FakeTimeProvider Clock { get; }

    /// <summary>The engine.</summary>
    public ISalesWorkflowEngine Engine { get; }

    /// <summary>Timers and the sweep, driven by the test.</summary>
    public ISalesWorkflowMaintenance Maintenance { get; }

    /// <summary>KPIs and process versions read from the store.</summary>
    public ISalesWorkflowAnalytics Analytics { get; }

    /// <summary>A command id no other harness uses.</summary>
    /// <returns>The id.</returns>
    public string NextId() => $"cmd-{_prefix}-{Interlocked.Increment(ref _commands)}";

    /// <summary>Submits a command.</summary>
    /// <param name="command">The command.</param>
    /// <returns>Its result.</returns>
    public Task<CommandResult> Submit(DealCommand command) => Engine.SubmitAsync(command);

    /// <summary>Starts tracking a deal owned by li-na at account acme, with one contact, in the first stage.</summary>
    /// <param name="dealId">The deal.</param>
    /// <param name="amount">Its amount.</param>
    /// <param name="process">The process it runs on.</param>
    /// <returns>The result.</returns>
    public Task<CommandResult> Start(string dealId, decimal amount = 500_000, string process = ContractProcess.Id) =>
        Submit(new StartTracking(NextId(), dealId, process)
        {
            Opportunity = new Opportunity { Name = "Deal " + dealId, Amount = amount, AccountId = "acme", OwnerId = "li-na" },
            Account = new Account { Id = "acme", Industry = "manufacturing" },
            Owner = new Owner { Id = "li-na", OpenDeals = 5, LastActiveAt = Clock.GetUtcNow() },
            Contacts = [new Contact { Id = "c1", Name = "Wang", LastContactedAt = Clock.GetUtcNow() }],
        });

    /// <summary>
    /// Moves the clock to <paramref name="moment"/> and fires what is due then, twice (a second round finds nothing left of
    /// the first, or the timers the first one's effects scheduled at once).
    /// </summary>
    /// <param name="moment">The new time.</param>
    /// <returns>When both rounds have committed.</returns>
    public async Task FireDueTimersAt(DateTimeOffset moment)
    {
        Clock.SetUtcNow(moment);
        await Maintenance.FireDueTimersAsync();
        await Maintenance.FireDueTimersAsync();
    }

    /// <summary>Satisfies the lead gate (account, contact, checklist) of the standard process.</summary>
    /// <param name="dealId">The deal.</param>
    /// <returns>When both checklist items are recorded.</returns>
    public async Task PassLeadGate(string dealId)
    {
        await Submit(new CompleteChecklistItem(NextId(), dealId, "icp-fit"));
        await Submit(new CompleteChecklistItem(NextId(), dealId, "source-recorded"));
    }

    /// <summary>Disposes the engine, then the store.</summary>
    /// <returns>When both are closed.</returns>
    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the engine, then the store; a derived harness adds its own.</summary>
    /// <returns>When both are closed.</returns>
    protected virtual async ValueTask DisposeAsyncCore()
    {
        await _services.DisposeAsync();
        Store.Dispose();
    }
}
