using SalesWorkflow.Engine.Events;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Runtime;

/// <summary>
/// Copies of a command's fact objects. Deciding fills in ids, stages and times on the facts it takes in; working on
/// copies keeps the caller's objects untouched and makes every decision of a command (decided ahead, re-decided on a
/// conflict, retried after a dropped connection) start from the same facts. The copies go through the stored shapes,
/// so a copy holds exactly what an event would store.
/// </summary>
internal static class CommandFacts
{
    public static DealCommand Copy(DealCommand command) => command switch
    {
        StartTracking start => start with
        {
            Opportunity = Copy(start.Opportunity),
            Account = start.Account is { } account ? StoredAccount.From(account).ToFact() : null,
            Owner = start.Owner is { } owner ? StoredOwner.From(owner).ToFact() : null,
            Contacts = [.. NotNull(start.Contacts).Select(c => StoredContact.From(c).ToFact())],
        },
        UpsertFacts facts => facts with
        {
            Opportunity = facts.Opportunity is { } opportunity ? Copy(opportunity) : null,
            Account = facts.Account is { } account ? StoredAccount.From(account).ToFact() : null,
            Owner = facts.Owner is { } owner ? StoredOwner.From(owner).ToFact() : null,
            Contacts = [.. NotNull(facts.Contacts).Select(c => StoredContact.From(c).ToFact())],
            Approvals = [.. NotNull(facts.Approvals).Select(a => StoredApproval.From(a).ToFact())],
        },
        LogActivity log => log with { Activity = ActivityLogged.From(log.Activity).ToFact() },
        RecordFeedback feedback => feedback with { Feedback = FeedbackRecorded.From(feedback.Feedback).ToFact() },
        _ => command,
    };

    // A null list where the Sdk declares none (a deserialised request, a '!') reads as empty, and null items are left
    // out; a missing required fact is refused before copying (SalesWorkflowEngine.SubmitAsync).
    private static IEnumerable<T> NotNull<T>(IEnumerable<T>? items) where T : class => (items ?? []).Where(item => item is not null);

    private static Opportunity Copy(Opportunity opportunity) => StoredOpportunity.From(opportunity).ToFact();
}
