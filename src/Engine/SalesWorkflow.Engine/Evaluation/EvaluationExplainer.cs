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
    /// <summary>
    /// Explains <paramref name="evaluation"/> of <paramref name="deal"/> in <paramref name="language"/>: the
    /// explanation's own words in Chinese for <c>zh</c> (and <c>zh-…</c>), in English otherwise; the process's names,
    /// descriptions and advice in that language where the definition has it.
    /// </summary>
    public static string Explain(ProcessDefinition process, DealSnapshot deal, DealEvaluation evaluation, string language = "en")
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(deal);
        ArgumentNullException.ThrowIfNull(evaluation);
        var b = new StringBuilder();
        var w = ExplainerWords.For(language);
        var stage = process.FindStage(evaluation.Stage)!;
        var days = (evaluation.EvaluatedAt - deal.EnteredStageAt).TotalDays;
        // A name and an id come from a CRM: one line each, whatever they hold, so they cannot fake a line of the explanation.
        var id = Diagnostics.PrintableText.Escape(deal.Opportunity.Id);
        var name = deal.Opportunity.Name.Length > 0 ? $"\"{Diagnostics.PrintableText.Escape(deal.Opportunity.Name)}\" ({id})" : id;
        b.Append(w.Deal).Append(name).Append(" — ").Append(process.Name.Get(language)).Append(" (").Append(process.Id).Append(" v").Append(process.Version).Append(")\n");
        b.Append(w.Stage).Append(stage.Name.Get(language)).Append(" [").Append(stage.Id).Append(']').Append(w.Comma)
            .Append(w.DaysInStage(days.ToString("0.#", CultureInfo.InvariantCulture)));
        if (deal.Opportunity.Amount > 0)
        {
            b.Append(w.Amount).Append(deal.Opportunity.Amount.ToString("#,0.##", CultureInfo.InvariantCulture)).Append(' ').Append(process.Currency);
        }

        // In the process's time zone, the one its business days and durations are counted in.
        var evaluatedAt = TimeZoneInfo.ConvertTime(evaluation.EvaluatedAt, process.Calendar.TimeZone);
        b.Append('\n').Append(w.EvaluatedAt).Append(evaluatedAt.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)).Append("\n\n");

        Gate(b, w, stage, evaluation, language);
        Risks(b, w, process, evaluation, language);
        Escalations(b, w, process, evaluation, language);
        if (evaluation.ChecksMet.Count > 0)
        {
            // What the process's plugins vouch for (read by Met("…") in conditions).
            b.Append(w.ChecksMet).Append(string.Join(", ", evaluation.ChecksMet)).Append("\n\n");
        }

        b.Append(w.WinProbability).Append((evaluation.Probability * 100).ToString("0.#", CultureInfo.InvariantCulture)).Append('%')
            .Append(evaluation.ProbabilityOverridden ? w.RepsEstimate : w.StageDefault).Append('\n');
        if (evaluation.Incidents.Count > 0)
        {
            b.Append('\n').Append(w.Incidents).Append('\n');
            foreach (var incident in evaluation.Incidents)
            {
                b.Append("  ! ").Append(incident.Rule).Append(": ").Append(incident.Message).Append('\n');
            }
        }

        return b.ToString();
    }

    private static void Gate(StringBuilder b, ExplainerWords w, StageDefinition stage, DealEvaluation evaluation, string language)
    {
        var gate = evaluation.Gate;
        if (!stage.IsOpen)
        {
            b.Append(stage.Kind == StageKind.Won ? w.Won : w.Lost).Append('\n');
        }
        else if (gate.Passed)
        {
            b.Append(stage.Checklist.Any(c => c.Required) ? w.PassesWithChecklist : w.Passes).Append('\n');
        }
        else
        {
            var failing = gate.Criteria.Count(c => !c.Passed);
            b.Append(w.Blocked);
            var reasons = new List<string>();
            if (failing > 0)
            {
                reasons.Add(w.CriteriaFail(failing, gate.Criteria.Count));
            }

            if (gate.MissingChecklist.Count > 0)
            {
                reasons.Add(w.ChecklistMissing(gate.MissingChecklist.Count));
            }

            b.Append(string.Join(w.And, reasons)).Append(w.FullStop).Append('\n');
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
                b.Append("      ").Append(w.NotEvaluated).Append(incident).Append('\n');
                continue;
            }

            b.Append("      ").Append(w.FailsAt).Append(result.FailingTerm).Append('\n');
            if (result.ValuesRead.Count > 0)
            {
                b.Append("      ").Append(w.Because).Append(string.Join("; ", result.ValuesRead.Select(v => $"{v.Expression} = {v.Value}"))).Append('\n');
            }
        }

        foreach (var item in evaluation.Checklist.Where(c => !c.Done))
        {
            var text = stage.Checklist.First(c => c.Id == item.Id).Text.Get(language);
            b.Append("  ☐ ").Append(w.Checklist).Append(item.Id).Append(" — ").Append(text).Append(item.Required ? w.Required : w.Optional).Append('\n');
        }

        b.Append('\n');
    }

    /// <summary>A C# rule's advice in the language asked for, else English, else any.</summary>
    private static string PluginAdvice(RaisedRisk raised, string language) =>
        raised.Advice is not { Count: > 0 } advice ? string.Empty :
        advice.TryGetValue(language, out var text) || advice.TryGetValue("en", out text) ? text :
        advice.OrderBy(a => a.Key, StringComparer.Ordinal).First().Value;

    private static void Risks(StringBuilder b, ExplainerWords w, ProcessDefinition process, DealEvaluation evaluation, string language)
    {
        if (evaluation.Risks.Count == 0)
        {
            b.Append(w.NoRisks(evaluation.Health)).Append("\n\n");
            return;
        }

        b.Append(w.RisksHeading(evaluation.Health)).Append('\n');
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
                b.Append("      ").Append(w.WhatToDo).Append(advice.Trim()).Append('\n');
            }
        }

        b.Append('\n');
    }

    private static void Escalations(StringBuilder b, ExplainerWords w, ProcessDefinition process, DealEvaluation evaluation, string language)
    {
        if (evaluation.Escalations.Count == 0)
        {
            b.Append(w.NoEscalations).Append("\n\n");
            return;
        }

        b.Append(w.EscalationsHeading).Append('\n');
        foreach (var group in evaluation.Escalations.GroupBy(e => e.Id))
        {
            var escalation = process.Escalations.First(e => e.Id == group.Key);
            var top = group.MaxBy(e => e.Level)!;
            var level = escalation.Levels[top.Level - 1];
            var message = level.Message.IsEmpty ? escalation.Message : level.Message;
            b.Append("  ⏰ ").Append(group.Key).Append(' ').Append(w.Level(top.Level, escalation.Levels.Count))
                .Append(" → ").Append(w.Notify).Append(string.Join(", ", group.Select(e => e.Notify))).Append(" (").Append(w.Since)
                .Append(top.Since.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)).Append(")\n");
            if (!message.IsEmpty)
            {
                b.Append("      ").Append(message.Get(language).Trim()).Append('\n');
            }
        }

        b.Append('\n');
    }
}

