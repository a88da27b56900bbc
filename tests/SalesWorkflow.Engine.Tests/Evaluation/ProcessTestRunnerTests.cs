using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Evaluation;

public sealed class ProcessTestRunnerTests
{
    [Fact]
    public void Run_ShippedDefinitions_AllPassWithFullCoverage()
    {
        var report = ProcessTestRunner.Run(FirstPartyPlugins.Loader().Load([RepoPaths.Definitions]));

        Assert.True(report.Results.Count >= 20);
        Assert.All(report.Results, r => Assert.True(r.Passed, r.Name + ": " + string.Join("\n", r.Failures)));
        Assert.All(report.Coverage, c => Assert.Empty(c.NotExercised));
        Assert.All(report.Coverage, c => Assert.Equal(c.Rules.Count, c.SeenHolding.Count));
    }

    [Fact]
    public void Run_WrongExpectations_ReportEachDifferenceWithTheReason()
    {
        var folder = Directory.CreateTempSubdirectory("sw-runner-").FullName;
        try
        {
            File.Copy(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), Path.Combine(folder, "standard-b2b.yaml"));
            File.WriteAllText(Path.Combine(folder, "wrong.tests.yaml"), """
                format: 1
                kind: process-tests
                process: standard-b2b.yaml
                tests:
                  - name: everything expected wrong
                    given:
                      stage: proposal
                      now: 2026-04-10T10:00:00+08:00
                      opportunity: { amount: 600000, discountPercent: 12 }
                      owner: { openDeals: 3, lastActiveAt: 2026-04-09T10:00:00+08:00 }
                      contacts: [{ isDecisionMaker: true }]
                      activities: [{ kind: proposal-sent, at: 2026-04-09T10:00:00+08:00, outcome: acknowledged }]
                    expect:
                      gate: passed
                      failing: [proposal-sent]
                      risks: [price-pressure]
                      raised: [owner-overloaded]
                      notRaised: [single-threaded]
                      escalations: [{ id: stalled-deal, level: 1 }]
                      probability: 0.9
                      health: 100
                      missingChecklist: []
                """);

            var report = ProcessTestRunner.Run(FirstPartyPlugins.Loader().Load([folder]));

            var result = Assert.Single(report.Results);
            Assert.False(result.Passed);
            var text = string.Join("\n", result.Failures);
            Assert.Contains("gate: expected passed, got blocked", text, StringComparison.Ordinal);
            Assert.Contains("+ unexpected: discount-approved — fails at `Opportunity.DiscountPercent <= 10 || HasApproval(\"discount\")`", text, StringComparison.Ordinal);
            Assert.Contains("- missing: proposal-sent", text, StringComparison.Ordinal);
            Assert.Contains("risks: expected owner-overloaded to be raised", text, StringComparison.Ordinal);
            Assert.Contains("risks: expected single-threaded not to be raised", text, StringComparison.Ordinal);
            Assert.Contains("escalations due: expected [stalled-deal@1], got [no-customer-contact@1]", text, StringComparison.Ordinal);
            Assert.Contains("probability: expected 0.9, got 0.5 (stage default)", text, StringComparison.Ordinal);
            Assert.Contains("health: expected 100, got 95", text, StringComparison.Ordinal);
            Assert.Contains("missing checklist items: expected [], got [solution-review, pricing-sheet]", text, StringComparison.Ordinal);
            Assert.Equal(1, report.Failed);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
