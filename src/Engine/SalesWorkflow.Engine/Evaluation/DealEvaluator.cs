using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Expressions;
using SalesWorkflow.Engine.Rules;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Engine.Evaluation;

/// <summary>
/// Evaluates a deal against its stage: NRules decides which criteria, risks and escalation conditions hold (one
/// short-lived session per evaluation, DESIGN.md D2); compiled delegates then explain each failing criterion. Pure
/// and deterministic: the same process, snapshot and time give the same evaluation. Thread-safe.
/// </summary>
public static class DealEvaluator
{
    /// <summary>Evaluates <paramref name="deal"/> at <paramref name="now"/>. A rule that throws becomes an incident in the result.</summary>
    public static DealEvaluation Evaluate(CompiledProcess process, DealSnapshot deal, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(deal);

        // One budget for every condition of this evaluation, on top of each condition's own (docs/conditions.md#limits).
        using var budget = ConditionBudget.BeginEvaluation();
        using var timing = new EvaluationTiming(process.Id);
        var stageRules = process.Stage(deal.Stage)
            ?? throw new ArgumentException($"The process '{process.Id}' v{process.Version} has no stage '{deal.Stage}'.", nameof(deal));
        var definition = process.Definition;
        var facts = Facts(process, stageRules, deal, now);
        var context = facts.Deal;

        var collector = new RuleResultCollector(stageRules.Rules.Count);
        IReadOnlyList<RiskRaised> pluginRisks = [];
        if (stageRules.Factory is { } factory)
        {
            var session = factory.CreateSession();
            session.DependencyResolver = collector;
            PluginResults? results = null;
            if (stageRules.PluginRuleNames is not null)
            {
                // Plugins' C# rules report through linked facts. Watching them come and go is ~100x cheaper than
                // session.Query<T>() afterwards (a LINQ provider over working memory: ~0.4 ms per call).
                results = new PluginResults();
                session.Events.FactInsertedEvent += results.OnInserted;
                session.Events.FactUpdatedEvent += results.OnInserted;
                session.Events.FactRetractedEvent += results.OnRetracted;
            }

            var batch = new List<object>(5 + deal.Contacts.Count + deal.Activities.Count + deal.Approvals.Count + deal.Feedback.Count)
            {
                context, facts.Opportunity, facts.Account, facts.Owner, facts.ActivityTotals,
            };
            batch.AddRange(deal.Contacts);
            batch.AddRange(deal.Activities);
            batch.AddRange(deal.Approvals);
            batch.AddRange(deal.Feedback);
            session.InsertAll(batch);
            session.Fire();
            if (stageRules.PluginRuleNames is not null)
            {
                // Plugins' C# rules report through linked facts; only they need a look at working memory.
                pluginRisks = [.. results!.Facts.OfType<RiskRaised>()];
                facts.CriteriaMet = [.. results.Facts.OfType<CriterionMet>().OrderBy(c => c.CriterionId, StringComparer.Ordinal)];
            }
        }

        // NRules evaluates Collect conditions incrementally, so a condition may throw on a half-inserted collection
        // and be fine on the complete one (or the reverse). Incidents are therefore decided on the final facts: a
        // rule that did not match is re-run as plain delegates, and an exception there is the incident.
        var incidents = new List<RuleIncident>();
        var risks = new List<RaisedRisk>();
        foreach (var (risk, index) in stageRules.Risks)
        {
            if (collector.HasFired(index))
            {
                risks.Add(new RaisedRisk(risk.Id, risk.Category, risk.Severity, risk.Weight));
            }
        }

        foreach (var raised in pluginRisks)
        {
            if (!stageRules.Risks.Any(r => r.Risk.Id == raised.RiskId) && !risks.Any(r => r.Id == raised.RiskId))
            {
                risks.Add(new RaisedRisk(raised.RiskId, raised.Category, raised.Severity, Math.Clamp(raised.Weight, 0, 100))
                {
                    Advice = raised.Advice.Count == 0 ? null : new SortedDictionary<string, string>(raised.Advice, StringComparer.Ordinal),
                });
            }
        }

        if (stageRules.PluginRuleNames is { } pluginRuleNames)
        {
            // A C# rule that throws is an incident of that rule (NRules reported it; the session carried on).
            foreach (var (rule, error) in collector.Errors.Where(e => pluginRuleNames.Contains(e.RuleName)).DistinctBy(e => e.RuleName))
            {
                incidents.Add(new RuleIncident("plugin:" + rule, error.Message));
            }
        }

        risks.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        facts.Risks = risks.Select(r => new RiskRaised(r.Id)).ToList();
        foreach (var (risk, index) in stageRules.Risks)
        {
            if (!collector.HasFired(index) && FinalStateError(process, risk.Condition, facts) is { } error)
            {
                incidents.Add(new RuleIncident("risk:" + risk.Id, error));
            }
        }

        foreach (var (escalation, index) in stageRules.EscalationConditions)
        {
            if (!collector.HasFired(index) && FinalStateError(process, escalation.Condition!, facts) is { } error)
            {
                incidents.Add(new RuleIncident("escalation:" + escalation.Id, error));
            }
        }

        var criteria = new List<CriterionResult>(stageRules.Criteria.Count);
        foreach (var (criterion, index) in stageRules.Criteria)
        {
            criteria.Add(collector.HasFired(index)
                ? new CriterionResult { Id = criterion.Id, Passed = true }
                : Explain(process, criterion, facts, incidents));
        }

        var checklist = stageRules.Stage.Checklist.Select(c => new ChecklistStatus(c.Id, c.Required, deal.ChecklistDone.Contains(c.Id))).ToList();
        var missing = checklist.Where(c => c.Required && !c.Done).Select(c => c.Id).ToList();
        var (escalations, active) = Escalations(stageRules, deal, now, definition.Calendar, collector);
        var stage = stageRules.Stage;
        var overridden = stage.IsOpen && deal.Opportunity.ProbabilityOverride is not null;
        return new DealEvaluation
        {
            ProcessId = process.Id,
            ProcessVersion = process.Version,
            ContentHash = process.ContentHash,
            Stage = deal.Stage,
            EvaluatedAt = now,
            Gate = new GateResult { Passed = criteria.TrueForAll(c => c.Passed) && missing.Count == 0, Criteria = criteria, MissingChecklist = missing },
            Checklist = checklist,
            Risks = risks,
            Health = Math.Max(0, 100 - risks.Sum(r => r.Weight)),
            Escalations = escalations,
            ActiveEscalationConditions = active,
            Probability = stage.Kind switch
            {
                StageKind.Won => 1.0,
                StageKind.Lost => 0.0,
                _ => Math.Clamp(deal.Opportunity.ProbabilityOverride ?? stage.Probability, 0.0, 1.0),
            },
            ProbabilityOverridden = overridden,
            Incidents = [.. incidents.OrderBy(i => i.Rule, StringComparer.Ordinal)],
            ChecksMet = [.. facts.CriteriaMet.Select(c => c.CriterionId).Distinct(StringComparer.Ordinal)],
        };
    }

