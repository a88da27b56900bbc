using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Definitions.Yaml;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Definitions.Loading;

// ProcessBuilder, part: Checks over the finished model that need the whole document: stage references, reachability, probabilities, loss reasons, duplicate ids.
internal sealed partial class ProcessBuilder
{
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
        if (_root["stages"] is not YamlSequence sequence || !_file.Checker.IsValid(sequence))
        {
            return false;
        }

        return sequence.Items.All(item => item is YamlMapping m && _file.Checker.IsValid(m)
            && _file.Checker.IsValid(m["id"]) && (m["kind"] is null || _file.Checker.IsValid(m["kind"])));
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
}
