using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Definitions.Yaml;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Engine.Definitions.Loading;

// ProcessBuilder, part: The `riskCategories:`, `risks:` and `escalations:` sections.
internal sealed partial class ProcessBuilder
{
    private List<RiskCategoryDefinition> BuildRiskCategories(List<PackImport> imports)
    {
        var categories = FormatShapes.BuiltInRiskCategories
            .Select(id => new RiskCategoryDefinition { Id = id, Name = LocalizedText.Of(id) })
            .ToList();
        var declared = new List<(string Id, SourceSpan Span)>();
        foreach (var item in _read.Mappings(_root, "riskCategories"))
        {
            if (_read.String(item, "id") is { } id)
            {
                declared.Add((id, NodeReader.SpanOf(item, "id")));
                categories.Add(new RiskCategoryDefinition { Id = id, Name = _read.Localized(item, "name") });
            }
        }

        CheckDuplicates(declared.Concat(FormatShapes.BuiltInRiskCategories.Select(b => (b, SourceSpan.StartOf("(built-in)")))).Reverse(), "risk category", "`market`, `customer` and `team` are built in");
        foreach (var category in imports.SelectMany(i => i.Pack.RiskCategories))
        {
            if (categories.TrueForAll(c => c.Id != category.Id))
            {
                categories.Add(category);
            }
        }

        return categories;
    }

    private List<RiskRule> BuildRisks(YamlMapping root, string? pack, List<StageDefinition>? stages, List<RiskCategoryDefinition> categories)
    {
        var risks = new List<RiskRule>();
        foreach (var item in _read.Mappings(root, "risks"))
        {
            var id = _read.String(item, "id");
            var condition = _read.Condition(item, "when");
            var category = _read.Scalar(item, "category");
            var weight = _read.Integer(item, "weight");
            var severity = _read.String(item, "severity");
            if (id is null || condition is null || category is null || weight is null || severity is null)
            {
                continue;
            }

            if (categories.TrueForAll(c => c.Id != category.Value))
            {
                _diagnostics.Error(
                    DiagnosticIds.UnknownRiskCategory,
                    category.Span,
                    $"`{category.Value}` is not a risk category",
                    Suggestions.DidYouMean(category.Value, categories.Select(c => c.Id)) ?? "declare it under `riskCategories:`, or use `market`, `customer` or `team`");
            }

            List<string> riskStages;
            if (stages is null)
            {
                if (item["stages"] is not null)
                {
                    _diagnostics.Error(
                        DiagnosticIds.PackRiskStages,
                        NodeReader.KeySpanOf(item, "stages"),
                        "risk rules in a rule pack cannot name stages: the importing process decides where they apply",
                        "remove `stages`; a process can write `stages:` on its import instead");
                }

                riskStages = [];
            }
            else
            {
                riskStages = StageReferences(item, "stages", stages) ?? OpenStages(stages);
            }

            risks.Add(new RiskRule
            {
                Id = id,
                Name = _read.Localized(item, "name"),
                Category = category.Value,
                Severity = Enum.Parse<RiskSeverity>(severity, ignoreCase: true),
                Weight = (int)weight,
                Condition = condition,
                Advice = _read.Localized(item, "advice"),
                Stages = riskStages,
                Pack = pack,
                Span = item.Span,
            });
        }

        return risks;
    }

    private List<EscalationDefinition> BuildEscalations(List<StageDefinition> stages)
    {
        var escalations = new List<EscalationDefinition>();
        foreach (var item in _read.Mappings(_root, "escalations"))
        {
            var id = _read.String(item, "id");
            if (id is null || _read.Node(item, "trigger") is not YamlMapping trigger)
            {
                continue;
            }

            var levels = new List<EscalationLevel>();
            foreach (var level in _read.Mappings(item, "levels"))
            {
                var notify = _read.String(level, "notify");
                var after = _read.Duration(level, "after");
                if (notify is null || after is null)
                {
                    continue;
                }

                if (levels.Count > 0 && Compare(after.Value, levels[^1].After) < 0)
                {
                    _diagnostics.Warning(
                        DiagnosticIds.EscalationLevelsOutOfOrder,
                        NodeReader.SpanOf(level, "after"),
                        $"level {levels.Count + 1} of the escalation `{id}` fires after {after.Value.Text}, before level {levels.Count} ({levels[^1].After.Text})",
                        "order levels by `after`, from the first person notified to the last");
                }

                _roles.Add((notify, NodeReader.SpanOf(level, "notify")));
                levels.Add(new EscalationLevel
                {
                    Number = levels.Count + 1,
                    Notify = notify,
                    After = after.Value,
                    Message = _read.Localized(level, "message"),
                    Span = level.Span,
                });
            }

            if (levels.Count == 0 && item["levels"] is YamlSequence { Items.Count: 0 })
            {
                _diagnostics.Error(
                    DiagnosticIds.MissingKey,
                    NodeReader.KeySpanOf(item, "levels"),
                    $"the escalation `{id}` has no levels",
                    "add at least one level, e.g. `- { notify: owner, after: 0m }`");
            }

            escalations.Add(new EscalationDefinition
            {
                Id = id,
                Name = _read.Localized(item, "name"),
                Stages = StageReferences(item, "stages", stages) ?? OpenStages(stages),
                TimeInStage = _read.Duration(trigger, "timeInStage"),
                Condition = _read.Condition(trigger, "condition"),
                Levels = levels,
                Message = _read.Localized(item, "message"),
                Span = item.Span,
            });
        }

        return escalations;
    }

    // Business days and hours and elapsed time compare by their nominal length (a business day ≈ 1.4 calendar days).
    private int Compare(Duration a, Duration b) => a.NominalDays(ProcessCalendar).CompareTo(b.NominalDays(ProcessCalendar));
}
