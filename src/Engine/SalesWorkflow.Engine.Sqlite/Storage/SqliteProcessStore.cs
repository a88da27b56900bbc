using System.Globalization;
using Microsoft.Data.Sqlite;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Engine.Storage.Relational;

namespace SalesWorkflow.Engine.Sqlite.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. Writes go through one connection (<c>BEGIN IMMEDIATE</c>, so other
/// processes wait on the file lock rather than fail); reads use pooled connections and never block writes. Commands
/// queue for the writer, which commits them in batches ("group commit"): one transaction per batch, a savepoint per
/// command, so one command's failure never touches another's, and no caller hears "applied" before the commit.
/// </summary>
internal sealed class SqliteProcessStore : IProcessStore
{
    private string _connectionString;
    private readonly bool _readOnly;
    private bool _leftSideFiles;

    // Read-only on an older schema: the views that give its tables today's columns (SqliteSchema.ReadOnlyCompatibility).
    private string? _compatibility;
    private readonly bool _fullSync;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    /// <summary>Held by whatever uses the writer connection: a batch of commands, a timer firing, a checkpoint.</summary>
    internal SemaphoreSlim WriteGate => _writeGate;
    private readonly Dictionary<string, SqliteCommand> _statements = new(StringComparer.Ordinal);
    private SqliteConnection? _writer;
    private SqliteGroupCommit? _groupCommit;

    public SqliteProcessStore(string connectionString, TimeProvider clock, bool readOnly = false, bool fullSync = false)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            throw new ArgumentException("The SQLite connection string needs a Data Source, e.g. \"Data Source=salesworkflow.db\".", nameof(connectionString));
        }

        readOnly |= builder.Mode == SqliteOpenMode.ReadOnly;
        builder.Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate;
        builder.Pooling = true;
        builder.DefaultTimeout = Math.Max(builder.DefaultTimeout, 30);
        _connectionString = builder.ToString();
        DataSource = builder.DataSource;
        _readOnly = readOnly;
        _fullSync = fullSync;
        _clock = clock;
    }

    public string DataSource { get; }

    public bool IsReadOnly => _readOnly;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await Guard(async () =>
        {
            if (_readOnly)
            {
                if (!File.Exists(DataSource) && DataSource != ":memory:")
                {
                    throw new SalesWorkflowStoreException($"The database '{DataSource}' does not exist.", isTransient: false);
                }

                try
                {
                    var sideFilesBefore = File.Exists(DataSource + "-wal") || File.Exists(DataSource + "-shm");
                    await using var reader = await OpenAsync(cancellationToken);
                    _compatibility = SqliteSchema.ReadOnlyCompatibility(CheckSchemaVersion(await SchemaVersionAsync(reader, readOnly: true, cancellationToken)));
                    _leftSideFiles = !sideFilesBefore && (File.Exists(DataSource + "-wal") || File.Exists(DataSource + "-shm"));
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode == 14 && !File.Exists(DataSource + "-wal") && !File.Exists(DataSource + "-shm"))
                {
                    // A database on read-only media (a mounted backup, a folder this user cannot write): a WAL database
                    // needs its shared-memory file next to it, which cannot be created there. With no -wal file no
                    // writer has it open, so it is read as immutable (SQLite then takes no locks and needs no -shm).
                    _connectionString = ImmutableConnectionString(_connectionString, DataSource);
                    await using var reader = await OpenAsync(cancellationToken);
                    _compatibility = SqliteSchema.ReadOnlyCompatibility(CheckSchemaVersion(await SchemaVersionAsync(reader, readOnly: true, cancellationToken)));
                }

                return;
            }

            // The file is checked before anything changes it: another application's database is refused as it was
            // found, not after being switched to WAL.
            _writer = await OpenAsync(cancellationToken);
            var version = await SchemaVersionAsync(_writer, readOnly: false, cancellationToken);
            CheckSchemaVersion(version);
            await ExecuteAsync(_writer, $"PRAGMA journal_mode = WAL; PRAGMA synchronous = {(_fullSync ? "FULL" : "NORMAL")}; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = 0;", cancellationToken);
            foreach (var (number, _, sql) in SqliteSchema.Migrations.Where(m => m.Version > version))
            {
                await using var transaction = (SqliteTransaction)await _writer.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(_writer, sql, cancellationToken, transaction);
                await ExecuteAsync(_writer, $"INSERT INTO schema_info (version, applied_at) VALUES ({number}, '{_clock.GetUtcNow():O}');", cancellationToken, transaction);
                await transaction.CommitAsync(cancellationToken);
            }

            _groupCommit = new SqliteGroupCommit(this);
        });
    }

    private static string ImmutableConnectionString(string connectionString, string path) =>
        new SqliteConnectionStringBuilder(connectionString)
        {
            // An absolute file: URI, percent-encoded, so that '?', '#' and '%' in the path stay part of it.
            DataSource = new Uri(Path.GetFullPath(path)).AbsoluteUri + "?immutable=1",
        }.ToString();

    private static int CheckSchemaVersion(int version)
    {
        if (version > SqliteSchema.LatestVersion)
        {
            throw new SalesWorkflowStoreException(
                $"The database was created by a newer SalesWorkflow (schema version {version}; this version knows up to {SqliteSchema.LatestVersion}). Upgrade SalesWorkflow to open it.",
                isTransient: false);
        }

        return version;
    }

    private static async Task<int> SchemaVersionAsync(SqliteConnection connection, bool readOnly, CancellationToken cancellationToken)
    {
        await using var exists = connection.CreateCommand();
        exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_info';";
        if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 0)
        {
            await using var tables = connection.CreateCommand();
            tables.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table';";
            if (Convert.ToInt64(await tables.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) > 0)
            {
                throw new SalesWorkflowStoreException("The file is an SQLite database, but not a SalesWorkflow one (it has tables and no schema_info). Use another file.", isTransient: false);
            }

            if (readOnly)
            {
                throw new SalesWorkflowStoreException($"The file '{connection.DataSource}' is empty: it holds no SalesWorkflow database yet, so there is nothing to read. Name the database a SalesWorkflow command wrote.", isTransient: false);
            }

            if (connection.DataSource is not null && File.Exists(connection.DataSource) && new FileInfo(connection.DataSource).IsReadOnly)
            {
                throw new SalesWorkflowStoreException($"The database file '{connection.DataSource}' is read-only; SalesWorkflow needs to write to it.", isTransient: false);
            }

            await using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE schema_info (version INTEGER NOT NULL, applied_at TEXT NOT NULL);";
            await create.ExecuteNonQueryAsync(cancellationToken);
            return 0;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(max(version), 0) FROM schema_info;";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task<CommandResult> ExecuteAsync(string commandId, string dealId, Func<StoredDeal?, DealChange> decide, IReadOnlyList<string> sinks, CancellationToken cancellationToken, DecidedOn? decidedOn = null)
    {
        if (_readOnly)
        {
            throw ReadOnlyStore();
        }

        _ = Writer();
        var request = new WriteRequest(commandId, dealId, decide, sinks)
        {
            Ahead = decidedOn ?? await DecideAheadAsync(dealId, decide, cancellationToken),
        };
        if (_groupCommit is null || !_groupCommit.TryEnqueue(request))
        {
            throw new ObjectDisposedException(nameof(SqliteProcessStore), "The store is shut down.");
        }

        // Cancelling stops the wait, not the command: it may still commit, and a retry with the same id is answered as a duplicate.
        return await request.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Decides the command on the deal as last committed, on the caller's thread, so that loading, evaluating and
    /// rendering JSON run in parallel and the single writer only checks and writes. The writer uses this change only
    /// if the deal's row version is still the one it was made on; otherwise it decides again (deciding is pure).
    /// </summary>
    private async Task<DecidedOn?> DecideAheadAsync(string dealId, Func<StoredDeal?, DealChange> decide, CancellationToken cancellationToken)
    {
        try
        {
            var row = await LoadAsync(dealId, cancellationToken);
            return new DecidedOn(row?.RowVersion, decide(row));
        }
#pragma warning disable CA1031 // Deciding ahead is an optimisation: any failure is left to the writer, which decides again and reports it.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    internal sealed record WriteRequest(string CommandId, string DealId, Func<StoredDeal?, DealChange> Decide, IReadOnlyList<string> Sinks)
    {
        public DecidedOn? Ahead { get; init; }

        public TaskCompletionSource<CommandResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    internal Task<CommandResult> ExecuteOneAsync(SqliteConnection writer, SqliteTransaction transaction, WriteRequest request) =>
        CommandProtocol.RunAsync(
            new CommandTransaction(this, writer, transaction, request.Sinks),
            request.CommandId,
            request.DealId,
            request.Decide,
            request.Ahead,
            attempt: null, // one attempt: a failed commit is reported, never retried here
            CancellationToken.None);

    /// <summary>
    /// One command inside the writer's batch transaction (its own savepoint). The single writer holds the database's
    /// write lock for the whole batch, so locking the deal is implicit.
    /// </summary>
    private sealed class CommandTransaction(SqliteProcessStore store, SqliteConnection writer, SqliteTransaction transaction, IReadOnlyList<string> sinks) : ICommandTransaction
    {
        public async Task<LockedDeal> LockAsync(string commandId, string dealId, bool loadState, CancellationToken cancellationToken)
        {
            var ledger = store.Statement(writer, transaction, "SELECT result_json FROM commands WHERE command_id = $id;");
            ledger.Parameters.AddWithValue("$id", commandId);
            if (await ledger.ExecuteScalarAsync(cancellationToken) is string json)
            {
                return new LockedDeal(LedgerEntry.FromJson(json), null, null);
            }

            if (!loadState)
            {
                return new LockedDeal(null, await store.LoadRowVersionAsync(writer, transaction, dealId), null);
            }

            var state = await store.LoadAsync(writer, transaction, dealId, cancellationToken);
            return new LockedDeal(null, state?.RowVersion, state);
        }

        public Task<StoredDeal?> LoadStateAsync(string dealId, CancellationToken cancellationToken) => store.LoadAsync(writer, transaction, dealId, cancellationToken);

        public async Task<IReadOnlyList<DealEvent>> LoadEventsAsync(LedgerEntry entry, CancellationToken cancellationToken)
        {
            // By sequence number (the primary key) where the ledger has them, as every SQLite ledger does.
            var bySeq = entry.EventSeqs.Count > 0;
            var events = new List<DealEvent>();
            foreach (var key in bySeq ? entry.EventSeqs.Cast<object>() : entry.EventIds)
            {
                var load = store.Statement(writer, transaction, "SELECT " + StoredEventRows.Columns + (bySeq
                    ? " FROM events WHERE seq = $key;"
                    : " FROM events WHERE deal_id = $deal AND event_id = $key;"));
                load.Parameters.AddWithValue("$key", key);
                if (!bySeq)
                {
                    load.Parameters.AddWithValue("$deal", entry.DealId);
                }

                await using var reader = await load.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    events.Add(StoredEventRows.Read(reader));
                }
            }

            return events;
        }

        public async Task<IReadOnlyList<DealEvent>> WriteAsync(string commandId, string dealId, long? loadedVersion, DealChange change, LedgerEntry? ledger, CancellationToken cancellationToken)
        {
            var events = await store.WriteAsync(writer, transaction, dealId, loadedVersion, change, sinks, cancellationToken);
            if (ledger is not null)
            {
                var insert = store.Statement(writer, transaction, "INSERT INTO commands (command_id, deal_id, processed_at, result_json) VALUES ($id, $deal, $at, $json);");
                insert.Parameters.AddWithValue("$id", commandId);
                insert.Parameters.AddWithValue("$deal", dealId);
                insert.Parameters.AddWithValue("$at", events.Count > 0 ? events[0].At.ToUnixTimeMilliseconds() : 0);
                insert.Parameters.AddWithValue("$json", (ledger with { EventSeqs = [.. events.Select(e => e.Sequence)] }).ToJson());
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            return events;
        }
    }

    private async Task<long?> LoadRowVersionAsync(SqliteConnection writer, SqliteTransaction transaction, string dealId)
    {
        var command = Statement(writer, transaction, "SELECT row_version FROM instances WHERE deal_id = $deal;");
        command.Parameters.AddWithValue("$deal", dealId);
        return await command.ExecuteScalarAsync() is long version ? version : null;
    }

    /// <summary>A prepared statement of the writer connection, reused across commands (preparing costs more than running).</summary>
    internal SqliteCommand Statement(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        if (!ReferenceEquals(connection, _writer))
        {
            return Command(connection, transaction, sql);
        }

        if (!_statements.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            _statements[sql] = command;
        }

        command.Parameters.Clear();
        command.Transaction = transaction;
        return command;
    }

    private async Task<IReadOnlyList<DealEvent>> WriteAsync(
        SqliteConnection connection, SqliteTransaction transaction, string dealId, long? loadedVersion, DealChange decision, IReadOnlyList<string> sinks, CancellationToken cancellationToken)
    {
        if (decision.CancelAllTimers)
        {
            var delete = Statement(connection, transaction, "DELETE FROM timers WHERE deal_id = $deal;");
            delete.Parameters.AddWithValue("$deal", dealId);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var escalation in decision.CancelTimersOf)
        {
            var delete = Statement(connection, transaction, "DELETE FROM timers WHERE deal_id = $deal AND escalation_id = $escalation;");
            delete.Parameters.AddWithValue("$deal", dealId);
            delete.Parameters.AddWithValue("$escalation", escalation);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        if (decision.NewTimers.Count > 0)
        {
            var insert = Statement(connection, transaction, "INSERT INTO timers (deal_id, escalation_id, level, due_at, stage_epoch) VALUES ($deal, $escalation, $level, $due, $epoch);");
            var deal = insert.Parameters.Add("$deal", SqliteType.Text);
            var escalation = insert.Parameters.Add("$escalation", SqliteType.Text);
            var level = insert.Parameters.Add("$level", SqliteType.Integer);
            var due = insert.Parameters.Add("$due", SqliteType.Integer);
            var epoch = insert.Parameters.Add("$epoch", SqliteType.Integer);
            foreach (var timer in decision.NewTimers)
            {
                deal.Value = timer.DealId;
                escalation.Value = timer.EscalationId;
                level.Value = timer.Level;
                due.Value = timer.DueAt.ToUnixTimeMilliseconds();
                epoch.Value = timer.StageEpoch;
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        if (decision.State is { } state)
        {
            var upsert = Statement(connection, transaction, loadedVersion is null
                ? """
                  INSERT INTO instances (deal_id, process_id, process_version, stage, status, owner_id, team, amount, health, blocked, escalation_level, entered_stage_at, risk_count, updated_at, row_version, state_json)
                  VALUES ($deal, $process, $version, $stage, $status, $owner, $team, $amount, $health, $blocked, $escalation, $entered, $risks, $updated, $row, $json);
                  """
                : """
                  UPDATE instances SET process_id = $process, process_version = $version, stage = $stage, status = $status, owner_id = $owner, team = $team,
                      amount = $amount, health = $health, blocked = $blocked, escalation_level = $escalation, entered_stage_at = $entered, risk_count = $risks,
                      updated_at = $updated, row_version = $row, state_json = $json
                  WHERE deal_id = $deal AND row_version = $expected;
                  """);
            var summary = state.Columns;
            upsert.Parameters.AddWithValue("$deal", dealId);
            upsert.Parameters.AddWithValue("$process", summary.ProcessId);
            upsert.Parameters.AddWithValue("$version", summary.ProcessVersion);
            upsert.Parameters.AddWithValue("$stage", summary.Stage);
            upsert.Parameters.AddWithValue("$status", summary.Status.ToString().ToLowerInvariant());
            upsert.Parameters.AddWithValue("$owner", summary.OwnerId);
            upsert.Parameters.AddWithValue("$team", summary.Team);
            upsert.Parameters.AddWithValue("$risks", summary.RiskCount);
            upsert.Parameters.AddWithValue("$amount", summary.Amount.ToString(CultureInfo.InvariantCulture));
            upsert.Parameters.AddWithValue("$health", summary.Health);
            upsert.Parameters.AddWithValue("$blocked", summary.Blocked ? 1 : 0);
            upsert.Parameters.AddWithValue("$escalation", summary.EscalationLevel);
            upsert.Parameters.AddWithValue("$entered", summary.EnteredStageAt.ToUnixTimeMilliseconds());
            upsert.Parameters.AddWithValue("$updated", state.UpdatedAt.ToUnixTimeMilliseconds());
            upsert.Parameters.AddWithValue("$row", state.RowVersion);
            upsert.Parameters.AddWithValue("$expected", loadedVersion ?? 0);
            upsert.Parameters.AddWithValue("$json", state.StateJson);
            if (await upsert.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                throw new InvalidOperationException($"Deal '{dealId}' changed under a write (row version {loadedVersion}); this is a bug in the store's locking.");
            }
        }

        var written = new List<DealEvent>(decision.Events.Count);
        if (decision.Events.Count == 0)
        {
            return written;
        }

        var insertEvent = Statement(connection, transaction, """
            INSERT INTO events (event_id, deal_id, type, at, command_id, process_id, process_version, stage, data_json, evaluation_json, actor)
            VALUES ($id, $deal, $type, $at, $command, $process, $version, $stage, $data, $evaluation, $actor)
            RETURNING seq;
            """);
        var insertOutbox = Statement(connection, transaction, "INSERT INTO outbox (event_seq, sink, next_attempt_at, trace_parent) VALUES ($seq, $sink, $at, $trace);");
        foreach (var e in decision.Events)
        {
            insertEvent.Parameters.Clear();
            insertEvent.Parameters.AddWithValue("$id", e.EventId);
            insertEvent.Parameters.AddWithValue("$deal", dealId);
            insertEvent.Parameters.AddWithValue("$type", e.Type);
            insertEvent.Parameters.AddWithValue("$at", e.At.ToUnixTimeMilliseconds());
            insertEvent.Parameters.AddWithValue("$command", decision.Result.CommandId);
            insertEvent.Parameters.AddWithValue("$process", e.ProcessId);
            insertEvent.Parameters.AddWithValue("$version", e.ProcessVersion);
            insertEvent.Parameters.AddWithValue("$stage", e.Stage);
            insertEvent.Parameters.AddWithValue("$data", e.Data.GetRawText());
            insertEvent.Parameters.AddWithValue("$evaluation", (object?)e.EvaluationJson ?? DBNull.Value);
            insertEvent.Parameters.AddWithValue("$actor", (object?)e.Actor ?? DBNull.Value);
            var seq = Convert.ToInt64(await insertEvent.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            foreach (var sink in sinks)
            {
                insertOutbox.Parameters.Clear();
                insertOutbox.Parameters.AddWithValue("$seq", seq);
                insertOutbox.Parameters.AddWithValue("$sink", sink);
                insertOutbox.Parameters.AddWithValue("$at", e.At.ToUnixTimeMilliseconds());
                insertOutbox.Parameters.AddWithValue("$trace", (object?)decision.TraceParent ?? DBNull.Value);
                await insertOutbox.ExecuteNonQueryAsync(cancellationToken);
            }

            written.Add(e.Written(seq, dealId, decision.Result.CommandId));
        }

        return written;
    }

    public async Task<StoredDeal?> LoadAsync(string dealId, CancellationToken cancellationToken) =>
        await Guard(async () =>
        {
            await using var connection = await OpenAsync(cancellationToken);
            return await LoadAsync(connection, null, dealId, cancellationToken);
        });

    private async Task<StoredDeal?> LoadAsync(SqliteConnection connection, SqliteTransaction? transaction, string dealId, CancellationToken cancellationToken)
    {
        var command = Statement(connection, transaction, "SELECT state_json, row_version FROM instances WHERE deal_id = $deal;");
        try
        {
            command.Parameters.AddWithValue("$deal", dealId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            return new StoredDeal(dealId, reader.GetInt64(1), reader.GetString(0));
        }
        finally
        {
            if (!ReferenceEquals(connection, _writer))
            {
                await command.DisposeAsync();
            }
        }
    }

    public async Task<IReadOnlyList<DealEvent>> LoadEventsAsync(string dealId, CancellationToken cancellationToken) =>
        await ReadEventsAsync("WHERE deal_id = $deal ORDER BY seq", command => command.Parameters.AddWithValue("$deal", dealId), cancellationToken);

    public async Task<IReadOnlyList<DealEvent>> LoadEventsAfterAsync(long afterSequence, int limit, bool withEvaluations, CancellationToken cancellationToken) =>
        await ReadEventsAsync("WHERE seq > $after ORDER BY seq LIMIT $limit", command =>
        {
            command.Parameters.AddWithValue("$after", afterSequence);
            command.Parameters.AddWithValue("$limit", Math.Clamp(limit, 1, 100_000));
        }, cancellationToken, withEvaluations);

    private async Task<IReadOnlyList<DealEvent>> ReadEventsAsync(string where, Action<SqliteCommand> bind, CancellationToken cancellationToken, bool withEvaluations = true) =>
        await Guard(async () =>
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = Command(connection, null, StoredEventRows.Select(where, withEvaluations));
            bind(command);
            return await StoredEventRows.ReadAllAsync(command, withEvaluations, cancellationToken);
        });

    public async Task<KpiLog> LoadKpiLogAsync(CancellationToken cancellationToken) =>
        await Guard(async () =>
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = Command(connection, null, "SELECT " + StoredEventRows.ColumnsWithoutEvaluation + " FROM events ORDER BY seq;");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await StoredEventRows.CondenseAsync(reader, dataAsUtf8: true, cancellationToken);
        });

    public async Task<IReadOnlyList<DealSummary>> QueryAsync(DealQuery query, CancellationToken cancellationToken) =>
        await Guard(async () =>
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            DealQuerySql.Prepare(command, query, '$', static blocked => blocked ? 1 : 0);
            return await DealQuerySql.ReadAsync(command, cancellationToken);
        });

    public async Task<int> FireDueTimersAsync(DateTimeOffset now, int batchSize, Func<StoredDeal, IReadOnlyList<TimerRecord>, DealChange?> fire, IReadOnlyList<string> sinks, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            return await Guard(async () =>
            {
                var writer = Writer();
                await using var transaction = writer.BeginTransaction(deferred: false);
                var fired = await TimerProtocol.FireAsync(new TimerTransaction(this, writer, transaction, sinks), now, batchSize, fire, cancellationToken);
                if (fired > 0)
                {
                    await transaction.CommitAsync(cancellationToken);
                }
                else
                {
                    await transaction.RollbackAsync(cancellationToken);
                }

                return fired;
            });
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Timers on the writer connection, in a transaction that holds the database's write lock: no deal is ever busy.</summary>
    private sealed class TimerTransaction(SqliteProcessStore store, SqliteConnection writer, SqliteTransaction transaction, IReadOnlyList<string> sinks) : ITimerTransaction
    {
        public async Task<IReadOnlyList<TimerRecord>> ClaimDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
        {
            await using var select = Command(writer, transaction, TimerRows.SelectDue('$') + ";");
            return await TimerRows.ReadDueAsync(select, '$', now, limit, cancellationToken);
        }

        public async Task<IReadOnlyDictionary<string, StoredDeal?>> LockDealsAsync(IReadOnlyList<string> dealIds, CancellationToken cancellationToken)
        {
            var deals = new Dictionary<string, StoredDeal?>(StringComparer.Ordinal);
            foreach (var dealId in dealIds)
            {
                deals[dealId] = await store.LoadAsync(writer, transaction, dealId, cancellationToken);
            }

            return deals;
        }

        public async Task DeleteAsync(IReadOnlyList<TimerRecord> timers, CancellationToken cancellationToken)
        {
            await using var delete = Command(writer, transaction, "DELETE FROM timers WHERE id = $id;");
            var id = delete.Parameters.Add("$id", SqliteType.Integer);
            foreach (var timer in timers)
            {
                id.Value = timer.Id;
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        public Task WriteAsync(string dealId, long? loadedVersion, DealChange change, CancellationToken cancellationToken) =>
            store.WriteAsync(writer, transaction, dealId, loadedVersion, change, sinks, cancellationToken);
    }

    /// <summary>
    /// One node only: pages through every open deal in id order; evaluating the page runs in parallel, and the changes
    /// go to the writer together (one group commit), each re-decided if a command changed its deal meanwhile.
    /// </summary>
    public async Task<SweepBatch> SweepBatchAsync(SweepRound round, int batchSize, Func<StoredDeal, DealChange?> reevaluate, IReadOnlyList<string> sinks, CancellationToken cancellationToken)
    {
        var page = await LoadSweepPageAsync(round.AfterDealId, round.WonSince, batchSize, cancellationToken);
        if (page.Count == 0)
        {
            return default;
        }

        round.AfterDealId = page[^1].DealId;
        var decisions = new DealChange?[page.Count];
        Parallel.For(0, page.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => decisions[i] = reevaluate(page[i]));
        var writes = new List<Task<CommandResult>>();
        for (var i = 0; i < page.Count; i++)
        {
            if (decisions[i] is not { } decision)
            {
                continue;
            }

            var dealId = page[i].DealId;
            writes.Add(ExecuteAsync(decision.Result.CommandId, dealId, current =>
                current is null ? DealChange.Unchanged(dealId) : reevaluate(current) ?? DealChange.Unchanged(dealId), sinks, cancellationToken, new DecidedOn(page[i].RowVersion, decision)));
        }

        var changed = 0;
        foreach (var result in await Task.WhenAll(writes))
        {
            changed += result.Events.Count > 0 || result.Status == CommandStatus.Applied ? 1 : 0;
        }

        return new SweepBatch(page.Count, changed);
    }

    // Open deals, and won ones still in their care period: each branch walks the (status, deal_id) index from the
    // page's start, so neither scans deals of the other status.
    private const string SweepPageSql = """
        SELECT deal_id, row_version, state_json FROM (
            SELECT deal_id, row_version, state_json FROM instances WHERE status = 'open' AND deal_id > $after ORDER BY deal_id LIMIT $limit)
        UNION ALL
        SELECT deal_id, row_version, state_json FROM (
            SELECT deal_id, row_version, state_json FROM instances WHERE status = 'won' AND deal_id > $after AND entered_stage_at >= $wonSince ORDER BY deal_id LIMIT $limit)
        ORDER BY deal_id LIMIT $limit;
        """;

    private async Task<IReadOnlyList<StoredDeal>> LoadSweepPageAsync(string? afterDealId, DateTimeOffset? wonSince, int pageSize, CancellationToken cancellationToken) =>
        await Guard(async () =>
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = Command(connection, null, SweepPageSql);
            command.Parameters.AddWithValue("$after", afterDealId ?? string.Empty);
            command.Parameters.AddWithValue("$limit", pageSize);
            // No won deal entered its stage after the end of time: the won branch finds nothing.
            command.Parameters.AddWithValue("$wonSince", wonSince?.ToUnixTimeMilliseconds() ?? long.MaxValue);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var page = new List<StoredDeal>(pageSize);
            while (await reader.ReadAsync(cancellationToken))
            {
                page.Add(new StoredDeal(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
            }

            return (IReadOnlyList<StoredDeal>)page;
        });

    public async Task RegisterProcessVersionAsync(ProcessVersionRecord version, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await Guard(async () =>
            {
                var writer = Writer();
                await using var transaction = writer.BeginTransaction(deferred: false);
                await using var select = Command(writer, transaction, "SELECT content_hash FROM process_versions WHERE process_id = $id AND version = $version;");
                select.Parameters.AddWithValue("$id", version.ProcessId);
                select.Parameters.AddWithValue("$version", version.Version);
                if (await select.ExecuteScalarAsync(cancellationToken) is string stored)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    if (stored != version.ContentHash)
                    {
                        throw new ProcessVersionConflictException(version.ProcessId, version.Version, stored, version.ContentHash);
                    }

                    return;
                }

                await using var insert = Command(writer, transaction, "INSERT INTO process_versions (process_id, version, content_hash, entry_path, sources_json, registered_at) VALUES ($id, $version, $hash, $entry, $sources, $at);");
                insert.Parameters.AddWithValue("$id", version.ProcessId);
                insert.Parameters.AddWithValue("$version", version.Version);
                insert.Parameters.AddWithValue("$hash", version.ContentHash);
                insert.Parameters.AddWithValue("$entry", version.EntryPath);
                insert.Parameters.AddWithValue("$sources", ProcessVersionRows.SourcesJson(version));
                insert.Parameters.AddWithValue("$at", _clock.GetUtcNow().ToUnixTimeMilliseconds());
                await insert.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            });
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task<IReadOnlyList<ProcessVersionRecord>> LoadProcessVersionsAsync(CancellationToken cancellationToken) =>
        await Guard(async () =>
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = Command(connection, null, ProcessVersionRows.SelectAll);
            return await ProcessVersionRows.ReadAllAsync(command, cancellationToken);
        });

    public async Task<IReadOnlyList<OutboxEntry>> ClaimOutboxAsync(DateTimeOffset now, int batchSize, TimeSpan lease, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            return await Guard(async () =>
            {
                var writer = Writer();
                await using var transaction = writer.BeginTransaction(deferred: false);
                var claimed = new List<OutboxEntry>();
                await using (var select = Command(writer, transaction, "SELECT o.id, o.sink, o.attempts, o.trace_parent, " + string.Join(", ", StoredEventRows.Columns.Split(", ").Select(c => "e." + c)) + " FROM outbox o JOIN events e ON e.seq = o.event_seq WHERE o.dead_lettered = 0 AND o.next_attempt_at <= $now ORDER BY o.id LIMIT $limit;"))
                {
                    select.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                    select.Parameters.AddWithValue("$limit", batchSize);
                    await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        claimed.Add(new OutboxEntry(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), StoredEventRows.Read(reader, 4))
                        {
                            TraceParent = reader.IsDBNull(3) ? null : reader.GetString(3),
                        });
                    }
                }

                await using (var extend = Command(writer, transaction, "UPDATE outbox SET next_attempt_at = $until WHERE id = $id;"))
                {
                    var id = extend.Parameters.Add("$id", SqliteType.Integer);
                    extend.Parameters.AddWithValue("$until", (now + lease).ToUnixTimeMilliseconds());
                    foreach (var entry in claimed)
                    {
                        id.Value = entry.Id;
                        await extend.ExecuteNonQueryAsync(cancellationToken);
                    }
                }

                await transaction.CommitAsync(cancellationToken);
                return (IReadOnlyList<OutboxEntry>)claimed;
            });
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task CompleteOutboxAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken) =>
        await WriteSimpleAsync("DELETE FROM outbox WHERE id = $id;", ids.Select(id => new Dictionary<string, object> { ["$id"] = id }), cancellationToken);

    public async Task<OutboxStatus?> ReadOutboxStatusAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        await Guard(async () =>
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var count = connection.CreateCommand();
            count.CommandText = """
                SELECT coalesce(sum(dead_lettered = 0), 0), coalesce(sum(dead_lettered <> 0), 0),
                       min(CASE WHEN dead_lettered = 0 AND next_attempt_at <= $now THEN next_attempt_at END)
                FROM outbox;
                """;
            count.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            await using var reader = await count.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new OutboxStatus(reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)));
        });

    public async Task FailOutboxAsync(long id, string failure, DateTimeOffset? retryAt, CancellationToken cancellationToken) =>
        await WriteSimpleAsync(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $error, next_attempt_at = $next, dead_lettered = $dead WHERE id = $id;",
            [new Dictionary<string, object> { ["$id"] = id, ["$error"] = failure, ["$next"] = (retryAt ?? _clock.GetUtcNow()).ToUnixTimeMilliseconds(), ["$dead"] = retryAt is null ? 1 : 0 }],
            cancellationToken);

    private async Task WriteSimpleAsync(string sql, IEnumerable<Dictionary<string, object>> rows, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await Guard(async () =>
            {
                var writer = Writer();
                await using var transaction = writer.BeginTransaction(deferred: false);
                foreach (var row in rows)
                {
                    await using var command = Command(writer, transaction, sql);
                    foreach (var (name, value) in row)
                    {
                        command.Parameters.AddWithValue(name, value);
                    }

                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
            });
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>For containers disposed synchronously: closing does no network or long file I/O.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (_groupCommit is not null)
        {
            await _groupCommit.DisposeAsync();
        }

        foreach (var statement in _statements.Values)
        {
            await statement.DisposeAsync();
        }

        _statements.Clear();
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
            _writer = null;
        }

        _writeGate.Dispose();
        RemoveSideFilesThisReaderLeft();
    }

    /// <summary>
    /// A read-only connection to a WAL database creates its <c>-wal</c> and <c>-shm</c> files when no writer has them
    /// open, and cannot remove them: only a connection that may write checkpoints and deletes them when it is the last
    /// one to close. So after a read-only command on a cleanly closed file, one read-write connection is opened and
    /// closed, which writes nothing to the database (its WAL is empty) and leaves the folder as it was. When another
    /// process has the file open meanwhile, that connection is not the last and SQLite leaves the files to it. Best
    /// effort: a file this user may not write keeps them.
    /// </summary>
    private void RemoveSideFilesThisReaderLeft()
    {
        if (!_leftSideFiles)
        {
            return;
        }

        _leftSideFiles = false;
        try
        {
            using (var pooled = new SqliteConnection(_connectionString))
            {
                SqliteConnection.ClearPool(pooled); // this store's readers are closed; their pooled handles go now
            }

            using var closer = new SqliteConnection(new SqliteConnectionStringBuilder(_connectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
            closer.Open();
            using var read = closer.CreateCommand();
            read.CommandText = "SELECT count(*) FROM sqlite_master;"; // SQLite joins the WAL only at the first read
            read.ExecuteScalar();
        }
#pragma warning disable CA1031 // Tidying up after a read must never turn a finished read into a failure.
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
#pragma warning restore CA1031
        {
        }
    }

    internal SqliteConnection Writer() =>
        _writer ?? (_readOnly ? throw ReadOnlyStore() : throw new InvalidOperationException("The store is not initialised; call InitializeAsync first."));

    private SalesWorkflowStoreException ReadOnlyStore() =>
        new($"The database '{DataSource}' was opened read-only (Mode=ReadOnly), so it cannot record commands.", isTransient: false);

    internal async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        // Waiting on a lock held by another process is Microsoft.Data.Sqlite's job (Default Timeout), so nothing else to set.
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        if (_compatibility is { } views)
        {
            await ExecuteAsync(connection, views, cancellationToken);
        }

        return connection;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    internal static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken, SqliteTransaction? transaction = null)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Turns SQLite's error codes into messages that say what is wrong with the file and what to do.</summary>
    private async Task<T> Guard<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (SqliteException ex)
        {
            throw Translate(ex);
        }
    }

    private async Task Guard(Func<Task> action) => await Guard<bool>(async () =>
    {
        await action();
        return true;
    });

    /// <summary>What the disk failed to do, from SQLite's extended I/O error code (SQLITE_IOERR_*).</summary>
    private static string IoFailure(int extendedCode) => (extendedCode >> 8) switch
    {
        1 or 2 => "read it",
        3 => "write to it",
        4 => "flush it to disk (fsync)",
        6 => "truncate it",
        _ => $"read or write it (SQLite I/O error {extendedCode})",
    };

    internal SalesWorkflowStoreException Translate(SqliteException ex) => ex.SqliteErrorCode switch
    {
        5 or 6 => new SalesWorkflowStoreException($"The database '{DataSource}' is locked by another process and stayed locked for 30 s. Stop the other process or use another file.", isTransient: true, ex),
        8 => new SalesWorkflowStoreException($"The database '{DataSource}' is read-only (file permissions, a read-only disk, or opened for reading only); SalesWorkflow needs to write to it.", isTransient: false, ex),
        11 or 26 => new SalesWorkflowStoreException($"The file '{DataSource}' is not a SalesWorkflow database or is corrupt. Restore it from a backup, or start with a new file.", isTransient: false, ex),
        10 => new SalesWorkflowStoreException($"The disk holding '{DataSource}' failed to {IoFailure(ex.SqliteExtendedErrorCode)}, so nothing of this call was saved. Check the disk (read-only, failing, or a network share that went away); the same call can be retried once it works.", isTransient: true, ex),
        13 => new SalesWorkflowStoreException($"The disk holding '{DataSource}' is full.", isTransient: true, ex),
        14 => new SalesWorkflowStoreException($"The database '{DataSource}' cannot be opened: check that its folder exists and can be written.", isTransient: false, ex),
        _ => new SalesWorkflowStoreException($"The database '{DataSource}' failed: {ex.Message}", isTransient: false, ex),
    };
}
