using System.Globalization;
using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Definitions.Yaml;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Engine.Definitions.Loading;

/// <summary>
/// Builds the immutable model of a process or rule pack from a shape-checked YAML tree, resolving pack imports, and
/// runs the semantic checks that need the whole document (duplicate ids, references, reachability, target sums…).
/// </summary>
internal sealed class ProcessBuilder(LoadSession session, ParsedFile file)
{
    private readonly NodeReader _read = file.Reader;
    private readonly DiagnosticBag _diagnostics = session.Diagnostics;
    private readonly YamlMapping _root = file.Root;

    public ProcessDefinition? BuildProcess()
    {
        var imports = BuildImports();
        var plugins = BuildPlugins();
        var fields = BuildFields(imports);
        var stages = BuildStages(imports);
        var transitions = BuildTransitions();
        var categories = BuildRiskCategories(imports);
        var risks = BuildRisks(_root, null, stages, categories);
        risks.AddRange(ImportedRisks(imports, stages, categories));
        var escalations = BuildEscalations(stages);
        var targets = BuildTargets();

        var id = _read.String(_root, "id");
        var version = _read.Integer(_root, "version");
        var name = _read.Localized(_root, "name");
        var currency = _read.String(_root, "currency");
        if (id is null || version is null || currency is null || stages.Count == 0)
        {
            return null; // Required keys are missing or invalid; already reported.
        }

        if (StagesComplete())
        {
            CheckStages(stages, transitions);
        }

        CheckDuplicates(
            stages.SelectMany(s => s.ExitCriteria).Select(c => (c.Id, c.Span)),
            "exit criterion",
            "exit criterion ids are unique across the whole process so that tests and reports can name them");
        CheckDuplicates(risks.Select(r => (r.Id, r.Span)), "risk rule", null);
        CheckDuplicates(escalations.Select(e => (e.Id, e.Span)), "escalation", null);
        CheckLossReasons(transitions);
        var languages = _read.Scalars(_root, "languages").Select(s => s.Value).ToList();
        if (languages.Count > 0)
        {
            file.Checker.CheckTranslations(_root, FormatShapes.Process, languages, "the process", _diagnostics);
        }

        var process = new ProcessDefinition
        {
            Id = id,
            Version = (int)version,
            Name = name,
            Description = _read.Localized(_root, "description"),
            Languages = [.. _read.Scalars(_root, "languages").Select(s => s.Value)],
            Currency = currency,
            Owner = _read.String(_root, "owner"),
            Calendar = BuildCalendar(),
            Imports = imports,
            Plugins = plugins,
            Fields = fields,
            Stages = stages,
            Transitions = transitions,
            Escalations = escalations,
            RiskCategories = categories,
            Risks = risks,
            Targets = targets,
            SourcePath = file.DisplayPath,
            ContentHash = string.Empty,
            Span = _root.Span,
        };
        return WithHash(process);
    }

    public RulePack? BuildPack()
    {
        var imports = BuildImports();
        var fields = BuildFields(imports);
        var categories = BuildRiskCategories(imports);
        var criteria = new List<ExitCriterion>();
        foreach (var item in _read.Mappings(_root, "criteria"))
        {
            if (BuildCriterion(item, imports) is { } criterion)
            {
                criteria.Add(criterion);
            }
        }

        CheckDuplicates(criteria.Select(c => (c.Id, c.Span)), "criterion", null);
        var risks = BuildRisks(_root, null, stages: null, categories);
        CheckDuplicates(risks.Select(r => (r.Id, r.Span)), "risk rule", null);
        var id = _read.String(_root, "id");
        var version = _read.Integer(_root, "version");
        if (id is null || version is null)
        {
            return null;
        }

        return new RulePack
        {
            Id = id,
            Version = (int)version,
            Name = _read.Localized(_root, "name"),
            Description = _read.Localized(_root, "description"),
            Imports = imports,
            Fields = fields,
            Criteria = criteria,
            Risks = risks,
            RiskCategories = categories.Where(c => !FormatShapes.BuiltInRiskCategories.Contains(c.Id)).ToList(),
            SourcePath = file.DisplayPath,
            Span = _root.Span,
        };
    }

