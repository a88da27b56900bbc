using System.Text.RegularExpressions;
using CsCheck;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Tests;
using SalesWorkflow.Tests.Generators;

namespace SalesWorkflow.Engine.Tests.Definitions;

/// <summary>
/// Generated YAML trees (issue 15): each shipped definition is parsed into its YAML tree, a few edits are generated and
/// applied to the tree (a value replaced by another kind or a hostile scalar, an entry deleted or repeated as an alias,
/// a key misspelt or added, a subtree nested deep), and the tree is written back as YAML. Unlike text damage
/// (<see cref="MutationTests"/>), the result is well-formed YAML that reaches the validator and the compiler. The
/// properties: loading never throws; every diagnostic points at a line of the file with that line's own text; a
/// definition that loads without errors compiles and evaluates a deal without throwing. The edits: <see cref="YamlTreeEdits"/>. Iterations: <c>SALESWORKFLOW_FUZZ_ITERATIONS</c> (default 150 per file; the nightly run sets more).
/// </summary>
public sealed class DefinitionTreePropertyTests
{
    private static readonly int Iterations = Fuzz.Iterations(150);

    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8));

    public static TheoryData<string> ShippedFiles() => MutationTests.ShippedFiles();

    /// <summary>Edits the generator once found failing (the committed corpus), with what must hold now.</summary>
    [Fact]
    public void Corpus_AFieldIdOfFiveThousandCharacters_IsAPositionedError_NotATypeLoadException()
    {
        // Found at 3,000 iterations: the id became a property name of the compiled conditions' view type, and the
        // runtime threw "Method name too long" out of the loader.
        var path = Path.Combine(RepoPaths.Definitions, "packs", "meddpicc.yaml");
        var yaml = YamlTreeEdits.Apply(File.ReadAllText(path), [new YamlEdit(62877, 0, 944)]);

        var set = FirstPartyPlugins.Loader().LoadText(path, yaml);

        var error = Assert.Single(set.Diagnostics, d => d.Code == "SW1006");
        Assert.Contains("5,000 characters long; ids have at most 64", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("- id: xxxx", yaml.Split('\n')[error.Span.Line - 1], StringComparison.Ordinal);
        Assert.Null(error.SourceLine); // a line of over 4,096 characters is not quoted; its position is
    }

    [Theory]
    [MemberData(nameof(ShippedFiles))]
    public void Load_GeneratedTreeEdits_NeverThrow_EveryDiagnosticQuotesItsOwnLine_AndCleanResultsCompileAndEvaluate(string relative)
    {
        var path = Path.Combine(RepoPaths.Definitions, relative);
        var original = File.ReadAllText(path);
        var loader = FirstPartyPlugins.Loader();
        YamlTreeEdits.Edits.Sample(edits =>
        {
            var yaml = YamlTreeEdits.Apply(original, edits);
            var set = loader.LoadText(path, yaml);

            var lines = Regex.Split(yaml, "\r\n|\r|\n");
            foreach (var d in set.Diagnostics.Where(d => d.Span.File == path))
            {
                Assert.InRange(d.Span.Line, 1, lines.Length + 1);
                var line = d.Span.Line <= lines.Length ? lines[d.Span.Line - 1] : string.Empty;
                Assert.InRange(d.Span.Column, 1, line.Length + 2);
                if (d.SourceLine is not null)
                {
                    Assert.Equal(line, d.SourceLine);
                }
            }

            if (!set.HasErrors)
            {
                foreach (var process in set.Processes)
                {
                    var compiled = CompiledProcess.Compile(process);
                    _ = DealEvaluator.Evaluate(compiled, Deal(process), Now);
                }
            }
        }, iter: Iterations, print: edits => string.Join("; ", edits.Select(e => e.ToString())) + "\n" + YamlTreeEdits.Apply(original, edits));
    }

    private static DealSnapshot Deal(ProcessDefinition process) => new()
    {
        Opportunity = new Opportunity { Id = "d1", Name = "Acme", Amount = 250_000m },
        Account = new Account { Id = "a1", Industry = "manufacturing" },
        Stage = process.Stages.Count > 0 ? process.Stages[0].Id : "lead",
        EnteredStageAt = Now.AddDays(-3),
        Contacts = [new Contact { Id = "c1", Name = "Wang", LastContactedAt = Now.AddDays(-1) }],
        Activities = [new Activity { Id = "a1", Kind = "call", At = Now.AddDays(-1) }],
    };
}
