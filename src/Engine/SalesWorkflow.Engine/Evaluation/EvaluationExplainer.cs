using System.Globalization;
using System.Text;
using SalesWorkflow.Engine.Definitions;

namespace SalesWorkflow.Engine.Evaluation;

/// <summary>
/// Puts an evaluation into words a sales director reads: can the deal move on, and if not which criteria fail and
/// which values made them fail; which risks are raised and what to do about them; which escalations are due.
/// </summary>
public static class EvaluationExplainer
{
    /// <summary>Explains <paramref name="evaluation"/> of <paramref name="deal"/>; names and advice in <paramref name="language"/>.</summary>
    public static string Explain(ProcessDefinition process, DealSnapshot deal, DealEvaluation evaluation, string language = "en")
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(deal);
        ArgumentNullException.ThrowIfNull(evaluation);
        var b = new StringBuilder();
        var stage = process.FindStage(evaluation.Stage)!;
        var days = (evaluation.EvaluatedAt - deal.EnteredStageAt).TotalDays;
        // A name and an id come from a CRM: one line each, whatever they hold, so they cannot fake a line of the explanation.
        var id = Diagnostics.PrintableText.Escape(deal.Opportunity.Id);
        var name = deal.Opportunity.Name.Length > 0 ? $"\"{Diagnostics.PrintableText.Escape(deal.Opportunity.Name)}\" ({id})" : id;
        b.Append("Deal ").Append(name).Append(" — ").Append(process.Name.Get(language)).Append(" (").Append(process.Id).Append(" v").Append(process.Version).Append(")\n");
        b.Append("Stage: ").Append(stage.Name.Get(language)).Append(" [").Append(stage.Id).Append("], ")
            .Append(days.ToString("0.#", CultureInfo.InvariantCulture)).Append(" days in stage");
        if (deal.Opportunity.Amount > 0)
        {
            b.Append(", amount ").Append(deal.Opportunity.Amount.ToString("#,0.##", CultureInfo.InvariantCulture)).Append(' ').Append(process.Currency);
        }

