using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Import;

/// <summary>What an import changed, deal by deal (docs/import.md, "Importing a newer export").</summary>
public sealed class ImportChanges
{
    private int _new;
    private int _unchanged;
    private int _moved;
    private int _updated;
    private int _won;
    private int _lost;
    private int _reopened;

    /// <summary>Deals the database did not hold: started, and closed where the export says so.</summary>
    public int New => _new;

    /// <summary>Deals the database held already as the export has them: nothing was applied to them.</summary>
    public int Unchanged => _unchanged;

    /// <summary>Open deals moved to the stage the export gives them.</summary>
    public int Moved => _moved;

    /// <summary>Deals whose amount, expected close date, name, owner, account or mapped fields were updated.</summary>
    public int Updated => _updated;

    /// <summary>Deals the database held open or lost, and the export won.</summary>
    public int Won => _won;

    /// <summary>Deals the database held open, and the export lost.</summary>
    public int Lost => _lost;

    /// <summary>Deals the database held lost, and the export open or won.</summary>
    public int Reopened => _reopened;

    /// <summary>Deals the database held already and that changed (some deals changed in several ways).</summary>
    public int Changed { get; private set; }

    internal void Count(SyncChange change)
    {
        if (change == SyncChange.None)
        {
            _unchanged++;
            return;
        }

        if (change == SyncChange.New)
        {
            _new++;
            return;
        }

        Changed++;
        _moved += change.HasFlag(SyncChange.Moved) ? 1 : 0;
        _updated += change.HasFlag(SyncChange.Updated) ? 1 : 0;
        _won += change.HasFlag(SyncChange.Won) ? 1 : 0;
        _lost += change.HasFlag(SyncChange.Lost) ? 1 : 0;
        _reopened += change.HasFlag(SyncChange.Reopened) ? 1 : 0;
    }
}

/// <summary>How a deal of the export differs from the database's.</summary>
[Flags]
internal enum SyncChange
{
    None = 0,
    New = 1,
    Moved = 2,
    Updated = 4,
    Won = 8,
    Lost = 16,
    Reopened = 32,
}

internal enum ReplayStepKind
{
    Start,
    Move,
    Close,
    Change,
}

/// <summary>One step of the replay: a deal started, moved (its stage history) or closed at its CRM date, or a held deal brought up to the export.</summary>
internal sealed record ReplayStep(DateTimeOffset At, CrmDeal Deal, ReplayStepKind Kind, DealState? Held = null, SyncPlan? Plan = null, int HistoryIndex = 0);

/// <summary>What to apply to a held deal; the facts to upsert, where they changed.</summary>
internal sealed record SyncPlan(SyncChange Changes, bool WonInDatabase, Opportunity? Opportunity, Owner? Owner, Account? Account);

/// <summary>
/// Re-import as a sync: a deal the database holds is compared with its row of the export, and only the difference is
/// applied. The export is the truth for what it holds (its stage, status, amount, dates, owner, account and mapped
/// fields); what SalesWorkflow alone holds (activities, checklists, feedback, tasks, fields the mapping does not
/// name) is kept. A won deal is never reopened: the engine has no such transition, and the export's word is reported.
/// </summary>
internal static class CrmSync
{
    /// <summary>The deals of the export the database holds, read in pages, then each whole.</summary>
    public static async Task<Dictionary<string, DealState>> HeldAsync(ISalesWorkflowEngine engine, IReadOnlyList<CrmDeal> deals, CancellationToken cancellationToken)
    {
        var wanted = deals.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var found = new List<string>();
        string? after = null;
        while (true)
        {
            var page = await engine.QueryAsync(new DealQuery { AfterDealId = after, Limit = 10_000 }, cancellationToken);
            found.AddRange(page.Where(d => wanted.Contains(d.DealId)).Select(d => d.DealId));
            if (page.Count < 10_000)
            {
                break;
            }

            after = page[^1].DealId;
        }

        var held = new System.Collections.Concurrent.ConcurrentDictionary<string, DealState>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(found, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (id, token) =>
        {
            if (await engine.GetDealAsync(id, token) is { } state)
            {
                held[id] = state;
            }
        });
        return new Dictionary<string, DealState>(held, StringComparer.Ordinal);
    }

