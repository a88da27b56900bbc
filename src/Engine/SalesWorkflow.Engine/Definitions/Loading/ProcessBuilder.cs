using System.Globalization;
using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Definitions.Yaml;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Definitions.Loading;

/// <summary>
/// Builds the immutable model of a process or rule pack from a shape-checked YAML tree, resolving pack imports, and
/// runs the semantic checks that need the whole document (duplicate ids, references, reachability, target sums…).
/// </summary>
internal sealed partial class ProcessBuilder
{
    private readonly LoadSession _session;
    private readonly ParsedFile _file;
    private readonly NodeReader _read;
    private readonly DiagnosticBag _diagnostics;
    private readonly YamlMapping _root;
    private BusinessCalendar? _calendar;
    private readonly List<(string Role, SourceSpan Span)> _roles = [];

    public ProcessBuilder(LoadSession session, ParsedFile file)
    {
        _session = session;
        _file = file;
        _read = file.Reader;
        _diagnostics = session.Diagnostics;
        _root = file.Root;
    }

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
            _file.Checker.CheckTranslations(_root, FormatShapes.Process, languages, "the process", _diagnostics);

            // A pack's texts show in this process's languages too: `zhx:` for `zh:` in a pack warns as it does here.
            foreach (var import in imports)
            {
                if (_session.ParsedFileShownAs(import.Pack.SourcePath) is { } pack)
                {
                    pack.Checker.CheckTranslations(pack.Root, FormatShapes.RulePack, languages, $"the rule pack `{import.Pack.Id}`", _diagnostics);
                }
            }
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
            Calendar = ProcessCalendar,
            Imports = imports,
            Plugins = plugins,
            Fields = fields,
            Stages = stages,
            Transitions = transitions,
            Escalations = escalations,
            RiskCategories = categories,
            Risks = risks,
            Targets = targets,
            Feedback = BuildFeedbackPolicy(),
            Care = BuildCarePolicy(fields, plugins),
            SourcePath = _file.DisplayPath,
            ContentHash = string.Empty,
            Span = _root.Span,
        };
        var hashed = WithHash(process);
        hashed.RoleReferences.AddRange(_roles);
        return hashed;
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
            SourcePath = _file.DisplayPath,
            Span = _root.Span,
        };
    }

    /// <summary>The plugins the process declares; each must be loaded (a process never runs without its plugins' rules).</summary>
    private List<string> BuildPlugins()
    {
        var declared = _read.Scalars(_root, "plugins").Where(s => s.Value.Length > 0).ToList();
        CheckDuplicates(declared.Select(s => (s.Value, s.Span)), "plugin", "list each plugin once");
        var available = _session.Options.Plugins;
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

    private FeedbackPolicy BuildFeedbackPolicy()
    {
        if (_read.Node(_root, "feedback") is not YamlMapping map)
        {
            return FeedbackPolicy.None;
        }

        var route = _read.Scalar(map, "route");
        if (route is not null)
        {
            _roles.Add((route.Value, route.Span));
        }

        var sla = _read.Node(map, "sla") as YamlMapping;
        return new FeedbackPolicy
        {
            Route = route?.Value ?? "owner",
            Respond = sla is null ? null : _read.Duration(sla, "respond"),
            Resolve = sla is null ? null : _read.Duration(sla, "resolve"),
        };
    }

    /// <summary>The process's calendar, built (and its diagnostics reported) on first use.</summary>
    private BusinessCalendar ProcessCalendar => _calendar ??= BuildCalendar();

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
                string.Create(CultureInfo.InvariantCulture, $"{clash:yyyy-MM-dd} is listed both as a holiday and as a workday"),
                "remove it from one of the lists");
        }

        if (weekend.Count == 7 && workdays.Count == 0)
        {
            _diagnostics.Error(DiagnosticIds.InvalidValue, NodeReader.SpanOf(map, "weekend"), "every day of the week is a weekend day, so no day is a business day", "leave at least one day out of `weekend`, or list make-up `workdays`");
        }

        var (opens, closes) = (BusinessCalendar.DefaultOpens, BusinessCalendar.DefaultCloses);
        if (map["workingHours"] is YamlScalar hours && !BusinessCalendar.TryParseWorkingHours(hours.Value, out opens, out closes))
        {
            _diagnostics.Error(DiagnosticIds.InvalidValue, hours.Span, $"`{PrintableText.Escape(hours.Value)}` is not a span of working hours", "write the opening and closing time of a business day, 24-hour clock: `09:00-18:00`");
        }

        return new BusinessCalendar(zone, weekend, holidays, workdays, opens, closes);
    }

    private HashSet<DateOnly> Dates(YamlMapping map, string key) =>
        [.. _read.Scalars(map, key).Select(s => ScalarShape.TryParseDate(s.Value, out var d) ? d : (DateOnly?)null).OfType<DateOnly>()];

    private static SourceSpan Head(SourceSpan span) => SourceSpan.At(span.File, span.Line, span.Column);

    private static ProcessDefinition WithHash(ProcessDefinition process) => ContentHasher.WithHash(process);
}
