using System.Data.Common;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Storage.Relational;

/// <summary>
/// The <c>events</c> table as every relational store reads it (docs/stores.md): the same columns in the same order, one
/// reader for a row, and the evaluation a command's events share. One place, so that SQLite and PostgreSQL rows cannot
/// drift apart, and a third store on another database reads them as they do.
/// </summary>
public static class StoredEventRows
{
    /// <summary>The columns of a row, in the order <see cref="Read"/> expects them.</summary>
    public const string Columns = "seq, event_id, deal_id, type, at, command_id, process_id, process_version, stage, data_json, evaluation_json, actor";

    /// <summary>The same columns with no evaluation: reading and deserialising them is most of the cost of reading the log.</summary>
    public const string ColumnsWithoutEvaluation = "seq, event_id, deal_id, type, at, command_id, process_id, process_version, stage, data_json, NULL, actor";

    /// <summary>Reads the <see cref="Columns"/> of a row, starting at column <paramref name="first"/>.</summary>
    /// <param name="reader">A reader on a row of the columns.</param>
    /// <param name="first">The index of the first of them.</param>
    /// <returns>The event; a value SalesWorkflow did not write is a <see cref="SalesWorkflowStoreException"/>.</returns>
    public static DealEvent Read(DbDataReader reader, int first = 0)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return ReadRow(reader, first);
    }

    private static DealEvent ReadRow(DbDataReader reader, int first) => new()
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
        Actor = reader.IsDBNull(first + 11) ? null : reader.GetString(first + 11),
    };

    /// <summary>
    /// Every event the reader's rows hold (<see cref="ColumnsWithoutEvaluation"/>, in log order), condensed into a
    /// <see cref="KpiLog"/>. Each event's data is read straight into what the KPIs read of its payload (nothing, for the types they do
    /// not read), which the log condenses and drops,
    /// so the log's size in memory is what the KPIs need, not the events.
    /// </summary>
    /// <param name="reader">A reader on the rows.</param>
    /// <param name="dataAsUtf8">The driver can hand the JSON text as its UTF-8 bytes (SQLite), saving a decode and re-encode.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The condensed log.</returns>
    public static async Task<KpiLog> CondenseAsync(DbDataReader reader, bool dataAsUtf8, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var log = new KpiLog();
        while (await reader.ReadAsync(cancellationToken))
        {
            var type = reader.GetString(3);
            var payload = dataAsUtf8 ? DealEventCodec.DecodeForKpis(type, reader.GetFieldValue<byte[]>(9)) : DealEventCodec.DecodeForKpis(type, reader.GetString(9));
            log.Add(reader.GetString(2), StorageJson.Moment(reader.GetInt64(4)), reader.GetString(8), reader.GetString(6), reader.GetInt32(7), payload);
        }

        return log;
    }

    /// <summary>The statement selecting events (with or without their evaluations) that match <paramref name="where"/>.</summary>
    /// <param name="where">The statement's WHERE, ORDER BY and LIMIT clauses.</param>
    /// <param name="withEvaluations">Whether to read the evaluations too.</param>
    /// <returns>The SQL text.</returns>
    public static string Select(string where, bool withEvaluations) =>
        "SELECT " + (withEvaluations ? Columns : ColumnsWithoutEvaluation) + " FROM events " + where + ";";

    /// <summary>Reads every event a <see cref="Select"/> statement returns, sharing evaluations back when it read them.</summary>
    /// <param name="command">The statement.</param>
    /// <param name="withEvaluations">Whether it reads evaluations.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The events in the statement's order.</returns>
    public static async Task<IReadOnlyList<DealEvent>> ReadAllAsync(DbCommand command, bool withEvaluations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<DealEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(ReadRow(reader, 0));
        }

        return withEvaluations ? ShareEvaluations(events) : events;
    }

    /// <summary>
    /// The store keeps a command's evaluation once, on the first of its events that carries it; the command's other
    /// events share it, because the same evaluation justified all of them. Fills them in place.
    /// </summary>
    /// <param name="events">Events read in log order.</param>
    /// <returns><paramref name="events"/>.</returns>
    public static IReadOnlyList<DealEvent> ShareEvaluations(List<DealEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
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
public static class TimerRows
{
    /// <summary>The timers due, oldest first, with parameters marked by <paramref name="marker"/>; a store may add a locking clause.</summary>
    /// <param name="marker">The provider's parameter marker (<c>@</c>, <c>$</c>).</param>
    /// <returns>The SQL text.</returns>
    public static string SelectDue(char marker) =>
        $"SELECT id, deal_id, escalation_id, level, due_at, stage_epoch FROM timers WHERE due_at <= {marker}now ORDER BY due_at, id LIMIT {marker}limit";

    /// <summary>Runs a <see cref="SelectDue"/> statement for the timers due at <paramref name="now"/>.</summary>
    /// <param name="command">The statement.</param>
    /// <param name="marker">Its parameter marker.</param>
    /// <param name="now">The time timers are due at.</param>
    /// <param name="limit">The most to read.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The timers, oldest first.</returns>
    public static async Task<IReadOnlyList<TimerRecord>> ReadDueAsync(DbCommand command, char marker, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
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
public static class ProcessVersionRows
{
    /// <summary>Selects every version, in the columns <see cref="ReadAllAsync"/> reads.</summary>
    public const string SelectAll = "SELECT process_id, version, content_hash, entry_path, sources_json FROM process_versions ORDER BY process_id, version;";

    /// <summary>Reads every row of a <see cref="SelectAll"/> statement.</summary>
    /// <param name="command">The statement.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The versions.</returns>
    public static async Task<IReadOnlyList<ProcessVersionRecord>> ReadAllAsync(DbCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new List<ProcessVersionRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(new ProcessVersionRecord(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), StorageJson.Deserialize<Dictionary<string, string>>(reader.GetString(4)), reader.GetString(3)));
        }

        return versions;
    }

    /// <summary>The <c>sources_json</c> column of a version: its files by path.</summary>
    /// <param name="version">The version.</param>
    /// <returns>The JSON text.</returns>
    public static string SourcesJson(ProcessVersionRecord version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return StorageJson.Serialize(version.Sources);
    }
}
