using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Runtime;

/// <summary>
/// The task commands and the overdue timer (docs/tasks.md): a task belongs to the stage entry it was created in, is
/// completed or reassigned while open, and comes due once. Decisions on a <see cref="Change"/>, as the other commands'.
/// </summary>
internal static class StageTasks
{
    private const int MaxIdLength = 100;
    private const int MaxTitleLength = 1_000;
    private const int MaxPersonLength = 200;

    public static Decision Create(Change change, CreateTask command)
    {
        var deal = change.Instance;
        if (deal.Status == DealStatus.Lost)
        {
            return Reject(change, "deal-closed", "The deal is lost; reopen it first.");
        }

        if (string.IsNullOrEmpty(command.TaskId) || command.TaskId.Length > MaxIdLength || !ScalarShape.IdPattern().IsMatch(command.TaskId))
        {
            return Reject(change, "invalid-command", $"A task id is lower-case kebab-case, such as `call-back`, of at most {MaxIdLength} characters.");
        }

        if (string.IsNullOrWhiteSpace(command.Title) || command.Title.Length > MaxTitleLength)
        {
            return Reject(change, "invalid-command", $"A task needs a title of at most {MaxTitleLength} characters.");
        }

        if (command.AssignTo is { } person && (string.IsNullOrWhiteSpace(person) || person.Length > MaxPersonLength))
        {
            return Reject(change, "invalid-command", $"`assignTo` names a person by an id of at most {MaxPersonLength} characters.");
        }

        if (deal.Tasks.Any(t => t.Id == command.TaskId))
        {
            return Reject(change, "task-exists", $"The stage '{deal.Stage}' already has a task '{command.TaskId}'; give the new one another id.");
        }

        change.AddTask(new DealTask
        {
            Id = command.TaskId,
            Stage = deal.Stage,
            Title = new Dictionary<string, string>(StringComparer.Ordinal) { [Definitions.LocalizedText.Neutral] = command.Title },
            AssigneeRole = command.AssignTo is null ? "owner" : "person",
            AssignedTo = command.AssignTo ?? change.PersonIn("owner"),
            CreatedAt = change.Now,
            DueAt = command.DueAt,
            AdHoc = true,
        });
        change.Reevaluate();
        return change.Finish();
    }

    public static Decision Complete(Change change, CompleteTask command)
    {
        if (Find(change, command.TaskId, out var index) is { } problem)
        {
            return problem;
        }

        var task = change.Instance.Tasks[index];
        var done = task with { CompletedAt = change.Now, CompletedBy = command.Actor };
        change.Instance.Tasks[index] = done;
        change.CancelTaskTimer(task.Id);
        change.Event(new TaskCompleted(task.Id, task.Stage, task.DueAt, done.DoneOnTime, command.Note), null);
        change.Reevaluate();
        change.AutoAdvance();
        return change.Finish();
    }

    public static Decision Reassign(Change change, ReassignTask command)
    {
        if (string.IsNullOrWhiteSpace(command.AssignTo) || command.AssignTo.Length > MaxPersonLength)
        {
            return Reject(change, "invalid-command", $"`assignTo` names a person by an id of at most {MaxPersonLength} characters.");
        }

        if (Find(change, command.TaskId, out var index) is { } problem)
        {
            return problem;
        }

        var task = change.Instance.Tasks[index];
        if (task.AssignedTo == command.AssignTo)
        {
            return Reject(change, "invalid-command", $"The task '{task.Id}' is already assigned to '{command.AssignTo}'.");
        }

        change.Instance.Tasks[index] = task with { AssignedTo = command.AssignTo };
        change.Event(new TaskReassigned(task.Id, task.Stage, task.AssignedTo, command.AssignTo, command.Note), null);
        change.Reevaluate();
        return change.Finish();
    }

    /// <summary>
    /// A task's timer fired: an open task of this stage entry that has not come due before becomes overdue, with its
    /// <c>task-overdue</c> event. False for a stale timer (the task is done or gone).
    /// </summary>
    public static bool CameDue(Change change, string taskId, DateTimeOffset dueAt)
    {
        var tasks = change.Instance.Tasks;
        var index = tasks.FindIndex(t => t.Id == taskId);
        if (index < 0 || tasks[index] is not { CompletedAt: null, OverdueAt: null } task)
        {
            return false;
        }

        tasks[index] = task with { OverdueAt = change.Now };
        change.BareEvent(new TaskOverdue(task.Id, task.Stage, task.DueAt ?? dueAt, task.AssigneeRole, task.AssignedTo));
        return true;
    }

    /// <summary>The open task with this id, or the rejection that says why there is none.</summary>
    private static Decision? Find(Change change, string taskId, out int index)
    {
        var tasks = change.Instance.Tasks;
        index = tasks.FindIndex(t => t.Id == taskId);
        if (index < 0)
        {
            var open = tasks.Where(t => !t.IsDone).Select(t => t.Id).ToList();
            return Reject(change, "unknown-task", $"The stage '{change.Instance.Stage}' has no task '{taskId}'" +
                (open.Count > 0 ? $"; its open tasks: {string.Join(", ", open)}." : "; it has no open task."));
        }

        return tasks[index].IsDone
            ? Reject(change, "task-done", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The task '{taskId}' was completed at {tasks[index].CompletedAt:yyyy-MM-dd HH:mm zzz}."))
            : null;
    }

    private static Decision Reject(Change change, string code, string message) =>
        CommandProcessor.Reject(change, code, message);
}
