using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;

namespace SalesWorkflow.Engine.Events;

/// <summary>
/// Stored type name and JSON ↔ typed payload, in one place. Writing gives the JSON the engine has always written
/// (camelCase, nulls left out, custom fields with their types), so logs written before the typed records read back
/// unchanged, and reading never throws: an unknown type or a shape that does not fit becomes an <see cref="UnrecognizedEvent"/>.
/// </summary>
internal static class DealEventCodec
{
    private static readonly FrozenDictionary<string, JsonTypeInfo> ByName = new Dictionary<string, Type>
    {
        [DealEventTypes.TrackingStarted] = typeof(TrackingStarted),
        [DealEventTypes.FactsUpdated] = typeof(FactsUpdated),
        [DealEventTypes.ActivityLogged] = typeof(ActivityLogged),
        [DealEventTypes.FeedbackRecorded] = typeof(FeedbackRecorded),
        [DealEventTypes.ChecklistItemCompleted] = typeof(ChecklistItemCompleted),
        [DealEventTypes.StageChanged] = typeof(StageChanged),
        [DealEventTypes.AdvanceBlocked] = typeof(AdvanceBlocked),
        [DealEventTypes.GateOverridden] = typeof(GateOverridden),
        [DealEventTypes.DealWon] = typeof(DealWon),
        [DealEventTypes.DealLost] = typeof(DealLost),
        [DealEventTypes.DealReopened] = typeof(DealReopened),
        [DealEventTypes.TasksCreated] = typeof(TasksCreated),
        [DealEventTypes.TaskCreated] = typeof(TaskCreated),
        [DealEventTypes.TaskCompleted] = typeof(TaskCompleted),
        [DealEventTypes.TaskOverdue] = typeof(TaskOverdue),
        [DealEventTypes.TaskReassigned] = typeof(TaskReassigned),
        [DealEventTypes.ComplaintSlaBreached] = typeof(ComplaintSlaBreached),
        [DealEventTypes.RiskRaised] = typeof(RiskRaised),
        [DealEventTypes.RiskCleared] = typeof(RiskCleared),
        [DealEventTypes.EscalationRaised] = typeof(EscalationRaised),
        [DealEventTypes.VersionMigrated] = typeof(VersionMigrated),
    }.ToFrozenDictionary(p => p.Key, p => StorageJson.DataOptions.GetTypeInfo(p.Value), StringComparer.Ordinal);

    // What the KPIs read of the log (KpiLog): for the types whose payloads are large, a shape with only those members
    // (the serializer skips the rest without building it); types the KPIs do not read are not parsed at all (null).
    // Every other type decodes in full. KpiLogStoreTests holds the figures to those of the full payloads.
    private static readonly FrozenDictionary<string, JsonTypeInfo?> ForKpis = new Dictionary<string, JsonTypeInfo?>
    {
        [DealEventTypes.TrackingStarted] = StorageJson.DataOptions.GetTypeInfo(typeof(KpiTrackingStarted)),
        [DealEventTypes.FactsUpdated] = StorageJson.DataOptions.GetTypeInfo(typeof(KpiFactsUpdated)),
        [DealEventTypes.EscalationRaised] = StorageJson.DataOptions.GetTypeInfo(typeof(KpiEscalationRaised)),
        [DealEventTypes.ActivityLogged] = null,
        [DealEventTypes.ChecklistItemCompleted] = null,
        [DealEventTypes.GateOverridden] = null,
        [DealEventTypes.TasksCreated] = null,
        [DealEventTypes.VersionMigrated] = null,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<Type, string> NameOf = ByName.ToFrozenDictionary(p => p.Value.Type, p => p.Key);

    /// <summary>Every stored type name (in no particular order).</summary>
    public static IReadOnlyCollection<string> TypeNames => ByName.Keys;

    /// <summary>The stored type name of a payload.</summary>
    public static string TypeOf(DealEventPayload payload) =>
        payload is UnrecognizedEvent unrecognized ? unrecognized.Type : NameOf[payload.GetType()];

    /// <summary>The stored JSON of a payload.</summary>
    public static JsonElement Encode(DealEventPayload payload) =>
        JsonSerializer.SerializeToElement(payload, ByName[TypeOf(payload)]);

    public static DealEventPayload Decode(string type, JsonElement data) =>
        data.ValueKind != JsonValueKind.Object ? new UnrecognizedEvent(type, $"The data of a {type} event is not a JSON object.")
        : ByName.TryGetValue(type, out var info) ? Read(type, info, data, static (data, info) => data.Deserialize(info))
        : Unknown(type);

    /// <summary>Decodes from the stored JSON's UTF-8 bytes, with no document in between.</summary>
    public static DealEventPayload Decode(string type, byte[] utf8) =>
        ByName.TryGetValue(type, out var info) ? Read(type, info, utf8, static (utf8, info) => JsonSerializer.Deserialize(utf8, info)) : Unknown(type);

    /// <summary>Decodes from the stored JSON text.</summary>
    public static DealEventPayload Decode(string type, string json) =>
        ByName.TryGetValue(type, out var info) ? Read(type, info, json, static (json, info) => JsonSerializer.Deserialize(json, info)) : Unknown(type);

    /// <summary>What <see cref="Analytics.KpiLog"/> reads of a stored event: a slim payload, or <see cref="NotReadByKpis"/>.</summary>
    public static DealEventPayload DecodeForKpis(string type, byte[] utf8) =>
        !ForKpis.TryGetValue(type, out var info) ? Decode(type, utf8)
        : info is null ? NotReadByKpis.Instance
        : Read(type, info, utf8, static (utf8, info) => JsonSerializer.Deserialize(utf8, info));

    /// <inheritdoc cref="DecodeForKpis(string, byte[])"/>
    public static DealEventPayload DecodeForKpis(string type, string json) =>
        !ForKpis.TryGetValue(type, out var info) ? Decode(type, json)
        : info is null ? NotReadByKpis.Instance
        : Read(type, info, json, static (json, info) => JsonSerializer.Deserialize(json, info));

    private static UnrecognizedEvent Unknown(string type) => new(type, $"'{type}' is not an event type this version knows.");

    private static DealEventPayload Read<TSource>(string type, JsonTypeInfo info, TSource source, Func<TSource, JsonTypeInfo, object?> deserialize)
    {
        try
        {
            return deserialize(source, info) as DealEventPayload ?? new UnrecognizedEvent(type, $"The data of a {type} event is not a JSON object.");
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            // Stored data is input like any other: whatever in it does not read is reported on the event, never thrown.
            return new UnrecognizedEvent(type, $"The data does not have the shape of a {type} event: {e.Message}");
        }
    }
}

/// <summary>An event the KPIs do not read (only its moment counts).</summary>
internal sealed record NotReadByKpis : DealEventPayload
{
    public static readonly NotReadByKpis Instance = new();
}

/// <summary>What the KPIs read of <see cref="TrackingStarted"/>: the same stored names, the rest skipped.</summary>
internal sealed record KpiTrackingStarted(string? Process, string? Stage, KpiAmount? Opportunity, KpiOwner? Owner) : DealEventPayload;

/// <summary>What the KPIs read of <see cref="FactsUpdated"/>.</summary>
internal sealed record KpiFactsUpdated(KpiAmount? Opportunity) : DealEventPayload;

/// <summary>What the KPIs read of <see cref="EscalationRaised"/>.</summary>
internal sealed record KpiEscalationRaised(string? Escalation, int Level, string? Notify) : DealEventPayload;

internal sealed record KpiAmount(decimal Amount);

internal sealed record KpiOwner(string? Id, string? Team);
