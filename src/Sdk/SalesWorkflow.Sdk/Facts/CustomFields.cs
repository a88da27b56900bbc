using System.Collections;
using System.Globalization;

namespace SalesWorkflow.Sdk.Facts;

/// <summary>
/// Values of the custom fields a process declares (<c>fields:</c> in YAML) on a fact. Values are text, decimal numbers,
/// booleans or dates; a condition reads them with the declared type, as <c>Opportunity.budgetConfirmed</c>.
/// </summary>
public sealed class CustomFields : IEnumerable<KeyValuePair<string, object>>
{
    private readonly Dictionary<string, object> _values = new(StringComparer.Ordinal);

    /// <summary>Number of fields set.</summary>
    public int Count => _values.Count;

    /// <summary>Sets a text or enum field.</summary>
    public CustomFields Set(string id, string value) => Put(id, value);

    /// <summary>Sets a number field.</summary>
    public CustomFields Set(string id, decimal value) => Put(id, value);

    /// <summary>Sets a boolean field.</summary>
    public CustomFields Set(string id, bool value) => Put(id, value);

    /// <summary>Sets a date field.</summary>
    public CustomFields Set(string id, DateTimeOffset value) => Put(id, value);

    /// <summary>Removes a field; it then reads as absent.</summary>
    public bool Remove(string id) => _values.Remove(id);

    /// <summary>The raw value, or null when absent.</summary>
    public object? this[string id] => _values.GetValueOrDefault(id);

    /// <summary>A text or enum field, or null when absent.</summary>
    public string? GetText(string id) => _values.GetValueOrDefault(id) switch
    {
        null => null,
        string text => text,
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };

    /// <summary>A number field, or null when absent or not a number.</summary>
    public decimal? GetNumber(string id) => _values.GetValueOrDefault(id) as decimal?;

    /// <summary>A boolean field; absent reads as false.</summary>
    public bool GetBool(string id) => _values.GetValueOrDefault(id) is true;

    /// <summary>A date field, or null when absent.</summary>
    public DateTimeOffset? GetDate(string id) => _values.GetValueOrDefault(id) as DateTimeOffset?;

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private CustomFields Put(string id, object value)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        _values[id] = value;
        return this;
    }
}