    /// <summary>
    /// Decides only which exit criteria of the deal's stage fail — what a backtest needs at every replayed move — with
    /// the conditions' compiled delegates on the final facts (the same delegates that explain a failing criterion)
    /// instead of an NRules session: about a microsecond instead of tens. Conditions that read rule results
    /// (<c>HasRisk</c>, plugins' <c>Met</c>) cannot be decided that way; the first one that asks for them runs the full
    /// evaluation, whose answer is then returned whole, so plugin and risk results are never dropped. Same answer as
    /// <see cref="Evaluate"/>'s <c>Gate.FailingCriteria</c>. Thread-safe.
    /// </summary>
    internal static IReadOnlyList<string> FailingCriteria(CompiledProcess process, DealSnapshot deal, DateTimeOffset now)
    {
        var stageRules = process.Stage(deal.Stage)
            ?? throw new ArgumentException($"The process '{process.Id}' v{process.Version} has no stage '{deal.Stage}'.", nameof(deal));
        var facts = Facts(process, stageRules, deal, now);
        DealEvaluation? full = null;
        DealEvaluation Full() => full ??= Evaluate(process, deal, now);
        facts.Risks = new OnDemand<RiskRaised>(() => Full().Risks.Select(r => new RiskRaised(r.Id)));
        facts.CriteriaMet = new OnDemand<CriterionMet>(() => Full().ChecksMet.Select(id => new CriterionMet(id)));
        List<string>? failing = null;
        foreach (var (criterion, _) in stageRules.Criteria)
        {
            if (!Holds(process, criterion.Condition, facts))
            {
                (failing ??= []).Add(criterion.Id);
            }

            if (full is not null)
            {
                return [.. full.Gate.FailingCriteria];
            }
        }

        return failing ?? (IReadOnlyList<string>)[];
    }

