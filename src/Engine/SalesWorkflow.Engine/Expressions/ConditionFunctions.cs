using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Engine.Expressions;

/// <summary>Marks a parameter the engine fills from a fact of the deal instead of from the condition's arguments.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class FromFactAttribute : Attribute;

/// <summary>Documents a function or value that conditions may use (docs/conditions.md lists them all).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ConditionFunctionAttribute(string summary) : Attribute
{
    public string Summary { get; } = summary;

    /// <summary>True for a value read without parentheses, such as <c>LastContactAt</c>.</summary>
    public bool IsValue { get; init; }
}

/// <summary>
/// The built-in functions of the condition language. Each is pure: a function of the deal's facts (parameters marked
/// <see cref="FromFactAttribute"/>, supplied by the engine) and the condition's arguments. Time comes from
/// <see cref="DealContext.Now"/>, never from the machine clock. "Never happened" counts as infinitely long ago.
/// </summary>
internal static class ConditionFunctions
{
    /// <summary>Activity kinds that count as talking to the customer.</summary>
    internal static readonly HashSet<string> CustomerTouchKinds = new(StringComparer.Ordinal) { "call", "meeting", "visit", "email", "demo" };

    // The activity functions read the totals the deal keeps over every activity it logged (Runtime.ActivityHistory),
    // so they stay exact however long the history; the Activities list itself holds the recent ones.
    [ConditionFunction("Time of the most recent activity of any kind; null when there is none.", IsValue = true)]
    public static DateTimeOffset? LastActivityAt([FromFact] ActivityTotals activities) => activities.LastAt;

    [ConditionFunction("Time we last talked to the customer: the latest call, meeting, visit, e-mail or demo, or a contact's `LastContactedAt`; null when never.", IsValue = true)]
    public static DateTimeOffset? LastContactAt([FromFact] ActivityTotals activities, [FromFact] IEnumerable<Contact> contacts)
    {
        var latest = activities.LastOf(CustomerTouchKinds);
        foreach (var contact in contacts)
        {
            if (contact.LastContactedAt is { } at && (latest is null || at > latest))
            {
                latest = at;
            }
        }

        return latest;
    }

    [ConditionFunction("Days (with fractions) from `moment` to now; infinity when `moment` is null.")]
    public static double DaysSince([FromFact] DealContext deal, DateTimeOffset? moment) =>
        moment is { } m ? (deal.Now - m).TotalDays : double.PositiveInfinity;

    [ConditionFunction("Hours (with fractions) from `moment` to now; infinity when `moment` is null.")]
    public static double HoursSince([FromFact] DealContext deal, DateTimeOffset? moment) =>
        moment is { } m ? (deal.Now - m).TotalHours : double.PositiveInfinity;

    [ConditionFunction("Days (with fractions) from now to `moment`, negative once it has passed; infinity when `moment` is null.")]
    public static double DaysUntil([FromFact] DealContext deal, DateTimeOffset? moment) =>
        moment is { } m ? (m - deal.Now).TotalDays : double.PositiveInfinity;

    [ConditionFunction("Business days (process calendar) from `moment` to now; a very large number when `moment` is null.")]
    public static int BusinessDaysSince([FromFact] DealContext deal, DateTimeOffset? moment) =>
        moment is { } m ? deal.Calendar.BusinessDaysBetween(m, deal.Now) : int.MaxValue;

    [ConditionFunction("Business days (process calendar) from now to `moment`, negative once it has passed; a very large number when `moment` is null.")]
    public static int BusinessDaysUntil([FromFact] DealContext deal, DateTimeOffset? moment) =>
        moment is not { } m ? int.MaxValue :
        m >= deal.Now ? deal.Calendar.BusinessDaysBetween(deal.Now, m) : -deal.Calendar.BusinessDaysBetween(m, deal.Now);

    [ConditionFunction("True when an activity of this kind was logged (e.g. `HasActivity(\"meeting\")`).")]
    public static bool HasActivity([FromFact] ActivityTotals activities, string kind) => activities.HasKind(kind);

    [ConditionFunction("True when an activity of this kind had this outcome (e.g. `HasOutcome(\"proposal-sent\", \"acknowledged\")`).")]
    public static bool HasOutcome([FromFact] ActivityTotals activities, string kind, string outcome) => activities.HasOutcome(kind, outcome);

    [ConditionFunction("Number of activities of this kind.")]
    public static int ActivityCount([FromFact] ActivityTotals activities, string kind) => activities.CountOf(kind);

