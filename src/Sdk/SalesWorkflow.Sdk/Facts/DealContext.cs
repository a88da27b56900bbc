namespace SalesWorkflow.Sdk.Facts;

/// <summary>
/// Business days of a process calendar (time zone, weekends, holidays, make-up workdays). Implemented by the engine.
/// </summary>
public interface IBusinessCalendar
{
    /// <summary>The time zone in which the process's days begin and end.</summary>
    TimeZoneInfo TimeZone { get; }

    /// <summary>True when <paramref name="day"/> is a business day.</summary>
    bool IsBusinessDay(DateOnly day);

    /// <summary>Business days after the date of <paramref name="start"/> up to and including the date of <paramref name="until"/>.</summary>
    int BusinessDaysBetween(DateTimeOffset start, DateTimeOffset until);

    /// <summary>The moment <paramref name="days"/> business days after <paramref name="start"/>.</summary>
    DateTimeOffset AddBusinessDays(DateTimeOffset start, int days);
}

/// <summary>
/// Where the deal stands in its process at evaluation time, and the evaluation clock. Conditions read it as
/// <c>Deal</c> (and <c>now</c> is <see cref="Now"/>); C# rules match it like any other fact.
/// </summary>
public sealed class DealContext
{
    /// <summary>Creates the context of one evaluation.</summary>
    public DealContext(
        string processId,
        int processVersion,
        string stage,
        DateTimeOffset enteredStageAt,
        DateTimeOffset now,
        IBusinessCalendar calendar,
        IReadOnlySet<string>? checklistDone = null)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        ProcessId = processId;
        ProcessVersion = processVersion;
        Stage = stage;
        EnteredStageAt = enteredStageAt;
        Now = now;
        Calendar = calendar;
        ChecklistDone = checklistDone ?? new HashSet<string>(StringComparer.Ordinal);
    }

    /// <summary>Process id.</summary>
    public string ProcessId { get; }

    /// <summary>Process version the deal runs on.</summary>
    public int ProcessVersion { get; }

    /// <summary>Current stage id.</summary>
    public string Stage { get; }

    /// <summary>When the deal entered its current stage.</summary>
    public DateTimeOffset EnteredStageAt { get; }

    /// <summary>The evaluation time (from the injected clock, never the machine's wall clock).</summary>
    public DateTimeOffset Now { get; }

    /// <summary>The process's business-day calendar.</summary>
    public IBusinessCalendar Calendar { get; }

    /// <summary>Kind of the current stage: <c>open</c>, <c>won</c> or <c>lost</c> (C# rules use it to act after the sale).</summary>
    public string StageKind { get; init; } = "open";

    /// <summary>Checklist items of the current stage already done.</summary>
    public IReadOnlySet<string> ChecklistDone { get; }

    /// <summary>The tasks of the current stage entry, done and open (<see cref="DealTask"/>).</summary>
    public IReadOnlyList<DealTask> Tasks { get; init; } = [];

    /// <summary>The after-sales care the process owes the customer (its <c>care:</c>, resolved for the deal's account tier).</summary>
    public CarePlan Care { get; init; } = CarePlan.Default;

    /// <summary>The task of the current stage entry with this id, or null.</summary>
    public DealTask? FindTask(string id)
    {
        foreach (var task in Tasks)
        {
            if (task.Id == id)
            {
                return task;
            }
        }

        return null;
    }

    /// <summary>Days (with fractions) since the deal entered its stage.</summary>
    public double DaysInStage => (Now - EnteredStageAt).TotalDays;

    /// <summary>Business days since the deal entered its stage.</summary>
    public int BusinessDaysInStage => Calendar.BusinessDaysBetween(EnteredStageAt, Now);
}
