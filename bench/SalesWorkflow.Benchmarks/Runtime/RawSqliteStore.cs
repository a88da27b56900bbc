using Microsoft.Data.Sqlite;

namespace SalesWorkflow.Benchmarks.Runtime;

/// <summary>
/// The baseline: what the same writes cost on SQLite without the engine. A deliberately plain design — one
/// connection, one transaction per command, a lock around it — writing rows of the sizes the engine writes
/// (the deal's state, one event, the ledger entry; a timer's deletion and its event). No rules, no evaluation.
/// </summary>
internal sealed class RawSqliteStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly string _state;
    private readonly string _event;
    private long _commands;

    public RawSqliteStore(string path, string typicalState, string typicalEvent)
    {
        (_state, _event) = (typicalState, typicalEvent);
        _connection = new SqliteConnection($"Data Source={path}");
        _connection.Open();
        Execute("""
            PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
            CREATE TABLE instances (deal_id TEXT PRIMARY KEY, row_version INTEGER NOT NULL, state_json TEXT NOT NULL);
            CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, deal_id TEXT NOT NULL, data_json TEXT NOT NULL);
            CREATE INDEX ix_events_deal ON events (deal_id, seq);
            CREATE TABLE commands (command_id TEXT PRIMARY KEY, deal_id TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE timers (id INTEGER PRIMARY KEY AUTOINCREMENT, deal_id TEXT NOT NULL, due_at INTEGER NOT NULL);
            CREATE INDEX ix_timers_due ON timers (due_at);
            """);
    }

    public void Seed(int deals)
    {
        using var transaction = _connection.BeginTransaction();
        using var insert = _connection.CreateCommand();
        insert.CommandText = "INSERT INTO instances VALUES ($deal, 1, $state);";
        insert.Parameters.AddWithValue("$deal", string.Empty);
        insert.Parameters.AddWithValue("$state", _state);
        for (var i = 0; i < deals; i++)
        {
            insert.Parameters[0].Value = "D-" + i;
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public void AddTimers(int count, long dueAt)
    {
        using var transaction = _connection.BeginTransaction();
        using var insert = _connection.CreateCommand();
        insert.CommandText = "INSERT INTO timers (deal_id, due_at) VALUES ($deal, $due);";
        insert.Parameters.AddWithValue("$deal", string.Empty);
        insert.Parameters.AddWithValue("$due", dueAt);
        for (var i = 0; i < count; i++)
        {
            insert.Parameters[0].Value = "D-" + i;
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>One command: read the deal, write it back, append an event and a ledger entry, in one transaction.</summary>
    public async Task CommandAsync(string dealId)
    {
        await _lock.WaitAsync();
        try
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                SELECT state_json FROM instances WHERE deal_id = $deal;
                UPDATE instances SET state_json = $state, row_version = row_version + 1 WHERE deal_id = $deal;
                INSERT INTO events (deal_id, data_json) VALUES ($deal, $event);
                INSERT INTO commands VALUES ($command, $deal);
                """;
            command.Parameters.AddWithValue("$deal", dealId);
            command.Parameters.AddWithValue("$state", _state);
            command.Parameters.AddWithValue("$event", _event);
            command.Parameters.AddWithValue("$command", "raw-" + Interlocked.Increment(ref _commands));
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    _ = reader.GetString(0);
                }
            }

            transaction.Commit();
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Fires every due timer in batches: delete it, append its event, touch its deal, one transaction per batch.</summary>
    public int FireDue(long now, int batchSize)
    {
        var fired = 0;
        while (true)
        {
            using var transaction = _connection.BeginTransaction();
            using var select = _connection.CreateCommand();
            select.Transaction = transaction;
            select.CommandText = "SELECT id, deal_id FROM timers WHERE due_at <= $now ORDER BY due_at, id LIMIT $limit;";
            select.Parameters.AddWithValue("$now", now);
            select.Parameters.AddWithValue("$limit", batchSize);
            var due = new List<(long Id, string Deal)>();
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    due.Add((reader.GetInt64(0), reader.GetString(1)));
                }
            }

            if (due.Count == 0)
            {
                return fired;
            }

            using var write = _connection.CreateCommand();
            write.Transaction = transaction;
            write.CommandText = """
                DELETE FROM timers WHERE id = $id;
                INSERT INTO events (deal_id, data_json) VALUES ($deal, $event);
                UPDATE instances SET row_version = row_version + 1 WHERE deal_id = $deal;
                """;
            write.Parameters.AddWithValue("$id", 0L);
            write.Parameters.AddWithValue("$deal", string.Empty);
            write.Parameters.AddWithValue("$event", _event);
            foreach (var (id, deal) in due)
            {
                write.Parameters[0].Value = id;
                write.Parameters[1].Value = deal;
                write.ExecuteNonQuery();
            }

            transaction.Commit();
            fired += due.Count;
        }
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _connection.Dispose();
        _lock.Dispose();
    }

    /// <summary>A typical stored state and event of the engine's database, so the baseline writes the same sizes.</summary>
    public static (string State, string Event) TypicalRows(string engineDatabase)
    {
        using var connection = new SqliteConnection($"Data Source={engineDatabase};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT state_json FROM instances ORDER BY length(state_json) LIMIT 1 OFFSET (SELECT count(*) / 2 FROM instances)),
                   (SELECT data_json || coalesce(evaluation_json, '') FROM events WHERE type = 'activity-logged' ORDER BY seq DESC LIMIT 1);
            """;
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetString(0), reader.IsDBNull(1) ? "{}" : reader.GetString(1));
    }
}
