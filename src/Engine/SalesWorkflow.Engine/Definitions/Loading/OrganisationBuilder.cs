using SalesWorkflow.Engine.Definitions.Yaml;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Definitions.Loading;

/// <summary>
/// Builds a <c>kind: organisation</c> file: people, teams and named roles, each reference to a person or a team checked
/// to name one the file declares (SW1226, SW1228), ids unique (SW1201), e-mail addresses that read.
/// </summary>
internal sealed class OrganisationBuilder(ParsedFile file, DiagnosticBag diagnostics)
{
    private readonly NodeReader _read = file.Reader;

    public OrganisationDefinition? Build()
    {
        if (_read.String(file.Root, "id") is not { } id)
        {
            return null;
        }

        var zone = TimeZone(file.Root) ?? TimeZoneInfo.Utc;
        var quietByDefault = QuietHours(file.Root, zone, null);
        var digestByDefault = _read.String(file.Root, "digest") ?? "none";
        var people = new Dictionary<string, OrganisationPerson>(StringComparer.Ordinal);
        var personRefs = new List<(string Id, SourceSpan Span, string What)>();
        var teamRefs = new List<(string Id, SourceSpan Span)>();
        foreach (var entry in _read.Mappings(file.Root, "people"))
        {
            if (_read.Scalar(entry, "id") is not { } personId)
            {
                continue;
            }

            if (people.ContainsKey(personId.Value))
            {
                diagnostics.Error(DiagnosticIds.DuplicateId, personId.Span, $"the person id `{PrintableText.Escape(personId.Value)}` is used twice", "each person is listed once; ids must be unique");
                continue;
            }

            var email = _read.Scalar(entry, "email");
            if (email is not null && !IsMailbox(email.Value))
            {
                diagnostics.Error(DiagnosticIds.InvalidValue, email.Span, $"`{PrintableText.Escape(email.Value)}` is not an e-mail address", "write one address such as `li.na@example.com`");
            }

            if (_read.Scalar(entry, "manager") is { } manager)
            {
                personRefs.Add((manager.Value, manager.Span, "manager"));
            }

            if (_read.Scalar(entry, "team") is { } team)
            {
                teamRefs.Add((team.Value, team.Span));
            }

            people[personId.Value] = new OrganisationPerson
            {
                Id = personId.Value,
                Name = _read.String(entry, "name"),
                Email = email?.Value,
                Team = _read.String(entry, "team"),
                Manager = _read.String(entry, "manager"),
                Language = _read.String(entry, "language"),
                QuietHours = QuietHours(entry, TimeZone(entry) ?? zone, quietByDefault),
                TakesDigest = (_read.String(entry, "digest") ?? digestByDefault) == "daily",
                TimeZone = TimeZone(entry) ?? TimeZone(file.Root),
            };
        }

        var teams = new Dictionary<string, OrganisationTeam>(StringComparer.Ordinal);
        foreach (var entry in _read.Mappings(file.Root, "teams"))
        {
            if (_read.Scalar(entry, "id") is not { } teamId)
            {
                continue;
            }

            if (teams.ContainsKey(teamId.Value))
            {
                diagnostics.Error(DiagnosticIds.DuplicateId, teamId.Span, $"the team id `{PrintableText.Escape(teamId.Value)}` is used twice", "each team is listed once; ids must be unique");
                continue;
            }

            if (_read.Scalar(entry, "manager") is { } manager)
            {
                personRefs.Add((manager.Value, manager.Span, "manager"));
            }

            teams[teamId.Value] = new OrganisationTeam
            {
                Id = teamId.Value,
                Name = _read.Localized(entry, "name"),
                Manager = _read.String(entry, "manager"),
                Roles = Roles(entry, personRefs),
            };
        }

        var roles = Roles(file.Root, personRefs);
        foreach (var (person, span, what) in personRefs.Where(r => !people.ContainsKey(r.Id)))
        {
            diagnostics.Error(
                DiagnosticIds.UnknownPerson,
                span,
                $"the {what} `{PrintableText.Escape(person)}` is not one of the organisation's people",
                Shapes.Suggestions.DidYouMean(person, people.Keys) ?? "list the person under `people:`, or correct the id");
        }

        if (teams.Count > 0)
        {
            foreach (var (team, span) in teamRefs.Where(r => !teams.ContainsKey(r.Id)))
            {
                diagnostics.Error(
                    DiagnosticIds.UnknownTeam,
                    span,
                    $"the team `{PrintableText.Escape(team)}` is not one of the organisation's teams",
                    Shapes.Suggestions.DidYouMean(team, teams.Keys) ?? "list the team under `teams:`, or correct the id");
            }
        }

        return new OrganisationDefinition
        {
            Id = id,
            Name = _read.Localized(file.Root, "name"),
            People = people,
            Teams = teams,
            Roles = roles,
            SourcePath = file.DisplayPath,
        };
    }

    private TimeZoneInfo? TimeZone(YamlMapping owner) =>
        _read.String(owner, "timeZone") is { } name && TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone) ? zone : null;

    /// <summary>The <c>quietHours:</c> of a mapping in <paramref name="zone"/>; <paramref name="fallback"/> when it gives none (or a bad one, reported).</summary>
    private SalesWorkflow.Sdk.Events.QuietHours? QuietHours(YamlMapping owner, TimeZoneInfo zone, SalesWorkflow.Sdk.Events.QuietHours? fallback)
    {
        if (_read.Scalar(owner, "quietHours") is not { } value)
        {
            return fallback is null ? null : fallback with { TimeZone = zone };
        }

        if (value.Value == "none")
        {
            return null;
        }

        var parts = value.Value.Split('-');
        if (parts.Length == 2
            && TimeOnly.TryParseExact(parts[0], "HH:mm", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var from)
            && TimeOnly.TryParseExact(parts[1], "HH:mm", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var until)
            && from != until)
        {
            return new SalesWorkflow.Sdk.Events.QuietHours(from, until, zone);
        }

        diagnostics.Error(
            DiagnosticIds.InvalidValue,
            value.Span,
            $"`{PrintableText.Escape(value.Value)}` is not a daily period",
            "write `hh:mm-hh:mm` in 24-hour time, e.g. `22:00-08:00` (over midnight), or `none`");
        return fallback;
    }

    /// <summary>The <c>roles:</c> of a mapping, each person named added to <paramref name="references"/> to be checked.</summary>
    private Dictionary<string, IReadOnlyList<string>> Roles(YamlMapping owner, List<(string Id, SourceSpan Span, string What)> references)
    {
        var roles = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (_read.Node(owner, "roles") is not YamlMapping map)
        {
            return roles;
        }

        foreach (var (key, value) in map.Entries)
        {
            var members = value switch
            {
                YamlScalar one => [one],
                YamlSequence many => many.Items.OfType<YamlScalar>().ToList(),
                _ => [],
            };
            foreach (var member in members)
            {
                references.Add((member.Value, member.Span, $"person filling the role `{key.Value}`"));
            }

            roles[key.Value] = [.. members.Select(m => m.Value).Distinct(StringComparer.Ordinal)];
        }

        return roles;
    }

    private static bool IsMailbox(string text) =>
        text.Length <= 254 && System.Net.Mail.MailAddress.TryCreate(text, out var address) && address.Address == text && address.DisplayName.Length == 0;
}
