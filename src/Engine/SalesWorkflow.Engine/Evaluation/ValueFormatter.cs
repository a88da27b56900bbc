using System.Collections;
using System.Globalization;

namespace SalesWorkflow.Engine.Evaluation;

/// <summary>Formats values read by conditions for people: dates with their offset, money without noise, "never" for infinity.</summary>
internal static class ValueFormatter
{
    public static string Format(object? value) => value switch
    {
        null => "(none)",
        bool b => b ? "true" : "false",
        string s => "\"" + s + "\"",
        double d when double.IsPositiveInfinity(d) => "never (infinitely long)",
        int i when i == int.MaxValue => "never (infinitely long)",
        double d => d.ToString("0.##", CultureInfo.InvariantCulture),
        decimal m => m.ToString("#,0.##", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture),
        TimeSpan span => span.TotalDays.ToString("0.##", CultureInfo.InvariantCulture) + " days",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Take(10).Select(Format)) + "]",
        _ => value.ToString() ?? string.Empty,
    };
}