/// <summary>The explanation's own words, in English and Chinese (the process's text comes from its definition).</summary>
internal sealed record ExplainerWords
{
    public static readonly ExplainerWords English = new();

    public static readonly ExplainerWords Chinese = new()
    {
        Deal = "商机 ",
        Stage = "阶段：",
        DaysInStage = days => $"已在本阶段 {days} 天",
        Comma = "，",
        Amount = "，金额 ",
        EvaluatedAt = "评估时间 ",
        ChecksMet = "插件检查已满足：",
        WinProbability = "赢单概率：",
        RepsEstimate = "（销售本人的估计）",
        StageDefault = "（阶段默认值）",
        Incidents = "无法评估的规则（其结果按不成立计；请修正规则或数据）：",
        Won = "该商机已赢单，没有需要通过的关卡。",
        Lost = "该商机已输单，没有需要通过的关卡。",
        Passes = "可以推进吗？可以——所有退出标准均已满足。",
        PassesWithChecklist = "可以推进吗？可以——所有退出标准均已满足，检查清单已完成。",
        Blocked = "可以推进吗？不可以——",
        CriteriaFail = (failing, total) => $"{total} 项退出标准中有 {failing} 项未满足",
        ChecklistMissing = count => $"{count} 项必做清单未完成",
        And = "，且",
        FullStop = "。",
        NotEvaluated = "无法评估：",
        FailsAt = "未满足之处：",
        Because = "原因：",
        Checklist = "清单：",
        Required = "（必做）",
        Optional = "（可选）",
        NoRisks = health => $"风险：无（健康度 {health}/100）",
        RisksHeading = health => $"风险（健康度 {health}/100）：",
        WhatToDo = "应对：",
        NoEscalations = "到期升级：无",
        EscalationsHeading = "到期升级：",
        Level = (level, of) => $"第 {level}/{of} 级",
        Notify = "通知 ",
        Since = "自 ",
    };

