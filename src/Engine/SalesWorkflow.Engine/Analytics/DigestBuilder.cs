using System.Globalization;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Events;

namespace SalesWorkflow.Engine.Analytics;

/// <summary>
/// Builds each person's daily digest in one walk over the condensed log (<see cref="KpiLog"/>) and the deals' current
/// columns: the tasks of each deal's current stage entry that are open, due soon or overdue, and the deals still
/// escalated, each given to the people its role stands for on the deal today.
/// </summary>
internal static class DigestBuilder
{
    public static List<Digest> Build(KpiLog log, IReadOnlyDictionary<string, DealSummary> current, OrganisationDefinition? organisation, DateTimeOffset at, TimeSpan dueWithin)
    {
        var byPerson = new Dictionary<string, (List<DigestTask> Due, List<DigestTask> Overdue, List<DigestEscalation> Escalated)>(StringComparer.Ordinal);
        (List<DigestTask> Due, List<DigestTask> Overdue, List<DigestEscalation> Escalated) Of(string person) =>
            byPerson.TryGetValue(person, out var lists) ? lists : byPerson[person] = ([], [], []);

        var tasks = new Dictionary<string, (string? Assignee, DateTimeOffset? DueAt)>(StringComparer.Ordinal);
        var escalations = new Dictionary<string, SortedDictionary<int, string>>(StringComparer.Ordinal);
        var events = log.Events;
        foreach (var (dealId, deal) in log.Deals)
        {
            // A deal the store no longer has, or one that was lost, owes nobody anything.
            if (!current.TryGetValue(dealId, out var summary) || summary.Status == DealStatus.Lost)
            {
                continue;
            }

            tasks.Clear();
            escalations.Clear();
            for (var index = deal.First; index >= 0; index = events[index].Next)
            {
                ref var e = ref events[index];
                switch (e.Kind)
                {
                    case LoggedKind.StageChanged or LoggedKind.Reopened or LoggedKind.Lost:
                        // Tasks and escalations belong to the stage entry: leaving the stage ends them.
                        tasks.Clear();
                        escalations.Clear();
                        break;
                    case LoggedKind.TaskCreated when e.Name is { } task:
                        tasks[task] = (e.Category, e.Amount is { } ticks ? new DateTimeOffset((long)ticks, TimeSpan.Zero) : null);
                        break;
                    case LoggedKind.TaskCompleted when e.Name is { } task:
                        tasks.Remove(task);
                        break;
                    case LoggedKind.TaskReassigned when e.Name is { } task && tasks.TryGetValue(task, out var open):
                        tasks[task] = (e.Category, open.DueAt);
                        break;
                    case LoggedKind.Escalation when e.Name is { } escalation && ParseLevel(e.Category) is { } level:
                        if (!escalations.TryGetValue(escalation, out var levels))
                        {
                            escalations[escalation] = levels = [];
                        }

                        levels[level.Level] = level.Notify;
                        break;
                }
            }

            foreach (var (key, (assignee, dueAt)) in tasks)
            {
                if (dueAt is not { } due || due >= at + dueWithin)
                {
                    continue;
                }

                var slash = key.IndexOf('/', StringComparison.Ordinal);
                var item = new DigestTask(dealId, slash > 0 ? key[..slash] : summary.Stage, slash > 0 ? key[(slash + 1)..] : key, due);
                foreach (var person in PeopleFor(assignee ?? "owner", summary, organisation))
                {
                    var lists = Of(person);
                    (due < at ? lists.Overdue : lists.Due).Add(item);
                }
            }

            // Escalated now (the deal's columns say so), to everyone a raised level reached.
            if (summary.EscalationLevel > 0)
            {
                foreach (var (escalation, levels) in escalations)
                {
                    var item = new DigestEscalation(dealId, summary.Stage, escalation, levels.Keys.Max());
                    foreach (var person in levels.Values.SelectMany(role => PeopleFor(role, summary, organisation)).Distinct(StringComparer.Ordinal))
                    {
                        Of(person).Escalated.Add(item);
                    }
                }
            }
        }

        return [.. byPerson
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new Digest(
                Recipient(p.Key, organisation),
                at,
                [.. p.Value.Due.OrderBy(t => t.DueAt).ThenBy(t => t.DealId, StringComparer.Ordinal)],
                [.. p.Value.Overdue.OrderBy(t => t.DueAt).ThenBy(t => t.DealId, StringComparer.Ordinal)],
                [.. p.Value.Escalated.OrderBy(x => x.DealId, StringComparer.Ordinal).ThenBy(x => x.Escalation, StringComparer.Ordinal)]))];
    }

    /// <summary>The people a task's assignee or a level's role stands for on the deal: a person of the organisation, or a role resolved on the deal's owner.</summary>
    private static IEnumerable<string> PeopleFor(string assigneeOrRole, DealSummary deal, OrganisationDefinition? organisation)
    {
        if (organisation is null)
        {
            return assigneeOrRole == "owner" ? (deal.OwnerId.Length > 0 ? [deal.OwnerId] : []) : [assigneeOrRole];
        }

        return organisation.People.ContainsKey(assigneeOrRole)
            ? [assigneeOrRole]
            : organisation.Resolve(assigneeOrRole, deal.OwnerId.Length > 0 ? deal.OwnerId : null, deal.Team.Length > 0 ? deal.Team : null, null);
    }

    private static EventRecipient Recipient(string id, OrganisationDefinition? organisation) =>
        organisation?.People.GetValueOrDefault(id) is { } person
            ? new EventRecipient(id, person.Name, person.Email, person.Language) { QuietHours = person.QuietHours, TakesDigest = person.TakesDigest, TimeZone = person.TimeZone }
            : new EventRecipient(id, null, null, null);

    /// <summary>The level and role of a condensed escalation (<c>L2 manager</c>).</summary>
    private static (int Level, string Notify)? ParseLevel(string? category)
    {
        var space = category?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
        return space > 1 && category![0] == 'L' && int.TryParse(category.AsSpan(1, space - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var level)
            ? (level, category[(space + 1)..])
            : null;
    }
}
