using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Definitions.Yaml;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Definitions.Loading;

/// <summary>
/// Builds a process test suite: turns each test's facts into Sdk fact objects (typing custom fields as the process
/// declares them) and checks that every stage, criterion, risk, escalation and checklist item it names exists.
/// </summary>
internal sealed class TestSuiteBuilder(LoadSession session, ParsedFile file)
{
    private readonly NodeReader _read = file.Reader;
    private readonly DiagnosticBag _diagnostics = session.Diagnostics;

    public ProcessTestSuite? Build()
    {
        if (_read.Scalar(file.Root, "process") is not { } processPath)
        {
            return null;
        }

        var full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file.FullPath)!, processPath.Value));
        var display = LoadSession.DisplayPathOf(file.DisplayPath, processPath.Value);
        var process = session.MayRead(processPath.Value, full, processPath.Span) ? session.LoadReferencedProcess(display, full, processPath.Span) : null;
        var cases = new List<ProcessTestCase>();
        var names = new Dictionary<string, SourceSpan>(StringComparer.Ordinal);
        foreach (var item in _read.Mappings(file.Root, "tests"))
        {
            var name = _read.String(item, "name");
            if (name is null || _read.Node(item, "given") is not YamlMapping given || _read.Node(item, "expect") is not YamlMapping expect)
            {
                continue;
            }

            if (!names.TryAdd(name, NodeReader.SpanOf(item, "name")))
            {
                _diagnostics.Error(
                    DiagnosticIds.TestDuplicateName,
                    NodeReader.SpanOf(item, "name"),
                    $"two tests are named `{name}`",
                    $"the first is at line {names[name].Line}; test names identify results, so make them unique");
            }

            var deal = BuildDeal(given, process, fallbackNow: null);
            if (deal is null)
            {
                continue;
            }

            var expectation = BuildExpectation(expect);
            if (process is not null)
            {
                CheckReferences(deal, expectation, expect, given, process);
            }

            cases.Add(new ProcessTestCase
            {
                Name = name,
                Description = _read.String(item, "description") ?? string.Empty,
                Given = deal,
                Expect = expectation,
                Span = item.Span,
            });
        }

        return new ProcessTestSuite
        {
            SourcePath = file.DisplayPath,
            ProcessPath = display,
            Process = process,
            Cases = cases,
            Span = file.Root.Span,
        };
    }

    /// <summary>Builds the deal of a `kind: deal` file for a process.</summary>
    public TestDeal? BuildDealFile(ProcessDefinition process, DateTimeOffset fallbackNow)
    {
        var deal = BuildDeal(file.Root, process, fallbackNow);
        if (deal is not null && process.FindStage(deal.Stage) is null)
        {
            _diagnostics.Error(
                DiagnosticIds.UnknownStage,
                NodeReader.SpanOf(file.Root, "stage"),
                $"the process `{process.Id}` has no stage `{deal.Stage}`",
                Suggestions.DidYouMean(deal.Stage, process.Stages.Select(s => s.Id)));
            return null;
        }

        if (deal is not null)
        {
            CheckDealReferences(deal, file.Root, process);
        }

        return deal;
    }

    private TestDeal? BuildDeal(YamlMapping given, ProcessDefinition? process, DateTimeOffset? fallbackNow)
    {
        var stage = _read.String(given, "stage");
        var now = _read.DateTime(given, "now") ?? fallbackNow;
        if (stage is null || now is null)
        {
            return null;
        }

        var fields = process?.Fields ?? [];
        var opportunity = new Opportunity { Id = "test-deal", Stage = stage, Currency = process?.Currency ?? string.Empty, CreatedAt = now.Value, UpdatedAt = now.Value };
        if (_read.Node(given, "opportunity") is YamlMapping o)
        {
            opportunity.Id = _read.String(o, "id") ?? opportunity.Id;
            opportunity.Name = _read.String(o, "name") ?? string.Empty;
            opportunity.Amount = _read.Number(o, "amount") ?? 0;
            opportunity.Currency = _read.String(o, "currency") ?? opportunity.Currency;
            opportunity.ProbabilityOverride = (double?)_read.Number(o, "probabilityOverride");
            opportunity.ExpectedCloseDate = _read.DateTime(o, "expectedCloseDate");
            opportunity.CreatedAt = _read.DateTime(o, "createdAt") ?? opportunity.CreatedAt;
            opportunity.UpdatedAt = _read.DateTime(o, "updatedAt") ?? opportunity.UpdatedAt;
            opportunity.OwnerId = _read.String(o, "ownerId") ?? string.Empty;
            opportunity.AccountId = _read.String(o, "accountId") ?? string.Empty;
            opportunity.Source = _read.String(o, "source") ?? string.Empty;
            opportunity.DiscountPercent = _read.Number(o, "discountPercent") ?? 0;
            opportunity.NextStep = _read.String(o, "nextStep") ?? string.Empty;
            opportunity.Competitors = [.. _read.Scalars(o, "competitors").Select(s => s.Value)];
            opportunity.Custom = Custom(o, FactKind.Opportunity, fields, process is not null);
        }

        var account = new Account { Id = "test-account" };
        if (_read.Node(given, "account") is YamlMapping a)
        {
            account.Id = _read.String(a, "id") ?? account.Id;
            account.Name = _read.String(a, "name") ?? string.Empty;
            account.Industry = _read.String(a, "industry") ?? string.Empty;
            account.Region = _read.String(a, "region") ?? string.Empty;
            account.Employees = (int?)_read.Integer(a, "employees");
            account.AnnualRevenue = _read.Number(a, "annualRevenue");
            account.CreditRating = _read.String(a, "creditRating") ?? string.Empty;
            account.CreditLimit = _read.Number(a, "creditLimit");
            account.OutstandingBalance = _read.Number(a, "outstandingBalance") ?? 0;
            account.OverdueAmount = _read.Number(a, "overdueAmount") ?? 0;
            account.DaysPastDue = (int)(_read.Integer(a, "daysPastDue") ?? 0);
            account.Payments = [.. _read.Mappings(a, "payments").Select((p, i) => new Payment
            {
                Id = _read.String(p, "id") ?? $"payment-{i + 1}",
                DueAt = _read.DateTime(p, "dueAt") ?? now.Value,
                PaidAt = _read.DateTime(p, "paidAt"),
                Amount = _read.Number(p, "amount") ?? 0,
            })];
            account.Custom = Custom(a, FactKind.Account, fields, process is not null);
        }

        var owner = new Owner { Id = opportunity.OwnerId.Length > 0 ? opportunity.OwnerId : "test-owner" };
        if (_read.Node(given, "owner") is YamlMapping w)
        {
            owner.Id = _read.String(w, "id") ?? owner.Id;
            owner.Name = _read.String(w, "name") ?? string.Empty;
            owner.Team = _read.String(w, "team") ?? string.Empty;
            owner.ManagerId = _read.String(w, "managerId") ?? string.Empty;
            owner.OpenDeals = (int)(_read.Integer(w, "openDeals") ?? 0);
            owner.LastActiveAt = _read.DateTime(w, "lastActiveAt");
        }

        var conditionsSince = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        if (_read.Node(given, "conditionsSince") is YamlMapping since)
        {
            foreach (var (key, value) in since.Entries)
            {
                if (file.Checker.IsValid(value) && value is YamlScalar scalar && ScalarShape.TryParseDateTime(scalar.Value, out var at))
                {
                    conditionsSince[key.Value] = at;
                }
            }
        }

        var entered = _read.DateTime(given, "enteredStageAt") ?? now.Value;
        if (entered > now.Value)
        {
            // Days in stage would be negative, and every duration condition would read a time that never was.
            _diagnostics.Error(
                DiagnosticIds.InvalidValue,
                NodeReader.SpanOf(given, "enteredStageAt"),
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"`enteredStageAt` ({entered:yyyy-MM-dd HH:mm zzz}) is after `now` ({now.Value:yyyy-MM-dd HH:mm zzz}): a deal cannot have entered its stage later than the moment it is evaluated at"),
                "set `now` to a moment after `enteredStageAt`, or move `enteredStageAt` back");
        }

        return new TestDeal
        {
            Stage = stage,
            Now = now.Value,
            EnteredStageAt = entered,
            Opportunity = opportunity,
            Account = account,
            Owner = owner,
            Contacts = [.. _read.Mappings(given, "contacts").Select((c, i) => new Contact
            {
                Id = _read.String(c, "id") ?? $"contact-{i + 1}",
                Name = _read.String(c, "name") ?? string.Empty,
                Role = _read.String(c, "role") ?? string.Empty,
                IsDecisionMaker = _read.Bool(c, "isDecisionMaker", false),
                IsChampion = _read.Bool(c, "isChampion", false),
                LastContactedAt = _read.DateTime(c, "lastContactedAt"),
                Custom = Custom(c, FactKind.Contact, fields, process is not null),
            })],
            Activities = [.. _read.Mappings(given, "activities").Select((c, i) => new Activity
            {
                Id = _read.String(c, "id") ?? $"activity-{i + 1}",
                Kind = _read.String(c, "kind") ?? string.Empty,
                At = _read.DateTime(c, "at") ?? now.Value,
                Outcome = _read.String(c, "outcome") ?? string.Empty,
                ContactId = _read.String(c, "contactId") ?? string.Empty,
                Notes = _read.String(c, "notes") ?? string.Empty,
            })],
            Approvals = [.. _read.Mappings(given, "approvals").Select((c, i) => new Approval
            {
                Id = _read.String(c, "id") ?? $"approval-{i + 1}",
                Kind = _read.String(c, "kind") ?? string.Empty,
                Granted = _read.Bool(c, "granted", false),
                By = _read.String(c, "by") ?? string.Empty,
                At = _read.DateTime(c, "at"),
                Notes = _read.String(c, "notes") ?? string.Empty,
            })],
            Feedback = [.. _read.Mappings(given, "feedback").Select((c, i) => new Feedback
            {
                Id = _read.String(c, "id") ?? $"feedback-{i + 1}",
                At = _read.DateTime(c, "at"),
                Satisfaction = (int?)_read.Integer(c, "satisfaction"),
                IsComplaint = _read.Bool(c, "isComplaint", false),
                Resolved = _read.Bool(c, "resolved", false) || _read.DateTime(c, "resolvedAt") is not null,
                Text = _read.String(c, "text") ?? string.Empty,
                Category = _read.String(c, "category"),
                AssignedTo = _read.String(c, "assignedTo"),
                RespondedAt = _read.DateTime(c, "respondedAt"),
                ResolvedAt = _read.DateTime(c, "resolvedAt"),
            })],
            ChecklistDone = _read.Scalars(given, "checklist").Select(s => s.Value).ToHashSet(StringComparer.Ordinal),
            Tasks = [.. _read.Mappings(given, "tasks").Select(t => new DealTask
            {
                Id = _read.String(t, "id") ?? string.Empty,
                Stage = stage,
                DueAt = _read.DateTime(t, "dueAt"),
                CompletedAt = _read.DateTime(t, "completedAt"),
            })],
            ConditionsSince = conditionsSince,
        };
    }

    private CustomFields Custom(YamlMapping fact, FactKind kind, IReadOnlyList<CustomField> fields, bool check)
    {
        var custom = new CustomFields();
        if (_read.Node(fact, "custom") is not YamlMapping map)
        {
            return custom;
        }

        foreach (var (key, value) in map.Entries)
        {
            if (!file.Checker.IsValid(value) || value is not YamlScalar scalar)
            {
                continue;
            }

            var field = fields.FirstOrDefault(f => f.On == kind && f.Id == key.Value);
            if (field is null)
            {
                if (check)
                {
                    _diagnostics.Error(
                        DiagnosticIds.TestInvalidFact,
                        key.Span,
                        $"the process declares no {kind.ToString().ToLowerInvariant()} field `{key.Value}`",
                        Suggestions.DidYouMean(key.Value, fields.Where(f => f.On == kind).Select(f => f.Id)));
                }

                continue;
            }

            var text = scalar.Value;
            var quoted = scalar.Style != YamlDotNet.Core.ScalarStyle.Plain;
            var ok = true;
            switch (field.Type)
            {
                case CustomFieldType.Number when !quoted && ScalarShape.TryParseNumber(text, out var number):
                    custom.Set(field.Id, number);
                    break;
                case CustomFieldType.Bool when !quoted && text is "true" or "false":
                    custom.Set(field.Id, text == "true");
                    break;
                case CustomFieldType.Date when ScalarShape.TryParseDateTime(text, out var date):
                    custom.Set(field.Id, date);
                    break;
                case CustomFieldType.Enum when field.Values.Contains(text):
                case CustomFieldType.Text:
                    custom.Set(field.Id, text);
                    break;
                default:
                    ok = false;
                    break;
            }

            if (!ok)
            {
                var expected = field.Type switch
                {
                    CustomFieldType.Number => "a number",
                    CustomFieldType.Bool => "`true` or `false`",
                    CustomFieldType.Date => "a date such as `2026-03-31`",
                    _ => "one of " + string.Join(", ", field.Values.Select(v => $"`{v}`")),
                };
                _diagnostics.Error(
                    DiagnosticIds.TestInvalidFact,
                    scalar.Span,
                    $"the field `{field.Id}` is {field.Type.ToString().ToLowerInvariant()}; expected {expected}, found {ScalarShape.Describe(scalar)}",
                    field.Type == CustomFieldType.Enum ? Suggestions.DidYouMean(text, field.Values) : null);
            }
        }

        return custom;
    }

    private TestExpectation BuildExpectation(YamlMapping expect)
    {
        List<string>? Ids(string key) => expect[key] is null ? null : [.. _read.Scalars(expect, key).Select(s => s.Value)];
        return new TestExpectation
        {
            GatePassed = _read.String(expect, "gate") switch
            {
                "passed" => true,
                "blocked" => false,
                _ => null,
            },
            Failing = Ids("failing"),
            Risks = Ids("risks"),
            Raised = Ids("raised") ?? [],
            NotRaised = Ids("notRaised") ?? [],
            Escalations = expect["escalations"] is null ? null :
                [.. _read.Mappings(expect, "escalations")
                    .Select(e => (_read.String(e, "id"), _read.Integer(e, "level")))
                    .Where(e => e.Item1 is not null && e.Item2 is not null)
                    .Select(e => (e.Item1!, (int)e.Item2!.Value))],
            Probability = (double?)_read.Number(expect, "probability"),
            Health = (int?)_read.Integer(expect, "health"),
            MissingChecklist = Ids("missingChecklist"),
        };
    }

    private void CheckReferences(TestDeal deal, TestExpectation expect, YamlMapping expectNode, YamlMapping given, ProcessDefinition process)
    {
        var stage = process.FindStage(deal.Stage);
        if (stage is null)
        {
            _diagnostics.Error(
                DiagnosticIds.UnknownStage,
                NodeReader.SpanOf(given, "stage"),
                $"the process `{process.Id}` has no stage `{deal.Stage}`",
                Suggestions.DidYouMean(deal.Stage, process.Stages.Select(s => s.Id)));
            return;
        }

        foreach (var scalar in _read.Scalars(expectNode, "failing"))
        {
            if (stage.ExitCriteria.All(c => c.Id != scalar.Value))
            {
                var elsewhere = process.Stages.FirstOrDefault(s => s.ExitCriteria.Any(c => c.Id == scalar.Value));
                _diagnostics.Error(
                    DiagnosticIds.TestUnknownCriterion,
                    scalar.Span,
                    $"the stage `{stage.Id}` has no exit criterion `{scalar.Value}`",
                    elsewhere is not null ? $"`{scalar.Value}` belongs to the stage `{elsewhere.Id}`" : Suggestions.DidYouMean(scalar.Value, stage.ExitCriteria.Select(c => c.Id)));
            }
        }

        foreach (var key in new[] { "risks", "raised", "notRaised" })
        {
            foreach (var scalar in _read.Scalars(expectNode, key))
            {
                // A risk of a plugin the process uses counts too: its C# rules raise ids under the plugin's name.
                var dot = scalar.Value.IndexOf('.', StringComparison.Ordinal);
                var ofPlugin = dot > 0 && process.Plugins.Contains(scalar.Value[..dot], StringComparer.Ordinal);
                if (!ofPlugin && process.Risks.All(r => r.Id != scalar.Value))
                {
                    _diagnostics.Error(
                        DiagnosticIds.TestUnknownRisk,
                        scalar.Span,
                        $"the process has no risk rule `{scalar.Value}`",
                        Suggestions.DidYouMean(scalar.Value, process.Risks.Select(r => r.Id).Concat(process.LoadedPlugins.RuleNames)));
                }
            }
        }

        foreach (var item in _read.Mappings(expectNode, "escalations"))
        {
            var id = _read.Scalar(item, "id");
            var level = _read.Integer(item, "level");
            var escalation = id is null ? null : process.Escalations.FirstOrDefault(e => e.Id == id.Value);
            if (id is not null && escalation is null)
            {
                _diagnostics.Error(
                    DiagnosticIds.TestUnknownEscalation,
                    id.Span,
                    $"the process has no escalation `{id.Value}`",
                    Suggestions.DidYouMean(id.Value, process.Escalations.Select(e => e.Id)));
            }
            else if (escalation is not null && level > escalation.Levels.Count)
            {
                _diagnostics.Error(
                    DiagnosticIds.TestUnknownEscalation,
                    NodeReader.SpanOf(item, "level"),
                    $"the escalation `{escalation.Id}` has {escalation.Levels.Count} level(s), not {level}",
                    null);
            }
        }

        foreach (var key in new[] { "missingChecklist" })
        {
            foreach (var scalar in _read.Scalars(expectNode, key))
            {
                CheckChecklistItem(stage, scalar);
            }
        }

        CheckDealReferences(deal, given, process);
        _ = expect;
    }

    /// <summary>Checks the checklist items and condition-escalation ids a deal's facts name.</summary>
    private void CheckDealReferences(TestDeal deal, YamlMapping given, ProcessDefinition process)
    {
        var stage = process.FindStage(deal.Stage)!;
        foreach (var scalar in _read.Scalars(given, "checklist"))
        {
            CheckChecklistItem(stage, scalar);
        }

        foreach (var key in deal.ConditionsSince.Keys)
        {
            if (process.Escalations.All(e => e.Id != key || e.Condition is null))
            {
                _diagnostics.Error(
                    DiagnosticIds.TestUnknownEscalation,
                    NodeReader.SpanOf(given, "conditionsSince"),
                    $"the process has no condition-triggered escalation `{key}`",
                    Suggestions.DidYouMean(key, process.Escalations.Where(e => e.Condition is not null).Select(e => e.Id)));
            }
        }
    }

    private void CheckChecklistItem(StageDefinition stage, YamlScalar scalar)
    {
        if (stage.Checklist.All(c => c.Id != scalar.Value))
        {
            _diagnostics.Error(
                DiagnosticIds.TestUnknownChecklistItem,
                scalar.Span,
                $"the stage `{stage.Id}` has no checklist item `{scalar.Value}`",
                Suggestions.DidYouMean(scalar.Value, stage.Checklist.Select(c => c.Id)));
        }
    }
}
