namespace SalesWorkflow.Sdk.Facts;

/// <summary>Something the rep did on the deal. Conditions read them as <c>Activities</c>.</summary>
public class Activity : Fact
{
    /// <summary>
    /// What kind: <c>call</c>, <c>meeting</c>, <c>visit</c>, <c>email</c>, <c>demo</c>, <c>proposal-sent</c>,
    /// <c>contract-sent</c>, <c>contract-signed</c>, or a kind of your own.
    /// </summary>
    public string Kind { get; set; } = string.Empty;

    /// <summary>When it happened.</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>Outcome, such as <c>positive</c>, <c>neutral</c>, <c>negative</c>, <c>acknowledged</c>.</summary>
    public string Outcome { get; set; } = string.Empty;

    /// <summary>The contact involved, if any.</summary>
    public string ContactId { get; set; } = string.Empty;

    /// <summary>Notes.</summary>
    public string Notes { get; set; } = string.Empty;
}

/// <summary>An internal approval (discount, credit, legal…). Conditions read them as <c>Approvals</c>.</summary>
public class Approval : Fact
{
    /// <summary>What was approved, such as <c>discount</c> or <c>credit</c>.</summary>
    public string Kind { get; set; } = string.Empty;

    /// <summary>Whether it was granted.</summary>
    public bool Granted { get; set; }

    /// <summary>Who decided.</summary>
    public string By { get; set; } = string.Empty;

    /// <summary>When.</summary>
    public DateTimeOffset? At { get; set; }

    /// <summary>Notes.</summary>
    public string Notes { get; set; } = string.Empty;
}

/// <summary>Customer feedback: satisfaction scores and complaints. Conditions read them as <c>Feedback</c>.</summary>
public class Feedback : Fact
{
    /// <summary>When it was given.</summary>
    public DateTimeOffset? At { get; set; }

    /// <summary>Satisfaction from 1 (bad) to 5 (excellent), if scored.</summary>
    public int? Satisfaction { get; set; }

    /// <summary>Whether it is a complaint.</summary>
    public bool IsComplaint { get; set; }

    /// <summary>Whether a complaint is resolved.</summary>
    public bool Resolved { get; set; }

    /// <summary>What the customer said.</summary>
    public string Text { get; set; } = string.Empty;

    /// <summary>What it is about, such as <c>delivery</c>, <c>quality</c> or <c>billing</c>; free text.</summary>
    public string? Category { get; set; }

    /// <summary>Who handles a complaint (a person's id); none: the process's <c>feedback.route</c> role.</summary>
    public string? AssignedTo { get; set; }

    /// <summary>When the customer was first answered.</summary>
    public DateTimeOffset? RespondedAt { get; set; }

    /// <summary>When the complaint was resolved (setting it resolves the complaint).</summary>
    public DateTimeOffset? ResolvedAt { get; set; }
}