    public string Deal { get; init; } = "Deal ";
    public string Stage { get; init; } = "Stage: ";
    public Func<string, string> DaysInStage { get; init; } = days => $"{days} days in stage";
    public string Comma { get; init; } = ", ";
    public string Amount { get; init; } = ", amount ";
    public string EvaluatedAt { get; init; } = "Evaluated at ";
    public string ChecksMet { get; init; } = "Plugin checks met: ";
    public string WinProbability { get; init; } = "Win probability: ";
    public string RepsEstimate { get; init; } = " (the rep's own estimate)";
    public string StageDefault { get; init; } = " (stage default)";
    public string Incidents { get; init; } = "Rules that could not be evaluated (their result counts as false; fix the rule or the data):";
    public string Won { get; init; } = "The deal is won; there is no gate to pass.";
    public string Lost { get; init; } = "The deal is lost; there is no gate to pass.";
    public string Passes { get; init; } = "Can it move on? Yes — every exit criterion holds.";
    public string PassesWithChecklist { get; init; } = "Can it move on? Yes — every exit criterion holds and the checklist is complete.";
    public string Blocked { get; init; } = "Can it move on? No — ";
    public Func<int, int, string> CriteriaFail { get; init; } = (failing, total) => $"{failing} of {total} exit criteria fail";
    public Func<int, string> ChecklistMissing { get; init; } = count => count == 1 ? "1 required checklist item is not done" : $"{count} required checklist items are not done";
    public string And { get; init; } = " and ";
    public string FullStop { get; init; } = ".";
    public string NotEvaluated { get; init; } = "could not be evaluated: ";
    public string FailsAt { get; init; } = "fails at: ";
    public string Because { get; init; } = "because: ";
    public string Checklist { get; init; } = "checklist: ";
    public string Required { get; init; } = " (required)";
    public string Optional { get; init; } = " (optional)";
    public Func<int, string> NoRisks { get; init; } = health => $"Risks: none (health {health}/100)";
    public Func<int, string> RisksHeading { get; init; } = health => $"Risks (health {health}/100):";
    public string WhatToDo { get; init; } = "what to do: ";
    public string NoEscalations { get; init; } = "Escalations due: none";
    public string EscalationsHeading { get; init; } = "Escalations due:";
    public Func<int, int, string> Level { get; init; } = (level, of) => $"level {level} of {of}";
    public string Notify { get; init; } = "notify ";
    public string Since { get; init; } = "since ";

    /// <summary>Chinese for <c>zh</c> and its regional forms, English for anything else.</summary>
    public static ExplainerWords For(string language) =>
        language.Equals("zh", StringComparison.OrdinalIgnoreCase) || language.StartsWith("zh-", StringComparison.OrdinalIgnoreCase) ? Chinese : English;
}