    /// <summary>The plugins the process declares; each must be loaded (a process never runs without its plugins' rules).</summary>
    private List<string> BuildPlugins()
    {
        var declared = _read.Scalars(_root, "plugins").Where(s => s.Value.Length > 0).ToList();
        CheckDuplicates(declared.Select(s => (s.Value, s.Span)), "plugin", "list each plugin once");
        var available = session.Options.Plugins;
        foreach (var name in declared.Where(s => !available.HasPlugin(s.Value)))
        {
            var loaded = available.Plugins.Select(p => p.Name).ToList();
            var failed = available.Diagnostics.Where(d => d.Message.Contains("`" + name.Value + "`", StringComparison.Ordinal) || d.Source.Contains(name.Value, StringComparison.OrdinalIgnoreCase)).ToList();
            _diagnostics.Error(
                DiagnosticIds.PluginNotLoaded,
                name.Span,
                $"the process uses the plugin `{name.Value}`, which is not loaded",
                failed.Count > 0 ? $"it failed to load: {failed[0]}"
                    : Suggestions.DidYouMean(name.Value, loaded)
                    ?? (loaded.Count == 0 ? "load it with --plugins <folder> (salesflow) or AddSalesWorkflowPlugin<T>() (embedding)" : $"loaded plugins: {string.Join(", ", loaded)}; load others with --plugins <folder>"));
        }

        return [.. declared.Select(s => s.Value).Distinct(StringComparer.Ordinal)];
    }

    private List<PackImport> BuildImports()
    {
        var imports = new List<PackImport>();
        var aliases = new Dictionary<string, SourceSpan>(StringComparer.Ordinal);
        foreach (var item in _read.Mappings(_root, "imports"))
        {
            var path = _read.Scalar(item, "pack");
            var alias = _read.Scalar(item, "as");
            if (path is null || alias is null)
            {
                continue;
            }

            if (!aliases.TryAdd(alias.Value, alias.Span))
            {
                _diagnostics.Error(
                    DiagnosticIds.DuplicateId,
                    alias.Span,
                    $"the import alias `{alias.Value}` is used twice",
                    $"the first is at line {aliases[alias.Value].Line}; give each import its own alias");
                continue;
            }

            var directory = Path.GetDirectoryName(file.FullPath)!;
            var full = Path.GetFullPath(Path.Combine(directory, path.Value));
            var display = LoadSession.DisplayPathOf(file.DisplayPath, path.Value);
            if (!session.Exists(full))
            {
                _diagnostics.Error(
                    DiagnosticIds.ImportNotFound,
                    path.Span,
                    $"the rule pack `{path.Value}` does not exist (looked for `{display}`)",
                    Suggestions.DidYouMean(Path.GetFileName(full), LoadSession.SiblingYamlFiles(full)) ?? "paths are relative to the importing file");
                continue;
            }

            var pack = session.LoadPack(display, full, path.Span);
            if (pack is null)
            {
                continue;
            }

            imports.Add(new PackImport
            {
                Alias = alias.Value,
                Pack = pack,
                ImportRisks = _read.Bool(item, "risks", true),
                RiskStages = [.. _read.Scalars(item, "stages").Select(s => (s.Value, s.Span))],
            });
        }

        return imports;
    }

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
            if (probability is null && kind == StageKind.Open && item["probability"] is null && !file.Checker.IsMisspelled(item, "probability") && item["kind"] is null or YamlScalar { Value: "open" })
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

    private (T Item, PackImport Import)? ResolvePackItem<T>(YamlScalar reference, List<PackImport> imports, Func<RulePack, IReadOnlyList<T>> items, string what)
        where T : class
    {
        var dot = reference.Value.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            _diagnostics.Error(
                DiagnosticIds.UnknownPackItem,
                reference.Span,
                $"`use: {reference.Value}` must name an imported {what} as `alias.id`",
                imports.Count > 0 ? $"for example `use: {imports[0].Alias}.{reference.Value}`" : "import a rule pack under `imports:` first");
            return null;
        }

