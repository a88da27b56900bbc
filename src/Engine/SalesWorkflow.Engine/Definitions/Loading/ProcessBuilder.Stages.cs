using SalesWorkflow.Engine.Definitions.Yaml;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Definitions.Loading;

// ProcessBuilder, part: The `fields:` and `stages:` sections, with exit criteria.
internal sealed partial class ProcessBuilder
{
    private List<CustomField> BuildFields(List<PackImport> imports)
    {
        var fields = new List<CustomField>();
        foreach (var item in _read.Mappings(_root, "fields"))
        {
            var id = _read.String(item, "id");
            var on = _read.String(item, "on");
            var type = _read.String(item, "type");
            if (id is null || on is null || type is null)
            {
                continue;
            }

            var values = _read.Scalars(item, "values").Select(s => s.Value).ToList();
            var fieldType = type switch
            {
                "number" => CustomFieldType.Number,
                "bool" => CustomFieldType.Bool,
                "date" => CustomFieldType.Date,
                "enum" => CustomFieldType.Enum,
                _ => CustomFieldType.Text,
            };
            if (fieldType == CustomFieldType.Enum && values.Count == 0)
            {
                _diagnostics.Error(
                    DiagnosticIds.MissingKey,
                    NodeReader.KeySpanOf(item, "type"),
                    $"the enum field `{id}` lists no `values`",
                    "add `values: [a, b, c]` with the allowed values");
            }
            else if (fieldType != CustomFieldType.Enum && item["values"] is not null)
            {
                _diagnostics.Error(
                    DiagnosticIds.ConflictingKeys,
                    NodeReader.KeySpanOf(item, "values"),
                    $"`values` only applies to fields of `type: enum`, and `{id}` is a {type} field",
                    "remove `values`, or change the type to `enum`");
            }

            CheckDuplicates(values.Select(v => (v, NodeReader.SpanOf(item, "values"))), "enum value", null);
            var kind = on switch
            {
                "account" => FactKind.Account,
                "contact" => FactKind.Contact,
                _ => FactKind.Opportunity,
            };
            if (FactMembers.Of(kind).FirstOrDefault(m => string.Equals(m, id, StringComparison.OrdinalIgnoreCase)) is { } clash)
            {
                _diagnostics.Error(
                    DiagnosticIds.CustomFieldClash,
                    NodeReader.SpanOf(item, "id"),
                    $"the custom field `{id}` has the name of the built-in {on} field `{clash}`",
                    $"use the built-in `{clash}`, or give the custom field another name");
                continue;
            }

            fields.Add(new CustomField
            {
                Id = id,
                On = kind,
                Type = fieldType,
                Values = values,
                Name = _read.Localized(item, "name"),
                Description = _read.Localized(item, "description"),
                Span = item.Span,
            });
        }

        // Fields of imported packs (and of the packs they import) apply as if declared here.
        var all = new List<CustomField>(fields);
        foreach (var import in imports)
        {
            foreach (var field in import.Pack.Fields)
            {
                var same = all.Find(f => f.On == field.On && f.Id == field.Id);
                if (same is null)
                {
                    all.Add(field);
                }
                else if (same.Type != field.Type)
                {
                    _diagnostics.Error(
                        DiagnosticIds.DuplicateId,
                        same.Span,
                        $"the field `{field.Id}` is declared as {same.Type.ToString().ToLowerInvariant()} here and as {field.Type.ToString().ToLowerInvariant()} in the rule pack `{import.Pack.Id}`",
                        "give both the same type, or rename one of them");
                }
            }
        }

        CheckDuplicates(fields.Select(f => (f.On + "." + f.Id, f.Span)), "custom field", null, display: key => key[(key.IndexOf('.', StringComparison.Ordinal) + 1)..]);
        return all;
    }