    /// <summary>Whether every term of a condition holds on the final facts; a term that throws does not hold (as in the session).</summary>
    private static bool Holds(CompiledProcess process, ConditionSource source, DealFacts facts)
    {
        foreach (var checkedTerm in process.Condition(source).Terms)
        {
            if (!TermHolds(process.Term(checkedTerm).Evaluate, facts))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether one term holds on the facts; a term that throws does not hold (as in the session).</summary>
    internal static bool TermHolds(Func<DealFacts, bool> term, DealFacts facts)
    {
        try
        {
            return term(facts);
        }
#pragma warning disable CA1031 // A faulty condition counts as false, as NRules counts it (the full evaluation reports the incident).
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    private static DealFacts Facts(CompiledProcess process, StageRuleSet stageRules, DealSnapshot deal, DateTimeOffset now) => new()
    {
        Opportunity = deal.Opportunity,
        Account = deal.Account ?? new Account(),
        Owner = deal.Owner ?? new Owner(),
        Deal = Context(process, stageRules, deal, now),
        Contacts = deal.Contacts,
        Activities = deal.Activities,
        ActivityTotals = deal.TotalsForEvaluation(),
        Approvals = deal.Approvals,
        Feedback = deal.Feedback,
    };

    /// <summary>What conditions read as <c>Deal</c>: the deal's place in its process at <paramref name="now"/>.</summary>
    internal static DealContext Context(CompiledProcess process, StageRuleSet stageRules, DealSnapshot deal, DateTimeOffset now) =>
        new(process.Id, process.Version, deal.Stage, deal.EnteredStageAt, now, process.Definition.Calendar, deal.ChecklistDone)
        {
            StageKind = stageRules.Stage.Kind switch { StageKind.Won => "won", StageKind.Lost => "lost", _ => "open" },
            Tasks = deal.Tasks,
            Care = process.Definition.Care.For(deal.Account),
        };

    /// <summary>The error a condition throws on the final facts, or null when it evaluates.</summary>
    private static string? FinalStateError(CompiledProcess process, ConditionSource source, DealFacts facts)
    {
        foreach (var checkedTerm in process.Condition(source).Terms)
        {
            try
            {
                if (!process.Term(checkedTerm).Evaluate(facts))
                {
                    return null;
                }
            }
#pragma warning disable CA1031 // A faulty condition is reported as an incident of its rule, never as a failed evaluation.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                return ex.Message;
            }
        }

        return null;
    }

    /// <summary>Finds the first failing term of a criterion and the values it read.</summary>
    private static CriterionResult Explain(CompiledProcess process, ExitCriterion criterion, DealFacts facts, List<RuleIncident> incidents)
    {
        var condition = process.Condition(criterion.Condition);
        foreach (var checkedTerm in condition.Terms)
        {
            var term = process.Term(checkedTerm);
            bool holds;
            try
            {
                holds = term.Evaluate(facts);
            }
#pragma warning disable CA1031 // A faulty condition is reported as an incident of its rule, never as a failed evaluation.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                var message = ex.Message;
                incidents.Add(new RuleIncident("criterion:" + criterion.Id, message));

                return new CriterionResult { Id = criterion.Id, Passed = false, FailingTerm = checkedTerm.Text, FailingTermSpan = checkedTerm.Span, Incident = message };
            }

            if (!holds)
            {
                return new CriterionResult
                {
                    Id = criterion.Id,
                    Passed = false,
                    FailingTerm = checkedTerm.Text,
                    FailingTermSpan = checkedTerm.Span,
                    ValuesRead = [.. term.Probes.Select(p => new ValueRead(p.Text, Read(p.Value, facts)))],
                };
            }
        }

        // Every term holds on the final facts but the rule did not match: the engines disagree, which is a bug.
        const string Disagreement = "the rules engine and the explanation disagree about this criterion (please report this)";
        incidents.Add(new RuleIncident("criterion:" + criterion.Id, Disagreement));
        return new CriterionResult { Id = criterion.Id, Passed = false, Incident = Disagreement };
    }

    private static string Read(Func<DealFacts, object?> probe, DealFacts facts)
    {
        try
        {
            return ValueFormatter.Format(probe(facts));
        }
#pragma warning disable CA1031 // An unreadable value is shown as such in the explanation.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return "(error: " + ex.Message + ")";
        }
    }

