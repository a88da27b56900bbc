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
        [DealEventTypes.RiskRaised] = typeof(RiskRaised),
        [DealEventTypes.RiskCleared] = typeof(RiskCleared),
        [DealEventTypes.EscalationRaised] = typeof(EscalationRaised),
        [DealEventTypes.VersionMigrated] = typeof(VersionMigrated),
    }.ToFrozenDictionary(p => p.Key, p => StorageJson.DataOptions.GetTypeInfo(p.Value), StringComparer.Ordinal);

    private static readonly FrozenDictionary<Type, string> NameOf = ByName.ToFrozenDictionary(p => p.Value.Type, p => p.Key);

    /// <summary>Every stored type name, in catalogue order.</summary>
    public static IReadOnlyCollection<string> TypeNames => ByName.Keys;

    /// <summary>The stored type name of a payload.</summary>
    public static string TypeOf(DealEventPayload payload) =>
        payload is UnrecognizedEvent unrecognized ? unrecognized.Type : NameOf[payload.GetType()];

    /// <summary>The stored JSON of a payload.</summary>
    public static JsonElement Encode(DealEventPayload payload) =>
        JsonSerializer.SerializeToElement(payload, ByName[TypeOf(payload)]);

    public static DealEventPayload Decode(string type, JsonElement data) =>
        data.ValueKind == JsonValueKind.Object
            ? Read(type, data, static (data, info) => data.Deserialize(info))
            : new UnrecognizedEvent(type, $"The data of a {type} event is not a JSON object.");

    /// <summary>Decodes from the stored JSON's UTF-8 bytes, with no document in between.</summary>
    public static DealEventPayload Decode(string type, byte[] utf8) => Read(type, utf8, static (utf8, info) => JsonSerializer.Deserialize(utf8, info));

    /// <summary>Decodes from the stored JSON text.</summary>
    public static DealEventPayload Decode(string type, string json) => Read(type, json, static (json, info) => JsonSerializer.Deserialize(json, info));

    private static DealEventPayload Read<TSource>(string type, TSource source, Func<TSource, JsonTypeInfo, object?> deserialize)
    {
        if (!ByName.TryGetValue(type, out var info))
        {
            return new UnrecognizedEvent(type, $"'{type}' is not an event type this version knows.");
        }

        try
        {
            return deserialize(source, info) as DealEventPayload ?? new UnrecognizedEvent(type, $"The data of a {type} event is not a JSON object.");
        }
        catch (JsonException e)
        {
            return new UnrecognizedEvent(type, $"The data does not have the shape of a {type} event: {e.Message}");
        }
    }
}
