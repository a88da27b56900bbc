using SalesWorkflow.Engine.Evaluation;

namespace SalesWorkflow.Engine.Runtime;

/// <summary>What happened to a command.</summary>
public enum CommandStatus
{
    /// <summary>The command changed the deal; its events are committed.</summary>
    Applied = 0,

    /// <summary>A command with the same id was handled before; nothing changed (the original outcome is attached).</summary>
    Duplicate = 1,

    /// <summary>The command was refused (see <see cref="CommandResult.Rejection"/>); a blocked advance is still recorded.</summary>
    Rejected = 2,
}

/// <summary>Why a command was refused.</summary>
/// <param name="Code">Stable code: <c>gate-failed</c>, <c>unknown-deal</c>, <c>already-tracked</c>, <c>transition-not-allowed</c>, <c>unknown-stage</c>, <c>unknown-process</c>, <c>unknown-version</c>, <c>loss-reason-required</c>, <c>unknown-loss-reason</c>, <c>deal-closed</c>, <c>deal-not-lost</c>, <c>command-id-reused</c>, <c>invalid-command</c>.</param>
/// <param name="Message">What is wrong, for people.</param>
public sealed record Rejection(string Code, string Message)
{
    /// <summary>For a failed gate: the failing criteria with the values they read.</summary>
    public IReadOnlyList<CriterionResult> FailingCriteria { get; init; } = [];

    /// <summary>For a failed gate: required checklist items not done.</summary>
    public IReadOnlyList<string> MissingChecklist { get; init; } = [];
}

/// <summary>The outcome of submitting a command.</summary>
public sealed record CommandResult
{
    /// <summary>Applied, duplicate or rejected.</summary>
    public required CommandStatus Status { get; init; }

    /// <summary>The command id.</summary>
    public required string CommandId { get; init; }

    /// <summary>The deal id.</summary>
    public required string DealId { get; init; }

    /// <summary>The deal's stage after the command (null when the deal does not exist).</summary>
    public string? Stage { get; init; }

    /// <summary>The deal's evaluation after the command.</summary>
    public DealEvaluation? Evaluation { get; init; }

    /// <summary>Events the command appended (for a duplicate: those of the original command).</summary>
    public IReadOnlyList<DealEvent> Events { get; init; } = [];

    /// <summary>Why the command was refused, for <see cref="CommandStatus.Rejected"/> (and a duplicate of a rejected command).</summary>
    public Rejection? Rejection { get; init; }
}