    private static (List<DueEscalation> Due, List<string> Active) Escalations(
        StageRuleSet stageRules, DealSnapshot deal, DateTimeOffset now, BusinessCalendar calendar, RuleResultCollector collector)
    {
        var due = new List<DueEscalation>();
        foreach (var escalation in stageRules.TimeEscalations)
        {
            var since = escalation.TimeInStage!.Value.AddTo(deal.EnteredStageAt, calendar);
            AddDueLevels(due, escalation, since, now, calendar, conditionTriggered: false);
        }

        var active = new List<string>();
        foreach (var (escalation, index) in stageRules.EscalationConditions)
        {
            if (!collector.HasFired(index))
            {
                continue;
            }

            active.Add(escalation.Id);
            var since = deal.ConditionsSince.TryGetValue(escalation.Id, out var started) && started <= now ? started : now;
            AddDueLevels(due, escalation, since, now, calendar, conditionTriggered: true);
        }

        due.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id) is var c && c != 0 ? c : a.Level.CompareTo(b.Level));
        active.Sort(StringComparer.Ordinal);
        return (due, active);
    }

    private static void AddDueLevels(List<DueEscalation> due, EscalationDefinition escalation, DateTimeOffset since, DateTimeOffset now, BusinessCalendar calendar, bool conditionTriggered)
    {
        foreach (var level in escalation.Levels)
        {
            var dueAt = level.After.AddTo(since, calendar);
            if (dueAt <= now)
            {
                due.Add(new DueEscalation(escalation.Id, level.Number, level.Notify, dueAt, since, conditionTriggered));
            }
        }
    }
}

/// <summary>
/// Which condition-triggered escalations of a deal's stage hold, for one deal asked again and again (a backtest's
/// sweeps): with the conditions' compiled delegates as <see cref="DealEvaluator.FailingCriteria"/> decides a gate,
/// including its fallback to a whole evaluation for conditions that read rule results; the stage's compiled terms are
/// looked up once per stage instead of per check, and the lazy rule results are reused between checks instead of new
/// closures each time. Not thread-safe: one per deal and process.
/// </summary>
internal sealed class EscalationConditionsProbe
{
    private readonly CompiledProcess _process;
    private readonly OnDemand<RiskRaised> _risks;
    private readonly OnDemand<CriterionMet> _met;
    private StageRuleSet? _stageRules;
    private string? _stage;
    private Func<DealFacts, bool>[][] _terms = [];
    private Account? _noAccount;
    private Owner? _noOwner;
    private DealSnapshot _deal = null!;
    private DateTimeOffset _now;
    private DealEvaluation? _full;

    public EscalationConditionsProbe(CompiledProcess process)
    {
        _process = process;
        _risks = new OnDemand<RiskRaised>(() => Full().Risks.Select(r => new RiskRaised(r.Id)));
        _met = new OnDemand<CriterionMet>(() => Full().ChecksMet.Select(id => new CriterionMet(id)));
    }

