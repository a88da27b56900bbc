using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using SalesWorkflow.CrashHost;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Tests;
using Xunit.Abstractions;

namespace SalesWorkflow.Engine.PostgreSql.Tests;

/// <summary>
/// Several engine nodes, each an OS process of its own (SalesWorkflow.CrashHost), share one PostgreSQL database and
/// work on the same deals at once: every deal's commands go to random nodes (a quarter of them to two nodes at the same
/// moment, as a client retrying on another node would), while simulated time moves on and every node fires due timers
/// at once. Afterwards the database is checked: every command applied exactly once, its retry a duplicate; each deal's
/// log complete, in the order its commands were acknowledged, and agreeing with its state; every escalation level due
/// fired exactly once; PostgreSQL saw no deadlock. The failure tests kill a node with SIGKILL in the middle of a
/// transaction, and restart the database server during a run.
/// </summary>
public sealed class MultiNodeTests(ITestOutputHelper output)
{
    private static readonly string Definitions = Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml");
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task SeveralNodes_SameDeals_EachCommandAndTimerOnceInOrderWithoutDeadlock(int nodeCount)
    {
        var database = PostgresServer.Shared.CreateDatabase();
        using var run = await Run.StartAsync(database, nodeCount, output);

        await run.PlayAsync(deals: 24, commandsPerDeal: 10, days: 30);

        Assert.Empty(run.Unanswered());
        await run.VerifyAsync(strictDuplicates: true);
        Assert.Equal(0, PostgresServer.Deadlocks(database));
        output.WriteLine($"{nodeCount} nodes: {run.Acknowledged} acknowledgements, timers fired per node: {string.Join(", ", run.Nodes.Select(n => $"{n.Name} {n.TimersFired}"))}");
    }

    [Fact]
    public async Task TwoNodesSweepAtOnce_EachDealEvaluatedOncePerRound()
    {
        var database = PostgresServer.Shared.CreateDatabase();
        using var run = await Run.StartAsync(database, 2, output, new Dictionary<string, string> { ["SW_SWEEP_BATCH"] = "10" });
        const int deals = 120;
        await run.StartDealsAsync(deals);

        // Eleven days without customer contact: every deal's sweep starts the no-customer-contact escalation, so every
        // deal must be evaluated (and changed) by a sweep, and an evaluation count above one per deal is work repeated.
        run.MoveClock(TimeSpan.FromDays(11));
        var first = await Task.WhenAll(run.Nodes.Select(n => n.SweepAsync(run.Now)));
        var again = await Task.WhenAll(run.Nodes.Select(n => n.SweepAsync(run.Now)));
        run.MoveClock(TimeSpan.FromDays(1));
        var nextDay = await Task.WhenAll(run.Nodes.Select(n => n.SweepAsync(run.Now)));
        output.WriteLine($"deals evaluated per node: first round {string.Join(" + ", first.Select(r => r.Evaluated))}, same moment again {string.Join(" + ", again.Select(r => r.Evaluated))}, a day later {string.Join(" + ", nextDay.Select(r => r.Evaluated))}");

        Assert.Equal(deals, first.Sum(r => r.Evaluated));
        Assert.Equal(deals, first.Sum(r => r.Changed));
        Assert.Equal(0, again.Sum(r => r.Evaluated));
        Assert.Equal(deals, nextDay.Sum(r => r.Evaluated));
        Assert.Equal(0, nextDay.Sum(r => r.Changed));

        // Every deal was swept: its three no-customer-contact levels are scheduled, once.
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(DISTINCT deal_id), count(*) FROM timers WHERE escalation_id = 'no-customer-contact';", connection);
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((deals, deals * 3L), (reader.GetInt64(0), reader.GetInt64(1)));
        Assert.Equal(0, PostgresServer.Deadlocks(database));
    }

