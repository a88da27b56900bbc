using System.Data.Common;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Storage;

/// <summary>
/// The events table as both stores read it: the same columns in the same order, one reader for a row, and the
/// evaluation a command's events share. One place, so that SQLite and PostgreSQL rows cannot drift apart.
/// </summary>
internal static class StoredEventRows
{
    public const string Columns = "seq, event_id, deal_id, type, at, command_id, process_id, process_version, stage, data_json, evaluation_json";

    /// <summary>The same columns with no evaluation: reading and deserialising them is most of the cost of reading the log.</summary>
    public const string ColumnsWithoutEvaluation = "seq, event_id, deal_id, type, at, command_id, process_id, process_version, stage, data_json, NULL";

    /// <summary>Reads the <see cref="Columns"/> of a row, starting at column <paramref name="first"/>.</summary>
    public static DealEvent Read(DbDataReader reader, int first = 0) => new()
    {
        Sequence = reader.GetInt64(first),
        EventId = reader.GetString(first + 1),
        DealId = reader.GetString(first + 2),
        Type = reader.GetString(first + 3),
        At = StorageJson.Moment(reader.GetInt64(first + 4)),
        CommandId = reader.GetString(first + 5),
        ProcessId = reader.GetString(first + 6),
        ProcessVersion = reader.GetInt32(first + 7),
        Stage = reader.GetString(first + 8),
        Data = StorageJson.ParseElement(reader.GetString(first + 9)),
        Evaluation = reader.IsDBNull(first + 10) ? null : StorageJson.Deserialize<DealEvaluation>(reader.GetString(first + 10)),
    };

    /// <summary>
    /// Every event the reader's rows hold (<see cref="ColumnsWithoutEvaluation"/>, in log order), condensed into a
    /// <see cref="KpiLog"/>. Each event's data is read straight into what the KPIs read of its payload (nothing, for the types they do
    /// not read), which the log condenses and drops,
    /// so the log's size in memory is what the KPIs need, not the events.
    /// <paramref name="dataAsUtf8"/>: the driver can hand the JSON text as its UTF-8 bytes (SQLite), saving a decode and re-encode.
    /// </summary>
    public static async Task<KpiLog> CondenseAsync(DbDataReader reader, bool dataAsUtf8, CancellationToken cancellationToken)
    {
        var log = new KpiLog();
        while (await reader.ReadAsync(cancellationToken))
        {
            var type = reader.GetString(3);
            var payload = dataAsUtf8 ? DealEventCodec.DecodeForKpis(type, reader.GetFieldValue<byte[]>(9)) : DealEventCodec.DecodeForKpis(type, reader.GetString(9));
            log.Add(reader.GetString(2), StorageJson.Moment(reader.GetInt64(4)), reader.GetString(8), reader.GetString(6), reader.GetInt32(7), payload);
        }

        return log;
    }

    /// <summary>
    /// The store keeps a command's evaluation once, on its last event; the command's other events share it, because
    /// the same evaluation justified all of them.
    /// </summary>
    /// <summary>The statement selecting events (with or without their evaluations) that match <paramref name="where"/>.</summary>
    public static string Select(string where, bool withEvaluations) =>
        "SELECT " + (withEvaluations ? Columns : ColumnsWithoutEvaluation) + " FROM events " + where + ";";

    /// <summary>Reads every event a <see cref="Select"/> statement returns, sharing evaluations back when it read them.</summary>
    public static async Task<IReadOnlyList<DealEvent>> ReadAllAsync(DbCommand command, bool withEvaluations, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<DealEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(Read(reader));
        }

        return withEvaluations ? ShareEvaluations(events) : events;
    }

    public static IReadOnlyList<DealEvent> ShareEvaluations(List<DealEvent> events)
    {
        var byCommand = new Dictionary<(string Deal, string Command), DealEvaluation>();
        foreach (var e in events)
        {
            if (e.Evaluation is not null)
            {
                byCommand[(e.DealId, e.CommandId)] = e.Evaluation;
            }
        }

        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Evaluation is null && byCommand.TryGetValue((events[i].DealId, events[i].CommandId), out var evaluation))
            {
                events[i] = events[i] with { Evaluation = evaluation };
            }
        }

        return events;
    }
}

/// <summary>The <c>timers</c> table's rows, the same on every store: id, deal_id, escalation_id, level, due_at, stage_epoch.</summary>
internal static class TimerRows
{
    /// <summary>The timers due, oldest first, with parameters marked by <paramref name="marker"/>; a store may add a locking clause.</summary>
    public static string SelectDue(char marker) =>
        $"SELECT id, deal_id, escalation_id, level, due_at, stage_epoch FROM timers WHERE due_at <= {marker}now ORDER BY due_at, id LIMIT {marker}limit";

    /// <summary>Runs a <see cref="SelectDue"/> statement for the timers due at <paramref name="now"/>.</summary>
    public static async Task<List<TimerRecord>> ReadDueAsync(System.Data.Common.DbCommand command, char marker, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        DealQuerySql.AddParameter(command, marker, "now", now.ToUnixTimeMilliseconds());
        DealQuerySql.AddParameter(command, marker, "limit", limit);

        var timers = new List<TimerRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            timers.Add(new TimerRecord(reader.GetString(1), reader.GetString(2), reader.GetInt32(3), StorageJson.Moment(reader.GetInt64(4)), reader.GetInt32(5)) { Id = reader.GetInt64(0) });
        }

        return timers;
    }
}

/// <summary>The <c>process_versions</c> table, the same on every store.</summary>
internal static class ProcessVersionRows
{
    public const string SelectAll = "SELECT process_id, version, content_hash, entry_path, sources_json FROM process_versions ORDER BY process_id, version;";

    public static async Task<IReadOnlyList<ProcessVersionRecord>> ReadAllAsync(System.Data.Common.DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new List<ProcessVersionRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(new ProcessVersionRecord(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), StorageJson.Deserialize<Dictionary<string, string>>(reader.GetString(4)), reader.GetString(3)));
        }

        return versions;
    }
}