        var alias = reference.Value[..dot];
        var itemId = reference.Value[(dot + 1)..];
        var import = imports.Find(i => i.Alias == alias);
        if (import is null)
        {
            _diagnostics.Error(
                DiagnosticIds.UnknownPackItem,
                reference.Span,
                $"no rule pack is imported as `{alias}`",
                Suggestions.DidYouMean(alias, imports.Select(i => i.Alias)) ?? "import the pack under `imports:` with `as: " + alias + "`");
            return null;
        }

        var found = items(import.Pack).FirstOrDefault(i => IdOf(i) == itemId);
        if (found is null)
        {
            _diagnostics.Error(
                DiagnosticIds.UnknownPackItem,
                reference.Span,
                $"the rule pack `{import.Pack.Id}` has no {what} `{itemId}`",
                Suggestions.DidYouMean(itemId, items(import.Pack).Select(IdOf)));
            return null;
        }

        return (found, import);
    }

    private static string IdOf<T>(T item) => item switch
    {
        ExitCriterion c => c.Id,
        RiskRule r => r.Id,
        _ => string.Empty,
    };

    private TransitionPolicy BuildTransitions()
    {
        if (_read.Node(_root, "transitions") is not YamlMapping map)
        {
            return new TransitionPolicy();
        }

        var reasons = _read.Mappings(map, "lossReasons")
            .Select(r => (Id: _read.String(r, "id"), Map: r))
            .Where(r => r.Id is not null)
            .Select(r => new LossReason { Id = r.Id!, Name = _read.Localized(r.Map, "name") })
            .ToList();
        CheckDuplicates(_read.Mappings(map, "lossReasons").Select(r => (_read.String(r, "id") ?? string.Empty, NodeReader.SpanOf(r, "id"))), "loss reason", null);
        return new TransitionPolicy
        {
            AllowSkip = _read.Bool(map, "allowSkip", false),
            AllowBack = _read.Bool(map, "allowBack", true),
            LostFromAnyStage = _read.Bool(map, "lostFromAnyStage", true),
            AllowReopen = _read.Bool(map, "allowReopen", true),
            AutoAdvance = _read.Bool(map, "autoAdvance", false),
            RequireLossReason = _read.Bool(map, "requireLossReason", true),
            LossReasons = reasons,
        };
    }

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

    private IEnumerable<RiskRule> ImportedRisks(List<PackImport> imports, List<StageDefinition> stages, List<RiskCategoryDefinition> categories)
    {
        foreach (var import in imports.Where(i => i.ImportRisks))
        {
            var stageIds = import.RiskStages.Count == 0 ? OpenStages(stages) : [];
            foreach (var (stageId, span) in import.RiskStages)
            {
                if (CheckStageReference(stageId, span, stages))
                {
                    stageIds.Add(stageId);
                }
            }

            foreach (var risk in import.Pack.Risks)
            {
                _ = categories;
                yield return new RiskRule
                {
                    Id = import.Alias + "." + risk.Id,
                    Name = risk.Name,
                    Category = risk.Category,
                    Severity = risk.Severity,
                    Weight = risk.Weight,
                    Condition = risk.Condition,
                    Advice = risk.Advice,
                    Stages = stageIds,
                    Pack = import.Pack.Id,
                    PackAlias = import.Alias,
                    Span = risk.Span,
                };
            }
        }
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

    private static int Compare(Duration a, Duration b)
    {
        // Business days and elapsed time compare by their nominal length (a business day ≈ 1.4 calendar days).
        static double Days(Duration d) => d.IsBusinessDays ? d.BusinessDays * 7.0 / 5.0 : d.Elapsed.TotalDays;
        return Days(a).CompareTo(Days(b));
    }

    private List<TargetPlan> BuildTargets()
    {
        var targets = new List<TargetPlan>();
        var years = new Dictionary<long, SourceSpan>();
        foreach (var item in _read.Mappings(_root, "targets"))
        {
            var year = _read.Integer(item, "year");
            var amount = _read.Number(item, "amount");
            if (year is null || amount is null)
            {
                continue;
            }

            if (!years.TryAdd(year.Value, item.Span))
            {
                _diagnostics.Error(
                    DiagnosticIds.DuplicateTargetPeriod,
                    NodeReader.SpanOf(item, "year"),
                    $"there are two targets for {year}",
                    $"the first is at line {years[year.Value].Line}; merge them");
                continue;
            }

            var quarters = Periods(item, "quarters", amount.Value, $"the quarters of {year}");
            var months = Periods(item, "months", amount.Value, $"the months of {year}");
            var teams = new List<TargetPart>();
            foreach (var team in _read.Mappings(item, "teams"))
            {
                if (Part(team, amount.Value) is not { } teamPart)
                {
                    continue;
                }

                var reps = _read.Mappings(team, "reps").Select(rep => Part(rep, teamPart.Amount)).OfType<TargetPart>().ToList();
                CheckDuplicates(reps.Select(r => (r.Key, r.Span)), "rep target", null);
                if (reps.Count > 0)
                {
                    CheckSum(reps, teamPart.Amount, NodeReader.KeySpanOf(team, "reps"), $"the reps of team `{teamPart.Key}`");
                }

                teams.Add(new TargetPart
                {
                    Key = teamPart.Key,
                    Name = teamPart.Name,
                    Share = teamPart.Share,
                    Amount = teamPart.Amount,
                    Parts = reps,
                    Span = teamPart.Span,
                });
            }

            CheckDuplicates(teams.Select(t => (t.Key, t.Span)), "team target", null);
            if (teams.Count > 0)
            {
                CheckSum(teams, amount.Value, NodeReader.KeySpanOf(item, "teams"), $"the teams of {year}");
            }

            targets.Add(new TargetPlan
            {
                Year = (int)year.Value,
                Amount = amount.Value,
                Quarters = quarters,
                Months = months,
                Teams = teams,
                Span = item.Span,
            });
        }

        return targets;
    }

    private List<TargetPart> Periods(YamlMapping item, string key, decimal total, string what)
    {
        if (_read.Node(item, key) is not YamlMapping map)
        {
            return [];
        }

        var parts = new List<TargetPart>();
        foreach (var (k, value) in map.Entries)
        {
            if (!file.Checker.IsValid(value) || value is not YamlScalar scalar ||
                !ScalarShape.TryParseShareOrAmount(scalar.Value, scalar.Style != YamlDotNet.Core.ScalarStyle.Plain, out var share, out var amount))
            {
                continue;
            }

            parts.Add(new TargetPart
            {
                Key = k.Value,
                Share = share,
                Amount = amount ?? Math.Round(total * (decimal)share!.Value, 2),
                Span = scalar.Span,
            });
        }

        CheckSum(parts, total, NodeReader.KeySpanOf(item, key), what);
        var order = key == "quarters" ? (Func<TargetPart, int>)(p => p.Key[1] - '0') : p => int.Parse(p.Key, CultureInfo.InvariantCulture);
        return [.. parts.OrderBy(order)];
    }

    private TargetPart? Part(YamlMapping item, decimal parentAmount)
    {
        var id = _read.String(item, "id");
        if (id is null)
        {
            return null;
        }

        double? share = _read.Scalar(item, "share") is { } s && ScalarShape.TryParseShare(s.Value, out var parsed) ? parsed : null;
        var amount = _read.Number(item, "amount");
        if (share is null && amount is null)
        {
            return null;
        }

        return new TargetPart
        {
            Key = id,
            Name = _read.Localized(item, "name"),
            Share = share,
            Amount = amount ?? Math.Round(parentAmount * (decimal)share!.Value, 2),
            Span = item.Span,
        };
    }

    private void CheckSum(List<TargetPart> parts, decimal total, SourceSpan span, string what)
    {
        if (parts.Count == 0)
        {
            return;
        }

        var sum = parts.Sum(p => p.Amount);
        // Shares are rounded to cents per part, so allow one cent per part of rounding.
        if (Math.Abs(sum - total) <= parts.Count * 0.01m)
        {
            return;
        }

        var shareSum = parts.All(p => p.Share is not null) ? parts.Sum(p => p.Share!.Value) : (double?)null;
        var message = shareSum is { } shares
            ? $"the shares of {what} add up to {shares * 100:0.##}%, not 100%"
            : $"{what} add up to {sum.ToString("N2", CultureInfo.InvariantCulture)}, not {total.ToString("N2", CultureInfo.InvariantCulture)}";
        _diagnostics.Error(
            DiagnosticIds.TargetSharesDoNotAddUp,
            span,
            message,
            sum < total ? $"{(total - sum).ToString("N2", CultureInfo.InvariantCulture)} is not assigned to anyone" : $"{(sum - total).ToString("N2", CultureInfo.InvariantCulture)} is assigned twice");
    }

    private BusinessCalendar BuildCalendar()
    {
        if (_read.Node(_root, "calendar") is not YamlMapping map)
        {
            return BusinessCalendar.Default;
        }

        var zone = _read.String(map, "timeZone") is { } name && TimeZoneInfo.TryFindSystemTimeZoneById(name, out var found) ? found : TimeZoneInfo.Utc;
        var weekend = map["weekend"] is null
            ? new HashSet<DayOfWeek> { DayOfWeek.Saturday, DayOfWeek.Sunday }
            : _read.Scalars(map, "weekend").Select(s => Enum.Parse<DayOfWeek>(s.Value, ignoreCase: true)).ToHashSet();
        var holidays = Dates(map, "holidays");
        var workdays = Dates(map, "workdays");
        foreach (var clash in holidays.Intersect(workdays))
        {
            _diagnostics.Error(
                DiagnosticIds.ConflictingKeys,
                NodeReader.SpanOf(map, "workdays"),
                $"{clash:yyyy-MM-dd} is listed both as a holiday and as a workday",
                "remove it from one of the lists");
        }

        return new BusinessCalendar(zone, weekend, holidays, workdays);
    }

    private HashSet<DateOnly> Dates(YamlMapping map, string key) =>
        [.. _read.Scalars(map, key).Select(s => ScalarShape.TryParseDate(s.Value, out var d) ? d : (DateOnly?)null).OfType<DateOnly>()];

    private List<string>? StageReferences(YamlMapping item, string key, List<StageDefinition> stages)
    {
        if (item[key] is null)
        {
            return null;
        }

        var result = new List<string>();
        foreach (var scalar in _read.Scalars(item, key))
        {
            if (CheckStageReference(scalar.Value, scalar.Span, stages))
            {
                result.Add(scalar.Value);
            }
        }

        return result;
    }

    private bool CheckStageReference(string stageId, SourceSpan span, List<StageDefinition> stages)
    {
        if (stages.Exists(s => s.Id == stageId))
        {
            return true;
        }

        _diagnostics.Error(
            DiagnosticIds.UnknownStage,
            span,
            $"there is no stage `{stageId}`",
            Suggestions.DidYouMean(stageId, stages.Select(s => s.Id)) ?? "stages: " + string.Join(", ", stages.Select(s => s.Id)));
        return false;
    }

    private static List<string> OpenStages(List<StageDefinition> stages) => [.. stages.Where(s => s.IsOpen).Select(s => s.Id)];

    private void CheckStages(List<StageDefinition> stages, TransitionPolicy policy)
    {
        var stagesKey = NodeReader.KeySpanOf(_root, "stages");
        if (!stages.Exists(s => s.IsOpen))
        {
            _diagnostics.Error(DiagnosticIds.NoOpenStage, stagesKey, "the process has no open stage", "add the stages a deal goes through before it is won or lost");
        }

        if (!stages.Exists(s => s.Kind == StageKind.Won))
        {
            _diagnostics.Error(DiagnosticIds.NoWonStage, stagesKey, "the process has no stage with `kind: won`", "add a stage such as `- { id: won, name: Won, kind: won }`");
        }

        if (!stages.Exists(s => s.Kind == StageKind.Lost))
        {
            _diagnostics.Error(DiagnosticIds.NoLostStage, stagesKey, "the process has no stage with `kind: lost`", "add a stage such as `- { id: lost, name: Lost, kind: lost }`");
        }

        if (stages.Exists(s => s.IsOpen))
        {
            var reachable = StageTransitions.Reachable(stages, policy);
            foreach (var stage in stages.Where(s => !reachable.Contains(s.Id)))
            {
                var why = stage.Kind == StageKind.Lost
                    ? "no stage may be lost from: set `transitions.lostFromAnyStage: true` or `canLose: true` on a stage"
                    : stages.Take(stage.Order).Any(s => s.Kind == StageKind.Won) && stage.IsOpen
                        ? "open stages must come before the won stage in the list"
                        : "no allowed transition leads here";
                _diagnostics.Error(
                    DiagnosticIds.UnreachableStage,
                    Head(stage.Span),
                    $"no deal can reach the stage `{stage.Id}`",
                    why);
            }
        }

        // Along the forward path the default probability should not fall.
        StageDefinition? previous = null;
        foreach (var stage in stages.Where(s => s.Kind != StageKind.Lost))
        {
            if (previous is not null && stage.Probability < previous.Probability)
            {
                _diagnostics.Warning(
                    DiagnosticIds.ProbabilityFalls,
                    ProbabilitySpan(stage),
                    $"the probability of `{stage.Id}` ({stage.Probability:0.##}) is lower than that of the stage before it, `{previous.Id}` ({previous.Probability:0.##})",
                    "a deal that moves forward should not become less likely to win; check the order of stages or their probabilities");
            }

            previous = stage;
        }
    }

    private SourceSpan ProbabilitySpan(StageDefinition stage)
    {
        foreach (var item in _read.Mappings(_root, "stages"))
        {
            if (item.Span == stage.Span)
            {
                return NodeReader.SpanOf(item, "probability");
            }
        }

        return stage.Span;
    }

    private void CheckLossReasons(TransitionPolicy policy)
    {
        if (policy.RequireLossReason && policy.LossReasons.Count == 0)
        {
            var transitions = _root.KeyNode("transitions")?.Span ?? NodeReader.KeySpanOf(_root, "stages");
            _diagnostics.Error(
                DiagnosticIds.LossReasonsMissing,
                transitions,
                "losses require a reason, but the process lists no `lossReasons`",
                "add `transitions.lossReasons` (e.g. price, competitor, no-budget, no-decision), or set `requireLossReason: false`");
        }
    }

    /// <summary>
    /// True when every stage in the YAML was built with a valid id and kind; otherwise whole-process checks (a won
    /// stage exists, every stage is reachable…) would report the consequences of a problem already reported.
    /// </summary>
    private bool StagesComplete()
    {
        if (_root["stages"] is not YamlSequence sequence || !file.Checker.IsValid(sequence))
        {
            return false;
        }

        return sequence.Items.All(item => item is YamlMapping m && file.Checker.IsValid(m)
            && file.Checker.IsValid(m["id"]) && (m["kind"] is null || file.Checker.IsValid(m["kind"])));
    }

    private void CheckDuplicates(IEnumerable<(string Id, SourceSpan Span)> items, string what, string? hint, Func<string, string>? display = null)
    {
        var seen = new Dictionary<string, SourceSpan>(StringComparer.Ordinal);
        foreach (var (id, span) in items)
        {
            if (id.Length == 0)
            {
                continue;
            }

            if (!seen.TryAdd(id, span))
            {
                var shown = display?.Invoke(id) ?? id;
                var first = seen[id];
                _diagnostics.Error(
                    DiagnosticIds.DuplicateId,
                    span,
                    $"the {what} id `{shown}` is used twice",
                    hint ?? (first.File == "(built-in)" ? null : $"the first is at line {first.Line}; ids must be unique"));
            }
        }
    }

    private static SourceSpan Head(SourceSpan span) => SourceSpan.At(span.File, span.Line, span.Column);

    private static ProcessDefinition WithHash(ProcessDefinition process) => ContentHasher.WithHash(process);
}
