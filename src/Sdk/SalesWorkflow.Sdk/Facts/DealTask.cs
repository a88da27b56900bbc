namespace SalesWorkflow.Sdk.Facts;

/// <summary>
/// A piece of work on a deal, tracked to done: created from its stage's <c>tasks:</c> when the deal enters the stage,
/// or ad hoc by a command. Tasks belong to the stage entry they were created in; conditions read them through
/// <c>TaskDone("id")</c> and <c>TaskOverdue("id")</c>, C# rules through <see cref="DealContext.Tasks"/>. The engine
/// owns them: rules read them and never change them.
/// </summary>
public sealed record DealTask
{
    /// <summary>The task id: the stage task's id, or the id the creating command gave.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>The stage it belongs to.</summary>
    public string Stage { get; init; } = string.Empty;

    /// <summary>What to do, by language (one entry under <c>""</c> for an ad hoc task's single text).</summary>
    public IReadOnlyDictionary<string, string> Title { get; init; } = new Dictionary<string, string>();

    /// <summary>The role that does it (<c>owner</c>, <c>manager</c>, a named role), as the process declares it.</summary>
    public string AssigneeRole { get; init; } = "owner";

    /// <summary>The person it is assigned to, when known (the owner for owner tasks, or whoever it was reassigned to).</summary>
    public string? AssignedTo { get; init; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it is due; null for no due date.</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>When it was completed; null while open.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Who completed it, when the command said.</summary>
    public string? CompletedBy { get; init; }

    /// <summary>When its overdue notice fired (once, at the due moment); null when it has not.</summary>
    public DateTimeOffset? OverdueAt { get; init; }

    /// <summary>True for a task a command created, false for one of the stage's <c>tasks:</c>.</summary>
    public bool AdHoc { get; init; }

    /// <summary>True once completed.</summary>
    public bool IsDone => CompletedAt is not null;

    /// <summary>True when it is open and its due moment is not after <paramref name="now"/>.</summary>
    public bool IsOverdueAt(DateTimeOffset now) => CompletedAt is null && DueAt is { } due && due <= now;

    /// <summary>True when it was completed by its due moment (or has none).</summary>
    public bool DoneOnTime => CompletedAt is { } done && (DueAt is not { } due || done <= due);
}