    [Fact]
    public async Task NodeKilledMidTransaction_OthersFinishItsWorkWithinFiveSeconds()
    {
        var database = PostgresServer.Shared.CreateDatabase();
        using var run = await Run.StartAsync(database, 3, output);
        await run.StartDealsAsync(120);

        // Three weeks on: every deal has its stalled-deal levels due (14, 17, 21 days). The victim starts firing them
        // and gets commands; it is killed as soon as PostgreSQL shows it inside a transaction.
        run.MoveClock(TimeSpan.FromDays(22));
        var victim = run.Nodes[0];
        var firing = victim.FireAsync(run.Now);
        var inFlight = run.SendBurst(victim, 40);
        var others = run.SendBurst(run.Nodes[1], 20);
        var heldWork = await run.WaitUntilInTransactionAsync(victim.Name, TimeSpan.FromSeconds(30));
        victim.Kill();
        var stall = Stopwatch.StartNew();

        // What a client and the surviving nodes do: resubmit what the dead node never answered, keep firing due timers.
        await Task.WhenAll(inFlight.Concat(others)).WaitAsync(TimeSpan.FromMinutes(1));
        var timersLeft = long.MaxValue;
        while (stall.Elapsed < TimeSpan.FromSeconds(60) && (timersLeft = run.DueTimers()) > 0)
        {
            await Task.WhenAll(run.Nodes.Skip(1).Select(n => n.FireAsync(run.Now)));
        }

        stall.Stop();
        _ = await firing;
        output.WriteLine($"killed {victim.Name} holding {heldWork}; {run.ClientRetries} of its commands resubmitted elsewhere; its work was finished by the others {stall.Elapsed.TotalMilliseconds:F0} ms after the kill (timers fired: {string.Join(", ", run.Nodes.Select(n => $"{n.Name} {n.TimersFired}"))})");
        Assert.Equal(0, timersLeft);
        Assert.True(stall.Elapsed < TimeSpan.FromSeconds(5), $"The dead node's work stalled for {stall.Elapsed.TotalSeconds:F1} s (target under 5 s).");
        Assert.True(run.Nodes.Skip(1).Sum(n => n.TimersFired) > 0, "The survivors fired no timer: the kill found no timer work, the test proves little.");
        await run.VerifyAsync(strictDuplicates: false);
        Assert.Equal(0, PostgresServer.Deadlocks(database));
    }

    [Fact(OwnServer = true)]
    public async Task DatabaseRestartedDuringARun_NodesReconnectAndNothingAcknowledgedIsLost()
    {
        using var server = PostgresServer.Start();
        var database = server.CreateDatabase();
        using var run = await Run.StartAsync(database, 2, output);

        var playing = run.PlayAsync(deals: 16, commandsPerDeal: 12, days: 24);
        // Restart once the run is well under way (a third of its commands answered), with commands in flight.
        var waited = Stopwatch.StartNew();
        while (run.Acknowledged < 80 && waited.Elapsed < TimeSpan.FromMinutes(1) && !playing.IsCompleted)
        {
            await Task.Delay(10);
        }

        var restart = Stopwatch.StartNew();
        await Task.Run(server.Restart);
        output.WriteLine($"pg_ctl restart took {restart.ElapsedMilliseconds} ms, with {run.Acknowledged} commands acknowledged so far");
        await playing;

        Assert.Empty(run.Unanswered());
        await run.VerifyAsync(strictDuplicates: false);
        output.WriteLine($"{run.Acknowledged} acknowledgements, {run.ClientRetries} client resubmissions after a node gave up");
    }

    [Fact(OwnServer = true)]
    public async Task PrimaryFailsOverToItsSynchronousStandby_NodesFollowAndNothingAcknowledgedIsLost()
    {
        using var primary = PostgresServer.Start();
        using var standby = primary.StartSynchronousStandby();
        var onPrimary = new NpgsqlConnectionStringBuilder(primary.CreateDatabase());

        // What an application is given for a primary with a standby: both hosts, and "the one that takes writes".
        // Host Recheck Seconds is short so that a node notices the promoted standby within its retries.
        var database = new NpgsqlConnectionStringBuilder(onPrimary.ConnectionString)
        {
            Host = $"{primary.Endpoint},{standby.Endpoint}",
            TargetSessionAttributes = "primary",
            HostRecheckSeconds = 1,
        }.ConnectionString;
        using var run = await Run.StartAsync(database, 2, output);

        var playing = run.PlayAsync(deals: 16, commandsPerDeal: 12, days: 24);
        var waited = Stopwatch.StartNew();
        while (run.Acknowledged < 80 && waited.Elapsed < TimeSpan.FromMinutes(1) && !playing.IsCompleted)
        {
            await Task.Delay(10);
        }

        // The primary crashes with commands in flight; the operator (or Patroni, or the cloud) promotes the standby.
        var acknowledgedAtCrash = run.Acknowledged;
        var failover = Stopwatch.StartNew();
        await Task.Run(primary.Crash);
        await Task.Run(standby.Promote);
        output.WriteLine($"crashed the primary with {acknowledgedAtCrash} commands acknowledged; the standby took writes {failover.ElapsedMilliseconds} ms later");
        await playing;

        Assert.True(acknowledgedAtCrash < run.Acknowledged, "The run ended before the crash: the test proves little.");
        Assert.Empty(run.Unanswered());
        Assert.Equal(0, run.ClientRetries); // the nodes' own retries spanned the failover: no caller saw it
        await run.VerifyAsync(strictDuplicates: false);
        output.WriteLine($"{run.Acknowledged} acknowledgements, {run.ClientRetries} client resubmissions after a node gave up");
    }

