using Microsoft.Extensions.Options;
using SalesWorkflow.Engine.Storage;

namespace SalesWorkflow.Engine.Hosting;

/// <summary>Configuration of an embedded SalesWorkflow engine; validated when the engine starts.</summary>
public sealed class SalesWorkflowOptions
{
    private readonly List<string> _definitionPaths = [];
    private readonly List<string> _pluginFolders = [];

    /// <summary>Definition files and folders to load.</summary>
    public IReadOnlyList<string> DefinitionPaths => _definitionPaths;

    /// <summary>How often due escalation timers are looked for (default 1 s).</summary>
    public TimeSpan TimerPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often open deals are re-evaluated for time-dependent risks and condition escalations (default 15 min).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long after a deal is won the sweep keeps re-evaluating it (default 400 days; zero: open deals only). A won
    /// stage has duties that time alone makes due (the follow-up visit within 30 days, the 90-day check-in, a holiday
    /// greeting, an unresolved complaint): without the sweep their risks and escalations would wait for a command.
    /// </summary>
    public TimeSpan SweepWonDealsFor { get; set; } = TimeSpan.FromDays(400);

    /// <summary>How often pending events are offered to sinks when no new commit wakes the dispatcher (default 2 s).</summary>
    public TimeSpan DispatchPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Send each person's daily digest (docs/notifications.md) at this time of their day, in their time zone from the
    /// organisation file (default null: the engine sends none by itself, and a scheduler runs <c>salesflow digest
    /// --send</c>). A host that starts later in the day sends that day's digest at once. Set it on one node only: the
    /// e-mail plugin's ledger, which keeps a second send the same day from reaching anyone twice, is per node.
    /// </summary>
    public TimeOnly? SendDigestsAt { get; set; }

    /// <summary>Timers fired per transaction (default 500).</summary>
    public int TimerBatchSize { get; set; } = 500;

    /// <summary>Deals read per page by the sweep (default 500).</summary>
    public int SweepBatchSize { get; set; } = 500;

    /// <summary>Deliveries to a sink before an event is dead-lettered for it (default 10).</summary>
    public int MaxSinkAttempts { get; set; } = 10;

    /// <summary>
    /// How long one delivery to a sink may take before it counts as failed (default 30 s): a hung endpoint costs at
    /// most this per dispatch round, and never holds up the other sinks, which are delivered to concurrently.
    /// </summary>
    public TimeSpan SinkTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Create the tasks of a stage's <c>tasks:</c> when a deal enters it (default true; docs/tasks.md). An engine replaying
    /// history recorded elsewhere (<c>salesflow import</c>) turns it off: that history holds no task records, and tasks
    /// created for it would all count as not done. Ad hoc tasks (<c>CreateTask</c>) are made either way.
    /// </summary>
    public bool TrackStageTasks { get; set; } = true;

    /// <summary>Run the timer, sweep and dispatch loops as hosted services (default true); turn off to drive them yourself through <c>ISalesWorkflowMaintenance</c>.</summary>
    public bool RunBackgroundServices { get; set; } = true;

    /// <summary>
    /// Runs only the process versions stored in the database (no definition files needed), e.g. for a tool that
    /// reads or explains existing deals. New processes cannot be started from definitions then.
    /// </summary>
    public bool UseStoredProcessVersions { get; set; }

    /// <summary>Folders whose subfolders each hold one plugin to load (see docs/plugin-guide.md).</summary>
    public IReadOnlyList<string> PluginFolders => _pluginFolders;

    /// <summary>
    /// Refuse to start when a plugin cannot be loaded (default false: the engine starts without it and logs why;
    /// processes that use it then fail to load with a clear diagnostic).
    /// </summary>
    public bool FailOnPluginErrors { get; set; }

    /// <summary>Builds the store the container registers as a singleton (it owns and disposes it).</summary>
    internal Func<IServiceProvider, IProcessStore>? StoreFactory { get; set; }

    internal string? StoreDescription { get; set; }

    /// <summary>Adds a definition file or folder (every <c>*.yaml</c> below it).</summary>
    public SalesWorkflowOptions AddDefinitions(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!_definitionPaths.Contains(path, StringComparer.Ordinal))
        {
            _definitionPaths.Add(path);
        }

        return this;
    }

    /// <summary>Loads every plugin below <paramref name="folder"/> (one subfolder per plugin, each in its own load context).</summary>
    public SalesWorkflowOptions AddPluginsFrom(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        folder = Path.GetFullPath(folder); // relative to the working directory, as the caller wrote it
        if (!_pluginFolders.Contains(folder, StringComparer.Ordinal))
        {
            _pluginFolders.Add(folder);
        }

        return this;
    }

    /// <summary>
    /// Sets the store: <paramref name="factory"/> is called once by the container, which keeps the store as a
    /// singleton and disposes it after the engine. The store packages call this (<c>UseSqlite</c> in
    /// SalesWorkflow.Engine.Sqlite, <c>UsePostgreSql</c> in SalesWorkflow.Engine.PostgreSql); so can a store of your
    /// own (docs/stores.md). The last call wins.
    /// </summary>
    /// <param name="factory">Builds the store from the container's services (its clock, <see cref="TimeProvider"/>, for example).</param>
    /// <param name="description">What the start-up log says the store is; never include a password.</param>
    /// <returns>The same options, for chaining.</returns>
    public SalesWorkflowOptions UseStore(Func<IServiceProvider, IProcessStore> factory, string description)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentException.ThrowIfNullOrEmpty(description);
        StoreFactory = factory;
        StoreDescription = description;
        return this;
    }
}

/// <summary>Checks <see cref="SalesWorkflowOptions"/> at start-up so that a misconfiguration fails fast with a clear message.</summary>
internal sealed class SalesWorkflowOptionsValidator : IValidateOptions<SalesWorkflowOptions>
{
    public ValidateOptionsResult Validate(string? name, SalesWorkflowOptions options)
    {
        var errors = new List<string>();
        if (options.DefinitionPaths.Count == 0 && !options.UseStoredProcessVersions)
        {
            errors.Add("No process definitions: call options.AddDefinitions(\"definitions\").");
        }

        if (options.StoreFactory is null)
        {
            errors.Add("No store: add the SalesWorkflow.Engine.Sqlite package and call options.UseSqlite(\"Data Source=salesworkflow.db\"), or SalesWorkflow.Engine.PostgreSql and UsePostgreSql(...), or set SalesWorkflow:Sqlite in configuration.");
        }

        foreach (var (value, what) in new[] { (options.TimerPollInterval, "TimerPollInterval"), (options.SweepInterval, "SweepInterval"), (options.DispatchPollInterval, "DispatchPollInterval") })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"{what} must be positive (was {value}).");
            }
        }

        if (options.SweepWonDealsFor < TimeSpan.Zero || options.SweepWonDealsFor > TimeSpan.FromDays(36_500))
        {
            errors.Add($"SweepWonDealsFor must be between zero (open deals only) and 100 years (was {options.SweepWonDealsFor}).");
        }

        if (options.TimerBatchSize is < 1 or > 100_000 || options.SweepBatchSize is < 1 or > 100_000)
        {
            errors.Add("TimerBatchSize and SweepBatchSize must be between 1 and 100,000.");
        }

        if (options.SinkTimeout < TimeSpan.FromMilliseconds(10) || options.SinkTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add("SinkTimeout must be between 10 ms and 10 minutes.");
        }

        if (options.MaxSinkAttempts < 1)
        {
            errors.Add("MaxSinkAttempts must be at least 1.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