    [ConditionFunction("Number of activities of any kind in the last `days` days.")]
    public static int RecentActivities([FromFact] IEnumerable<Activity> activities, [FromFact] DealContext deal, int days)
    {
        var since = deal.Now.AddDays(-days);
        var count = 0;
        foreach (var activity in activities)
        {
            if (activity.At > since && activity.At <= deal.Now)
            {
                count++;
            }
        }

        return count;
    }

    [ConditionFunction("True when an approval of this kind was granted (e.g. `HasApproval(\"discount\")`).")]
    public static bool HasApproval([FromFact] IEnumerable<Approval> approvals, string kind)
    {
        foreach (var approval in approvals)
        {
            if (approval.Kind == kind && approval.Granted)
            {
                return true;
            }
        }

        return false;
    }

    [ConditionFunction("True when the risk rule with this id is raised in this evaluation; lets one rule build on others.")]
    public static bool HasRisk([FromFact] IEnumerable<RiskRaised> risks, string id)
    {
        foreach (var risk in risks)
        {
            if (risk.RiskId == id)
            {
                return true;
            }
        }

        return false;
    }

    [ConditionFunction("True when a plugin's C# rule reports the check with this id as met in this evaluation, e.g. `Met(\"meddpicc.champion\")`.")]
    public static bool Met([FromFact] IEnumerable<CriterionMet> met, string id)
    {
        foreach (var criterion in met)
        {
            if (criterion.CriterionId == id)
            {
                return true;
            }
        }

        return false;
    }

    [ConditionFunction("True when the checklist item with this id of the current stage is done.")]
    public static bool ChecklistDone([FromFact] DealContext deal, string id) => deal.ChecklistDone.Contains(id);

    [ConditionFunction("True when the task with this id of the current stage entry is completed, e.g. `TaskDone(\"triage\")`.")]
    public static bool TaskDone([FromFact] DealContext deal, string id) => deal.FindTask(id) is { IsDone: true };

    [ConditionFunction("True when the task with this id of the current stage entry is open and its due moment has come, e.g. `TaskOverdue(\"triage\")`.")]
    public static bool TaskOverdue([FromFact] DealContext deal, string id) => deal.FindTask(id) is { } task && task.IsOverdueAt(deal.Now);

    [ConditionFunction("Midnight of a date (`yyyy-mm-dd`) in the process time zone, e.g. `Opportunity.CreatedAt < Date(\"2026-07-01\")`. A literal date is checked when the definition loads, a computed one when it is evaluated (an incident of the rule when it is no date).")]
    public static DateTimeOffset Date([FromFact] DealContext deal, string isoDate)
    {
        // A literal is checked at load; a computed text (`Date(Opportunity.Custom…)`) only here, with the same words, and
        // its failure is an incident of the rule rather than a .NET parse or range message.
        if (DateProblem(isoDate, out var date) is { } problem)
        {
            throw new ArgumentException($"Date({(isoDate is null ? "null" : "\"" + Diagnostics.PrintableText.Escape(isoDate.Length > 40 ? isoDate[..40] + "…" : isoDate) + "\"")}): {problem}", nameof(isoDate));
        }

        var midnight = date.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(midnight, deal.Calendar.TimeZone.GetUtcOffset(midnight));
    }

    /// <summary>The earliest and latest years a condition may name: any time zone's midnight of them is a moment .NET can hold.</summary>
    internal const int MinDateYear = 1900, MaxDateYear = 2999;

    /// <summary>Why <paramref name="isoDate"/> is not a date a condition may name, or null (and the date).</summary>
    internal static string? DateProblem(string? isoDate, out DateOnly date)
    {
        if (!DateOnly.TryParseExact(isoDate, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out date))
        {
            return "not a date written yyyy-mm-dd";
        }

        return date.Year is < MinDateYear or > MaxDateYear ? $"outside the dates a condition may name ({MinDateYear} to {MaxDateYear})" : null;
    }

    [ConditionFunction("True when the text is null, empty or only white space.")]
    public static bool IsBlank(string? text) => string.IsNullOrWhiteSpace(text);

    [ConditionFunction("The smaller of two numbers.")]
    public static decimal Min(decimal a, decimal b) => Math.Min(a, b);

    [ConditionFunction("The larger of two numbers.")]
    public static decimal Max(decimal a, decimal b) => Math.Max(a, b);

    [ConditionFunction("The absolute value of a number.")]
    public static decimal Abs(decimal value) => Math.Abs(value);
}