    [Fact]
    public async Task ConnectionsResetMidTransactionAndAfterCommit_EveryCommandOnceAndAnsweredAsApplied()
    {
        var database = PostgresServer.Shared.CreateDatabase();
        await using var proxy = new ResettingProxy(database);
        using var run = await Run.StartAsync(database, 2, output, nodeDatabase: proxy.ConnectionString);

        // Every fifth COMMIT meets a TCP reset: half before it reaches the server, half on its answer's way back.
        proxy.EveryNthCommit = 5;
        await run.PlayAsync(deals: 12, commandsPerDeal: 10, days: 16);
        proxy.EveryNthCommit = 0;
        output.WriteLine($"{proxy.ResetBeforeCommit} connections reset before their COMMIT, {proxy.ResetAfterCommit} after it; {run.ClientRetries} client resubmissions");

        Assert.True(proxy.ResetBeforeCommit >= 5 && proxy.ResetAfterCommit >= 5, "Too few resets landed at a COMMIT: the test proves little.");
        Assert.Empty(run.Unanswered());
        Assert.Equal(0, run.ClientRetries); // the store's own retries absorbed every reset
        // Strict: a command whose commit's answer was lost is still answered "applied" (the store's retry finds its
        // own attempt in the ledger), so each command has exactly one outcome that is not "duplicate".
        await run.VerifyAsync(strictDuplicates: true);
    }

    /// <summary>A run: the nodes, what was sent to them, and the checks on the database afterwards.</summary>
    private sealed class Run : IDisposable
    {
        private static readonly string[] LeadChecklist = ["icp-fit", "source-recorded"];
        private readonly string _database;
        private readonly ITestOutputHelper _output;
        private readonly Random _random = new(20261128);
        private readonly ConcurrentDictionary<string, string[]> _sent = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, ConcurrentBag<string>> _outcomes = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _activityOrder = new(StringComparer.Ordinal);
        private readonly List<string> _deals = [];
        private long _now = Start.ToUnixTimeMilliseconds();
        private int _ids;
        private int _acknowledged;
        private int _clientRetries;

        private Run(string database, IReadOnlyList<NodeProcess> nodes, ITestOutputHelper output)
        {
            _database = database;
            Nodes = nodes;
            _output = output;
        }

        public IReadOnlyList<NodeProcess> Nodes { get; }

        public long Now => Interlocked.Read(ref _now);

        public int Acknowledged => _acknowledged;

        public int ClientRetries => _clientRetries;

        /// <param name="nodeDatabase">How the nodes reach <paramref name="database"/> (a proxy's address); the checks use it directly.</param>
        public static async Task<Run> StartAsync(string database, int nodes, ITestOutputHelper output, IReadOnlyDictionary<string, string>? environment = null, string? nodeDatabase = null)
        {
            // The first node creates the schema; the others start at the same time and find it (or wait for it).
            var started = Enumerable.Range(0, nodes).Select(i => new NodeProcess($"node-{(char)('a' + i)}", nodeDatabase ?? database, Definitions, environment)).ToList();
            await Task.WhenAll(started.Select(n => n.WaitReadyAsync()));
            return new Run(database, started, output);
        }

        public void MoveClock(TimeSpan by) => Interlocked.Add(ref _now, (long)by.TotalMilliseconds);

        public async Task StartDealsAsync(int count)
        {
            var starts = new List<Task>();
            for (var i = 0; i < count; i++)
            {
                var deal = $"d{_deals.Count + 1:D3}";
                _deals.Add(deal);
                _activityOrder[deal] = new ConcurrentQueue<string>();
                starts.Add(SubmitAsync(Nodes[i % Nodes.Count], NextId(), id => Line(id, "start", deal)));
            }

            await Task.WhenAll(starts);
        }

