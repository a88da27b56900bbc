using Npgsql;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Tests.Runtime;

namespace SalesWorkflow.Engine.PostgreSql.Tests;

/// <summary>
/// A reader following <see cref="ISalesWorkflowEngine.ReadEventsAsync"/>'s cursor receives every event exactly once, in a
/// stable order, while several nodes write: an event whose transaction commits after a newer event's is not passed over.
/// </summary>
public sealed class TailingReaderTests
{
    [Fact]
    public async Task ReadEvents_AnOlderTransactionCommitsLate_ItsEventIsHeldBackNotPassedOver()
    {
        await using var harness = new EngineHarness();
        await harness.Start("early");
        var seen = await TailAsync(harness.Engine, [], 0);

        // An older transaction takes its sequence number, then a newer one commits events with higher numbers first.
        await using var late = new NpgsqlConnection(harness.Store.ConnectionString);
        await late.OpenAsync();
        await using var transaction = await late.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO events (event_id, deal_id, type, at, command_id, process_id, process_version, stage, data_json)
            VALUES ('late:1', 'late', 'risk-cleared', 0, 'late-command', 'standard-b2b', 1, 'lead', '{"risk":"x","category":"market"}');
            """, late, transaction))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await harness.Start("newer");
        var whileOpen = await TailAsync(harness.Engine, seen, seen.Count == 0 ? 0 : seen[^1].Sequence);
        Assert.Equal(seen.Count, whileOpen.Count); // nothing newer than the open transaction is handed out yet

        await transaction.CommitAsync();
        var after = await TailAsync(harness.Engine, whileOpen, whileOpen[^1].Sequence);

        var all = await harness.Engine.ReadEventsAsync(0, 100_000);
        Assert.Contains(after, e => e.EventId == "late:1");
        Assert.Equal(all.Select(e => e.EventId), after.Select(e => e.EventId));
    }

    [Fact]
    public async Task ReadEvents_ThreeNodesWritingWhileAReaderTails_ReaderGetsEveryEventOnceInAStableOrder()
    {
        var folder = $"tail-{Guid.NewGuid():N}";
        await using var reader = new EngineHarness(folder: folder);
        var nodes = new[] { new EngineHarness(folder: folder), new EngineHarness(folder: folder), new EngineHarness(folder: folder) };
        try
        {
            using var writing = new CancellationTokenSource();
            var writers = nodes.Select((node, n) => Task.Run(async () =>
            {
                for (var d = 0; d < 25; d++)
                {
                    var deal = $"N{n}-{d:00}";
                    await node.Start(deal);
                    await node.PassLeadGate(deal);
                    await node.Submit(new RequestAdvance(node.NextId(), deal));
                }
            })).ToList();

            var received = new List<DealEvent>();
            var done = Task.WhenAll(writers);
            while (!done.IsCompleted)
            {
                received = await TailAsync(reader.Engine, received, received.Count == 0 ? 0 : received[^1].Sequence, pageSize: 7);
            }

            await done;
            received = await TailAsync(reader.Engine, received, received.Count == 0 ? 0 : received[^1].Sequence, pageSize: 7);

            var all = await reader.Engine.ReadEventsAsync(0, 100_000);
            Assert.Equal(75, all.Count(e => e.Type == DealEventTypes.TrackingStarted));
            Assert.Equal(received.Count, received.Select(e => e.EventId).Distinct().Count());
            Assert.Equal(all.Select(e => e.EventId), received.Select(e => e.EventId));
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ReadEvents_ACursorThatNamesNoEvent_ResumesAfterTheLastEventBelowIt_NeverFromTheStart()
    {
        await using var harness = new EngineHarness();
        await harness.Start("first");

        // A rolled-back insert leaves a gap in the sequence; a cursor there, or past the end, names no event.
        await using (var connection = new NpgsqlConnection(harness.Store.ConnectionString))
        {
            await connection.OpenAsync();
            await using var rollback = await connection.BeginTransactionAsync();
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO events (event_id, deal_id, type, at, command_id, process_id, process_version, stage, data_json)
                VALUES ('gap:1', 'gap', 'risk-cleared', 0, 'gap-command', 'standard-b2b', 1, 'lead', '{}') RETURNING seq;
                """, connection, rollback);
            var gap = (long)(await insert.ExecuteScalarAsync())!;
            await rollback.RollbackAsync();

            await harness.Start("second");
            var all = await harness.Engine.ReadEventsAsync(0, 100_000);

            Assert.Equal(all.Where(e => e.Sequence > gap).Select(e => e.EventId), (await harness.Engine.ReadEventsAsync(gap, 100_000)).Select(e => e.EventId));
            Assert.Empty(await harness.Engine.ReadEventsAsync(all[^1].Sequence + 1_000, 100_000));
        }
    }

    [Fact]
    public async Task ReadEvents_LogRestoredFromAClusterWithNewerTransactionIds_NewEventsStillReachTheReader()
    {
        var folder = $"restored-{Guid.NewGuid():N}";
        long cursor;
        await using (var before = new EngineHarness(folder: folder))
        {
            await before.Start("restored");
            cursor = (await before.Engine.ReadEventsAsync(0, 100_000))[^1].Sequence;

            // What pg_dump and restore into another cluster leaves: the old cluster's ids, ahead of this one's.
            await using var connection = new NpgsqlConnection(before.Store.ConnectionString);
            await connection.OpenAsync();
            await using var update = new NpgsqlCommand("UPDATE events SET tx = (pg_current_xact_id()::text::bigint + 1000000)::text::xid8;", connection);
            await update.ExecuteNonQueryAsync();
        }

        await using var after = new EngineHarness(folder: folder);
        await after.Start("written-after-restore");

        var page = await after.Engine.ReadEventsAsync(cursor, 100_000);
        Assert.NotEmpty(page);
        Assert.All(page, e => Assert.Equal("written-after-restore", e.DealId));
        var whole = await after.Engine.ReadEventsAsync(0, 100_000);
        Assert.Equal(whole.Select(e => e.Sequence).Order(), whole.Select(e => e.Sequence)); // the restored log first, then the new
    }

    /// <summary>Follows the cursor from <paramref name="after"/> until a page comes back empty.</summary>
    private static async Task<List<DealEvent>> TailAsync(ISalesWorkflowEngine engine, IReadOnlyList<DealEvent> received, long after, int pageSize = 50)
    {
        var events = new List<DealEvent>(received);
        while (true)
        {
            var page = await engine.ReadEventsAsync(after, pageSize);
            if (page.Count == 0)
            {
                return events;
            }

            events.AddRange(page);
            after = page[^1].Sequence;
        }
    }
}
