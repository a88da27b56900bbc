using System.Globalization;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Runtime;

/// <summary>
/// The custom fields a command sets must be the ones the process declares (<c>fields:</c>), with values of the
/// declared type: the rule process tests apply to their facts (SW3005), applied to commands, so a misspelt or mistyped
/// field is refused rather than stored and silently never read by a condition.
/// </summary>
internal static class CustomFieldCheck
{
    /// <summary>The first field that breaks the rule, said for people; null when every field reads.</summary>
    public static string? Problem(ProcessDefinition process, Opportunity? opportunity, Account? account, IEnumerable<Contact> contacts)
    {
        var facts = new List<(FactKind Kind, string Name, CustomFields Fields)>();
        if (opportunity is not null)
        {
            facts.Add((FactKind.Opportunity, "Opportunity", opportunity.Custom));
        }

        if (account is not null)
        {
            facts.Add((FactKind.Account, "Account", account.Custom));
        }

        facts.AddRange(contacts.Select(c => (FactKind.Contact, $"Contact '{c.Id}'", c.Custom)));
        foreach (var (kind, name, fields) in facts)
        {
            foreach (var (id, value) in fields)
            {
                var declared = process.Fields.FirstOrDefault(f => f.On == kind && f.Id == id);
                if (declared is null)
                {
                    var hint = Suggestions.DidYouMean(id, process.Fields.Where(f => f.On == kind).Select(f => f.Id));
                    return $"{DiagnosticIds.TestInvalidFact}: {name} sets the custom field '{id}', which {process.Id} v{process.Version} does not declare (fields:)" + (hint is null ? "." : $"; {hint}");
                }

                if (Expected(declared, value) is { } expected)
                {
                    return $"{DiagnosticIds.TestInvalidFact}: {name}'s custom field '{id}' is {declared.Type.ToString().ToLowerInvariant()}; expected {expected}, found {Describe(value)}.";
                }
            }
        }

        return null;
    }

    /// <summary>What the field needs, when <paramref name="value"/> is not it.</summary>
    private static string? Expected(CustomField field, object value) => field.Type switch
    {
        CustomFieldType.Number => value is decimal ? null : "a number (Set(id, decimal))",
        CustomFieldType.Bool => value is bool ? null : "true or false (Set(id, bool))",
        CustomFieldType.Date => value is DateTimeOffset ? null : "a date (Set(id, DateTimeOffset))",
        CustomFieldType.Enum => value is string text && field.Values.Contains(text, StringComparer.Ordinal) ? null : "one of " + string.Join(", ", field.Values),
        _ => value is string ? null : "text (Set(id, string))",
    };

    private static string Describe(object value) => value switch
    {
        string text => $"'{text}'",
        bool flag => flag ? "true" : "false",
        decimal number => number.ToString(CultureInfo.InvariantCulture),
        DateTimeOffset moment => moment.ToString("O", CultureInfo.InvariantCulture),
        _ => value.GetType().Name,
    };
}