        /// <summary>Every deal gets its commands one after another, each to a random node, while time moves and timers fire everywhere.</summary>
        public async Task PlayAsync(int deals, int commandsPerDeal, int days)
        {
            await StartDealsAsync(deals);
            var end = Now + (long)TimeSpan.FromDays(days).TotalMilliseconds;
            var clients = _deals.Select(deal => Task.Run(async () =>
            {
                for (var k = 0; k < commandsPerDeal; k++)
                {
                    var id = NextId();
                    Func<string, string> line = k switch
                    {
                        3 => i => Line(i, "tick", deal, LeadChecklist[0]),
                        4 => i => Line(i, "tick", deal, LeadChecklist[1]),
                        6 => i => Line(i, "advance", deal),
                        _ => i => Line(i, "activity", deal, $"{i}-activity"),
                    };
                    var node = Pick();
                    if (Roll() < 0.25)
                    {
                        // The same command on two nodes at once: one applies it, the other answers "duplicate".
                        await Task.WhenAll(SubmitAsync(node, id, line), SubmitAsync(Pick(except: node), id, line));
                    }
                    else
                    {
                        await SubmitAsync(node, id, line);
                    }

                    if (k is not (3 or 4 or 6))
                    {
                        _activityOrder[deal].Enqueue($"{id}-activity");
                    }
                }
            })).ToList();
            var clock = Task.Run(async () =>
            {
                while (Now < end)
                {
                    await Task.Delay(150);
                    MoveClock(TimeSpan.FromDays(2));
                    await Task.WhenAll(Nodes.Where(n => !n.HasExited).Select(n => n.FireAsync(Now)));
                }
            });
            // A deadlock or a lost acknowledgement shows up as a timeout here, not as a test run that never ends.
            await Task.WhenAll(clients).WaitAsync(TimeSpan.FromMinutes(3));
            await clock.WaitAsync(TimeSpan.FromMinutes(1));

            // Whatever fell due last: every node fires until nothing is left.
            while (DueTimers() > 0)
            {
                await Task.WhenAll(Nodes.Where(n => !n.HasExited).Select(n => n.FireAsync(Now)));
            }
        }

        /// <summary>Activities for random deals, sent to <paramref name="node"/> without waiting; a client resubmits to another node if it dies.</summary>
        public List<Task> SendBurst(NodeProcess node, int count) =>
            [.. Enumerable.Range(0, count).Select(_ =>
            {
                string deal;
                lock (_random)
                {
                    deal = _deals[_random.Next(_deals.Count)];
                }

                return SubmitAsync(node, NextId(), id => Line(id, "activity", deal, $"{id}-activity"));
            })];

        /// <summary>Waits until a session of node <paramref name="name"/> is inside a transaction; returns what it is running.</summary>
        public async Task<string> WaitUntilInTransactionAsync(string name, TimeSpan timeout)
        {
            var watch = Stopwatch.StartNew();
            await using var connection = new NpgsqlConnection(_database);
            await connection.OpenAsync();
            while (watch.Elapsed < timeout)
            {
                await using var command = new NpgsqlCommand("SELECT count(*), string_agg(DISTINCT left(query, 60), ' | ') FROM pg_stat_activity WHERE application_name = @name AND xact_start IS NOT NULL;", connection);
                command.Parameters.AddWithValue("name", name);
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                if (reader.GetInt64(0) > 0)
                {
                    return $"{reader.GetInt64(0)} open transaction(s): {reader.GetString(1)}";
                }
            }

            throw new TimeoutException($"{name} never opened a transaction within {timeout}.");
        }