    /// <summary>Which of the stage's condition-triggered escalations hold at <paramref name="now"/>, into <paramref name="holds"/>.</summary>
    public void Holding(DealSnapshot deal, DateTimeOffset now, bool[] holds)
    {
        Array.Clear(holds);
        if (!ReferenceEquals(deal.Stage, _stage))
        {
            _stage = deal.Stage;
            _stageRules = _process.Stage(deal.Stage);
            _terms = _stageRules is null ? [] : [.. _stageRules.EscalationConditions.Select(c =>
                _process.Condition(c.Escalation.Condition!).Terms.Select(Compiled).ToArray())];
        }

        if (_stageRules is not { EscalationConditions.Count: > 0 } stageRules)
        {
            return;
        }

        _deal = deal;
        _now = now;
        _full = null;
        _risks.Reset();
        _met.Reset();
        var facts = new DealFacts
        {
            Opportunity = deal.Opportunity,
            Account = deal.Account ?? (_noAccount ??= new Account()),
            Owner = deal.Owner ?? (_noOwner ??= new Owner()),
            Deal = DealEvaluator.Context(_process, stageRules, deal, now),
            Contacts = deal.Contacts,
            Activities = deal.Activities,
            ActivityTotals = deal.TotalsForEvaluation(),
            Approvals = deal.Approvals,
            Feedback = deal.Feedback,
            Risks = _risks,
            CriteriaMet = _met,
        };
        for (var i = 0; i < _terms.Length && _full is null; i++)
        {
            holds[i] = Holds(_terms[i], facts);
        }

        if (_full is not null)
        {
            var conditions = stageRules.EscalationConditions;
            for (var i = 0; i < conditions.Count; i++)
            {
                holds[i] = _full.ActiveEscalationConditions.Contains(conditions[i].Escalation.Id, StringComparer.Ordinal);
            }
        }

        _deal = null!;
    }

    /// <summary>A term's delegate; one that cannot be compiled does not hold, as when <c>DealEvaluator</c> compiles it inside its try.</summary>
    private Func<DealFacts, bool> Compiled(CheckedTerm term)
    {
        try
        {
            return _process.Term(term).Evaluate;
        }
#pragma warning disable CA1031 // A faulty condition counts as false, as NRules counts it (the full evaluation reports the incident).
        catch (Exception)
#pragma warning restore CA1031
        {
            return static _ => false;
        }
    }

    /// <summary>Whether every term holds; a term that throws does not hold (as in the session).</summary>
    private static bool Holds(Func<DealFacts, bool>[] terms, DealFacts facts)
    {
        foreach (var term in terms)
        {
            if (!DealEvaluator.TermHolds(term, facts))
            {
                return false;
            }
        }

        return true;
    }

    private DealEvaluation Full() => _full ??= DealEvaluator.Evaluate(_process, _deal, _now);
}

/// <summary>A sequence computed on first enumeration (rule results a condition may never read); <see cref="Reset"/> forgets it.</summary>
internal sealed class OnDemand<T>(Func<IEnumerable<T>> compute) : IEnumerable<T>
{
    private List<T>? _items;

    public void Reset() => _items = null;

    public IEnumerator<T> GetEnumerator() => (_items ??= [.. compute()]).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// The results plugins' C# rules hold in one session: linked facts inserted or updated (keyed by NRules' fact handle,
/// so an updated result replaces the old one) and not retracted, in the order they first appeared.
/// </summary>
internal sealed class PluginResults
{
    private readonly List<NRules.RuleModel.IFact> _order = [];
    private readonly Dictionary<NRules.RuleModel.IFact, object> _current = new(ReferenceEqualityComparer.Instance);

    public IEnumerable<object> Facts => _order.Where(_current.ContainsKey).Select(f => _current[f]);

    public void OnInserted(object? sender, NRules.Diagnostics.WorkingMemoryEventArgs e)
    {
        if (e.Fact.Value is RiskRaised or CriterionMet)
        {
            if (!_current.ContainsKey(e.Fact))
            {
                _order.Add(e.Fact);
            }

            _current[e.Fact] = e.Fact.Value;
        }
    }

    public void OnRetracted(object? sender, NRules.Diagnostics.WorkingMemoryEventArgs e)
    {
        // The handle should be the one seen at insertion; the value is the fallback should NRules wrap it anew.
        if (!_current.Remove(e.Fact))
        {
            foreach (var handle in _current.Where(c => ReferenceEquals(c.Value, e.Fact.Value)).Select(c => c.Key).ToList())
            {
                _current.Remove(handle);
            }
        }
    }
}

/// <summary>Records how long one evaluation took (<c>salesworkflow.evaluation.duration</c>) when it ends, however it ends.</summary>
internal readonly struct EvaluationTiming(string processId) : IDisposable
{
    private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();

    public void Dispose() =>
        Hosting.SalesWorkflowTelemetry.EvaluationDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(_started).TotalSeconds, Hosting.SalesWorkflowTelemetry.Tag("process", processId));
}
