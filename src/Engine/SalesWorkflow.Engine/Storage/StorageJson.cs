using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Storage;

/// <summary>JSON conventions of the store: camelCase, enums as text, custom fields with explicit types.</summary>
internal static class StorageJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.Converters.Add(new CustomFieldsConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"Stored {typeof(T).Name} is null.");

    public static JsonElement ToElement(object value) => JsonSerializer.SerializeToElement(value, value.GetType(), Options);

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