    private List<StageDefinition> BuildStages(List<PackImport> imports)
    {
        var stages = new List<StageDefinition>();
        foreach (var item in _read.Mappings(_root, "stages"))
        {
            var id = _read.String(item, "id");
            if (id is null)
            {
                continue;
            }

            var kind = _read.String(item, "kind") switch
            {
                "won" => StageKind.Won,
                "lost" => StageKind.Lost,
                _ => StageKind.Open,
            };
            var probability = (double?)_read.Number(item, "probability");
            if (probability is null && kind == StageKind.Open && item["probability"] is null && !_file.Checker.IsMisspelled(item, "probability") && item["kind"] is null or YamlScalar { Value: "open" })
            {
                _diagnostics.Error(
                    DiagnosticIds.MissingKey,
                    NodeReader.KeySpanOf(item, "id"),
                    $"the open stage `{id}` has no `probability`",
                    "add the default win probability of a deal in this stage, e.g. `probability: 0.3`");
            }

            var checklist = new List<ChecklistItem>();
            foreach (var entry in _read.Mappings(item, "checklist"))
            {
                if (_read.String(entry, "id") is { } itemId)
                {
                    checklist.Add(new ChecklistItem
                    {
                        Id = itemId,
                        Text = _read.Localized(entry, "text"),
                        Required = _read.Bool(entry, "required", true),
                        Span = entry.Span,
                    });
                }
            }

            CheckDuplicates(checklist.Select(c => (c.Id, c.Span)), "checklist item", null);
            var criteria = new List<ExitCriterion>();
            foreach (var entry in _read.Mappings(item, "exitCriteria"))
            {
                if (BuildCriterion(entry, imports) is { } criterion)
                {
                    criteria.Add(criterion);
                }
            }

            var tasks = new List<StageTask>();
            foreach (var entry in _read.Mappings(item, "tasks"))
            {
                if (_read.String(entry, "id") is { } taskId)
                {
                    if (_read.Scalar(entry, "assignee") is { } assignee)
                    {
                        _roles.Add((assignee.Value, assignee.Span));
                    }

                    tasks.Add(new StageTask
                    {
                        Id = taskId,
                        Title = _read.Localized(entry, "title"),
                        Due = _read.Duration(entry, "due"),
                        Assignee = _read.String(entry, "assignee") ?? "owner",
                        Span = entry.Span,
                    });
                }
            }

            CheckDuplicates(tasks.Select(t => (t.Id, t.Span)), "task", null);
            if (kind != StageKind.Open && criteria.Count > 0)
            {
                _diagnostics.Warning(
                    DiagnosticIds.TerminalStageHasCriteria,
                    NodeReader.KeySpanOf(item, "exitCriteria"),
                    $"the {kind.ToString().ToLowerInvariant()} stage `{id}` has exit criteria, but deals never leave it forward",
                    "use `checklist` for work that happens in this stage");
            }

            stages.Add(new StageDefinition
            {
                Id = id,
                Name = _read.Localized(item, "name"),
                Description = _read.Localized(item, "description"),
                Order = stages.Count,
                Kind = kind,
                Probability = probability ?? (kind == StageKind.Won ? 1.0 : 0.0),
                Norms = _read.Localized(item, "norms"),
                Checklist = checklist,
                ExitCriteria = criteria,
                Tasks = tasks,
                CanLose = _read.Bool(item, "canLose", false),
                Span = item.Span,
            });
        }

        CheckDuplicates(stages.Select(s => (s.Id, Head(s.Span))), "stage", null);
        return stages;
    }

    private ExitCriterion? BuildCriterion(YamlMapping entry, List<PackImport> imports)
    {
        var id = _read.String(entry, "id");
        if (id is null)
        {
            return null;
        }

        var description = _read.Localized(entry, "description");
        if (_read.Condition(entry, "when") is { } condition)
        {
            return new ExitCriterion { Id = id, Description = description, Condition = condition, Span = entry.Span };
        }

        if (_read.Scalar(entry, "use") is not { } use)
        {
            return null;
        }

        var reused = ResolvePackItem(use, imports, p => p.Criteria, "criterion");
        if (reused is null)
        {
            return null;
        }

        return new ExitCriterion
        {
            Id = id,
            Description = description.IsEmpty ? reused.Value.Item.Description : description,
            Condition = reused.Value.Item.Condition,
            Pack = reused.Value.Import.Pack.Id,
            PackAlias = reused.Value.Import.Alias,
            Span = entry.Span,
        };
    }
}