    /// <summary>What to apply to <paramref name="held"/> so that it is as <paramref name="deal"/> says.</summary>
    public static SyncPlan Plan(CrmDeal deal, DealState held, ProcessDefinition process, CrmMapping mapping)
    {
        if (held.Status == DealStatus.Won)
        {
            return new SyncPlan(SyncChange.None, WonInDatabase: deal.Status != "won", null, null, null);
        }

        var changes = SyncChange.None;
        var stage = held.Stage;
        if (held.Status == DealStatus.Lost)
        {
            if (deal.Status == "lost")
            {
                return new SyncPlan(SyncChange.None, false, null, null, null);
            }

            changes |= SyncChange.Reopened;
            stage = held.LostFromStage ?? stage;
        }

        changes |= deal.Status switch
        {
            "won" => SyncChange.Won,
            "lost" => SyncChange.Lost,
            _ when stage != deal.OpenStage => SyncChange.Moved,
            _ => SyncChange.None,
        };

        var opportunity = OpportunityChange(deal, held.Opportunity, process, mapping);
        var owner = OwnerChanged(deal.Owner, held.Owner) ? deal.Owner : null;
        var account = deal.Account is { } crmAccount ? AccountChange(crmAccount, held.Account, process, mapping) : null;
        if (opportunity is not null || owner is not null || account is not null)
        {
            changes |= SyncChange.Updated;
        }

        return new SyncPlan(changes, false, opportunity, owner, account);
    }

    /// <summary>The held opportunity with the export's values where they differ; null when none does.</summary>
    private static Opportunity? OpportunityChange(CrmDeal deal, Opportunity held, ProcessDefinition process, CrmMapping mapping)
    {
        var crm = deal.Opportunity;
        // A closed deal's expected close date is the CRM's no more: the held one stays.
        var expected = deal.Status == "open" ? crm.ExpectedCloseDate : held.ExpectedCloseDate;
        var differs = held.Name != crm.Name || held.Amount != crm.Amount || held.OwnerId != crm.OwnerId || held.AccountId != crm.AccountId
            || held.ExpectedCloseDate?.UtcDateTime != expected?.UtcDateTime
            || MappedFieldsDiffer(crm.Custom, held.Custom, FactKind.Opportunity, process, mapping);
        if (!differs)
        {
            return null;
        }

        held.Name = crm.Name;
        held.Amount = crm.Amount;
        held.OwnerId = crm.OwnerId;
        held.AccountId = crm.AccountId;
        held.ExpectedCloseDate = expected;
        CopyMappedFields(crm.Custom, held.Custom, FactKind.Opportunity, process, mapping);
        return held;
    }

    private static Account? AccountChange(Account crm, Account held, ProcessDefinition process, CrmMapping mapping)
    {
        var differs = held.Id != crm.Id || held.Name != crm.Name || held.Industry != crm.Industry || held.Region != crm.Region
            || held.Employees != crm.Employees || held.AnnualRevenue != crm.AnnualRevenue
            || MappedFieldsDiffer(crm.Custom, held.Custom, FactKind.Account, process, mapping);
        if (!differs)
        {
            return null;
        }

        if (held.Id != crm.Id)
        {
            return crm; // Another account: nothing of the held one is its.
        }

        held.Name = crm.Name;
        held.Industry = crm.Industry;
        held.Region = crm.Region;
        held.Employees = crm.Employees;
        held.AnnualRevenue = crm.AnnualRevenue;
        CopyMappedFields(crm.Custom, held.Custom, FactKind.Account, process, mapping);
        return held;
    }

    private static bool OwnerChanged(Owner crm, Owner held) =>
        held.Id != crm.Id || held.Name != crm.Name || held.Team != crm.Team || held.ManagerId != crm.ManagerId;

    /// <summary>The custom fields the mapping fills on <paramref name="on"/>: only these are the export's to change.</summary>
    private static IEnumerable<string> MappedFields(FactKind on, ProcessDefinition process, CrmMapping mapping) =>
        mapping.Columns.Custom.Select(c => c.Key).Where(id => process.Fields.Any(f => f.Id == id && f.On == on))
            .Concat(on == FactKind.Opportunity && process.Fields.Any(f => f is { On: FactKind.Opportunity, Id: "product" }) && mapping.Columns.Product is not null ? ["product"] : [])
            .Distinct(StringComparer.Ordinal);

    private static bool MappedFieldsDiffer(CustomFields crm, CustomFields held, FactKind on, ProcessDefinition process, CrmMapping mapping) =>
        MappedFields(on, process, mapping).Any(id => !Equals(crm[id], held[id]));

    private static void CopyMappedFields(CustomFields crm, CustomFields held, FactKind on, ProcessDefinition process, CrmMapping mapping)
    {
        foreach (var id in MappedFields(on, process, mapping))
        {
            _ = crm[id] switch
            {
                string text => held.Set(id, text),
                decimal number => held.Set(id, number),
                bool flag => held.Set(id, flag),
                DateTimeOffset date => held.Set(id, date),
                _ => held.Remove(id) ? held : held,
            };
        }
    }
}
