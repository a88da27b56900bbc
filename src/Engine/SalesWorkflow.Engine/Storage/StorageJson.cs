using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Storage;

/// <summary>JSON conventions of the store: camelCase, enums as text, custom fields with explicit types.</summary>
internal static class StorageJson
{
    /// <summary>For stored state and evaluations: compact (see <see cref="Compact"/>).</summary>
    public static JsonSerializerOptions Options { get; } = Create(compact: true);

    /// <summary>For event data, which sinks and reports read: every property is written.</summary>
    public static JsonSerializerOptions DataOptions { get; } = Create(compact: false);

    private static JsonSerializerOptions Create(bool compact)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        if (compact)
        {
            options.TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { Compact } };
        }

        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.Converters.Add(new CustomFieldsConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>
    /// Stored rows are written for every command, so they stay small: empty lists, false flags and computed
    /// properties are left out, and a member missing from stored JSON reads as its default.
    /// </summary>
    private static void Compact(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        var collections = new List<JsonPropertyInfo>();
        foreach (var property in info.Properties)
        {
            property.IsRequired = false;
            if (property.Set is not null && property.Get is not null && property.PropertyType != typeof(string) &&
                typeof(System.Collections.IEnumerable).IsAssignableFrom(property.PropertyType))
            {
                collections.Add(property);
            }

            if (property.Set is null && property.AttributeProvider is System.Reflection.PropertyInfo { CanWrite: false })
            {
                property.ShouldSerialize = static (_, _) => false;
            }
            else if (property.PropertyType == typeof(bool))
            {
                property.ShouldSerialize = static (_, value) => value is true;
            }
            else if (typeof(System.Collections.IEnumerable).IsAssignableFrom(property.PropertyType) && property.PropertyType != typeof(string))
            {
                property.ShouldSerialize = static (_, value) => value is not System.Collections.IEnumerable items || items.GetEnumerator().MoveNext();
            }
        }

        if (collections.Count > 0)
        {
            // A list left out because it was empty reads back as empty, not as null.
            info.OnDeserialized = value =>
            {
                foreach (var property in collections)
                {
                    if (property.Get!(value) is null)
                    {
                        property.Set!(value, EmptyOf(property.PropertyType));
                    }
                }
            };
        }
    }

    private static object EmptyOf(Type type)
    {
        if (!type.IsInterface)
        {
            return type.IsArray ? Array.CreateInstance(type.GetElementType()!, 0) : Activator.CreateInstance(type)!;
        }

        var arguments = type.GetGenericArguments();
        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(IReadOnlySet<>) || definition == typeof(ISet<>) ? Activator.CreateInstance(typeof(HashSet<>).MakeGenericType(arguments))!
            : definition == typeof(IReadOnlyDictionary<,>) || definition == typeof(IDictionary<,>) ? Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(arguments))!
            : definition == typeof(IList<>) || definition == typeof(ICollection<>) ? Activator.CreateInstance(typeof(List<>).MakeGenericType(arguments))!
            : Array.CreateInstance(arguments[0], 0);
    }

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"Stored {typeof(T).Name} is null.");

    /// <summary>A stored JSON value as an element that owns its memory (one parse, no pooled document to copy out of).</summary>
    public static JsonElement ParseElement(string json) => JsonSerializer.Deserialize<JsonElement>(json);

    public static JsonElement ToElement(object value) => JsonSerializer.SerializeToElement(value, value.GetType(), DataOptions);

    /// <summary>
    /// Custom field values keep their type (<c>{"budgetConfirmed":{"bool":true},"requirementChanges":{"number":3}}</c>),
    /// so a text that looks like a date or a number reads back as text.
    /// </summary>
    private sealed class CustomFieldsConverter : JsonConverter<CustomFields>
    {
        public override CustomFields Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var fields = new CustomFields();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("custom fields must be an object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var id = reader.GetString()!;
                reader.Read();
                reader.Read();
                var kind = reader.GetString();
                reader.Read();
                switch (kind)
                {
                    case "number":
                        fields.Set(id, reader.GetDecimal());
                        break;
                    case "bool":
                        fields.Set(id, reader.GetBoolean());
                        break;
                    case "date":
                        fields.Set(id, DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture));
                        break;
                    default:
                        fields.Set(id, reader.GetString()!);
                        break;
                }

                reader.Read();
            }

            return fields;
        }

        public override void Write(Utf8JsonWriter writer, CustomFields value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            foreach (var (id, field) in value.OrderBy(v => v.Key, StringComparer.Ordinal))
            {
                writer.WriteStartObject(id);
                switch (field)
                {
                    case decimal number:
                        writer.WriteNumber("number", number);
                        break;
                    case bool flag:
                        writer.WriteBoolean("bool", flag);
                        break;
                    case DateTimeOffset date:
                        writer.WriteString("date", date.ToString("O", CultureInfo.InvariantCulture));
                        break;
                    default:
                        writer.WriteString("text", Convert.ToString(field, CultureInfo.InvariantCulture));
                        break;
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }
    }
}
