using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Hosting;

/// <summary>
/// A host that fails to start (Kestrel's port taken) disposes the engine's loops without stopping them, while they wait
/// and while commits still signal them. Before, their wake-up semaphore was disposed under them and an
/// ObjectDisposedException reached the log with its stack trace, into the one-line error of <c>salesflow serve</c>.
/// </summary>
public sealed class ShutdownTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sw-shutdown-").FullName;

    [Fact]
    public async Task WakeSignal_ManySetsBeforeAWait_EndOneWait_AndTheNextWaitsForTheNextSet()
    {
        var signal = new WakeSignal();
        signal.Set();
        signal.Set();
        signal.Set();

        await signal.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        var second = signal.WaitAsync(CancellationToken.None);
        Assert.False(second.IsCompleted);

        signal.Set();
        await second.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WakeSignal_AWaitIsCancelledByItsToken()
    {
        using var cancel = new CancellationTokenSource();
        var wait = new WakeSignal().WaitAsync(cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    [Fact]
    public async Task LoopsDisposedWithoutStopping_WhileCommitsArrive_LogNoFailure()
    {
        var log = new ErrorLog();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(log));
        services.AddFirstPartyPlugins();
        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"));
            o.UseSqlite($"Data Source={Path.Combine(_folder, "shutdown.db")}");
        });
        await using var provider = services.BuildServiceProvider();
        var loops = provider.GetServices<IHostedService>().ToList();
        foreach (var loop in loops)
        {
            await loop.StartAsync(CancellationToken.None);
        }

        var engine = provider.GetRequiredService<ISalesWorkflowEngine>();
        Assert.Equal(CommandStatus.Applied, (await Start(engine, "D-1")).Status);

        // What a failed host start does: dispose, never stop.
        foreach (var loop in loops.OfType<IDisposable>())
        {
            loop.Dispose();
        }

        // Commits after the loops are gone still signal them, and the loops' last rounds end.
        Assert.Equal(CommandStatus.Applied, (await Start(engine, "D-2")).Status);
        await Task.WhenAll(loops.OfType<BackgroundService>().Select(l => l.ExecuteTask ?? Task.CompletedTask)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Empty(log.Errors);
    }

    private static Task<CommandResult> Start(ISalesWorkflowEngine engine, string dealId) =>
        engine.SubmitAsync(new StartTracking($"start-{dealId}", dealId, "standard-b2b")
        {
            Opportunity = new Sdk.Facts.Opportunity { Name = dealId, Amount = 1_000 },
        });

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Keeps every warning and error logged, with its exception.</summary>
    private sealed class ErrorLog : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> Errors { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Errors.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
            }
        }

        public void Dispose()
        {
        }
    }
}
