using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Tests.Runtime;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Definitions;

/// <summary>The organisation file: who fills the roles a process names, checked with positions, and resolved on deals.</summary>
public sealed class OrganisationTests
{
    private const string Organisation = """
        format: 1
        kind: organisation
        id: acme-sales
        name: { zh: 销售部, en: Sales }
        people:
          - { id: chen-jie, name: 陈杰, email: chen.jie@example.com, language: zh }
          - { id: zhang-wei, name: 张伟, email: zhang.wei@example.com, team: east }
          - { id: li-na, name: 李娜, email: li.na@example.com, team: east }
          - { id: wang-fang, team: south, manager: chen-jie }
          - { id: wu-min, email: wu.min@example.com }
          - { id: he-ping }
        teams:
          - { id: east, manager: zhang-wei, roles: { legal: he-ping } }
          - { id: south }
        roles:
          director: chen-jie
          legal: [wu-min]
          customer-service: [li-na, zhang-wei]
        """;

    /// <summary>The shipped process, with a task for legal and an escalation level to customer service.</summary>
    private static string Process(string legalRole = "legal") =>
        File.ReadAllText(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"))
            .Replace("""
                      - id: triage
                """, $"""
                      - id: contract-check
                        title: {"{"} zh: 合同审核, en: Contract check {"}"}
                        due: 2bd
                        assignee: {legalRole}
                      - id: triage
                """, StringComparison.Ordinal);

    private static (DefinitionSet Set, string Folder) Load(params (string Name, string Text)[] files)
    {
        var folder = Directory.CreateTempSubdirectory("sw-organisation-").FullName;
        foreach (var (name, text) in files)
        {
            File.WriteAllText(Path.Combine(folder, name), text);
        }

        return (FirstPartyPlugins.Loader().Load([folder]), folder);
    }

    private static (int Line, int Column) PositionOf(string text, string needle, int occurrence = 0)
    {
        var at = -1;
        for (var i = 0; i <= occurrence; i++)
        {
            at = text.IndexOf(needle, at + 1, StringComparison.Ordinal);
        }

        return (text[..at].Count(c => c == '\n') + 1, at - text.LastIndexOf('\n', Math.Max(0, at - 1)));
    }

    [Fact]
    public void Organisation_Loads_AndResolvesEachRoleForADeal()
    {
        var (set, _) = Load(("organisation.yaml", Organisation), ("process.yaml", Process()));

        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        var organisation = Assert.IsType<OrganisationDefinition>(set.Organisation);
        Assert.Equal(6, organisation.People.Count);
        Assert.Equal("chen.jie@example.com", organisation.People["chen-jie"].Email);

        Assert.Equal(["li-na"], organisation.Resolve("owner", "li-na", "east", null));
        Assert.Equal(["zhang-wei"], organisation.Resolve("manager", "li-na", "east", null));     // the team's manager
        Assert.Equal(["boss"], organisation.Resolve("manager", "li-na", "east", "boss"));         // the deal's facts come first
        Assert.Equal(["chen-jie"], organisation.Resolve("manager", "wang-fang", "south", null));  // the person's own manager
        Assert.Equal(["he-ping"], organisation.Resolve("legal", "li-na", "east", null));          // the team's own
        Assert.Equal(["wu-min"], organisation.Resolve("legal", "wang-fang", "south", null));      // the organisation's
        Assert.Equal(["li-na", "zhang-wei"], organisation.Resolve("customer-service", "wang-fang", null, null));
        Assert.Empty(organisation.Resolve("manager", "wu-min", null, null));
        Assert.Empty(organisation.Resolve("finance", "li-na", "east", null));
    }

    [Fact]
    public void QuietHours_ComeFromThePerson_ElseTheOrganisation_InTheirTimeZone()
    {
        var text = Organisation
            .Replace("name: { zh: 销售部, en: Sales }", "name: { zh: 销售部, en: Sales }\ntimeZone: Asia/Shanghai\nquietHours: 22:00-08:00", StringComparison.Ordinal)
            .Replace("{ id: wu-min, email: wu.min@example.com }", "{ id: wu-min, email: wu.min@example.com, quietHours: none }", StringComparison.Ordinal)
            .Replace("{ id: he-ping }", "{ id: he-ping, timeZone: Europe/Berlin, quietHours: 12:30-13:30 }", StringComparison.Ordinal);

        var (set, _) = Load(("organisation.yaml", text));

        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        var people = set.Organisation!.People;
        var shanghai = people["li-na"].QuietHours!;
        Assert.Equal((new TimeOnly(22, 0), new TimeOnly(8, 0), "Asia/Shanghai"), (shanghai.From, shanghai.Until, shanghai.TimeZone.Id));
        Assert.Null(people["wu-min"].QuietHours);
        Assert.Equal("Europe/Berlin", people["he-ping"].QuietHours!.TimeZone.Id);

        // 23:30 in Shanghai is quiet until 08:00 the next morning; 09:00 is not quiet.
        Assert.Equal(new DateTimeOffset(2026, 3, 3, 8, 0, 0, TimeSpan.FromHours(8)), shanghai.EndAfter(new DateTimeOffset(2026, 3, 2, 23, 30, 0, TimeSpan.FromHours(8))));
        Assert.Equal(new DateTimeOffset(2026, 3, 3, 8, 0, 0, TimeSpan.FromHours(8)), shanghai.EndAfter(new DateTimeOffset(2026, 3, 3, 7, 59, 0, TimeSpan.FromHours(8))));
        Assert.Null(shanghai.EndAfter(new DateTimeOffset(2026, 3, 3, 8, 0, 0, TimeSpan.FromHours(8))));
        Assert.Null(shanghai.EndAfter(new DateTimeOffset(2026, 3, 3, 21, 59, 0, TimeSpan.FromHours(8))));

        // A lunch break in Berlin on the day the clocks go forward (29 March 2026): still 13:30 local, now UTC+2.
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 13, 30, 0, TimeSpan.FromHours(2)), people["he-ping"].QuietHours!.EndAfter(new DateTimeOffset(2026, 3, 29, 11, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("manager: chen-jie }", "manager: chen-jei }", "chen-jei", "SW1226")]
    [InlineData("{ id: east, manager: zhang-wei", "{ id: east, manager: nobody", "nobody", "SW1226")]
    [InlineData("legal: [wu-min]", "legal: [wu-min, wu-ming]", "wu-ming", "SW1226")]
    [InlineData("team: south, manager", "team: west, manager", "west", "SW1228")]
    [InlineData("  - { id: he-ping }", "  - { id: he-ping }\n  - { id: he-ping, name: again }", "he-ping, name", "SW1201")]
    [InlineData("email: li.na@example.com", "email: li.na@", "li.na@", "SW1003")]
    [InlineData("{ id: he-ping }", "{ id: he-ping, quietHours: 22-08 }", "22-08", "SW1003")]
    [InlineData("{ id: he-ping }", "{ id: he-ping, quietHours: 08:00-08:00 }", "08:00-08:00", "SW1003")]
    [InlineData("{ id: he-ping }", "{ id: he-ping, quietHours: 24:00-06:00 }", "24:00-06:00", "SW1003")]
    public void Organisation_NamingSomeoneOrSomethingItDoesNotHave_IsAnErrorAtTheValue(string from, string to, string at, string code)
    {
        var text = Organisation.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(Organisation, text);

        var (set, _) = Load(("organisation.yaml", text));

        var error = Assert.Single(set.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(code, error.Code);
        Assert.Equal(PositionOf(text, at), (error.Span.Line, error.Span.Column));
    }

    [Fact]
    public void ARoleNobodyFills_IsAnErrorAtTheRole_WithAnOrganisation_AndAWarningWithoutOne()
    {
        var process = Process("finance");

        var (withOrganisation, _) = Load(("organisation.yaml", Organisation), ("process.yaml", process));
        var (alone, _) = Load(("process.yaml", process));

        var error = Assert.Single(withOrganisation.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal((DiagnosticIds.UnknownRole, PositionOf(process, "finance")), (error.Code, (error.Span.Line, error.Span.Column)));
        Assert.Contains("nobody fills the role `finance` in the organisation `acme-sales`", error.Message, StringComparison.Ordinal);
        var warning = Assert.Single(alone.Diagnostics, d => d.Code == DiagnosticIds.UnknownRole && d.Message.Contains("`finance`", StringComparison.Ordinal));
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.False(alone.HasErrors);
    }

    [Fact]
    public void ATypoInARole_IsAnError_WithTheRoleItMeant()
    {
        var process = Process().Replace("{ notify: director, after: 7d }", "{ notify: directr, after: 7d }", StringComparison.Ordinal);

        var (set, _) = Load(("organisation.yaml", Organisation), ("process.yaml", process));

        var error = Assert.Single(set.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(DiagnosticIds.UnknownRole, error.Code);
        Assert.Equal(PositionOf(process, "directr"), (error.Span.Line, error.Span.Column));
        Assert.Contains("`director`", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoOrganisationFiles_AreAnError()
    {
        var (set, _) = Load(("a-organisation.yaml", Organisation), ("b-organisation.yaml", Organisation.Replace("id: acme-sales", "id: other", StringComparison.Ordinal)));

        Assert.Equal(DiagnosticIds.DuplicateOrganisation, Assert.Single(set.Diagnostics, d => d.Severity == DiagnosticSeverity.Error).Code);
    }

    [Fact]
    public async Task OnADeal_EscalationsNameThePeopleReached_AndARoleTaskGoesToItsOnePerson()
    {
        var (_, folder) = Load(("organisation.yaml", Organisation), ("process.yaml", Process()));
        await using var harness = new EngineHarness(folder);
        await harness.Submit(new StartTracking(harness.NextId(), "d1", "standard-b2b")
        {
            Opportunity = new Opportunity { Name = "d1", Amount = 200_000, AccountId = "acme", OwnerId = "li-na" },
            Owner = new Owner { Id = "li-na", Team = "east", LastActiveAt = harness.Clock.GetUtcNow() },
            Contacts = [new Contact { Id = "c1", LastContactedAt = harness.Clock.GetUtcNow() }],
        });

        // Stalled for 21 days: the owner, then the manager, then the director are told.
        for (var day = 0; day < 22; day++)
        {
            harness.Clock.Advance(TimeSpan.FromDays(1));
            await harness.Submit(new LogActivity(harness.NextId(), "d1", new Activity { Kind = "call", ContactId = "c1" }));
            await harness.Maintenance.FireDueTimersAsync();
        }

        var history = await harness.Engine.GetHistoryAsync("d1");
        var stalled = history.Select(e => e.Payload).OfType<EscalationRaised>().Where(e => e.Escalation == "stalled-deal").ToList();
        Assert.Equal([["li-na"], ["zhang-wei"], ["chen-jie"]], stalled.Select(e => e.Recipients!.ToArray()));
        var contractCheck = history.Select(e => e.Payload).OfType<TaskCreated>().Single(t => t.TaskId == "contract-check");
        Assert.Equal(("legal", "he-ping"), (contractCheck.AssigneeRole, contractCheck.AssignedTo));
    }
}