        public long DueTimers()
        {
            using var connection = new NpgsqlConnection(_database);
            connection.Open();
            using var command = new NpgsqlCommand("SELECT count(*) FROM timers WHERE due_at <= @now;", connection);
            command.Parameters.AddWithValue("now", Now);
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        public IReadOnlyList<string> Unanswered() => [.. _sent.Keys.Where(id => !_outcomes.ContainsKey(id))];

        /// <summary>
        /// Submits like a client: to <paramref name="node"/>, and again with the same id to a live node when that one
        /// dies before answering or reports that its store gave up.
        /// </summary>
        private async Task SubmitAsync(NodeProcess node, string id, Func<string, string> line)
        {
            var text = line(id);
            _sent[id] = text.Split(' ');
            var target = node;
            while (true)
            {
                var ack = target.SubmitAsync(id, text);
                while (!ack.IsCompleted && !target.HasExited)
                {
                    await Task.WhenAny(ack, Task.Delay(50));
                }

                if (ack.IsCompleted && !ack.Result.StartsWith("failed", StringComparison.Ordinal))
                {
                    _outcomes.GetOrAdd(id, _ => []).Add(ack.Result);
                    Interlocked.Increment(ref _acknowledged);
                    return;
                }

                Interlocked.Increment(ref _clientRetries);
                await Task.Delay(100);
                target = Pick(except: target.HasExited ? target : null);
            }
        }

        private NodeProcess Pick(NodeProcess? except = null)
        {
            lock (_random)
            {
                var live = Nodes.Where(n => !n.HasExited && n != except).ToList();
                return live[_random.Next(live.Count)];
            }
        }

        private double Roll()
        {
            lock (_random)
            {
                return _random.NextDouble();
            }
        }

        private string NextId() => $"c{Interlocked.Increment(ref _ids)}";

        private string Line(string id, string kind, string deal, string? extra = null) =>
            $"{Now} {kind} {id} {deal}" + (extra is null ? string.Empty : " " + extra);

        public async Task VerifyAsync(bool strictDuplicates)
        {
            var finalNow = DateTimeOffset.FromUnixTimeMilliseconds(Now);
            var services = new ServiceCollection();
            services.AddSingleton<TimeProvider>(new FakeTimeProvider(finalNow));
            services.AddFirstPartyPlugins();
            services.AddSalesWorkflow(o =>
            {
                o.AddDefinitions(Definitions);
                o.UsePostgreSql(_database);
                o.RunBackgroundServices = false;
            });
            await using var provider = services.BuildServiceProvider();
            var engine = provider.GetRequiredService<ISalesWorkflowEngine>();

            // 1. Exactly once: one outcome that is not "duplicate" per command sent twice (none if a node died between
            //    its commit and its answer), and a retry of every command is now a duplicate.
            foreach (var (id, outcomes) in _outcomes)
            {
                var applied = outcomes.Count(o => o != nameof(CommandStatus.Duplicate));
                Assert.True(strictDuplicates ? applied == 1 : applied <= 1, $"{id} had outcomes {string.Join(", ", outcomes)}");
                var retry = await engine.SubmitAsync(Protocol.Command(_sent[id], finalNow));
                Assert.True(retry.Status == CommandStatus.Duplicate, $"{id} retried came back {retry.Status}");
            }

            // 2. Every deal: a gap-free log agreeing with its state, activities once each and in the order their
            //    commands were acknowledged, escalation levels each fired once and all those due fired.
            var process = new DefinitionLoader().Load([Definitions]).Processes.Single();
            var stalled = process.Escalations.Single(e => e.Id == "stalled-deal");
            foreach (var dealId in _deals)
            {
                var deal = await engine.GetDealAsync(dealId);
                Assert.NotNull(deal);
                var history = await engine.GetHistoryAsync(dealId);
                Assert.Equal(Enumerable.Range(1, history.Count).Select(n => $"{dealId}:{n}"), history.Select(e => e.EventId));
                Assert.Equal(deal.EventCount, history.Count);
                var logged = history.Where(e => e.Type == DealEventTypes.ActivityLogged).Select(e => e.Data.GetProperty("id").GetString()!).ToList();
                Assert.Equal(logged.Count, logged.Distinct().Count());
                Assert.Equal(logged.Order(), deal.Activities.Select(a => a.Id).Order());
                var ordered = _activityOrder[dealId].ToList();
                Assert.Equal(ordered, logged.Where(ordered.Contains));

                var fired = history.Where(e => e.Type == DealEventTypes.EscalationRaised)
                    .Select(e => (Escalation: e.Data.GetProperty("escalation").GetString(), Level: e.Data.GetProperty("level").GetInt32(), Entered: e.Data.GetProperty("stageEnteredAt").GetDateTimeOffset(), Due: e.Data.GetProperty("dueAt").GetDateTimeOffset()))
                    .ToList();
                var twice = fired.GroupBy(f => f).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
                Assert.True(twice.Count == 0, $"{dealId} fired timers twice: {string.Join("; ", twice)}");
                var raised = fired.Select(f => (f.Escalation, f.Level, f.Entered)).ToHashSet();
                if (deal.Status == DealStatus.Open && stalled.Stages.Contains(deal.Stage))
                {
                    var start = stalled.TimeInStage!.Value.AddTo(deal.EnteredStageAt, process.Calendar);
                    foreach (var level in stalled.Levels.Where(l => l.After.AddTo(start, process.Calendar) <= finalNow))
                    {
                        Assert.True(raised.Contains(("stalled-deal", level.Number, deal.EnteredStageAt)), $"{dealId} never raised stalled-deal level {level.Number}");
                    }
                }
            }

            Assert.Equal(0, DueTimers());
            _output.WriteLine($"verified {_outcomes.Count} commands over {_deals.Count} deals");
        }

        public void Dispose()
        {
            foreach (var node in Nodes)
            {
                node.Dispose();
                if (node.Errors() is { Length: > 0 } errors)
                {
                    _output.WriteLine($"{node.Name} stderr: {errors}");
                }
            }

            NpgsqlConnection.ClearAllPools();
        }
    }
}
