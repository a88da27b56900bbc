namespace SalesWorkflow.Engine.Definitions;

/// <summary>
/// Who fills the roles a process names (<c>kind: organisation</c>, docs/notifications.md): the people, their teams and
/// managers, and the named roles (director, legal, finance, customer-service…) organisation-wide or per team. It is not
/// part of a process version: people come and go without a new version, and the events record who was reached.
/// </summary>
public sealed class OrganisationDefinition
{
    /// <summary>The roles every deal has without an organisation's say: its owner and the owner's manager.</summary>
    public static readonly IReadOnlyList<string> DealRoles = ["owner", "manager"];

    /// <summary>The organisation id.</summary>
    public required string Id { get; init; }

    /// <summary>Display name.</summary>
    public LocalizedText Name { get; init; } = LocalizedText.Empty;

    /// <summary>The people, by id (the owner ids deals carry).</summary>
    public required IReadOnlyDictionary<string, OrganisationPerson> People { get; init; }

    /// <summary>The teams, by id (the owner teams deals carry).</summary>
    public IReadOnlyDictionary<string, OrganisationTeam> Teams { get; init; } = new Dictionary<string, OrganisationTeam>();

    /// <summary>Who fills each named role organisation-wide (a team's own <see cref="OrganisationTeam.Roles"/> come first).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Roles { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The file it was read from.</summary>
    public required string SourcePath { get; init; }

    /// <summary>Every named role someone fills, organisation-wide or in some team.</summary>
    public IEnumerable<string> FilledRoles =>
        Roles.Where(r => r.Value.Count > 0).Select(r => r.Key)
            .Concat(Teams.Values.SelectMany(t => t.Roles.Where(r => r.Value.Count > 0).Select(r => r.Key)))
            .Distinct(StringComparer.Ordinal);

    /// <summary>
    /// The people a role of a deal stands for: <c>owner</c> is the owner; <c>manager</c> the manager the deal's facts name,
    /// else the owner's in this file, else the owner's team's; any other role the owner's team's people for it, else the
    /// organisation's. Empty when nobody fills it.
    /// </summary>
    public IReadOnlyList<string> Resolve(string role, string? ownerId, string? ownerTeam, string? managerInFacts)
    {
        ArgumentNullException.ThrowIfNull(role);
        var person = ownerId is null ? null : People.GetValueOrDefault(ownerId);
        var team = (ownerTeam is { Length: > 0 } ? ownerTeam : person?.Team) is { } teamId ? Teams.GetValueOrDefault(teamId) : null;
        return role switch
        {
            "owner" => ownerId is null ? [] : [ownerId],
            "manager" => (managerInFacts ?? person?.Manager ?? team?.Manager) is { } manager ? [manager] : [],
            _ => team is not null && team.Roles.TryGetValue(role, out var forTeam) ? forTeam : Roles.GetValueOrDefault(role) ?? [],
        };
    }
}

/// <summary>One person of an <see cref="OrganisationDefinition"/>.</summary>
public sealed class OrganisationPerson
{
    /// <summary>The person's id: the owner id deals carry.</summary>
    public required string Id { get; init; }

    /// <summary>Display name.</summary>
    public string? Name { get; init; }

    /// <summary>E-mail address, for e-mail delivery.</summary>
    public string? Email { get; init; }

    /// <summary>The team the person is in.</summary>
    public string? Team { get; init; }

    /// <summary>The person's manager (null: the team's manager).</summary>
    public string? Manager { get; init; }

    /// <summary>The language notifications to the person are written in (null: the process's first language).</summary>
    public string? Language { get; init; }

    /// <summary>When the person is not to be disturbed (their own, else the organisation's), or null for never.</summary>
    public SalesWorkflow.Sdk.Events.QuietHours? QuietHours { get; init; }

    /// <summary>The person's time zone (their own, else the organisation's), or null when the file gives neither.</summary>
    public TimeZoneInfo? TimeZone { get; init; }

    /// <summary>True when the person takes a daily digest instead of a message per escalation and overdue task (<c>digest: daily</c>).</summary>
    public bool TakesDigest { get; init; }
}

/// <summary>One team of an <see cref="OrganisationDefinition"/>.</summary>
public sealed class OrganisationTeam
{
    /// <summary>The team id: the owner team deals carry.</summary>
    public required string Id { get; init; }

    /// <summary>Display name.</summary>
    public LocalizedText Name { get; init; } = LocalizedText.Empty;

    /// <summary>The team's manager.</summary>
    public string? Manager { get; init; }

    /// <summary>Who fills a named role for this team's deals, where it differs from the organisation's.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Roles { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
}
