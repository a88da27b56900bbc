using System.Globalization;
using System.Text.RegularExpressions;
using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Definitions.Yaml;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Definitions.Loading;

/// <summary>Builds <c>care:</c>, the after-sales care owed to a won customer.</summary>
internal sealed partial class ProcessBuilder
{
    private CarePolicy BuildCarePolicy(IReadOnlyList<CustomField> fields, IReadOnlyList<string> plugins)
    {
        if (_read.Node(_root, "care") is not YamlMapping map)
        {
            return CarePolicy.None;
        }

        if (!plugins.Contains("customer-care", StringComparer.Ordinal))
        {
            _diagnostics.Warning(
                DiagnosticIds.CareWithoutPlugin,
                NodeReader.KeySpanOf(_root, "care"),
                "`care:` has no effect: the `customer-care` plugin reads it, and the process does not use that plugin",
                "add `customer-care` to `plugins:`");
        }

        var checkIn = _read.Node(map, "checkIn") as YamlMapping;
        var greetings = _read.Node(map, "greetings") as YamlMapping;
        return new CarePolicy
        {
            FollowUpVisit = CareDays(map, "followUpVisit") ?? CarePlan.Default.FollowUpVisit,
            CheckIn = (checkIn is null ? null : CareDays(checkIn, "every")) ?? CarePlan.Default.CheckIn,
            CheckInByTier = checkIn is null ? new Dictionary<string, CareInterval>(StringComparer.Ordinal) : CheckInTiers(checkIn, fields),
            GreetingLead = (greetings is null ? null : CareDays(greetings, "before")) ?? CarePlan.Default.GreetingLead,
            Occasions = greetings is null ? [] : Occasions(greetings),
        };
    }

    /// <summary>A care duration: whole days or business days, since care is owed by the day.</summary>
    private CareInterval? CareDays(YamlMapping map, string key)
    {
        if (_read.Duration(map, key) is not { } duration)
        {
            return null;
        }

        if (duration.IsBusinessDays)
        {
            return new CareInterval(duration.BusinessDays, BusinessDays: true);
        }

        if (!duration.IsBusinessHours && duration.Elapsed.Ticks % TimeSpan.TicksPerDay == 0)
        {
            return new CareInterval((int)duration.Elapsed.TotalDays, BusinessDays: false);
        }

        _diagnostics.Error(
            DiagnosticIds.InvalidDuration,
            NodeReader.SpanOf(map, key),
            $"`{duration.Text}` is not a number of days: care is owed by the day",
            "write whole days (`30d`, `2w`) or business days (`20bd`)");
        return null;
    }

    private Dictionary<string, CareInterval> CheckInTiers(YamlMapping checkIn, IReadOnlyList<CustomField> fields)
    {
        var tiers = new Dictionary<string, CareInterval>(StringComparer.Ordinal);
        if (_read.Node(checkIn, "tiers") is not YamlMapping map)
        {
            return tiers;
        }

        var field = fields.FirstOrDefault(f => f.On == FactKind.Account && f.Id == CarePolicy.TierField);
        if (field is null)
        {
            _diagnostics.Error(
                DiagnosticIds.UnknownCareTier,
                NodeReader.KeySpanOf(checkIn, "tiers"),
                "check-in tiers are values of the account field `tier`, which the process does not declare",
                "declare it in `fields:` (`id: tier`, `on: account`, `type: enum`)");
            return tiers;
        }

        foreach (var entry in map.Entries)
        {
            var tier = entry.Key.Value;
            if (field.Type == CustomFieldType.Enum && !field.Values.Contains(tier, StringComparer.Ordinal))
            {
                _diagnostics.Error(
                    DiagnosticIds.UnknownCareTier,
                    entry.Key.Span,
                    $"`{tier}` is not a value of the account field `tier`",
                    Suggestions.DidYouMean(tier, field.Values) ?? "values: " + string.Join(", ", field.Values));
                continue;
            }

            if (CareDays(map, tier) is { } cadence)
            {
                tiers[tier] = cadence;
            }
        }

        return tiers;
    }

    private List<CareOccasion> Occasions(YamlMapping greetings)
    {
        var days = _read.Mappings(greetings, "days").ToList();
        CheckDuplicates(days.Select(d => (_read.String(d, "id") ?? string.Empty, NodeReader.SpanOf(d, "id"))), "greeting day", null);
        var occasions = new List<CareOccasion>();
        foreach (var day in days)
        {
            if (_read.String(day, "id") is not { } id)
            {
                continue;
            }

            var name = _read.Localized(day, "name").Values;
            if (_read.Scalar(day, "every") is { } every)
            {
                if (YearlyDay(every) is { } yearly)
                {
                    occasions.Add(CareOccasion.Yearly(id, name, yearly.Month, yearly.Day));
                }
            }
            else if (_read.String(day, "anniversary") == "win")
            {
                occasions.Add(CareOccasion.AnniversaryOfWin(id, name));
            }
            else
            {
                occasions.Add(CareOccasion.OnDates(id, name, Dates(day, "dates")));
            }
        }

        return occasions;
    }

    private (int Month, int Day)? YearlyDay(YamlScalar every)
    {
        var match = MonthDay().Match(every.Value);
        if (match.Success)
        {
            var month = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var day = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
            if (month is >= 1 and <= 12 && day >= 1 && day <= (month == 2 ? 28 : DateTime.DaysInMonth(2001, month)))
            {
                return (month, day);
            }
        }

        _diagnostics.Error(
            DiagnosticIds.InvalidValue,
            every.Span,
            $"`{every.Value}` is not a day of every year",
            every.Value is "02-29" ? "February 29 is not in every year: list its dates under `dates:`" : "write the month and day as `mm-dd`, e.g. `01-01`");
        return null;
    }

    [GeneratedRegex("^([0-9]{2})-([0-9]{2})$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex MonthDay();
}
