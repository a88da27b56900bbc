namespace SalesWorkflow.Server.Accounts;

/// <summary>
/// The roles of a sales team (docs/server.md, "Roles"). A user may have several; what they see is the widest of their
/// roles' views, and what they may do is the union of their roles' scopes.
/// </summary>
public static class SalesRoles
{
    /// <summary>Sees and changes their own deals (owner id = user id).</summary>
    public const string Rep = "rep";

    /// <summary>Sees and changes the deals of their team; reads the team's KPIs and review.</summary>
    public const string Manager = "manager";

    /// <summary>Sees and changes every deal; reads every KPI and review; migrates deals and backtests versions.</summary>
    public const string Director = "director";

    /// <summary>Manages the process: reads every deal, KPI and review, migrates deals and backtests versions.</summary>
    public const string ProcessOwner = "process-owner";

    /// <summary>May override a failing gate (the only role that may); reads every deal to judge it.</summary>
    public const string Approver = "approver";

    /// <summary>A system such as a CRM: reads and writes every deal, within the scopes of its token.</summary>
    public const string Integration = "integration";

    /// <summary>Every role.</summary>
    public static IReadOnlyList<string> All { get; } = [Rep, Manager, Director, ProcessOwner, Approver, Integration];

    /// <summary>The scopes each role grants.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Scopes { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        [Rep] = [ApiScopes.DealsRead, ApiScopes.DealsWrite, ApiScopes.EventsRead],
        [Manager] = [ApiScopes.DealsRead, ApiScopes.DealsWrite, ApiScopes.EventsRead, ApiScopes.ReportsRead],
        [Director] = [ApiScopes.DealsRead, ApiScopes.DealsWrite, ApiScopes.EventsRead, ApiScopes.ReportsRead, ApiScopes.ProcessesWrite],
        [ProcessOwner] = [ApiScopes.DealsRead, ApiScopes.EventsRead, ApiScopes.ReportsRead, ApiScopes.ProcessesWrite],
        [Approver] = [ApiScopes.DealsRead, ApiScopes.GatesOverride],
        [Integration] = [ApiScopes.DealsRead, ApiScopes.DealsWrite, ApiScopes.EventsRead, ApiScopes.ReportsRead],
    };
}

/// <summary>What a call may do. A signed-in person has every scope their roles grant; an API token only those it was created with, within its user's.</summary>
public static class ApiScopes
{
    /// <summary>Read deals, their evaluation, explanation and history.</summary>
    public const string DealsRead = "deals:read";

    /// <summary>Start and change deals: facts, activities, feedback, checklist, advance, close, reopen.</summary>
    public const string DealsWrite = "deals:write";

    /// <summary>Override a failing gate.</summary>
    public const string GatesOverride = "gates:override";

    /// <summary>Read the event feed.</summary>
    public const string EventsRead = "events:read";

    /// <summary>Read KPIs and period reviews.</summary>
    public const string ReportsRead = "reports:read";

    /// <summary>Migrate deals between process versions and backtest a process version.</summary>
    public const string ProcessesWrite = "processes:write";

    /// <summary>Every scope.</summary>
    public static IReadOnlyList<string> All { get; } = [DealsRead, DealsWrite, GatesOverride, EventsRead, ReportsRead, ProcessesWrite];
}
