using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.PostgreSql.Storage;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Engine.Tests.Runtime;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.PostgreSql.Tests;

/// <summary>What only a shared server can get wrong: several engines at once, lost connections, clear errors.</summary>
public sealed class PostgreSqlStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task SeveralNodesStartingAtOnce_MigrateOnceAndAllStart()
    {
        var database = PostgresServer.Shared.CreateDatabase();
        var engines = Enumerable.Range(0, 4).Select(_ => Engine(database)).ToList();

        await Task.WhenAll(engines.Select(e => e.Engine.QueryAsync(new DealQuery())));

        Assert.Equal((long)PostgreSqlSchema.Migrations.Count, await ScalarAsync(database, "SELECT count(*) FROM schema_info;"));
        Assert.Equal(1L, await ScalarAsync(database, "SELECT count(*) FROM process_versions;"));
        foreach (var (provider, _) in engines)
        {
            await provider.DisposeAsync();
        }
    }

    [Fact]
    public async Task ConfigurationKey_PostgreSql_RunsTheEngineOnThatDatabase()
    {
        // The engine does not reference this package: the key finds its UsePostgreSql by name.
        var database = PostgresServer.Shared.CreateDatabase();
        var services = new ServiceCollection();
        services.AddSalesWorkflow(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SalesWorkflow:Definitions"] = SalesWorkflow.Engine.StoreContract.ContractProcess.Path, // no plugins to add
            ["SalesWorkflow:PostgreSql"] = database,
            ["SalesWorkflow:RunBackgroundServices"] = "false",
        }).Build());
        await using var provider = services.BuildServiceProvider();

        var result = await provider.GetRequiredService<ISalesWorkflowEngine>().SubmitAsync(Start("cmd-config", "d-config"));

        Assert.Equal(CommandStatus.Applied, result.Status);
        Assert.Equal(1L, await ScalarAsync(database, "SELECT count(*) FROM instances WHERE deal_id = 'd-config';"));
    }

    [Theory]
    [InlineData("", "salesworkflow", true)]
    [InlineData(";Application Name=billing-node;Max Auto Prepare=0", "billing-node", false)]
    public async Task ConnectionDefaults_AppliedUnlessTheConnectionStringSetsThem(string extra, string expectedName, bool statementsPrepared)
    {
        var database = PostgresServer.Shared.CreateDatabase();
        await using var store = new PostgreSqlProcessStore(database + extra, TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        for (var i = 0; i < 5; i++)
        {
            _ = await store.LoadAsync("d1", CancellationToken.None); // auto-prepared from the second use
        }

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var name = new NpgsqlCommand("SELECT string_agg(DISTINCT application_name, ',') FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid();", connection);
        Assert.Equal(expectedName, (string?)await name.ExecuteScalarAsync());

        // Statements used again are prepared (Max Auto Prepare=64), and stay prepared on the pooled session.
        var prepared = await PreparedOnPooledSessionAsync(store);
        Assert.Equal(statementsPrepared, prepared > 0);
    }

    private static async Task<long> PreparedOnPooledSessionAsync(PostgreSqlProcessStore store) =>
        await store.ScalarOnPooledSessionAsync("SELECT count(*) FROM pg_prepared_statements;");

    [Fact]
    public async Task SameCommandOnTwoNodesAtOnce_IsAppliedOnceAndTheOtherIsADuplicate()
    {
        var database = PostgresServer.Shared.CreateDatabase();
        var (first, a) = Engine(database);
        var (second, b) = Engine(database);
        await a.SubmitAsync(Start("cmd-start", "d1"));

        for (var i = 0; i < 20; i++)
        {
            var command = new LogActivity($"cmd-{i}", "d1", new Activity { Id = $"a{i}", Kind = "call", At = Now });
            var results = await Task.WhenAll(a.SubmitAsync(command), b.SubmitAsync(command));

            Assert.Single(results, r => r.Status == CommandStatus.Applied);
            Assert.Single(results, r => r.Status == CommandStatus.Duplicate);
        }

        Assert.Equal(20, (await a.GetDealAsync("d1"))!.Activities.Count);
        await first.DisposeAsync();
        await second.DisposeAsync();
    }

    [Fact]
    public async Task SameNewDealStartedOnTwoNodesAtOnce_OneStartsItTheOtherIsTold()
    {
        var database = PostgresServer.Shared.CreateDatabase();
        var (first, a) = Engine(database);
        var (second, b) = Engine(database);
        await a.QueryAsync(new DealQuery());
        await b.QueryAsync(new DealQuery());

        for (var i = 0; i < 10; i++)
        {
            var results = await Task.WhenAll(a.SubmitAsync(Start($"a-{i}", $"d{i}")), b.SubmitAsync(Start($"b-{i}", $"d{i}")));

            Assert.Single(results, r => r.Status == CommandStatus.Applied);
            Assert.Single(results, r => r.Rejection?.Code == "already-tracked");
        }

        await first.DisposeAsync();
        await second.DisposeAsync();
    }

    [Fact]
    public async Task ConnectionKilledMidCommand_RollsBackAndTheRetryAppliesItOnce()
    {
        var database = PostgresServer.Shared.CreateDatabase();
        await using var store = new PostgreSqlProcessStore(database, TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        var (provider, engine) = Engine(database);
        await engine.SubmitAsync(Start("cmd-start", "d1"));
        var before = (await store.LoadAsync("d1", CancellationToken.None))!;
        var attempts = 0;

        // The first attempt's connection is terminated by the server while the deal is locked; the write fails, the
        // transaction is rolled back, and the retry decides again on the state as committed.
        var result = await store.ExecuteAsync("cmd-x", "d1", row =>
        {
            var instance = InstanceRecord.From(row!);
            if (Interlocked.Increment(ref attempts) == 1)
            {
                using var admin = new NpgsqlConnection(database);
                admin.Open();
                using var kill = new NpgsqlCommand("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle in transaction';", admin);
                kill.ExecuteNonQuery();
            }

            instance.UpdatedAt = Now;
            return DealChange.Render(
                new Decision
                {
                    State = instance,
                    Events = [new NewEvent($"d1:{instance.EventCount + 1}", new SalesWorkflow.Engine.Events.FactsUpdated(), Now, null)],
                    Result = new CommandResult { Status = CommandStatus.Applied, CommandId = "cmd-x", DealId = "d1" },
                },
                row!.RowVersion);
        }, [], CancellationToken.None);

        Assert.Equal(2, attempts);
        Assert.Equal(CommandStatus.Applied, result.Status);
        Assert.Equal(before.RowVersion + 1, (await store.LoadAsync("d1", CancellationToken.None))!.RowVersion);
        Assert.Single(await store.LoadEventsAsync("d1", CancellationToken.None), e => e.CommandId == "cmd-x");
        await provider.DisposeAsync();
    }

    [Fact]
    public async Task UnreachableServer_FailsWithATransientErrorThatSaysWhatToDo()
    {
        await using var store = new PostgreSqlProcessStore("Host=127.0.0.1;Port=1;Username=x;Database=nowhere", TimeProvider.System, new PostgreSqlStoreSettings { MaxRetryAttempts = 2, FirstDelay = TimeSpan.FromMilliseconds(10) });

        var error = await Assert.ThrowsAsync<SalesWorkflowStoreException>(() => store.InitializeAsync(CancellationToken.None));

        Assert.True(error.IsTransient);
        Assert.Contains("127.0.0.1:1/nowhere", error.Message, StringComparison.Ordinal);
        Assert.Contains("same command id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingDatabase_IsNotTransientAndSaysToCreateIt()
    {
        var connection = new NpgsqlConnectionStringBuilder(PostgresServer.Shared.AdminConnectionString) { Database = "sw_does_not_exist" }.ConnectionString;
        await using var store = new PostgreSqlProcessStore(connection, TimeProvider.System);

        var error = await Assert.ThrowsAsync<SalesWorkflowStoreException>(() => store.InitializeAsync(CancellationToken.None));

        Assert.False(error.IsTransient);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewerSchema_AsksForAnUpgrade()
    {
        var database = PostgresServer.Shared.CreateDatabase();
        await using (var store = new PostgreSqlProcessStore(database, TimeProvider.System))
        {
            await store.InitializeAsync(CancellationToken.None);
        }

        await ScalarAsync(database, "INSERT INTO schema_info VALUES (99, 'future') RETURNING 1;");
        await using var again = new PostgreSqlProcessStore(database, TimeProvider.System);

        var error = await Assert.ThrowsAsync<SalesWorkflowStoreException>(() => again.InitializeAsync(CancellationToken.None));

        Assert.Contains("newer SalesWorkflow (schema version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForeignTables_AreNotTouched()
    {
        var database = PostgresServer.Shared.CreateDatabase();
        await ScalarAsync(database, "CREATE TABLE instances (id int); SELECT 1;");
        await using var store = new PostgreSqlProcessStore(database, TimeProvider.System);

        var error = await Assert.ThrowsAsync<SalesWorkflowStoreException>(() => store.InitializeAsync(CancellationToken.None));

        Assert.Contains("did not create", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoNodesDispatching_DeliverEveryEventOnceBetweenThem()
    {
        var database = PostgresServer.Shared.CreateDatabase();
        var sink = new RecordingSink();
        var (first, a) = Engine(database, sink);
        var (second, b) = Engine(database, sink);
        for (var i = 0; i < 30; i++)
        {
            await (i % 2 == 0 ? a : b).SubmitAsync(Start($"s{i}", $"d{i}"));
        }

        var maintenanceA = first.GetRequiredService<ISalesWorkflowMaintenance>();
        var maintenanceB = second.GetRequiredService<ISalesWorkflowMaintenance>();
        await Task.WhenAll(maintenanceA.DispatchEventsAsync(), maintenanceB.DispatchEventsAsync());
        await Task.WhenAll(maintenanceA.DispatchEventsAsync(), maintenanceB.DispatchEventsAsync());

        var all = await a.ReadEventsAsync(0, 10_000);
        Assert.Equal(all.Select(e => e.EventId).Order(), sink.Received.Order());
        Assert.Equal(0L, await ScalarAsync(database, "SELECT count(*) FROM outbox;"));
        await first.DisposeAsync();
        await second.DisposeAsync();
    }

    [Fact]
    public async Task ConnectionUri_IsAcceptedLikeAKeywordString()
    {
        var keywords = new NpgsqlConnectionStringBuilder(PostgresServer.Shared.CreateDatabase());
        var uri = $"postgres://{keywords.Username}@{keywords.Host}:{keywords.Port}/{keywords.Database}";
        Assert.True(PostgreSqlOptionsExtensions.IsPostgreSqlConnectionString(uri));
        Assert.False(PostgreSqlOptionsExtensions.IsPostgreSqlConnectionString("salesworkflow.db"));

        var (provider, engine) = Engine(uri);

        Assert.Equal(CommandStatus.Applied, (await engine.SubmitAsync(Start("c1", "d1"))).Status);
        await provider.DisposeAsync();
    }

    private static (ServiceProvider Provider, ISalesWorkflowEngine Engine) Engine(string database, IProcessEventSink? sink = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
        if (sink is not null)
        {
            services.AddSingleton(sink);
        }

        services.AddFirstPartyPlugins();

        services.AddSalesWorkflow(o =>
        {
            o.AddDefinitions(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"));
            o.UsePostgreSql(database);
            o.RunBackgroundServices = false;
        });
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<ISalesWorkflowEngine>());
    }

    private static StartTracking Start(string commandId, string dealId) => new(commandId, dealId, "standard-b2b")
    {
        Opportunity = new Opportunity { Name = "Deal " + dealId, Amount = 250_000, AccountId = "acme", OwnerId = "li-na" },
        Account = new Account { Id = "acme", Industry = "manufacturing" },
        Owner = new Owner { Id = "li-na", OpenDeals = 5, LastActiveAt = Now },
        Contacts = [new Contact { Id = "c1", Name = "Wang", LastContactedAt = Now }],
    };

    private static async Task<long> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed class RecordingSink : IProcessEventSink
    {
        public ConcurrentBag<string> Received { get; } = [];

        public ValueTask EmitAsync(ProcessEvent processEvent, CancellationToken cancellationToken)
        {
            Received.Add(processEvent.EventId);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task FireDueTimers_ATimerOfADealThatIsGone_IsDeleted_NotClaimedForever()
    {
        await using var harness = new EngineHarness();
        await harness.Start("real"); // creates the schema
        await using (var connection = new NpgsqlConnection(harness.Store.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("INSERT INTO timers (deal_id, escalation_id, level, due_at, stage_epoch) VALUES ('ghost', 'stalled', 1, 0, 0);", connection);
            await insert.ExecuteNonQueryAsync();
        }

        Assert.Equal(1, await harness.Maintenance.FireDueTimersAsync());
        Assert.Equal(0, await harness.Maintenance.FireDueTimersAsync());
    }
}
