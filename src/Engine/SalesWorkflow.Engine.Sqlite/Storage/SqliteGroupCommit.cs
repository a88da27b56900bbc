using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Sqlite.Storage;

/// <summary>
/// The SQLite store's single writer ("group commit"): commands queue here, and one loop commits them in batches of up
/// to <see cref="MaxBatch"/>, one transaction per batch and a savepoint per command, so one command's failure never
/// touches another's and no caller hears "applied" before the commit. Between batches it checkpoints the write-ahead
/// log off the commit path.
/// </summary>
internal sealed class SqliteGroupCommit : IAsyncDisposable
{
    private const int MaxBatch = 64;

    /// <summary>Size of the write-ahead log past which the writer truncates it.</summary>
    private const long WalLimitBytes = 64L << 20;

    /// <summary>Commits between two checkpoints: about SQLite's default of 1,000 WAL pages at the engine's write sizes.</summary>
    private const int CommitsPerCheckpoint = 200;

    private readonly SqliteProcessStore _store;
    private readonly Channel<SqliteProcessStore.WriteRequest> _queue = Channel.CreateUnbounded<SqliteProcessStore.WriteRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private Task _checkpoint = Task.CompletedTask;
    private int _commitsSinceCheckpoint;
    private volatile bool _truncateWal;

    public SqliteGroupCommit(SqliteProcessStore store)
    {
        _store = store;
        _loop = Task.Run(WriterLoopAsync, CancellationToken.None);
    }

    /// <summary>Queues a command for the next batch; false once the writer is shut down.</summary>
    public bool TryEnqueue(SqliteProcessStore.WriteRequest request) => _queue.Writer.TryWrite(request);

    /// <summary>Stops taking commands, commits those queued and waits for the last checkpoint.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        await _checkpoint;
    }

    private async Task WriterLoopAsync()
    {
        var batch = new List<SqliteProcessStore.WriteRequest>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var request))
            {
                batch.Add(request);
            }

            await _store.WriteGate.WaitAsync();
            try
            {
                await WriteBatchAsync(batch);
            }
            finally
            {
                _store.WriteGate.Release();
            }

            await CheckpointWhenDueAsync(batch.Count);
        }
    }

    /// <summary>
    /// Copies the write-ahead log back into the database file on another connection, off the commit path: SQLite's
    /// automatic checkpoint would run inside a commit and make that command wait for it (an fsync of the database).
    /// A passive checkpoint never blocks the writer, but under a steady stream of readers SQLite cannot start the log
    /// over, so the log keeps growing; past <see cref="WalLimitBytes"/> the writer truncates it, waiting for the
    /// readers of the moment (milliseconds: no read here holds a transaction open).
    /// </summary>
    private async Task CheckpointWhenDueAsync(int commits)
    {
        if (_truncateWal)
        {
            _truncateWal = false;
            await _store.WriteGate.WaitAsync();
            try
            {
                await SqliteProcessStore.ExecuteAsync(_store.Writer(), "PRAGMA wal_checkpoint(TRUNCATE);", CancellationToken.None);
            }
            catch (SqliteException)
            {
                // Readers that outlasted the busy timeout: the next checkpoint tries again.
            }
            finally
            {
                _store.WriteGate.Release();
            }
        }

        _commitsSinceCheckpoint += commits;
        if (_commitsSinceCheckpoint < CommitsPerCheckpoint || !_checkpoint.IsCompleted)
        {
            return;
        }

        _commitsSinceCheckpoint = 0;
        _checkpoint = Task.Run(async () =>
        {
            try
            {
                await using var connection = await _store.OpenAsync(CancellationToken.None);
                await SqliteProcessStore.ExecuteAsync(connection, "PRAGMA wal_checkpoint(PASSIVE);", CancellationToken.None);
                var wal = new FileInfo(_store.DataSource + "-wal");
                _truncateWal = wal.Exists && wal.Length > WalLimitBytes;
            }
            catch (SqliteException)
            {
                // A checkpoint that could not run (a long reader, a full disk the next commit reports) is retried with
                // the next one; the log only grows meanwhile.
            }
        });
    }

    private async Task WriteBatchAsync(List<SqliteProcessStore.WriteRequest> batch)
    {
        var outcomes = new (CommandResult? Result, Exception? Error)[batch.Count];
        try
        {
            var writer = _store.Writer();
            await using var transaction = writer.BeginTransaction(deferred: false);
            for (var i = 0; i < batch.Count; i++)
            {
                var request = batch[i];
                await _store.Statement(writer, transaction, "SAVEPOINT command;").ExecuteNonQueryAsync();
                try
                {
                    outcomes[i] = (await _store.ExecuteOneAsync(writer, transaction, request), null);
                    await _store.Statement(writer, transaction, "RELEASE command;").ExecuteNonQueryAsync();
                }
#pragma warning disable CA1031 // One command's failure is reported to its caller alone; the batch carries on.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    await _store.Statement(writer, transaction, "ROLLBACK TO command;").ExecuteNonQueryAsync();
                    await _store.Statement(writer, transaction, "RELEASE command;").ExecuteNonQueryAsync();
                    outcomes[i] = (null, ex is SqliteException sqlite ? _store.Translate(sqlite) : ex);
                }
            }

            await transaction.CommitAsync();
        }
        catch (SqliteException ex)
        {
            var error = _store.Translate(ex);
            foreach (var request in batch)
            {
                request.Completion.TrySetException(error);
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i].Error is { } error)
            {
                batch[i].Completion.TrySetException(error);
            }
            else
            {
                batch[i].Completion.TrySetResult(outcomes[i].Result!);
            }
        }
    }
}
