using System.Diagnostics;
using System.Globalization;
using SalesWorkflow.Engine.Definitions;

namespace SalesWorkflow.Engine.Evaluation;

/// <summary>The result of one process test case.</summary>
public sealed record ProcessTestResult
{
    /// <summary>The test file.</summary>
    public required string File { get; init; }

    /// <summary>The test's name.</summary>
    public required string Name { get; init; }

    /// <summary>Where the test case is written.</summary>
    public required SourceSpan Span { get; init; }

    /// <summary>Process id and version under test.</summary>
    public required string Process { get; init; }

    /// <summary>True when every expectation held.</summary>
    public bool Passed => Failures.Count == 0;

    /// <summary>One line per expectation that did not hold: what was expected, what happened, and why.</summary>
    public required IReadOnlyList<string> Failures { get; init; }

    /// <summary>How long the evaluation took.</summary>
    public required TimeSpan Duration { get; init; }
}

/// <summary>Which rules of a process the tests exercised.</summary>
public sealed record RuleCoverage
{
    /// <summary>Process id and version.</summary>
    public required string Process { get; init; }

    /// <summary>Every rule, as <c>criterion:id</c>, <c>risk:id</c> or <c>escalation:id</c>.</summary>
    public required IReadOnlyList<string> Rules { get; init; }

    /// <summary>Rules whose outcome some test asserted.</summary>
    public required IReadOnlyList<string> Exercised { get; init; }

    /// <summary>Rules some test saw hold (criterion met, risk raised, escalation due).</summary>
    public required IReadOnlyList<string> SeenHolding { get; init; }

    /// <summary>Rules no test exercises.</summary>
    public IEnumerable<string> NotExercised => Rules.Except(Exercised, StringComparer.Ordinal);
}

/// <summary>Everything a test run produced.</summary>
public sealed record ProcessTestReport
{
    /// <summary>Results in file and test order.</summary>
    public required IReadOnlyList<ProcessTestResult> Results { get; init; }

    /// <summary>Coverage per process tested.</summary>
    public required IReadOnlyList<RuleCoverage> Coverage { get; init; }

    /// <summary>Number of failed tests.</summary>
    public int Failed => Results.Count(r => !r.Passed);
}

/// <summary>
/// Runs the process tests (<c>kind: process-tests</c> files) of a loaded definition set: evaluates each test's deal
/// against its process and compares with the expectations, and measures which rules the tests exercise.
/// </summary>
public static class ProcessTestRunner
{
    /// <summary>Runs every test suite of <paramref name="definitions"/>; suites whose process has errors are skipped (the errors are in the set's diagnostics).</summary>
    public static ProcessTestReport Run(DefinitionSet definitions)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var results = new List<ProcessTestResult>();
        var compiled = new Dictionary<ProcessDefinition, CompiledProcess>();
        var exercised = new Dictionary<ProcessDefinition, HashSet<string>>();
        var holding = new Dictionary<ProcessDefinition, HashSet<string>>();
        foreach (var suite in definitions.TestSuites)
        {
            if (suite.Process is not { CheckedConditions: not null } process)
            {
                continue;
            }

            if (!compiled.TryGetValue(process, out var compiledProcess))
            {
                compiledProcess = CompiledProcess.Compile(process);
                compiled[process] = compiledProcess;
                exercised[process] = new HashSet<string>(StringComparer.Ordinal);
                holding[process] = new HashSet<string>(StringComparer.Ordinal);
            }

            foreach (var test in suite.Cases)
            {
                results.Add(RunCase(suite, test, compiledProcess, exercised[process], holding[process]));
            }
        }

