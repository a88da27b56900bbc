using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Polly;
using Polly.Retry;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Engine.Storage.Relational;

namespace SalesWorkflow.Engine.PostgreSql.Storage;

/// <summary>
/// The multi-node store (DESIGN.md D1): several engine processes share one PostgreSQL database, with no leader. Each
/// command is one READ COMMITTED transaction on a pooled connection that first locks the deal's instance row
/// (<c>SELECT … FOR UPDATE</c>), so commands for one deal are serialised across nodes while other deals run in
/// parallel; the duplicate-command ledger is read after that lock, so a retry on another node sees the first attempt.
/// Due timers and outbox entries are claimed with <c>FOR UPDATE SKIP LOCKED</c> in the transaction that applies their
/// effect, so two nodes never take the same one and a killed node's claims are released by PostgreSQL the moment its
/// connections close. Transient faults (a lost connection, a restarting server, a serialization failure, a deadlock,
/// two nodes creating the same row) roll the transaction back and are retried with backoff by a Polly pipeline; the
/// ledger makes a retried command exactly-once even when the first attempt's commit was lost on the way back.
/// </summary>
internal sealed class PostgreSqlProcessStore : IProcessStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _clock;
    private readonly PostgreSqlResilience _resilience;
    private readonly bool _readOnly;
    private readonly WorkAnnouncer _announcer;
    private readonly string _listenConnectionString;

    public PostgreSqlProcessStore(string connectionString, TimeProvider clock, PostgreSqlStoreSettings? settings = null, bool readOnly = false)
    {
        settings ??= new PostgreSqlStoreSettings();
        var normalized = PostgreSqlConnectionString.Normalize(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(normalized);
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new ArgumentException("The PostgreSQL connection string needs a Host, e.g. \"Host=localhost;Database=salesworkflow;Username=app;Password=…\".", nameof(connectionString));
        }

        // Defaults that suit a store used by short transactions from many callers; anything set explicitly wins.
        // (NpgsqlConnectionStringBuilder.ContainsKey is true for every keyword it knows, set or not, so what was given
        // is read from the string itself.)
        var given = PostgreSqlConnectionString.GivenKeywords(normalized);
        if (!given.Contains("timeout"))
        {
            builder.Timeout = 5;
        }

        if (!given.Contains("maxautoprepare"))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }

        // Npgsql resets a pooled session with DISCARD ALL each time it is opened again, which also drops the session's
        // prepared statements. The store never changes session state (no SET, no temporary tables, advisory locks only
        // transaction-scoped, LISTEN only on its own unpooled session), so there is nothing to reset.
        if (!given.Contains("noresetonclose"))
        {
            builder.NoResetOnClose = true;
        }

        if (!given.Contains("applicationname"))
        {
            builder.ApplicationName = "salesworkflow";
        }

        // Several hosts (a primary and its standbys) carry their ports in Host already.
        Description = builder.Host?.Contains(',', StringComparison.Ordinal) == true
            ? $"{builder.Host}/{builder.Database ?? builder.Username}"
            : $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        _dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        _clock = clock;
        _readOnly = readOnly;
        _resilience = new PostgreSqlResilience(settings, Description);
        _announcer = new WorkAnnouncer(_dataSource);

        // The listening session is long-lived and mostly silent: keepalives notice a dead server or network.
        _listenConnectionString = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { KeepAlive = 10, Pooling = false, MaxAutoPrepare = 0 }.ConnectionString;
    }

    /// <summary>Host, port and database, for messages (never the password).</summary>
    public string Description { get; }

    public bool IsReadOnly => _readOnly;

    public async Task InitializeAsync(CancellationToken cancellationToken) =>
        await _resilience.RunAsync(async ct =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);

            // One node migrates; the others wait on the lock, then find the schema current.
            await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({PostgreSqlSchema.MigrationLockKey});", ct);
            if (connection.PostgreSqlVersion < new Version(15, 0))
            {
                // The tailing cursor orders by transaction id (xid8), whose min/max aggregates arrived in 15.
                throw new SalesWorkflowStoreException(
                    $"The database {Description} runs PostgreSQL {connection.PostgreSqlVersion}; SalesWorkflow needs PostgreSQL 15 or later.", isTransient: false);
            }

            var version = await SchemaVersionAsync(connection, transaction, ct);
            if (version > PostgreSqlSchema.LatestVersion)
            {
                throw new SalesWorkflowStoreException(
                    $"The database {Description} was created by a newer SalesWorkflow (schema version {version}; this version knows up to {PostgreSqlSchema.LatestVersion}). Upgrade SalesWorkflow to use it.",
                    isTransient: false);
            }

            if (_readOnly)
            {
                if (version == 0)
                {
                    throw new SalesWorkflowStoreException($"The database {Description} holds no SalesWorkflow data (no schema_info table).", isTransient: false);
                }

                await transaction.RollbackAsync(ct);
                return true;
            }

            foreach (var (number, _, sql) in PostgreSqlSchema.Migrations.Where(m => m.Version > version))
            {
                await ExecuteAsync(connection, transaction, sql, ct);
                await using var record = Command(connection, transaction, "INSERT INTO schema_info (version, applied_at) VALUES (@version, @at);");
                record.Parameters.AddWithValue("version", number);
                record.Parameters.AddWithValue("at", _clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
                await record.ExecuteNonQueryAsync(ct);
            }

            await RenumberRestoredTransactionsAsync(connection, transaction, ct);
            await transaction.CommitAsync(ct);
            return true;
        }, cancellationToken);

    /// <summary>
    /// A log restored into another cluster (pg_dump and restore, logical replication) keeps the old cluster's
    /// transaction ids, which may lie ahead of this cluster's: new events would then sort before old ones and a tailing
    /// reader would pass over them. When the newest stored id is not behind this transaction's, every stored event is
    /// set to transaction 0, so the restored log reads in sequence order and everything written from now on after it.
    /// Cursors stay valid (they are sequence numbers). A physical standby promoted in a failover keeps the ids and
    /// needs none of this.
    /// </summary>
    private static async Task RenumberRestoredTransactionsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var check = Command(connection, transaction, "SELECT coalesce((SELECT max(tx) FROM events) >= pg_current_xact_id(), false);");
        if (await check.ExecuteScalarAsync(cancellationToken) is true)
        {
            await ExecuteAsync(connection, transaction, "UPDATE events SET tx = '0' WHERE tx <> '0';", cancellationToken);
        }
    }

    private async Task<int> SchemaVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var exists = Command(connection, transaction, "SELECT to_regclass('schema_info') IS NOT NULL, to_regclass('instances') IS NOT NULL;");
        bool hasInfo, hasInstances;
        await using (var reader = await exists.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            (hasInfo, hasInstances) = (reader.GetBoolean(0), reader.GetBoolean(1));
        }

        if (!hasInfo)
        {
            if (hasInstances)
            {
                throw new SalesWorkflowStoreException(
                    $"The database {Description} already has an 'instances' table that SalesWorkflow did not create (no schema_info). Use another database or schema (Search Path=…).",
                    isTransient: false);
            }

            if (_readOnly)
            {
                return 0;
            }

            await ExecuteAsync(connection, transaction, "CREATE TABLE schema_info (version integer NOT NULL, applied_at text NOT NULL);", cancellationToken);
            return 0;
        }

        await using var command = Command(connection, transaction, "SELECT coalesce(max(version), 0) FROM schema_info;");
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task<CommandResult> ExecuteAsync(string commandId, string dealId, Func<StoredDeal?, DealChange> decide, IReadOnlyList<string> sinks, CancellationToken cancellationToken, DecidedOn? decidedOn = null)
    {
        ThrowIfReadOnly();

        // Each attempt is a whole transaction of two round trips: BEGIN, lock and ledger; then the writes and COMMIT.
        // A retry after a lost commit finds the first attempt in the ledger, under this submission's token, and
        // answers as the commit did ("applied"), not "duplicate": the caller submitted once.
        var attempt = Guid.NewGuid().ToString("N");
        return await _resilience.RunAsync(async ct =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            var transaction = new CommandTransaction(connection, sinks);
            try
            {
                var result = await CommandProtocol.RunAsync(transaction, commandId, dealId, decide, decidedOn, attempt, ct);
                if (transaction.IsOpen)
                {
                    // Answered from the ledger: nothing was written.
                    await ExecuteAsync(connection, null, "ROLLBACK;", ct);
                }

                if (transaction.Written is { } decision)
                {
                    Announce(decision, sinks);
                }

                return result;
            }
            catch when (transaction.IsOpen && connection.State == System.Data.ConnectionState.Open)
            {
                await RollBackQuietlyAsync(connection);
                throw;
            }
        }, cancellationToken);
    }

    /// <summary>One command's transaction: begun with the lock, ended by the COMMIT that goes with the writes.</summary>
    private sealed class CommandTransaction(NpgsqlConnection connection, IReadOnlyList<string> sinks) : ICommandTransaction
    {
        /// <summary>Begun and neither committed nor rolled back.</summary>
        public bool IsOpen { get; private set; }

        private StoredDeal? _locked;

        /// <summary>The decision committed, if any.</summary>
        public DealChange? Written { get; private set; }

        public async Task<LockedDeal> LockAsync(string commandId, string dealId, bool loadState, CancellationToken cancellationToken)
        {
            // Lock first, then read the ledger (run in order, in the same round trip as BEGIN): a concurrent attempt of
            // the same command on another node holds the same lock, and READ COMMITTED reads its ledger entry once it
            // has committed. The state comes in the same round trip whether asked for or not.
            await using var batch = new NpgsqlBatch(connection);
            batch.BatchCommands.Add(BatchCommand("BEGIN ISOLATION LEVEL READ COMMITTED;"));
            batch.BatchCommands.Add(BatchCommand("SELECT state_json, row_version FROM instances WHERE deal_id = @deal FOR UPDATE;", ("deal", dealId)));
            batch.BatchCommands.Add(BatchCommand("SELECT result_json FROM commands WHERE command_id = @id;", ("id", commandId)));
            IsOpen = true;
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            _locked = await reader.ReadAsync(cancellationToken) ? ReadDeal(reader, dealId) : null;
            await reader.NextResultAsync(cancellationToken);
            var ledger = await reader.ReadAsync(cancellationToken) ? LedgerEntry.FromJson(reader.GetString(0)) : null;
            return new LockedDeal(ledger, _locked?.RowVersion, _locked);
        }

        // The lock's round trip already read the state (LockAsync returns it whether asked for or not).
        public Task<StoredDeal?> LoadStateAsync(string dealId, CancellationToken cancellationToken) => Task.FromResult(_locked);

        public async Task<IReadOnlyList<DealEvent>> LoadEventsAsync(LedgerEntry entry, CancellationToken cancellationToken)
        {
            var events = new List<DealEvent>();
            if (entry.EventIds.Count == 0)
            {
                return events;
            }

            await using var load = Command(connection, null, "SELECT " + StoredEventRows.Columns + " FROM events WHERE deal_id = @deal AND event_id = ANY(@ids) ORDER BY seq;");
            load.Parameters.AddWithValue("deal", entry.DealId);
            load.Parameters.AddWithValue("ids", entry.EventIds.ToArray());
            await using var reader = await load.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                events.Add(StoredEventRows.Read(reader));
            }

            return events;
        }

        public async Task<IReadOnlyList<DealEvent>> WriteAsync(string commandId, string dealId, long? loadedVersion, DealChange decision, LedgerEntry? ledger, CancellationToken cancellationToken)
        {
            var events = await PostgreSqlProcessStore.WriteAsync(connection, null, dealId, loadedVersion, decision, sinks, ledger is null ? null : (commandId, ledger), cancellationToken, commit: true);
            IsOpen = false;
            Written = decision;
            return events;
        }
    }

    /// <summary>Ends a failed transaction begun with a plain BEGIN before the session goes back to the pool (a broken session is discarded anyway).</summary>
    private static async Task RollBackQuietlyAsync(NpgsqlConnection connection)
    {
        try
        {
            await ExecuteAsync(connection, null, "ROLLBACK;", CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The session is broken: Npgsql does not return it to the pool, and the server rolls the transaction back.
        }
    }

    /// <summary>A row of <c>state_json, row_version</c> starting at <paramref name="first"/>.</summary>
    private static StoredDeal ReadDeal(NpgsqlDataReader reader, string dealId, int first = 0) =>
        new(dealId, reader.GetInt64(first + 1), reader.GetString(first));

    /// <summary>
    /// Writes a decision in one round trip: timers, the instance (checked against the row version it was decided on),
    /// the events with their outbox entries, and the <paramref name="ledger"/> entry when one is given.
    /// </summary>
    private static async Task<IReadOnlyList<DealEvent>> WriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string dealId, long? loadedVersion, DealChange decision, IReadOnlyList<string> sinks, (string CommandId, LedgerEntry Entry)? ledger, CancellationToken cancellationToken, bool commit = false)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (decision.CancelAllTimers)
        {
            batch.BatchCommands.Add(BatchCommand("DELETE FROM timers WHERE deal_id = @deal;", ("deal", dealId)));
        }

        if (decision.CancelTimersOf.Count > 0)
        {
            batch.BatchCommands.Add(BatchCommand(
                "DELETE FROM timers WHERE deal_id = @deal AND escalation_id = ANY(@escalations);",
                ("deal", dealId),
                ("escalations", decision.CancelTimersOf.ToArray())));
        }

        if (decision.NewTimers.Count > 0)
        {
            batch.BatchCommands.Add(BatchCommand(
                "INSERT INTO timers (deal_id, escalation_id, level, due_at, stage_epoch) SELECT * FROM unnest(@deals, @escalations, @levels, @dues, @epochs);",
                ("deals", decision.NewTimers.Select(t => t.DealId).ToArray()),
                ("escalations", decision.NewTimers.Select(t => t.EscalationId).ToArray()),
                ("levels", decision.NewTimers.Select(t => t.Level).ToArray()),
                ("dues", decision.NewTimers.Select(t => t.DueAt.ToUnixTimeMilliseconds()).ToArray()),
                ("epochs", decision.NewTimers.Select(t => t.StageEpoch).ToArray())));
        }

        var stateCommand = -1;
        if (decision.State is { } state)
        {
            var summary = state.Columns;
            stateCommand = batch.BatchCommands.Count;
            batch.BatchCommands.Add(BatchCommand(
                loadedVersion is null
                    ? """
                      INSERT INTO instances (deal_id, process_id, process_version, stage, status, owner_id, team, amount, health, blocked, escalation_level, entered_stage_at, risk_count, updated_at, row_version, state_json)
                      VALUES (@deal, @process, @version, @stage, @status, @owner, @team, @amount, @health, @blocked, @escalation, @entered, @risks, @updated, @row, @json);
                      """
                    : """
                      UPDATE instances SET process_id = @process, process_version = @version, stage = @stage, status = @status, owner_id = @owner, team = @team,
                          amount = @amount, health = @health, blocked = @blocked, escalation_level = @escalation, entered_stage_at = @entered, risk_count = @risks,
                          updated_at = @updated, row_version = @row, state_json = @json
                      WHERE deal_id = @deal AND row_version = @expected;
                      """,
                ("deal", dealId),
                ("process", summary.ProcessId),
                ("version", summary.ProcessVersion),
                ("stage", summary.Stage),
                ("status", summary.Status.ToString().ToLowerInvariant()),
                ("owner", summary.OwnerId),
                ("team", summary.Team),
                ("risks", summary.RiskCount),
                ("amount", summary.Amount),
                ("health", summary.Health),
                ("blocked", summary.Blocked),
                ("escalation", summary.EscalationLevel),
                ("entered", summary.EnteredStageAt.ToUnixTimeMilliseconds()),
                ("updated", state.UpdatedAt.ToUnixTimeMilliseconds()),
                ("row", state.RowVersion),
                ("expected", loadedVersion ?? 0),
                ("json", Json(state.StateJson))));
        }

        // An evaluation shared by several events of the command is stored once (the engine rendered it on one); readers share it back.
        foreach (var e in decision.Events)
        {
            batch.BatchCommands.Add(BatchCommand(
                """
                WITH e AS (
                    INSERT INTO events (event_id, deal_id, type, at, command_id, process_id, process_version, stage, data_json, evaluation_json, actor)
                    VALUES (@id, @deal, @type, @at, @command, @process, @version, @stage, @data, @evaluation, @actor)
                    RETURNING seq),
                o AS (INSERT INTO outbox (event_seq, sink, next_attempt_at, trace_parent) SELECT e.seq, s, @at, @trace FROM e, unnest(@sinks) s)
                SELECT seq FROM e;
                """,
                ("id", e.EventId),
                ("deal", dealId),
                ("type", e.Type),
                ("at", e.At.ToUnixTimeMilliseconds()),
                ("command", decision.Result.CommandId),
                ("process", e.ProcessId),
                ("version", e.ProcessVersion),
                ("stage", e.Stage),
                ("data", Json(e.Data.GetRawText())),
                ("evaluation", Json(e.EvaluationJson)),
                ("actor", new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)e.Actor ?? DBNull.Value }),
                ("sinks", sinks.ToArray()),
                ("trace", new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)decision.TraceParent ?? DBNull.Value })));
        }

        if (ledger is { } toRecord)
        {
            var (ledgerCommandId, entry) = toRecord;
            // The ledger names the command's events by their stable ids, so it goes in the same round trip as they do.
            batch.BatchCommands.Add(BatchCommand(
                "INSERT INTO commands (command_id, deal_id, processed_at, result_json) VALUES (@id, @deal, @at, @json);",
                ("id", ledgerCommandId),
                ("deal", dealId),
                ("at", decision.Events.Count > 0 ? decision.Events[0].At.ToUnixTimeMilliseconds() : 0L),
                ("json", Json(entry.ToJson()))));
        }

        if (commit)
        {
            // The row-version check must fail before the COMMIT that follows in this round trip, so it runs in SQL:
            // the deal's row must now carry the version just written (it cannot differ while the lock is held).
            if (decision.State is { } newState)
            {
                batch.BatchCommands.Add(BatchCommand(
                    "SELECT salesworkflow_check(EXISTS (SELECT 1 FROM instances WHERE deal_id = @deal AND row_version = @row), @message);",
                    ("deal", dealId),
                    ("row", newState.RowVersion),
                    ("message", $"Deal '{dealId}' changed under a write (row version {loadedVersion}); this is a bug in the store's locking.")));
            }

            batch.BatchCommands.Add(BatchCommand("COMMIT;"));
        }

        var written = new List<DealEvent>(decision.Events.Count);
        if (batch.BatchCommands.Count == 0)
        {
            return written;
        }

        // Only the events return rows; the reader's result sets are theirs, in order (Npgsql skips the others).
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            foreach (var e in decision.Events)
            {
                await reader.ReadAsync(cancellationToken);
                written.Add(e.Written(reader.GetInt64(0), dealId, decision.Result.CommandId));
                await reader.NextResultAsync(cancellationToken);
            }

            // The rest (the check, COMMIT): reading through it surfaces an error of any statement.
            while (await reader.NextResultAsync(cancellationToken))
            {
            }
        }

        if (!commit && stateCommand >= 0 && batch.BatchCommands[stateCommand].RecordsAffected != 1)
        {
            throw new InvalidOperationException($"Deal '{dealId}' changed under a write (row version {loadedVersion}); this is a bug in the store's locking.");
        }

        return written;
    }

    private static NpgsqlParameter Json(string? json) => new() { NpgsqlDbType = NpgsqlDbType.Json, Value = (object?)json ?? DBNull.Value };

    private static NpgsqlBatchCommand BatchCommand(string sql, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            if (value is NpgsqlParameter parameter)
            {
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }
            else
            {
                command.Parameters.AddWithValue(name, value);
            }
        }

        return command;
    }

    public async Task<StoredDeal?> LoadAsync(string dealId, CancellationToken cancellationToken) =>
        await _resilience.RunAsync(async ct =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var command = Command(connection, null, "SELECT state_json, row_version FROM instances WHERE deal_id = @deal;");
            command.Parameters.AddWithValue("deal", dealId);
            await using var reader = await command.ExecuteReaderAsync(ct);
            return await reader.ReadAsync(ct) ? ReadDeal(reader, dealId) : null;
        }, cancellationToken);

    public async Task<IReadOnlyList<DealEvent>> LoadEventsAsync(string dealId, CancellationToken cancellationToken) =>
        await ReadEventsAsync("WHERE deal_id = @deal ORDER BY seq", command => command.Parameters.AddWithValue("deal", dealId), cancellationToken);

    /// <summary>
    /// The log after the event numbered <paramref name="afterSequence"/>, in (transaction, sequence) order and only
    /// below the oldest transaction still running (one statement, so one snapshot): whatever commits later has a newer
    /// transaction than anything returned, so a reader following the cursor receives every event exactly once, in a
    /// stable order, even while several nodes write. Transaction-id order can differ from sequence order even on one node
    /// (pooled connections, the sweep's batches); within a deal, sequence order is what happened. Transactions the
    /// server shows running in another database cannot write here and do not hold the horizon back; any the server
    /// does not show (another role's sessions without pg_read_all_stats, prepared transactions) do, to be safe. A
    /// cursor that names no event (a number from another database) resumes after the last event numbered at or below
    /// it. Both bounds are one-time scalars, so the page is one range scan of ix_events_tx_seq.
    /// </summary>
    public async Task<IReadOnlyList<DealEvent>> LoadEventsAfterAsync(long afterSequence, int limit, bool withEvaluations, CancellationToken cancellationToken) =>
        await ReadEventsAsync(
            """
            WHERE events.tx < (SELECT least(pg_snapshot_xmax(snapshot.s), (SELECT min(x) FROM pg_snapshot_xip(snapshot.s) x
                     WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.backend_xid = x::xid AND a.datname IS DISTINCT FROM current_database())))
                  FROM (SELECT pg_current_snapshot() AS s) snapshot)
              AND (events.tx, events.seq) > (coalesce((SELECT e.tx FROM events e WHERE e.seq <= @after ORDER BY e.seq DESC LIMIT 1), '0'::xid8), @after)
            ORDER BY events.tx, events.seq LIMIT @limit
            """, command =>
        {
            command.Parameters.AddWithValue("after", afterSequence);
            command.Parameters.AddWithValue("limit", Math.Clamp(limit, 1, 100_000));
        }, cancellationToken, withEvaluations);

    private async Task<IReadOnlyList<DealEvent>> ReadEventsAsync(string where, Action<NpgsqlCommand> bind, CancellationToken cancellationToken, bool withEvaluations = true) =>
        await _resilience.RunAsync(async ct =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var command = Command(connection, null, StoredEventRows.Select(where, withEvaluations));
            bind(command);
            return await StoredEventRows.ReadAllAsync(command, withEvaluations, ct);
        }, cancellationToken);

    public async Task<KpiLog> LoadKpiLogAsync(CancellationToken cancellationToken) =>
        await _resilience.RunAsync(async ct =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var command = Command(connection, null, "SELECT " + StoredEventRows.ColumnsWithoutEvaluation + " FROM events ORDER BY seq;");
            await using var reader = await command.ExecuteReaderAsync(ct);
            return await StoredEventRows.CondenseAsync(reader, dataAsUtf8: false, ct);
        }, cancellationToken);

    public async Task<IReadOnlyList<DealSummary>> QueryAsync(DealQuery query, CancellationToken cancellationToken) =>
        await _resilience.RunAsync(async ct =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var command = connection.CreateCommand();
            DealQuerySql.Prepare(command, query, '@', static blocked => blocked);
            return await DealQuerySql.ReadAsync(command, ct);
        }, cancellationToken);

    public async Task<int> FireDueTimersAsync(DateTimeOffset now, int batchSize, Func<StoredDeal, IReadOnlyList<TimerRecord>, DealChange?> fire, IReadOnlyList<string> sinks, CancellationToken cancellationToken)
    {
        ThrowIfReadOnly();
        return await _resilience.RunAsync(async ct =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
            var timers = new TimerTransaction(connection, transaction, sinks);
            var fired = await TimerProtocol.FireAsync(timers, now, batchSize, fire, ct);
            if (fired == 0)
            {
                await transaction.RollbackAsync(ct);
                return 0;
            }

            await transaction.CommitAsync(ct);
            foreach (var decision in timers.Written)
            {
                Announce(decision, sinks);
            }

            return fired;
        }, cancellationToken);
    }

    /// <summary>Timers claimed with SKIP LOCKED, so several nodes fire different ones and none waits on another.</summary>
    private sealed class TimerTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<string> sinks) : ITimerTransaction
    {
        public List<DealChange> Written { get; } = [];

        public async Task<IReadOnlyList<TimerRecord>> ClaimDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
        {
            // Timers another node is firing are skipped, not waited for.
            await using var select = Command(connection, transaction, TimerRows.SelectDue('@') + " FOR UPDATE SKIP LOCKED;");
            return await TimerRows.ReadDueAsync(select, '@', now, limit, cancellationToken);
        }

        public async Task<IReadOnlyDictionary<string, StoredDeal?>> LockDealsAsync(IReadOnlyList<string> dealIds, CancellationToken cancellationToken)
        {
            // Deals a command holds are skipped (left out); deals that do not exist map to null, so their timers go.
            var deals = new Dictionary<string, StoredDeal?>(StringComparer.Ordinal);
            await using (var lockDeals = Command(connection, transaction, "SELECT state_json, row_version, deal_id FROM instances WHERE deal_id = ANY(@deals) FOR UPDATE SKIP LOCKED;"))
            {
                lockDeals.Parameters.AddWithValue("deals", dealIds.ToArray());
                await using var reader = await lockDeals.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    deals[reader.GetString(2)] = ReadDeal(reader, reader.GetString(2));
                }
            }

            var notLocked = dealIds.Where(id => !deals.ContainsKey(id)).ToArray();
            if (notLocked.Length > 0)
            {
                await using var exists = Command(connection, transaction, "SELECT deal_id FROM instances WHERE deal_id = ANY(@deals);");
                exists.Parameters.AddWithValue("deals", notLocked);
                var busy = new HashSet<string>(StringComparer.Ordinal);
                await using var reader = await exists.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    busy.Add(reader.GetString(0));
                }

                foreach (var gone in notLocked.Where(id => !busy.Contains(id)))
                {
                    deals[gone] = null;
                }
            }

            return deals;
        }

        public async Task DeleteAsync(IReadOnlyList<TimerRecord> timers, CancellationToken cancellationToken)
        {
            await using var delete = Command(connection, transaction, "DELETE FROM timers WHERE id = ANY(@ids);");
            delete.Parameters.AddWithValue("ids", timers.Select(t => t.Id).ToArray());
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        public async Task WriteAsync(string dealId, long? loadedVersion, DealChange decision, CancellationToken cancellationToken)
        {
            await PostgreSqlProcessStore.WriteAsync(connection, transaction, dealId, loadedVersion, decision, sinks, null, cancellationToken);
            Written.Add(decision);
        }
    }

    public async Task<SweepBatch> SweepBatchAsync(SweepRound round, int batchSize, Func<StoredDeal, DealChange?> reevaluate, IReadOnlyList<string> sinks, CancellationToken cancellationToken)
    {
        ThrowIfReadOnly();
        return await _resilience.RunAsync(async ct =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);

            // Claim: open deals after the round's position that are due, walking the (status, deal_id) index; once they
            // are done, the won deals still in their care period (SweepRound.WonSince), walking the same index. Deals
            // another node's sweep holds are skipped, not waited for, and once it commits they are no longer due; a
            // deal a command holds right now is left to the next round too (the command has just evaluated it). The
            // transaction never waits while it holds these locks, so it cannot deadlock with commands or timers.
            var page = new List<StoredDeal>(batchSize);
            var wonPass = round.AfterWonDealId is not null;
            if (!wonPass)
            {
                await ClaimAsync("SELECT state_json, row_version, deal_id FROM instances WHERE status = 'open' AND deal_id > @after AND next_sweep_at <= @now ORDER BY deal_id LIMIT @limit FOR UPDATE SKIP LOCKED;", round.AfterDealId, wonSince: null);
                wonPass = page.Count == 0 && round.WonSince is not null;
            }

            if (wonPass)
            {
                await ClaimAsync("SELECT state_json, row_version, deal_id FROM instances WHERE status = 'won' AND deal_id > @after AND entered_stage_at >= @wonSince AND next_sweep_at <= @now ORDER BY deal_id LIMIT @limit FOR UPDATE SKIP LOCKED;", round.AfterWonDealId, round.WonSince);
            }

            async Task ClaimAsync(string sql, string? after, DateTimeOffset? wonSince)
            {
                await using var claim = Command(connection, transaction, sql);
                claim.Parameters.AddWithValue("after", after ?? string.Empty);
                if (wonSince is { } since)
                {
                    claim.Parameters.AddWithValue("wonSince", since.ToUnixTimeMilliseconds());
                }

                claim.Parameters.AddWithValue("now", round.Now.ToUnixTimeMilliseconds());
                claim.Parameters.AddWithValue("limit", batchSize);
                await using var reader = await claim.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    page.Add(ReadDeal(reader, reader.GetString(2)));
                }
            }

            if (page.Count == 0)
            {
                await transaction.RollbackAsync(ct);
                return default(SweepBatch);
            }

            // Parsing and evaluating are the costly part: in parallel, while this transaction holds the batch.
            var decisions = new DealChange?[page.Count];
            Parallel.For(0, page.Count, new ParallelOptions { CancellationToken = ct }, i => decisions[i] = reevaluate(page[i]));

            var changed = new List<DealChange>();
            for (var i = 0; i < page.Count; i++)
            {
                if (decisions[i] is { } decision)
                {
                    await WriteAsync(connection, transaction, page[i].DealId, page[i].RowVersion, decision, sinks, null, ct);
                    changed.Add(decision);
                }
            }

            await using (var mark = Command(connection, transaction, "UPDATE instances SET next_sweep_at = @next WHERE deal_id = ANY(@deals);"))
            {
                mark.Parameters.AddWithValue("next", round.NextDue.ToUnixTimeMilliseconds());
                mark.Parameters.AddWithValue("deals", page.Select(p => p.DealId).ToArray());
                await mark.ExecuteNonQueryAsync(ct);
            }

            await transaction.CommitAsync(ct);
            foreach (var decision in changed)
            {
                Announce(decision, sinks);
            }

            // Moved on only once committed: a retried batch claims the same deals again.
            if (wonPass)
            {
                round.AfterWonDealId = page[^1].DealId;
            }
            else
            {
                round.AfterDealId = page[^1].DealId;
            }
            return new SweepBatch(page.Count, changed.Count);
        }, cancellationToken);
    }

    public async Task RegisterProcessVersionAsync(ProcessVersionRecord version, CancellationToken cancellationToken)
    {
        ThrowIfReadOnly();

        // Two nodes starting together may both insert: the loser's unique violation is retried and finds the row.
        await _resilience.RunAsync(async ct =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var select = Command(connection, null, "SELECT content_hash FROM process_versions WHERE process_id = @id AND version = @version;");
            select.Parameters.AddWithValue("id", version.ProcessId);
            select.Parameters.AddWithValue("version", version.Version);
            if (await select.ExecuteScalarAsync(ct) is string stored)
            {
                return stored != version.ContentHash
                    ? throw new ProcessVersionConflictException(version.ProcessId, version.Version, stored, version.ContentHash)
                    : true;
            }

            await using var insert = Command(connection, null, "INSERT INTO process_versions (process_id, version, content_hash, entry_path, sources_json, registered_at) VALUES (@id, @version, @hash, @entry, @sources, @at);");
            insert.Parameters.AddWithValue("id", version.ProcessId);
            insert.Parameters.AddWithValue("version", version.Version);
            insert.Parameters.AddWithValue("hash", version.ContentHash);
            insert.Parameters.AddWithValue("entry", version.EntryPath);
            insert.Parameters.Add(Named(Json(ProcessVersionRows.SourcesJson(version)), "sources"));
            insert.Parameters.AddWithValue("at", _clock.GetUtcNow().ToUnixTimeMilliseconds());
            await insert.ExecuteNonQueryAsync(ct);
            return true;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<ProcessVersionRecord>> LoadProcessVersionsAsync(CancellationToken cancellationToken) =>
        await _resilience.RunAsync(async ct =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var command = Command(connection, null, ProcessVersionRows.SelectAll);
            return await ProcessVersionRows.ReadAllAsync(command, ct);
        }, cancellationToken);

    public async Task<IReadOnlyList<OutboxEntry>> ClaimOutboxAsync(DateTimeOffset now, int batchSize, TimeSpan lease, CancellationToken cancellationToken)
    {
        ThrowIfReadOnly();

        // Claimed and leased in one statement: SKIP LOCKED keeps two nodes' dispatchers off the same entries.
        return await _resilience.RunAsync(async ct =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            // The event's columns are the shared list, so a column added to it (actor) cannot be missed here.
            await using var command = Command(connection, null, """
                WITH claimed AS (
                    SELECT id FROM outbox WHERE NOT dead_lettered AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT @limit FOR UPDATE SKIP LOCKED),
                leased AS (
                    UPDATE outbox o SET next_attempt_at = @until FROM claimed WHERE o.id = claimed.id RETURNING o.id, o.sink, o.attempts, o.event_seq, o.trace_parent)
                SELECT l.id, l.sink, l.attempts, l.trace_parent, 
                """ + string.Join(", ", StoredEventRows.Columns.Split(", ").Select(c => "e." + c)) + """

                FROM leased l JOIN events e ON e.seq = l.event_seq ORDER BY l.id;
                """);
            command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("until", (now + lease).ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("limit", batchSize);
            await using var reader = await command.ExecuteReaderAsync(ct);
            var claimed = new List<OutboxEntry>();
            while (await reader.ReadAsync(ct))
            {
                claimed.Add(new OutboxEntry(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), StoredEventRows.Read(reader, 4))
                {
                    TraceParent = reader.IsDBNull(3) ? null : reader.GetString(3),
                });
            }

            return (IReadOnlyList<OutboxEntry>)claimed;
        }, cancellationToken);
    }

    public async Task<OutboxStatus?> ReadOutboxStatusAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        await _resilience.RunAsync(async ct =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var command = Command(connection, null, """
                SELECT count(*) FILTER (WHERE NOT dead_lettered), count(*) FILTER (WHERE dead_lettered),
                       min(next_attempt_at) FILTER (WHERE NOT dead_lettered AND next_attempt_at <= @now)
                FROM outbox;
                """);
            command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return (OutboxStatus?)new OutboxStatus(reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)));
        }, cancellationToken);

    public async Task CompleteOutboxAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        ThrowIfReadOnly();
        if (ids.Count == 0)
        {
            return;
        }

        await _resilience.RunAsync(async ct =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var command = Command(connection, null, "DELETE FROM outbox WHERE id = ANY(@ids);");
            command.Parameters.AddWithValue("ids", ids.ToArray());
            await command.ExecuteNonQueryAsync(ct);
            return true;
        }, cancellationToken);
    }

    public async Task FailOutboxAsync(long id, string failure, DateTimeOffset? retryAt, CancellationToken cancellationToken)
    {
        ThrowIfReadOnly();
        await _resilience.RunAsync(async ct =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var command = Command(connection, null, "UPDATE outbox SET attempts = attempts + 1, last_error = @error, next_attempt_at = @next, dead_lettered = @dead WHERE id = @id;");
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("error", failure);
            command.Parameters.AddWithValue("next", (retryAt ?? _clock.GetUtcNow()).ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("dead", retryAt is null);
            await command.ExecuteNonQueryAsync(ct);
            return true;
        }, cancellationToken);
    }

    /// <summary>Tells the nodes (through <see cref="WorkAnnouncer"/>) about committed work that is ready now: outbox entries, timers already due.</summary>
    private void Announce(DealChange decision, IReadOnlyList<string> sinks)
    {
        if (decision.Events.Count > 0 && sinks.Count > 0)
        {
            _announcer.Announce(StoreWork.Outbox);
        }

        if (decision.NewTimers.Count > 0)
        {
            var now = _clock.GetUtcNow();
            if (decision.NewTimers.Any(t => t.DueAt <= now))
            {
                _announcer.Announce(StoreWork.Timers);
            }
        }
    }

    public async Task ListenForWorkAsync(Action<StoreWork> onWork, CancellationToken cancellationToken)
    {
        // Reconnects with backoff for as long as the node runs: announcements are a hint, polling covers any gap.
        var reconnect = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(5),
                UseJitter = true,
            })
            .Build();
        try
        {
            await reconnect.ExecuteAsync(async ct =>
            {
                await using var connection = new NpgsqlConnection(_listenConnectionString);
                connection.Notification += (_, e) =>
                {
                    if (WorkAnnouncer.Parse(e.Payload) is { } work)
                    {
                        onWork(work);
                    }
                };
                await connection.OpenAsync(ct);
                await ExecuteAsync(connection, null, "LISTEN " + WorkAnnouncer.Channel + ";", ct);

                // Whatever was announced while this session was not listening is lost: look once now.
                onWork(StoreWork.Timers);
                onWork(StoreWork.Outbox);
                while (true)
                {
                    await connection.WaitAsync(ct);
                }
            }, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The node is stopping.
        }
    }

    /// <summary>For tests: runs a query on a session from this store's pool.</summary>
    internal async Task<long> ScalarOnPooledSessionAsync(string sql)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = Command(connection, null, sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>For containers disposed synchronously: closing does no network or long file I/O.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        await _announcer.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    private void ThrowIfReadOnly()
    {
        if (_readOnly)
        {
            throw new SalesWorkflowStoreException($"The database {Description} was opened read-only, so it cannot record commands.", isTransient: false);
        }
    }

    private static NpgsqlParameter Named(NpgsqlParameter parameter, string name)
    {
        parameter.ParameterName = name;
        return parameter;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql) => new(sql, connection, transaction);

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
