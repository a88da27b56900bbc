using System.Globalization;
using System.Text;

namespace SalesWorkflow.Benchmarks;

/// <summary>
/// Writes a synthetic process with a given number of rules: 8 open stages; 40% of the rules are exit criteria spread
/// over the stages, 40% risk rules scoped to one stage, 20% risk rules that apply to every open stage. Conditions mix
/// field comparisons, custom fields, collection aggregates and functions, like real processes do.
/// </summary>
internal static class GeneratedProcess
{
    private static readonly string[] Templates =
    [
        "Opportunity.Amount > {0}",
        "Opportunity.DiscountPercent <= {1} || HasApproval(\"discount\")",
        "Contacts.Any(c => c.IsDecisionMaker) && Opportunity.Amount > {0}",
        "HasActivity(\"meeting\") && Activities.Count() >= {2}",
        "DaysSince(LastContactAt) < {3}",
        "Opportunity.score{2} >= {1}",
        "Account.OverdueAmount < {0} && Account.DaysPastDue < {3}",
        "Contacts.Count(c => c.Role == \"user\") >= {2}",
        "Opportunity.flag{2} || Opportunity.Amount > {0}",
        "Owner.OpenDeals < {4} && DaysSince(Owner.LastActiveAt) < {3}",
    ];

    public static string Yaml(int rules)
    {
        const int stages = 8;
        var criteria = rules * 4 / 10;
        var stageRisks = rules * 4 / 10;
        var globalRisks = rules - criteria - stageRisks;
        var b = new StringBuilder();
        b.Append("format: 1\nkind: process\nid: generated-").Append(rules).Append("\nversion: 1\nname: Generated\ncurrency: CNY\n");
        b.Append("fields:\n");
        for (var i = 0; i < 10; i++)
        {
            b.Append("  - { id: score").Append(i).Append(", on: opportunity, type: number }\n");
            b.Append("  - { id: flag").Append(i).Append(", on: opportunity, type: bool }\n");
        }

        b.Append("stages:\n");
        var n = 0;
        for (var s = 0; s < stages; s++)
        {
            b.Append("  - id: s").Append(s).Append("\n    name: Stage ").Append(s).Append("\n    probability: ")
                .Append(((s + 1) / 10.0).ToString("0.0#", CultureInfo.InvariantCulture)).Append('\n');
            var mine = Enumerable.Range(0, criteria).Where(c => c % stages == s).ToList();
            if (mine.Count > 0)
            {
                b.Append("    exitCriteria:\n");
                foreach (var c in mine)
                {
                    b.Append("      - id: c").Append(c).Append("\n        when: '").Append(Condition(n++)).Append("'\n");
                }
            }
        }

        b.Append("  - { id: won, name: Won, kind: won }\n  - { id: lost, name: Lost, kind: lost }\n");
        b.Append("transitions:\n  requireLossReason: false\n");
        b.Append("risks:\n");
        for (var r = 0; r < stageRisks + globalRisks; r++)
        {
            b.Append("  - id: r").Append(r).Append("\n    category: ").Append((r % 3) switch { 0 => "market", 1 => "customer", _ => "team" })
                .Append("\n    severity: medium\n    weight: 1\n    when: '").Append(Condition(n++)).Append("'\n");
            if (r < stageRisks)
            {
                b.Append("    stages: [s").Append(r % stages).Append("]\n");
            }
        }

        return b.ToString();
    }

    private static string Condition(int i)
    {
        var template = Templates[i % Templates.Length];
        return string.Format(CultureInfo.InvariantCulture, template, 1000 * (i % 97), i % 30, i % 10, 5 + (i % 20), 20 + (i % 40));
    }
}
