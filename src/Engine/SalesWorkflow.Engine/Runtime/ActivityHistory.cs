using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Runtime;

/// <summary>
/// What a deal keeps of its activities, so that a command costs the same after ten thousand of them as after ten: the
/// recent ones as facts (the <see cref="RecentLimit"/> latest by time, plus the latest of each kind) and totals over
/// all of them (per kind: how many, the latest time, the outcomes seen). The full list stays in the event log.
/// Deciding a command and folding the log both go through <see cref="Record"/>, so a backtest sees what the live
/// deal saw. Functions that count or look for a kind (<c>ActivityCount</c>, <c>HasActivity</c>, <c>HasOutcome</c>,
/// <c>LastActivityAt</c>, <c>LastContactAt</c>) read the totals and stay exact; a condition over the list itself
/// (<c>Activities.Any(…)</c>) reads the recent window (docs/conditions.md, "Activities").
/// </summary>
internal static class ActivityHistory
{
    /// <summary>How many of the latest activities (by time) stay facts.</summary>
    public const int RecentLimit = 50;

    /// <summary>Records a logged activity: replaces the one with its id in the window, or adds it, then trims the window.</summary>
    public static void Record(List<Activity> window, ActivityTotals totals, Activity activity)
    {
        var index = activity.Id is { Length: > 0 } id ? window.FindIndex(existing => existing.Id == id) : -1;
        if (index >= 0)
        {
            totals.Replace(window[index], activity);
            window[index] = activity;
        }
        else
        {
            totals.Add(activity);
            window.Add(activity);
        }

        Trim(window);
    }

    /// <summary>
    /// Keeps the <see cref="RecentLimit"/> latest activities by time (the later logged first on a tie), the latest of
    /// each kind, and the latest of each kind with each outcome (so a gate such as "a proposal-sent was acknowledged"
    /// keeps holding after a later proposal-sent without that outcome), up to <see cref="ActivityTotals.KindLimit"/>
    /// kinds and as many (kind, outcome) pairs; in the order they were logged.
    /// </summary>
    public static void Trim(List<Activity> window)
    {
        if (window.Count <= RecentLimit)
        {
            return;
        }

        var byTime = Enumerable.Range(0, window.Count).OrderByDescending(i => window[i].At).ThenByDescending(i => i).ToList();
        var keep = new HashSet<int>(byTime.Take(RecentLimit));
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        var outcomes = new HashSet<(string, string)>();
        foreach (var i in byTime)
        {
            var kind = window[i].Kind ?? string.Empty;
            if (kinds.Count < ActivityTotals.KindLimit && kinds.Add(kind))
            {
                keep.Add(i);
            }

            if (window[i].Outcome is { Length: > 0 } outcome && outcomes.Count < ActivityTotals.KindLimit && outcomes.Add((kind, outcome)))
            {
                keep.Add(i);
            }
        }

        if (keep.Count == window.Count)
        {
            return;
        }

        var kept = window.Where((_, i) => keep.Contains(i)).ToList();
        window.Clear();
        window.AddRange(kept);
    }
}

/// <summary>
/// Totals over every activity a deal has logged, kept in its state (<see cref="ActivityHistory"/>). Conditions reach
/// them through functions only. Bounded like the window: up to <see cref="KindLimit"/> kinds and
/// <see cref="OutcomeLimit"/> outcomes per kind are told apart (more is a sign of unmapped data; the rest count in
/// <see cref="Total"/> only).
/// </summary>
internal sealed class ActivityTotals
{
    public const int KindLimit = 256;
    public const int OutcomeLimit = 32;

    /// <summary>Activities logged, of any kind.</summary>
    public int Total { get; set; }

    /// <summary>The latest time of any activity.</summary>
    public DateTimeOffset? LastAt { get; set; }

    /// <summary>Per kind.</summary>
    public Dictionary<string, KindTotals> Kinds { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Totals of a list taken whole (a state from before totals were kept, a process test's given activities).</summary>
    public static ActivityTotals Of(IEnumerable<Activity> activities)
    {
        var totals = new ActivityTotals();
        var seen = new Dictionary<string, Activity>(StringComparer.Ordinal);
        foreach (var activity in activities)
        {
            var id = activity.Id ?? string.Empty;
            if (id.Length > 0 && seen.TryGetValue(id, out var earlier))
            {
                totals.Replace(earlier, activity);
            }
            else
            {
                totals.Add(activity);
            }

            if (id.Length > 0)
            {
                seen[id] = activity;
            }
        }

        return totals;
    }

    public void Add(Activity activity)
    {
        Total++;
        Count(activity, 1);
    }

    /// <summary>An activity logged again under its id. A kind's latest time never moves back (the replaced time may have been it).</summary>
    public void Replace(Activity replaced, Activity activity)
    {
        var (replacedKind, kindNow) = (replaced.Kind ?? string.Empty, activity.Kind ?? string.Empty);
        if (Kinds.TryGetValue(replacedKind, out var old) && replacedKind != kindNow)
        {
            old.Count = Math.Max(0, old.Count - 1);
        }

        Count(activity, replacedKind == kindNow ? 0 : 1);
    }

    private void Count(Activity activity, int add)
    {
        LastAt = LastAt is { } last && last >= activity.At ? last : activity.At;
        var kindId = activity.Kind ?? string.Empty;
        var outcome = activity.Outcome ?? string.Empty;
        if (!Kinds.TryGetValue(kindId, out var kind))
        {
            if (Kinds.Count >= KindLimit)
            {
                return;
            }

            Kinds[kindId] = kind = new KindTotals { LastAt = activity.At };
        }

        kind.Count += add;
        kind.LastAt = kind.LastAt >= activity.At ? kind.LastAt : activity.At;
        if (outcome.Length > 0 && kind.Outcomes.Count < OutcomeLimit && !kind.Outcomes.Contains(outcome))
        {
            kind.Outcomes.Add(outcome);
        }
    }

    public int CountOf(string kind) => Kinds.TryGetValue(kind, out var totals) ? totals.Count : 0;

    public bool HasKind(string kind) => CountOf(kind) > 0;

    public bool HasOutcome(string kind, string outcome) => Kinds.TryGetValue(kind, out var totals) && totals.Outcomes.Contains(outcome);

    /// <summary>The latest time of an activity of any of <paramref name="kinds"/>.</summary>
    public DateTimeOffset? LastOf(IReadOnlySet<string> kinds)
    {
        DateTimeOffset? latest = null;
        foreach (var (kind, totals) in Kinds)
        {
            if (totals.Count > 0 && kinds.Contains(kind) && (latest is null || totals.LastAt > latest))
            {
                latest = totals.LastAt;
            }
        }

        return latest;
    }
}

/// <summary>The totals of one activity kind.</summary>
internal sealed class KindTotals
{
    public int Count { get; set; }

    public DateTimeOffset LastAt { get; set; }

    public List<string> Outcomes { get; set; } = [];
}