        // In the process's time zone, the one its business days and durations are counted in.
        var evaluatedAt = TimeZoneInfo.ConvertTime(evaluation.EvaluatedAt, process.Calendar.TimeZone);
        b.Append("\nEvaluated at ").Append(evaluatedAt.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)).Append("\n\n");

        Gate(b, stage, evaluation, language);
        Risks(b, process, evaluation, language);
        Escalations(b, process, evaluation, language);
        if (evaluation.ChecksMet.Count > 0)
        {
            // What the process's plugins vouch for (read by Met("…") in conditions).
            b.Append("Plugin checks met: ").Append(string.Join(", ", evaluation.ChecksMet)).Append("\n\n");
        }

        b.Append("Win probability: ").Append((evaluation.Probability * 100).ToString("0.#", CultureInfo.InvariantCulture)).Append('%')
            .Append(evaluation.ProbabilityOverridden ? " (the rep's own estimate)" : " (stage default)").Append('\n');
        if (evaluation.Incidents.Count > 0)
        {
            b.Append("\nRules that could not be evaluated (their result counts as false; fix the rule or the data):\n");
            foreach (var incident in evaluation.Incidents)
            {
                b.Append("  ! ").Append(incident.Rule).Append(": ").Append(incident.Message).Append('\n');
            }
        }

        return b.ToString();
    }

    private static void Gate(StringBuilder b, StageDefinition stage, DealEvaluation evaluation, string language)
    {
        var gate = evaluation.Gate;
        if (!stage.IsOpen)
        {
            b.Append("The deal is ").Append(stage.Kind == StageKind.Won ? "won" : "lost").Append("; there is no gate to pass.\n");
        }
        else if (gate.Passed)
        {
            b.Append("Can it move on? Yes — every exit criterion holds");
            b.Append(stage.Checklist.Any(c => c.Required) ? " and the checklist is complete.\n" : ".\n");
        }
        else
        {
            var failing = gate.Criteria.Count(c => !c.Passed);
            b.Append("Can it move on? No — ");
            var reasons = new List<string>();
            if (failing > 0)
            {
                reasons.Add($"{failing} of {gate.Criteria.Count} exit criteria fail");
            }

            if (gate.MissingChecklist.Count > 0)
            {
                reasons.Add(gate.MissingChecklist.Count == 1 ? "1 required checklist item is not done" : $"{gate.MissingChecklist.Count} required checklist items are not done");
            }

            b.Append(string.Join(" and ", reasons)).Append(".\n");
        }

        foreach (var result in gate.Criteria)
        {
            var criterion = stage.ExitCriteria.First(c => c.Id == result.Id);
            var description = criterion.Description.Get(language);
            b.Append("  ").Append(result.Passed ? "✔ " : "✘ ").Append(result.Id);
            if (description.Length > 0)
            {
                b.Append(" — ").Append(description);
            }

            b.Append('\n');
            if (result.Passed)
            {
                continue;
            }

            if (result.Incident is { } incident)
            {
                b.Append("      could not be evaluated: ").Append(incident).Append('\n');
                continue;
            }

            b.Append("      fails at: ").Append(result.FailingTerm).Append('\n');
            if (result.ValuesRead.Count > 0)
            {
                b.Append("      because: ").Append(string.Join("; ", result.ValuesRead.Select(v => $"{v.Expression} = {v.Value}"))).Append('\n');
            }
        }

        foreach (var item in evaluation.Checklist.Where(c => !c.Done))
        {
            var text = stage.Checklist.First(c => c.Id == item.Id).Text.Get(language);
            b.Append("  ☐ checklist: ").Append(item.Id).Append(" — ").Append(text).Append(item.Required ? " (required)" : " (optional)").Append('\n');
        }

        b.Append('\n');
    }

    /// <summary>A C# rule's advice in the language asked for, else English, else any.</summary>
    private static string PluginAdvice(RaisedRisk raised, string language) =>
        raised.Advice is not { Count: > 0 } advice ? string.Empty :
        advice.TryGetValue(language, out var text) || advice.TryGetValue("en", out text) ? text :
        advice.OrderBy(a => a.Key, StringComparer.Ordinal).First().Value;

    private static void Risks(StringBuilder b, ProcessDefinition process, DealEvaluation evaluation, string language)
    {
        if (evaluation.Risks.Count == 0)
        {
            b.Append("Risks: none (health ").Append(evaluation.Health).Append("/100)\n\n");
            return;
        }

        b.Append("Risks (health ").Append(evaluation.Health).Append("/100):\n");
        foreach (var raised in evaluation.Risks.OrderByDescending(r => r.Severity).ThenByDescending(r => r.Weight).ThenBy(r => r.Id, StringComparer.Ordinal))
        {
            var risk = process.Risks.FirstOrDefault(r => r.Id == raised.Id);
            b.Append("  ⚠ ").Append(raised.Severity.ToString().ToLowerInvariant()).Append(" · ").Append(raised.Category).Append(" · ")
                .Append(raised.Id).Append(" (−").Append(raised.Weight).Append(')');
            var riskName = risk?.Name.Get(language) ?? string.Empty;
            if (riskName.Length > 0)
            {
                b.Append(": ").Append(riskName);
            }

            b.Append('\n');
            var advice = risk?.Advice.Get(language) ?? PluginAdvice(raised, language);
            if (advice.Length > 0)
            {
                b.Append("      what to do: ").Append(advice.Trim()).Append('\n');
            }
        }

        b.Append('\n');
    }

    private static void Escalations(StringBuilder b, ProcessDefinition process, DealEvaluation evaluation, string language)
    {
        if (evaluation.Escalations.Count == 0)
        {
            b.Append("Escalations due: none\n\n");
            return;
        }

        b.Append("Escalations due:\n");
        foreach (var group in evaluation.Escalations.GroupBy(e => e.Id))
        {
            var escalation = process.Escalations.First(e => e.Id == group.Key);
            var top = group.MaxBy(e => e.Level)!;
            var level = escalation.Levels[top.Level - 1];
            var message = level.Message.IsEmpty ? escalation.Message : level.Message;
            b.Append("  ⏰ ").Append(group.Key).Append(" level ").Append(top.Level).Append(" of ").Append(escalation.Levels.Count)
                .Append(" → notify ").Append(string.Join(", ", group.Select(e => e.Notify))).Append(" (since ")
                .Append(top.Since.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)).Append(")\n");
            if (!message.IsEmpty)
            {
                b.Append("      ").Append(message.Get(language).Trim()).Append('\n');
            }
        }

        b.Append('\n');
    }
}
