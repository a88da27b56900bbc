using System.Text.Json;
using System.Text.Json.Serialization;
using SalesWorkflow.Engine.Storage;

namespace SalesWorkflow.Engine.Runtime;

/// <summary>
/// The JSON conventions of the engine's records as the event log and the server write them: camelCase names, enums as
/// camelCase text (<c>"applied"</c>, <c>"open"</c>), and custom fields with their kind
/// (<c>{"budgetConfirmed": {"bool": true}}</c>), so that a value keeps its type across the wire.
/// </summary>
public static class SalesWorkflowJson
{
    /// <summary>Applies the conventions to <paramref name="options"/> (for example ASP.NET Core's HTTP JSON options).</summary>
    /// <param name="options">Options not yet in use.</param>
    /// <returns>The same options.</returns>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.Converters.Add(new StorageJson.CustomFieldsConverter());
        return options;
    }
}
