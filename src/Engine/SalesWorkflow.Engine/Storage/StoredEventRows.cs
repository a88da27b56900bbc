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
        At = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 4)),
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
            log.Add(reader.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetString(8), reader.GetString(6), reader.GetInt32(7), payload);
        }

        return log;
    }

    /// <summary>
    /// The store keeps a command's evaluation once, on its last event; the command's other events share it, because
    /// the same evaluation justified all of them.
    /// </summary>
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
