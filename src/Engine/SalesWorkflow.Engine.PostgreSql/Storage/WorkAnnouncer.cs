using Npgsql;
using SalesWorkflow.Engine.Storage;

namespace SalesWorkflow.Engine.PostgreSql.Storage;

/// <summary>
/// Announces committed work to every node with <c>NOTIFY</c>, outside the transaction that wrote it: a <c>NOTIFY</c>
/// inside it would make each commit take PostgreSQL's global notification-queue lock, serialising the commits of all
/// nodes. Announcements are coalesced: at most one per kind every <see cref="Gap"/>, each on a pooled connection,
/// sent in the background (a command never waits for one). A lost announcement costs latency, never work: the
/// listening loops keep polling.
/// </summary>
internal sealed class WorkAnnouncer(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public const string Channel = "salesworkflow_work";

    /// <summary>Shortest time between two announcements of the same kind from this node.</summary>
    private static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(20);

    private readonly CancellationTokenSource _stopping = new();
    private int _pending;
    private int _sending;
    private int _disposed;
    private Task _sender = Task.CompletedTask;

    public void Announce(StoreWork work)
    {
        var bit = 1 << (int)work;
        if ((Volatile.Read(ref _pending) & bit) != 0)
        {
            return; // Already pending.
        }

        Interlocked.Or(ref _pending, bit);
        if (Interlocked.CompareExchange(ref _sending, 1, 0) == 0)
        {
            _sender = Task.Run(SendAsync);
        }
    }

    public static StoreWork? Parse(string payload) => payload switch
    {
        "timers" => StoreWork.Timers,
        "outbox" => StoreWork.Outbox,
        _ => null,
    };

    private async Task SendAsync()
    {
        while (true)
        {
            var pending = Interlocked.Exchange(ref _pending, 0);
            if (pending == 0)
            {
                Volatile.Write(ref _sending, 0);

                // An announcement that came in after the exchange and saw _sending == 1 is still ours to send.
                if (Volatile.Read(ref _pending) == 0 || Interlocked.CompareExchange(ref _sending, 1, 0) != 0)
                {
                    return;
                }

                continue;
            }

            try
            {
                await using var batch = dataSource.CreateBatch();
                foreach (var (work, payload) in new[] { (StoreWork.Timers, "timers"), (StoreWork.Outbox, "outbox") })
                {
                    if ((pending & (1 << (int)work)) != 0)
                    {
                        var notify = new NpgsqlBatchCommand("SELECT pg_notify(@channel, @payload);");
                        notify.Parameters.AddWithValue("channel", Channel);
                        notify.Parameters.AddWithValue("payload", payload);
                        batch.BatchCommands.Add(notify);
                    }
                }

                await batch.ExecuteNonQueryAsync(_stopping.Token);
                await Task.Delay(Gap, _stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // An announcement is a hint: a failure (the database restarting) is covered by polling.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return; // The engine is disposed both as itself and through its interfaces.
        }

        await _stopping.CancelAsync();
        await _sender;
        _stopping.Dispose();
    }
}