        var coverage = compiled.Keys.Select(p => new RuleCoverage
        {
            Process = $"{p.Id} v{p.Version}",
            Rules = AllRules(p),
            Exercised = [.. AllRules(p).Where(exercised[p].Contains)],
            SeenHolding = [.. AllRules(p).Where(holding[p].Contains)],
        }).ToList();
        return new ProcessTestReport { Results = results, Coverage = coverage };
    }

    internal static DealSnapshot Snapshot(TestDeal given) => new()
    {
        Opportunity = given.Opportunity,
        Account = given.Account,
        Owner = given.Owner,
        Contacts = given.Contacts,
        Activities = given.Activities,
        Approvals = given.Approvals,
        Feedback = given.Feedback,
        Stage = given.Stage,
        EnteredStageAt = given.EnteredStageAt,
        ChecklistDone = given.ChecklistDone,
        Tasks = given.Tasks,
        ConditionsSince = given.ConditionsSince,
    };

    private static List<string> AllRules(ProcessDefinition process) =>
    [
        .. process.Stages.SelectMany(s => s.ExitCriteria).Select(c => "criterion:" + c.Id),
        .. process.Risks.Select(r => "risk:" + r.Id),
        .. process.Escalations.Select(e => "escalation:" + e.Id),
    ];

    private static ProcessTestResult RunCase(ProcessTestSuite suite, ProcessTestCase test, CompiledProcess process, HashSet<string> exercised, HashSet<string> holding)
    {
        var watch = Stopwatch.StartNew();
        var evaluation = DealEvaluator.Evaluate(process, Snapshot(test.Given), test.Given.Now);
        watch.Stop();
        var failures = new List<string>();
        var expect = test.Expect;
        var stage = process.Definition.FindStage(test.Given.Stage)!;

        var failing = evaluation.Gate.FailingCriteria.ToList();
        if (expect.GatePassed is { } gate && gate != evaluation.Gate.Passed)
        {
            var why = evaluation.Gate.Passed ? "every criterion holds and the checklist is complete" :
                string.Join("; ", failing.Select(f => f + " fails").Concat(evaluation.Gate.MissingChecklist.Select(m => "checklist item " + m + " is not done")));
            failures.Add($"gate: expected {(gate ? "passed" : "blocked")}, got {(evaluation.Gate.Passed ? "passed" : "blocked")} ({why})");
        }

        if (expect.Failing is { } expectedFailing)
        {
            CompareSets(failures, "failing criteria", expectedFailing, failing, id => Reason(evaluation, id));
        }

        if (expect.GatePassed is not null || expect.Failing is not null)
        {
            exercised.UnionWith(stage.ExitCriteria.Select(c => "criterion:" + c.Id));
        }

        holding.UnionWith(evaluation.Gate.Criteria.Where(c => c.Passed).Select(c => "criterion:" + c.Id));

        var raised = evaluation.Risks.Select(r => r.Id).ToList();
        holding.UnionWith(raised.Select(r => "risk:" + r));
        if (expect.Risks is { } expectedRisks)
        {
            CompareSets(failures, "risks", expectedRisks, raised, _ => null);
            exercised.UnionWith(process.Definition.Risks.Where(r => r.Stages.Contains(stage.Id)).Select(r => "risk:" + r.Id));
        }

        foreach (var risk in expect.Raised.Where(r => !raised.Contains(r)))
        {
            failures.Add($"risks: expected {risk} to be raised, it is not");
        }

        foreach (var risk in expect.NotRaised.Where(raised.Contains))
        {
            failures.Add($"risks: expected {risk} not to be raised, it is");
        }

        exercised.UnionWith(expect.Raised.Concat(expect.NotRaised).Select(r => "risk:" + r));

        var due = evaluation.Escalations.GroupBy(e => e.Id).Select(g => $"{g.Key}@{g.Max(e => e.Level)}").ToList();
        holding.UnionWith(evaluation.Escalations.Select(e => "escalation:" + e.Id));
        if (expect.Escalations is { } expectedEscalations)
        {
            CompareSets(failures, "escalations due", [.. expectedEscalations.Select(e => $"{e.Id}@{e.Level}")], due, _ => null);
            exercised.UnionWith(process.Definition.Escalations.Where(e => e.Stages.Contains(stage.Id)).Select(e => "escalation:" + e.Id));
        }

        if (expect.Probability is { } probability && Math.Abs(probability - evaluation.Probability) > 1e-9)
        {
            failures.Add($"probability: expected {Format(probability)}, got {Format(evaluation.Probability)}{(evaluation.ProbabilityOverridden ? " (the deal's override)" : " (stage default)")}");
        }

        if (expect.Health is { } health && health != evaluation.Health)
        {
            failures.Add($"health: expected {health}, got {evaluation.Health} (risks: {(raised.Count == 0 ? "none" : string.Join(", ", evaluation.Risks.Select(r => $"{r.Id} −{r.Weight}")))})");
        }

        if (expect.MissingChecklist is { } missing)
        {
            CompareSets(failures, "missing checklist items", missing, evaluation.Gate.MissingChecklist, _ => null);
        }

        foreach (var incident in evaluation.Incidents)
        {
            failures.Add($"incident: rule {incident.Rule} threw: {incident.Message}");
        }

        return new ProcessTestResult
        {
            File = suite.SourcePath,
            Name = test.Name,
            Span = test.Span,
            Process = $"{process.Id} v{process.Version}",
            Failures = failures,
            Duration = watch.Elapsed,
        };
    }

    private static string? Reason(DealEvaluation evaluation, string criterionId)
    {
        var result = evaluation.Gate.Criteria.FirstOrDefault(c => c.Id == criterionId);
        if (result is null || result.Passed)
        {
            return null;
        }

        return result.Incident is { } incident ? "threw: " + incident :
            $"fails at `{result.FailingTerm}`" + (result.ValuesRead.Count > 0 ? " with " + string.Join(", ", result.ValuesRead.Select(v => $"{v.Expression} = {v.Value}")) : string.Empty);
    }

    private static void CompareSets(List<string> failures, string what, IReadOnlyList<string> expected, IReadOnlyList<string> actual, Func<string, string?> explainUnexpected)
    {
        var missing = expected.Except(actual, StringComparer.Ordinal).ToList();
        var unexpected = actual.Except(expected, StringComparer.Ordinal).ToList();
        if (missing.Count == 0 && unexpected.Count == 0)
        {
            return;
        }

        var line = $"{what}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]";
        if (missing.Count > 0)
        {
            line += $"\n    - missing: {string.Join(", ", missing)}";
        }

        foreach (var id in unexpected)
        {
            line += $"\n    + unexpected: {id}" + (explainUnexpected(id) is { } reason ? " — " + reason : string.Empty);
        }

        failures.Add(line);
    }

    private static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
