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
        options.TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { compact ? Compact : FillDeclaredNonNulls } };

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
            // A list left out because it was empty reads back as empty, not as null (before the type's own
            // IJsonOnDeserialized, which may read the lists).
            var own = info.OnDeserialized;
            info.OnDeserialized = value =>
            {
                foreach (var property in collections)
                {
                    if (property.Get!(value) is null)
                    {
                        property.Set!(value, EmptyOf(property.PropertyType));
                    }
                }

                own?.Invoke(value);
            };
        }
    }

    /// <summary>
    /// Event data may come from another program or an older version, and a member it lacks (or sets to null) would be
    /// null where the record declares it never is. After reading, such a text becomes empty, a list or custom fields
    /// empty; a null that cannot be filled (another object, or a null inside a list) fails the read with a
    /// <see cref="JsonException"/>, so the codec reports the event as unrecognized instead of a reader failing on it.
    /// </summary>
    private static void FillDeclaredNonNulls(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object || !typeof(Events.DealEventPayload).Assembly.Equals(info.Type.Assembly))
        {
            return;
        }

        var nullability = new System.Reflection.NullabilityInfoContext();
        var checks = new List<(JsonPropertyInfo Json, System.Reflection.PropertyInfo Property, bool NotNull, Func<object>? Empty, bool ElementsNotNull)>();
        foreach (var json in info.Properties)
        {
            if (json.AttributeProvider is not System.Reflection.PropertyInfo { CanWrite: true } property || json.Get is null || property.PropertyType.IsValueType)
            {
                continue;
            }

            var declared = nullability.Create(property);
            var notNull = declared.ReadState == System.Reflection.NullabilityState.NotNull;
            var elementsNotNull = declared.GenericTypeArguments is [{ ReadState: System.Reflection.NullabilityState.NotNull } element] &&
                !element.Type.IsValueType && property.PropertyType != typeof(string);
            var type = property.PropertyType;
            Func<object>? empty = !notNull ? null
                : type == typeof(string) ? static () => string.Empty
                : type == typeof(CustomFields) ? static () => new CustomFields()
                : typeof(System.Collections.IEnumerable).IsAssignableFrom(type) ? () => EmptyOf(type)
                : null;
            if (notNull || elementsNotNull)
            {
                checks.Add((json, property, notNull, empty, elementsNotNull));
            }
        }

        if (checks.Count == 0)
        {
            return;
        }

        var own = info.OnDeserialized;
        info.OnDeserialized = value =>
        {
            foreach (var (json, property, notNull, empty, elementsNotNull) in checks)
            {
                var current = json.Get!(value);
                if (current is null && empty is not null)
                {
                    // Positional records' members are read through the constructor, so the contract may have no setter.
                    if (json.Set is { } set)
                    {
                        set(value, empty());
                    }
                    else
                    {
                        property.SetValue(value, empty());
                    }
                }
                else if (current is null && notNull)
                {
                    throw new JsonException($"'{json.Name}' is missing or null.");
                }
                else if (elementsNotNull && current is IEnumerable<string?> texts && texts.Any(text => text is null) && json.Set is { } setTexts &&
                    property.PropertyType.IsAssignableFrom(typeof(string[])))
                {
                    // Older engines wrote a caller's null list items as they came ("competitors":["X",null]): left out.
                    setTexts(value, texts.OfType<string>().ToArray());
                }
                else if (elementsNotNull && current is System.Collections.IEnumerable items && items.Cast<object?>().Any(item => item is null))
                {
                    throw new JsonException($"'{json.Name}' holds a null.");
                }
            }

            own?.Invoke(value);
        };
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

    /// <summary>
    /// A stored value. JSON that SalesWorkflow did not write (a damaged or hand-edited database: null, another shape,
    /// nesting past 64) is a store error that says so, not a crash deep inside a report.
    /// </summary>
    public static T Deserialize<T>(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"Stored {typeof(T).Name} is null.");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            throw Damaged($"a {typeof(T).Name} it cannot read ({ex.Message.Split('\n')[0]})", ex);
        }
    }

    /// <summary>A stored moment (Unix milliseconds); out of the range of dates, as only an edited database holds, a store error.</summary>
    public static DateTimeOffset Moment(long unixMilliseconds) =>
        unixMilliseconds is >= -62_135_596_800_000 and <= 253_402_300_799_999
            ? DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds)
            : throw Damaged($"a moment outside the dates .NET can hold ({unixMilliseconds})", null);

    /// <summary>The store error for data SalesWorkflow did not write.</summary>
    public static SalesWorkflowStoreException Damaged(string what, Exception? inner) =>
        new($"The database holds {what}: it was damaged or edited outside SalesWorkflow. Restore it from a backup.", isTransient: false, inner);

    /// <summary>A stored JSON value as an element that owns its memory (one parse, no pooled document to copy out of).</summary>
    public static JsonElement ParseElement(string json) => JsonSerializer.Deserialize<JsonElement>(json);

    public static JsonElement ToElement(object value) => JsonSerializer.SerializeToElement(value, value.GetType(), DataOptions);

    /// <summary>
    /// Custom field values keep their type (<c>{"budgetConfirmed":{"bool":true},"requirementChanges":{"number":3}}</c>),
    /// so a text that looks like a date or a number reads back as text.
    /// </summary>
    internal sealed class CustomFieldsConverter : JsonConverter<CustomFields>
    {
        // Stored JSON may come from another tool or an old or damaged file: every token is checked, and anything that
        // is not {"id":{"kind":value}} is a JsonException, which the codec turns into an unrecognized event.
        public override CustomFields Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var fields = new CustomFields();
            Expect(ref reader, JsonTokenType.StartObject, "custom fields must be an object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var id = reader.GetString()!;
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
                {
                    throw new JsonException($"custom field '{id}' must be an object such as {{\"text\":\"…\"}}");
                }

                var kind = reader.GetString();
                if (!reader.Read())
                {
                    throw new JsonException($"custom field '{id}' has no value");
                }

                switch (kind, reader.TokenType)
                {
                    case ("number", JsonTokenType.Number) when reader.TryGetDecimal(out var number):
                        fields.Set(id, number);
                        break;
                    case ("bool", JsonTokenType.True or JsonTokenType.False):
                        fields.Set(id, reader.GetBoolean());
                        break;
                    case ("date", JsonTokenType.String) when DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var date):
                        fields.Set(id, date);
                        break;
                    case ("text", JsonTokenType.String):
                        fields.Set(id, reader.GetString()!);
                        break;
                    default:
                        throw new JsonException($"custom field '{id}' has a {kind} value that does not read as one");
                }

                if (!reader.Read() || reader.TokenType != JsonTokenType.EndObject)
                {
                    throw new JsonException($"custom field '{id}' must hold exactly one value");
                }
            }

            Expect(ref reader, JsonTokenType.EndObject, "custom fields must be an object of fields");
            return fields;
        }

        private static void Expect(ref Utf8JsonReader reader, JsonTokenType token, string message)
        {
            if (reader.TokenType != token)
            {
                throw new JsonException(message);
            }
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
