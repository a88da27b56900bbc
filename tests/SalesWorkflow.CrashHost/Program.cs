using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.CrashHost;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Tests;

// The engine as an application runs it, driven line by line from standard input so that a test can kill it (SIGKILL)
// at any moment and check what survived. Protocol (one line each, fields separated by spaces):
//   in:  <unix-ms> start <command-id> <deal-id>
//        <unix-ms> activity <command-id> <deal-id> <activity-id>
//        <unix-ms> tick <command-id> <deal-id> <item>
//        <unix-ms> advance <command-id> <deal-id>
//        <unix-ms> complete <command-id> <deal-id> <task-id>
//        <unix-ms> fire
//        <unix-ms> sweep
//        <unix-ms> dispatch                     delivers pending events to the sinks (e-mail when SW_SMTP_PORT is set)
//   out: ready                                  once the engine has started
//        ack <command-id> <status>              after the command's transaction committed
//        fired <count>                          after due timers fired
//        swept <changed> <evaluated>            after a sweep round: deals it changed, deals this node evaluated
//        dispatched <count>                     after a dispatch round: deliveries that succeeded
//        failed <command-id> <transient>        the store gave up on the command (e.g. the database was down too long)
//        fire-failed <transient>                the store gave up on firing timers
//        error <command-id> <type>, fire-error <type>   anything else (a bug; details on standard error)
// <database> is an SQLite file path, or a PostgreSQL connection string (several hosts may then share it: the
// multi-node tests of SalesWorkflow.Engine.PostgreSql.Tests).
// Commands are submitted concurrently as they arrive (as a web application would); the clock only moves forward.
if (args.Length != 2)
{
    await Console.Error.WriteLineAsync("usage: SalesWorkflow.CrashHost <database> <definitions>");
    return 2;
}

var clock = new ForwardClock();
var services = new ServiceCollection();
services.AddSingleton<TimeProvider>(clock);
services.AddFirstPartyPlugins();
if (Environment.GetEnvironmentVariable("SW_SMTP_PORT") is { Length: > 0 } smtpPort)
{
    // E-mail to a plain SMTP server on loopback, with its sent ledger next to the database; quiet hours on this clock.
    services.AddSalesWorkflowPlugin(new SalesWorkflow.Plugins.Email.EmailPlugin(
        new SalesWorkflow.Plugins.Email.EmailOptions
        {
            Host = "localhost",
            Port = int.Parse(smtpPort, CultureInfo.InvariantCulture),
            Security = SalesWorkflow.Plugins.Email.SmtpSecurity.None,
            From = "SalesWorkflow <noreply@example.com>",
            SentLedgerPath = Environment.GetEnvironmentVariable("SW_SMTP_LEDGER"),
        },
        clock));
}
services.AddSalesWorkflow(o =>
{
    o.AddDefinitions(args[1]);
    if (PostgreSqlOptionsExtensions.IsPostgreSqlConnectionString(args[0]))
    {
        o.UsePostgreSql(args[0]);
    }
    else
    {
        // SW_FULL_SYNC=1: every commit is fsynced (synchronous=FULL), so the fsync fault test sees one per command.
        o.UseSqlite($"Data Source={args[0]}", fullSync: Environment.GetEnvironmentVariable("SW_FULL_SYNC") == "1");
    }

    o.RunBackgroundServices = false;
    if (Environment.GetEnvironmentVariable("SW_SWEEP_BATCH") is { Length: > 0 } sweepBatch)
    {
        o.SweepBatchSize = int.Parse(sweepBatch, CultureInfo.InvariantCulture); // small batches: nodes' sweeps interleave
    }
});
await using var provider = services.BuildServiceProvider();
var engine = provider.GetRequiredService<ISalesWorkflowEngine>();
var maintenance = provider.GetRequiredService<ISalesWorkflowMaintenance>();
_ = await engine.QueryAsync(new DealQuery { Limit = 1 }); // starts the engine: definitions loaded, schema ready

var output = new object();
void Say(string line)
{
    lock (output)
    {
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }
}

// Deals this node's sweeps evaluated, read from the engine's meter (the number a sweep returns counts only changes).
long sweepEvaluations = 0;
using var meters = new MeterListener
{
    InstrumentPublished = (instrument, listener) =>
    {
        if (instrument.Meter.Name == "SalesWorkflow" && instrument.Name == "salesworkflow.sweep.evaluations")
        {
            listener.EnableMeasurementEvents(instrument);
        }
    },
};
meters.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref sweepEvaluations, value));
meters.Start();

Say("ready");
var running = new List<Task>();
using var slots = new SemaphoreSlim(16);
while (await Console.In.ReadLineAsync() is { } line)
{
    var fields = line.Split(' ');
    clock.MoveTo(DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(fields[0], CultureInfo.InvariantCulture)));
    if (fields[1] == "fire")
    {
        await Task.WhenAll(running);
        running.Clear();
        try
        {
            Say("fired " + await maintenance.FireDueTimersAsync());
        }
        catch (SalesWorkflowStoreException ex)
        {
            Say($"fire-failed {ex.IsTransient}");
        }
#pragma warning disable CA1031 // As for commands: reported, never swallowed.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync(ex.ToString());
            Say($"fire-error {ex.GetType().Name}");
        }

        continue;
    }

    if (fields[1] == "dispatch")
    {
        await Task.WhenAll(running);
        running.Clear();
        Say("dispatched " + await maintenance.DispatchEventsAsync());
        continue;
    }

    if (fields[1] == "sweep")
    {
        await Task.WhenAll(running);
        running.Clear();
        try
        {
            var before = Interlocked.Read(ref sweepEvaluations);
            var changed = await maintenance.SweepAsync();
            Say($"swept {changed} {Interlocked.Read(ref sweepEvaluations) - before}");
        }
#pragma warning disable CA1031 // As for commands: reported, never swallowed.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync(ex.ToString());
            Say($"sweep-error {ex.GetType().Name}");
        }

        continue;
    }

    DealCommand command = Protocol.Command(fields, clock.GetUtcNow());
    await slots.WaitAsync();
    running.Add(Task.Run(async () =>
    {
        try
        {
            var result = await engine.SubmitAsync(command);
            Say($"ack {command.CommandId} {result.Status}");
        }
        catch (SalesWorkflowStoreException ex)
        {
            await Console.Error.WriteLineAsync($"{command.CommandId}: {ex.Message}");
            Say($"failed {command.CommandId} {ex.IsTransient}");
        }
#pragma warning disable CA1031 // Anything else is a bug the driving test must see, not a silent hang.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync(ex.ToString());
            Say($"error {command.CommandId} {ex.GetType().Name}");
        }
        finally
        {
            slots.Release();
        }
    }));
}

await Task.WhenAll(running);
return 0;
