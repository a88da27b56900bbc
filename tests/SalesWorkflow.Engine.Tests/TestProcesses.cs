using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests;

/// <summary>Small in-memory processes for focused tests.</summary>
internal static class TestProcesses
{
    public const string Header = """
        format: 1
        kind: process
        id: test
        version: 1
        name: Test
        currency: CNY
        fields:
          - { id: budgetConfirmed, on: opportunity, type: bool }
          - { id: requirementChanges, on: opportunity, type: number }
          - { id: dealType, on: opportunity, type: enum, values: [new-business, renewal] }
          - { id: tier, on: account, type: enum, values: [strategic, key, standard] }
          - { id: influence, on: contact, type: number }

        """;

    public const string Tail = """
          - { id: won, name: Won, kind: won }
          - { id: lost, name: Lost, kind: lost }
        transitions:
          requireLossReason: false

        """;

    /// <summary>A process whose first stage has one exit criterion with <paramref name="condition"/> on line 18, as a single-quoted scalar starting at column 15.</summary>
    public static DefinitionSet WithCriterion(string condition) => Load(WithCriterionYaml(condition));

    /// <summary>The YAML of <see cref="WithCriterion"/>.</summary>
    public static string WithCriterionYaml(string condition) =>
        Header + $"""
            stages:
              - id: lead
                name: Lead
                probability: 0.1
                exitCriteria:
                  - id: c1
                    when: '{condition.Replace("'", "''", StringComparison.Ordinal)}'

            """ + Tail;

    public const int CriterionLine = 19;
    public const int CriterionColumn = 15;

    public static DefinitionSet Load(string yaml) => FirstPartyPlugins.Loader().LoadText(Path.Combine(Path.GetTempPath(), "salesworkflow-test.yaml"), yaml);

    public static CompiledProcess Compile(string yaml)
    {
        var set = Load(yaml);
        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        return CompiledProcess.Compile(set.Processes.Single());
    }
}
