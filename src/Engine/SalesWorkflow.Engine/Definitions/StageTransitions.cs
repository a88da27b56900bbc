namespace SalesWorkflow.Engine.Definitions;

/// <summary>The kind of a stage change.</summary>
public enum TransitionKind
{
    /// <summary>To the next stage in order (through the gate).</summary>
    Forward = 0,

    /// <summary>Forward over one or more stages (every gate on the way applies).</summary>
    Skip = 1,

    /// <summary>Back to an earlier open stage.</summary>
    Back = 2,

    /// <summary>Closed lost.</summary>
    Lose = 3,

    /// <summary>A lost deal reopened (it returns to the stage it was lost from).</summary>
    Reopen = 4,
}

/// <summary>A stage change the transition policy allows.</summary>
/// <param name="From">Stage id the deal leaves.</param>
/// <param name="To">Stage id the deal enters.</param>
/// <param name="Kind">What kind of change it is.</param>
public sealed record StageTransition(string From, string To, TransitionKind Kind);

/// <summary>
/// The stage changes a process allows, derived from stage order, kinds and the transition policy. The single source
/// of truth for the validator (reachability), <c>salesflow graph</c> and the runtime.
/// </summary>
internal static class StageTransitions
{
    /// <summary>Every allowed transition, in a stable order (by source stage order, then kind, then target order).</summary>
    public static IReadOnlyList<StageTransition> Enumerate(ProcessDefinition process)
    {
        ArgumentNullException.ThrowIfNull(process);
        return Enumerate(process.Stages, process.Transitions);
    }

    internal static IReadOnlyList<StageTransition> Enumerate(IReadOnlyList<StageDefinition> stages, TransitionPolicy policy)
    {
        var result = new List<StageTransition>();
        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            if (stage.Kind == StageKind.Lost)
            {
                if (policy.AllowReopen)
                {
                    // A reopened deal goes back to the stage it was lost from: any stage it could have been lost from.
                    foreach (var open in stages.Where(s => s.IsOpen && CanLoseFrom(s, policy)))
                    {
                        result.Add(new StageTransition(stage.Id, open.Id, TransitionKind.Reopen));
                    }
                }

                continue;
            }

            var next = NextForward(stages, i);
            if (next is not null && (stage.IsOpen || next.Kind == StageKind.Won))
            {
                result.Add(new StageTransition(stage.Id, next.Id, TransitionKind.Forward));
            }

            if (!stage.IsOpen)
            {
                continue;
            }

            if (policy.AllowSkip && next is not null)
            {
                foreach (var later in stages.Skip(next.Order + 1).Where(s => s.Kind != StageKind.Lost))
                {
                    result.Add(new StageTransition(stage.Id, later.Id, TransitionKind.Skip));
                    if (later.Kind == StageKind.Won)
                    {
                        break;
                    }
                }
            }

            if (policy.AllowBack)
            {
                foreach (var earlier in stages.Take(i).Where(s => s.IsOpen))
                {
                    result.Add(new StageTransition(stage.Id, earlier.Id, TransitionKind.Back));
                }
            }

            if (CanLoseFrom(stage, policy))
            {
                foreach (var lost in stages.Where(s => s.Kind == StageKind.Lost))
                {
                    result.Add(new StageTransition(stage.Id, lost.Id, TransitionKind.Lose));
                }
            }
        }

        return result;
    }

    /// <summary>The allowed transition from one stage to another, or null when the policy forbids it.</summary>
    public static StageTransition? Find(ProcessDefinition process, string from, string to)
    {
        ArgumentNullException.ThrowIfNull(process);
        foreach (var transition in Enumerate(process))
        {
            if (transition.From == from && transition.To == to)
            {
                return transition;
            }
        }

        return null;
    }

    /// <summary>The stage a forward move from <paramref name="stageId"/> enters, or null at the end of the process.</summary>
    public static StageDefinition? NextStage(ProcessDefinition process, string stageId)
    {
        ArgumentNullException.ThrowIfNull(process);
        var stage = process.FindStage(stageId);
        return stage is null ? null : NextForward(process.Stages, stage.Order);
    }

    /// <summary>Stage ids reachable from the first open stage.</summary>
    internal static HashSet<string> Reachable(IReadOnlyList<StageDefinition> stages, TransitionPolicy policy)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var first = stages.FirstOrDefault(s => s.IsOpen);
        if (first is null)
        {
            return reached;
        }

        var edges = Enumerate(stages, policy).ToLookup(t => t.From, StringComparer.Ordinal);
        var queue = new Queue<string>();
        queue.Enqueue(first.Id);
        reached.Add(first.Id);
        while (queue.Count > 0)
        {
            foreach (var edge in edges[queue.Dequeue()])
            {
                // Reopening returns a deal to a stage it already reached, so it never makes a stage reachable.
                if (edge.Kind != TransitionKind.Reopen && reached.Add(edge.To))
                {
                    queue.Enqueue(edge.To);
                }
            }
        }

        return reached;
    }

    internal static bool CanLoseFrom(StageDefinition stage, TransitionPolicy policy) =>
        stage.IsOpen && (policy.LostFromAnyStage || stage.CanLose);

    private static StageDefinition? NextForward(IReadOnlyList<StageDefinition> stages, int index)
    {
        for (var j = index + 1; j < stages.Count; j++)
        {
            if (stages[j].Kind != StageKind.Lost)
            {
                return stages[j];
            }
        }

        return null;
    }
}
