using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SalesWorkflow.CrashHost;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Tests;
using Xunit.Abstractions;

namespace SalesWorkflow.IntegrationTests;

/// <summary>
/// The engine runs in a child process (SalesWorkflow.CrashHost) that is killed with SIGKILL at a random moment while
/// commands stream in and timers fire, fifty times over one database. After each kill the database is checked: every
/// acknowledged command is applied exactly once (a retry is answered as a duplicate), no deal is half-updated (its state
/// agrees with its event log), every due escalation level fired exactly once, and every task came due at most once, never
/// after it was completed, and always once its due moment had passed.
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper output) : IDisposable
{
    private const int Rounds = 50;
    private static readonly string Definitions = Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml");
    private static readonly string[] LeadChecklist = ["icp-fit", "source-recorded"];
    private static readonly string[] EarlyTasks = ["triage", "schedule-meeting"];

    private readonly string _folder = Directory.CreateTempSubdirectory("sw-crash-").FullName;
    private readonly Random _random = new(20261128);
    private readonly List<string> _deals = [];
    private readonly Dictionary<string, string[]> _sentThisRound = new(StringComparer.Ordinal);
    private DateTimeOffset _now = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);
    private int _ids;
    private int _tasksCameDue;
    private int _tasksCompleted;

    private string Database => Path.Combine(_folder, "crash.db");

    [Fact]
    public async Task KilledAtRandomMoments_FiftyTimes_NothingAcknowledgedIsLostOrAppliedTwice()
    {
        var acknowledged = new Dictionary<string, string>(StringComparer.Ordinal);
        var killedMidStream = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var (acks, unread) = await RunAndKillAsync(round);
            killedMidStream += unread > 0 ? 1 : 0;
            foreach (var (id, status) in acks)
            {
                acknowledged[id] = status;
            }

            await VerifyAsync(acknowledged, round);
            output.WriteLine($"round {round}: {acks.Count} acknowledged, {unread} unanswered when killed");
        }

        output.WriteLine($"{Rounds} kills, {killedMidStream} with commands still unanswered; {acknowledged.Count} commands acknowledged over {_deals.Count} deals; {_tasksCameDue} tasks came due, {_tasksCompleted} were completed");
        Assert.True(_tasksCameDue > 0 && _tasksCompleted > 0, "No task came due or none was completed: the task checks proved nothing.");
        Assert.True(killedMidStream >= Rounds * 3 / 4, $"Only {killedMidStream} of {Rounds} kills hit a process with commands in flight; the test would not prove much.");
    }

    /// <summary>Starts the host, streams a burst of commands and timer firings at it, kills it after a random delay.</summary>
    private async Task<(List<(string Id, string Status)> Acks, int Unanswered)> RunAndKillAsync(int round)
    {
        var host = typeof(Protocol).Assembly.Location;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(host);
        start.ArgumentList.Add(Database);
        start.ArgumentList.Add(Definitions);
        using var process = Process.Start(start)!;
        var acks = new List<(string, string)>();
        var acknowledgedSoFar = 0;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                var fields = line.Split(' ');
                if (fields[0] == "ready")
                {
                    ready.TrySetResult();
                }
                else if (fields[0] == "ack")
                {
                    lock (acks)
                    {
                        acks.Add((fields[1], fields[2]));
                    }

                    Interlocked.Increment(ref acknowledgedSoFar);
                }
            }
        });
        var errors = process.StandardError.ReadToEndAsync();
        if (await Task.WhenAny(ready.Task, Task.Delay(TimeSpan.FromSeconds(60))) != ready.Task)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"round {round}: the crash host did not start within 60 s: {await errors}");
        }

        var lines = Burst(round);
        var sending = Task.Run(async () =>
        {
            try
            {
                // Paced like requests arriving, so that the kill finds commands at every step of their way.
                for (var i = 0; i < lines.Count; i++)
                {
                    await process.StandardInput.WriteLineAsync(lines[i]);
                    await process.StandardInput.FlushAsync();
                    if (i % 3 == 2)
                    {
                        await Task.Delay(1);
                    }
                }
            }
            catch (IOException)
            {
                // The host was killed while we were writing: that is the point.
            }
        });

        // Kill at a random point of the stream: after a random number of acknowledgements, plus a few milliseconds so
        // that the kill also lands inside transactions and between a commit and its acknowledgement. The point stays in
        // the first two thirds of the burst: a kill chosen near its end raced the host to the last command and often
        // found nothing left in flight, which proves nothing.
        var commandCount = lines.Count(l => !l.EndsWith(" fire", StringComparison.Ordinal));
        var killAfter = _random.Next(0, Math.Max(1, commandCount * 2 / 3));
        var deadline = Stopwatch.StartNew();
        while (Volatile.Read(ref acknowledgedSoFar) < killAfter && !process.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(1);
        }

        await Task.Delay(_random.Next(0, 6));
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        await Task.WhenAll(sending, reading, errors);
        return (acks, commandCount - acks.Count);
    }

    /// <summary>About 150 lines: new deals, activities, checklist items, advances, and the clock moving with timers firing.</summary>
    private List<string> Burst(int round)
    {
        var lines = new List<string>();
        _sentThisRound.Clear();
        for (var i = 0; i < 150; i++)
        {
            var roll = _random.NextDouble();
            var id = $"r{round}-c{++_ids}";
            if (_deals.Count < 5 || roll < 0.1)
            {
                var deal = $"d{_deals.Count + 1}";
                _deals.Add(deal);
                Send(lines, id, "start", deal);
            }
            else if (roll < 0.7)
            {
                Send(lines, id, "activity", Any(), $"{id}-activity");
            }
            else if (roll < 0.8)
            {
                Send(lines, id, "tick", Any(), LeadChecklist[_random.Next(LeadChecklist.Length)]);
            }
            else if (roll < 0.85)
            {
                Send(lines, id, "complete", Any(), EarlyTasks[_random.Next(EarlyTasks.Length)]);
            }
            else if (roll < 0.9)
            {
                Send(lines, id, "advance", Any());
            }
            else
            {
                // Time passes: stalled deals reach their 14, 17 and 21 day escalation levels.
                _now = _now.AddDays(1 + _random.Next(6));
                lines.Add($"{_now.ToUnixTimeMilliseconds()} fire");
            }
        }

        return lines;
    }

    private string Any() => _deals[_random.Next(_deals.Count)];

    private void Send(List<string> lines, string id, params string[] fields)
    {
        var line = $"{_now.ToUnixTimeMilliseconds()} {fields[0]} {id} {string.Join(' ', fields[1..])}";
        _sentThisRound[id] = line.Split(' ');
        lines.Add(line);
    }

    private async Task VerifyAsync(Dictionary<string, string> acknowledged, int round)
    {
        var clock = new FakeTimeProvider(_now);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddFirstPartyPlugins();
        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(Definitions);
            o.UseSqlite($"Data Source={Database}");
            o.RunBackgroundServices = false;
        });
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<ISalesWorkflowEngine>();

        // 1. Every acknowledged command is in the ledger with the outcome the host reported: a retry is a duplicate.
        //    Commands sent but not acknowledged are retried, as a client would; they apply now or were applied once.
        //    (Earlier rounds' commands are all in the ledger by now; the per-deal checks below keep watching them.)
        foreach (var (id, fields) in _sentThisRound)
        {
            var retry = await engine.SubmitAsync(Protocol.Command(fields, clock.GetUtcNow()));
            if (acknowledged.TryGetValue(id, out var status) && status != nameof(CommandStatus.Duplicate))
            {
                Assert.True(retry.Status == CommandStatus.Duplicate, $"round {round}: acknowledged command {id} ({status}) was retried and came back {retry.Status}");
            }
        }

        // 2. Fire what is due now, then check every deal.
        await provider.GetRequiredService<ISalesWorkflowMaintenance>().FireDueTimersAsync();
        var process = FirstPartyPlugins.Loader().Load([Definitions]).Processes.Single();
        var stalled = process.Escalations.Single(e => e.Id == "stalled-deal");
        (_tasksCameDue, _tasksCompleted) = (0, 0);
        foreach (var dealId in _deals)
        {
            var deal = await engine.GetDealAsync(dealId);
            var history = await engine.GetHistoryAsync(dealId);
            if (deal is null)
            {
                Assert.Empty(history);
                continue;
            }

            // No half-updated deal: the state and the log were written together.
            Assert.Equal(Enumerable.Range(1, history.Count).Select(n => $"{dealId}:{n}"), history.Select(e => e.EventId));
            Assert.Equal(deal.EventCount, history.Count);
            var logged = history.Where(e => e.Type == DealEventTypes.ActivityLogged).Select(e => e.Data.GetProperty("id").GetString()!).ToList();
            Assert.Equal(logged.Count, logged.Distinct().Count());
            Assert.Equal(logged.Order(), deal.Activities.Select(a => a.Id).Order());
            var stageEvent = history.Last(e => e.Type is DealEventTypes.StageChanged or DealEventTypes.TrackingStarted);
            Assert.Equal(stageEvent.Data.GetProperty(stageEvent.Type == DealEventTypes.StageChanged ? "to" : "stage").GetString(), deal.Stage);

            // Escalation timers: each fired at most once (a condition escalation that stops and starts again schedules
            // new timers, with other due times), and every stalled-deal level due by now has fired for this stage visit.
            var fired = history.Where(e => e.Type == DealEventTypes.EscalationRaised)
                .Select(e => (Escalation: e.Data.GetProperty("escalation").GetString(), Level: e.Data.GetProperty("level").GetInt32(), Entered: e.Data.GetProperty("stageEnteredAt").GetDateTimeOffset(), Due: e.Data.GetProperty("dueAt").GetDateTimeOffset()))
                .ToList();
            var twice = fired.GroupBy(f => f).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(twice.Count == 0, $"round {round}: {dealId} fired timers twice: {string.Join("; ", twice)}");
            var raised = fired.Select(f => (f.Escalation, f.Level, f.Entered)).ToHashSet();

            // Task timers: each task of each stage entry came due at most once, never after it was completed, and every
            // open task of the current entry whose due moment has passed has come due.
            var overdue = history.Where(e => e.Payload is TaskOverdue).Select(e => (Event: e, Task: (TaskOverdue)e.Payload)).ToList();
            _tasksCameDue += overdue.Count;
            _tasksCompleted += history.Count(e => e.Payload is TaskCompleted);
            var overdueTwice = overdue.GroupBy(o => (o.Task.TaskId, o.Task.DueAt)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(overdueTwice.Count == 0, $"round {round}: {dealId} raised task-overdue twice: {string.Join("; ", overdueTwice)}");
            foreach (var completed in history.Where(e => e.Payload is TaskCompleted))
            {
                var task = (TaskCompleted)completed.Payload;
                Assert.DoesNotContain(overdue, o => o.Task.TaskId == task.TaskId && o.Task.DueAt == task.DueAt && o.Event.Sequence > completed.Sequence);
            }

            foreach (var task in deal.Tasks.Where(t => !t.IsDone && t.DueAt <= clock.GetUtcNow()))
            {
                Assert.True(overdue.Any(o => o.Task.TaskId == task.Id && o.Task.DueAt == task.DueAt) && task.OverdueAt is not null, $"round {round}: {dealId}'s task {task.Id}, due {task.DueAt:O}, never came due (now {clock.GetUtcNow():O})");
            }

            if (deal.Status == DealStatus.Open && stalled.Stages.Contains(deal.Stage))
            {
                var start = stalled.TimeInStage!.Value.AddTo(deal.EnteredStageAt, process.Calendar);
                foreach (var level in stalled.Levels.Where(l => l.After.AddTo(start, process.Calendar) <= clock.GetUtcNow()))
                {
                    Assert.True(raised.Contains(("stalled-deal", level.Number, deal.EnteredStageAt)), $"round {round}: {dealId} never raised stalled-deal level {level.Number} (in {deal.Stage} since {deal.EnteredStageAt:O}, now {clock.GetUtcNow():O})");
                }
            }
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
