using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Import;

/// <summary>A row the import could not take as it is: where (file, line, column) and why.</summary>
/// <param name="File">The CSV file, as the mapping names it.</param>
/// <param name="Line">The row's first line (1 is the header).</param>
/// <param name="Column">The column, counted from 1.</param>
/// <param name="IsError">True when the row was skipped; false when it was taken with a warning.</param>
/// <param name="Kind">A stable name of the problem (<c>unknown-stage</c>, <c>bad-date</c>…; docs/import.md).</param>
/// <param name="Message">What is wrong, in one sentence.</param>
public sealed record ImportIssue(string File, int Line, int Column, bool IsError, string Kind, string Message)
{
    /// <summary>
    /// One line per issue, whatever the CRM's values hold: a line break in a value is shown as \u000a, so that it
    /// cannot start a line that looks like an issue of its own (in the terminal or the issues file).
    /// </summary>
    /// <returns><c>file(line,col): error: message</c>.</returns>
    public override string ToString() => $"{PrintableText.Escape(File)}({Line},{Column}): {(IsError ? "error" : "warning")}: {PrintableText.Escape(Message)}";
}

/// <summary>One CRM opportunity, checked, as the engine will receive it.</summary>
internal sealed record CrmDeal(
    string Id,
    int Line,
    string Status,
    string OpenStage,
    DateTimeOffset EngagedAt,
    DateTimeOffset? ClosedAt,
    Opportunity Opportunity,
    Account? Account,
    Owner Owner,
    string? LossReason = null,
    string? CrmLossReason = null)
{
    /// <summary>The stages the deal entered after its first, from the stage history file, in time order (empty without one).</summary>
    public IReadOnlyList<StageEntry> History { get; init; } = [];

    /// <summary>The stage it starts in: the first of its history, else the stage its row gives.</summary>
    public string StartStage { get; init; } = OpenStage;
}

/// <summary>A stage a deal entered, and when, as the stage history file says.</summary>
internal sealed record StageEntry(DateTimeOffset At, string Stage);

/// <summary>
/// Reads a CRM export with a <see cref="CrmMapping"/> and replays it through the engine in time order: each deal starts
/// on its engage date and a won or lost one is closed on its close date, so the event log holds the history a live
/// engine would have recorded (the source of every KPI and report). An open deal stays open, whatever its close date:
/// in every CRM that is the date it is expected to close. Every row it cannot take is reported with its position;
/// values are never guessed at. Re-running an import is safe: command ids are derived from the CRM ids.
/// </summary>
internal sealed partial class CrmImporter(CrmMapping mapping, string folder, ProcessDefinition process)
{
    private readonly List<ImportIssue> _issues = [];

    /// <summary>Where a deal starts when neither its row nor the mapping names a stage.</summary>
    private readonly string _firstOpenStage = process.Stages.First(s => s.IsOpen).Id;

    public IReadOnlyList<ImportIssue> Issues => _issues;

    /// <summary>The opportunities file as found in the folder (a pattern resolved to its one match).</summary>
    public string OpportunitiesFile { get; private set; } = mapping.Files.Opportunities;

    /// <summary>Rows of other pipelines than the mapping's <c>pipelines:</c>, left out on purpose.</summary>
    public int OtherPipelineRows { get; private set; }

    /// <summary>Reads and checks every file; returns the deals that can be imported.</summary>
    public IReadOnlyList<CrmDeal> Read()
    {
        var teams = ReadTeams();
        var accounts = ReadAccounts();
        var products = ReadProducts();
        var history = ReadStageHistory();
        if (ResolvePattern(mapping.Files.Opportunities, except: mapping.Files.Others) is not { } file)
        {
            return [];
        }

        OpportunitiesFile = file;
        var c = mapping.Columns;
        var deals = new List<CrmDeal>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // A column for a detail (a loss reason, a deal type) that this export lacks is a warning, and its rows are read
        // without it: CRMs add and drop such columns between versions and screens.
        ReadCsv(file, [.. c.All], optional: [.. c.All.Except(c.Required, StringComparer.Ordinal)], take: row =>
        {
            var id = row.Value(c.Id);
            if (id.Length == 0)
            {
                row.Error(c.Id, "missing-id", "no opportunity id: row skipped");
                return;
            }

            if (c.Pipeline is { } pipelineColumn && mapping.Pipelines.Count > 0 && !mapping.Pipelines.Contains(row.Value(pipelineColumn), StringComparer.Ordinal))
            {
                OtherPipelineRows++;
                row.Warning(pipelineColumn, "other-pipeline", $"pipeline `{row.Value(pipelineColumn)}` is not one the mapping imports ({string.Join(", ", mapping.Pipelines)}): row left out");
                return;
            }

            if (!seen.Add(id))
            {
                row.Error(c.Id, "duplicate-id", $"opportunity `{id}` appears twice: this row is skipped");
                return;
            }

            if (ReadDeal(row, id, teams, accounts, products) is { } deal)
            {
                deals.Add(deal);
            }
        });
        return history.Count == 0 ? deals : [.. deals.Select(d => WithHistory(d, history.GetValueOrDefault(d.Id)))];
    }

    /// <summary>
    /// The deal a row (of the export, or of a CRM's webhook) describes whole, or null with the row's issues: its stage
    /// and status through the mapping's value maps, its owner, account, dates, amount, loss reason and fields.
    /// </summary>
    internal CrmDeal? ReadDeal(CrmRow row, string id, Dictionary<string, Owner> teams, Dictionary<string, Account> accounts, Dictionary<string, decimal> products)
    {
        var c = mapping.Columns;
        var crmStage = row.Value(c.Stage);
        if (!mapping.Stages.TryGetValue(crmStage, out var stage))
        {
            // A CRM that keeps the status apart (Dynamics) leaves a closed deal's stage empty.
            if (crmStage.Length > 0 || c.Status is null)
            {
                row.Error(c.Stage, "unknown-stage", crmStage.Length == 0 ? "no CRM stage: row skipped" : $"CRM stage `{crmStage}` is not in the mapping's `stages` ({string.Join(", ", mapping.Stages.Keys)})");
                return null;
            }

            stage = new StageMapping(null, null, default);
        }

        var status = stage.Status ?? "open";
        if (c.Status is { } statusColumn && stage.Status is null)
        {
            var crmStatus = row.Value(statusColumn);
            if (!mapping.Statuses.TryGetValue(crmStatus, out var mapped))
            {
                row.Error(statusColumn, "unknown-status", $"CRM status `{crmStatus}` is not in the mapping's `statuses` ({string.Join(", ", mapping.Statuses.Keys)})");
                return null;
            }

            status = mapped.Value;
        }

        if (status == "open" && stage.Stage is null)
        {
            row.Error(c.Stage, "unknown-stage", crmStage.Length == 0 ? "an open deal with no CRM stage: row skipped" : $"CRM stage `{crmStage}` has no process `stage:` in the mapping, and this deal is open");
            return null;
        }

        var owner = ReadOwner(row, teams);
        string? productName = null;
        decimal? listPrice = null;
        if (c.Product is { } productColumn && row.Value(productColumn) is { Length: > 0 } product)
        {
            productName = product;
            if (mapping.ProductAliases.TryGetValue(productName, out var alias))
            {
                row.Warning(productColumn, "product-alias", $"product `{productName}` read as `{alias}` (`productAliases`)");
                productName = alias;
            }

            if (mapping.Files.Products is not null)
            {
                if (!products.TryGetValue(productName, out var price))
                {
                    row.Error(productColumn, "unknown-product", $"product `{productName}` is not in the products file (add it, or map the spelling under `productAliases`)");
                    return null;
                }

                listPrice = price;
            }
        }

        Account? account = null;
        if (c.Account is { } accountColumn)
        {
            var accountName = row.Value(accountColumn);
            if (accountName.Length == 0)
            {
                row.Warning(accountColumn, "missing-account", "no account: imported without account facts");
            }
            else if (!accounts.TryGetValue(accountName, out account))
            {
                if (mapping.Files.Accounts is not null)
                {
                    row.Warning(accountColumn, "unknown-account", $"account `{accountName}` is not in the accounts file: imported with its name only");
                }

                account = new Account { Id = accountName, Name = accountName };
            }
            else
            {
                // Each deal gets its own copy: custom fields set from this row must not reach the account's other deals.
                account = CopyOf(account);
            }
        }

        if (!TryDate(row, c.EngagedAt, out var engaged))
        {
            return null;
        }

        if (engaged is null)
        {
            if (status != "open" || mapping.UndatedStart is not { } start)
            {
                row.Error(c.EngagedAt, "missing-engage-date", status == "open"
                    ? "no engage date: row skipped (set `undatedOpenDealsStartOn` in the mapping to start such deals on a fixed day)"
                    : "a closed deal needs its engage date: row skipped");
                return null;
            }

            row.Warning(c.EngagedAt, "missing-engage-date", string.Create(CultureInfo.InvariantCulture, $"no engage date: started on {start:yyyy-MM-dd} (`undatedOpenDealsStartOn`)"));
            engaged = start;
        }

        // An open deal's close date is when it is expected to close, in every CRM: it stays open.
        var closeColumn = status == "open" ? c.ExpectedCloseAt ?? c.ClosedAt : c.ClosedAt;
        DateOnly? closed = null;
        if (closeColumn is not null && !TryDate(row, closeColumn, out closed))
        {
            return null;
        }

        if (status != "open")
        {
            if (closed is null)
            {
                row.Error(closeColumn ?? c.Stage, "missing-close-date", closeColumn is null
                    ? $"a {status} deal needs its close date, and the mapping names no `closedAt` column: row skipped"
                    : $"a {status} deal needs its close date: row skipped");
                return null;
            }

            if (closed < engaged)
            {
                row.Error(closeColumn!, "close-before-engage", string.Create(CultureInfo.InvariantCulture, $"closed {closed:yyyy-MM-dd} before it was engaged {engaged:yyyy-MM-dd}: row skipped"));
                return null;
            }
        }
        else if (closed < engaged)
        {
            row.Warning(closeColumn!, "expected-before-engage", string.Create(CultureInfo.InvariantCulture, $"expected to close {closed:yyyy-MM-dd}, before it was engaged {engaged:yyyy-MM-dd}: kept as the expected close date"));
        }

        if (!TryDealAmount(row, status, listPrice, out var amount))
        {
            return null;
        }

        string? lossReason = null;
        string? crmLossReason = null;
        if (status == "lost" && !TryLossReason(row, stage.LossReason, out lossReason, out crmLossReason))
        {
            return null;
        }

        var opportunity = new Opportunity
        {
            Id = id,
            Name = c.Name is { } nameColumn && row.Value(nameColumn) is { Length: > 0 } name ? name
                : productName is null ? account?.Name ?? id
                : account is null ? productName : $"{productName} — {account.Name}",
            Amount = amount,
            Currency = process.Currency,
            OwnerId = owner.Id,
            AccountId = account?.Id ?? string.Empty,
            Source = "crm-import",
            ExpectedCloseDate = status == "open" && closed is { } expected ? At(expected, 17) : null,
        };
        // The product is kept as a custom field only where the process declares one to read it: the engine refuses
        // fields a process does not declare (invalid-custom-field), and the name above carries the product anyway.
        if (productName is not null && process.Fields.Any(f => f is { On: FactKind.Opportunity, Id: "product", Type: CustomFieldType.Text }))
        {
            opportunity.Custom.Set("product", productName);
        }

        SetCustomFields(row, opportunity, account);
        return new CrmDeal(id, row.Line, status, stage.Stage?.Value ?? mapping.EngagedStage?.Value ?? _firstOpenStage, At(engaged.Value, 9), status == "open" ? null : At(closed!.Value, 17), opportunity, account, owner, lossReason, crmLossReason);
    }

    /// <summary>
    /// A deal the database holds, with what a partial record (a webhook's changed properties) says of it: only the
    /// columns in <paramref name="present"/> are read, the rest is as held. Null, with the record's issues, when a value
    /// does not map.
    /// </summary>
    internal CrmDeal? PatchDeal(CrmRow row, DealState held, IReadOnlySet<string> present, DateTimeOffset now)
    {
        var c = mapping.Columns;
        var status = held.Status switch { DealStatus.Won => "won", DealStatus.Lost => "lost", _ => "open" };
        var openStage = held.Status == DealStatus.Lost ? held.LostFromStage ?? held.Stage : held.Stage;
        MappedValue? stageReason = null;
        if (present.Contains(c.Stage))
        {
            var crmStage = row.Value(c.Stage);
            if (mapping.Stages.TryGetValue(crmStage, out var stage))
            {
                status = stage.Status ?? (c.Status is null ? "open" : status);
                openStage = stage.Stage?.Value ?? openStage;
                stageReason = stage.LossReason;
            }
            else if (crmStage.Length > 0 || c.Status is null)
            {
                row.Error(c.Stage, "unknown-stage", crmStage.Length == 0 ? "no CRM stage" : $"CRM stage `{crmStage}` is not in the mapping's `stages` ({string.Join(", ", mapping.Stages.Keys)})");
                return null;
            }
        }

        if (c.Status is { } statusColumn && present.Contains(statusColumn))
        {
            var crmStatus = row.Value(statusColumn);
            if (!mapping.Statuses.TryGetValue(crmStatus, out var mapped))
            {
                row.Error(statusColumn, "unknown-status", $"CRM status `{crmStatus}` is not in the mapping's `statuses` ({string.Join(", ", mapping.Statuses.Keys)})");
                return null;
            }

            status = mapped.Value;
        }

        var opportunity = Clone(held.Opportunity);
        if (c.Name is { } nameColumn && present.Contains(nameColumn) && row.Value(nameColumn) is { Length: > 0 } name)
        {
            opportunity.Name = name;
        }

        if (new[] { c.Amount, c.ExpectedAmount }.Any(column => column is not null && present.Contains(column)))
        {
            if (!TryDealAmount(row, status, null, out var amount))
            {
                return null;
            }

            opportunity.Amount = amount;
        }

        var closeColumn = status == "open" ? c.ExpectedCloseAt ?? c.ClosedAt : c.ClosedAt;
        DateOnly? closed = null;
        if (closeColumn is not null && present.Contains(closeColumn))
        {
            if (!TryDate(row, closeColumn, out closed))
            {
                return null;
            }

            if (status == "open")
            {
                opportunity.ExpectedCloseDate = closed is { } expected ? At(expected, 17) : null;
            }
        }

        var owner = held.Owner;
        if (present.Contains(c.Owner) && ReadOwner(row, []) is { Id.Length: > 0 } written && written.Id != held.Owner.Id)
        {
            // Another owner: in the team the record gives, else the held one's until the facts say otherwise.
            owner = new Owner { Id = written.Id, Name = written.Name, Team = written.Team.Length > 0 ? written.Team : held.Owner.Team };
            opportunity.OwnerId = owner.Id;
        }
        else if (c.Team is { } teamColumn && present.Contains(teamColumn) && row.Value(teamColumn) is { Length: > 0 } team && team != held.Owner.Team)
        {
            owner = Clone(held.Owner);
            owner.Team = team;
        }

        Account? account = null;
        if (c.Account is { } accountColumn && present.Contains(accountColumn) && row.Value(accountColumn) is { Length: > 0 } accountName && accountName != held.Account.Name)
        {
            account = new Account { Id = accountName, Name = accountName };
            opportunity.AccountId = accountName;
        }

        string? lossReason = null;
        string? crmLossReason = null;
        if (status == "lost" && held.Status != DealStatus.Lost && !TryLossReason(row, stageReason, out lossReason, out crmLossReason))
        {
            return null;
        }

        var accountFields = account ?? CopyOf(held.Account);
        SetCustomFields(row, opportunity, accountFields);
        if (account is null && !SameCustomFields(accountFields.Custom, held.Account.Custom))
        {
            account = accountFields;
        }

        return new CrmDeal(held.DealId, row.Line, status, openStage, held.CreatedAt, status == "open" ? null : closed is { } day ? At(day, 17) : now, opportunity, account, owner, lossReason, crmLossReason);
    }

    private static readonly System.Text.Json.JsonSerializerOptions CloneJson = SalesWorkflowJson.Configure(new System.Text.Json.JsonSerializerOptions());

    /// <summary>A copy of a held fact to change, so that what is held stays as it was for the comparison.</summary>
    private static T Clone<T>(T fact) => System.Text.Json.JsonSerializer.Deserialize<T>(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(fact, CloneJson), CloneJson)!;

    private static bool SameCustomFields(CustomFields a, CustomFields b) =>
        a.Count == b.Count && a.All(field => Equals(field.Value, b[field.Key]));

    /// <summary>
    /// The deal with the stages its history gives, between its start and its close: it starts in the first, enters each
    /// next one on its day (at noon, a minute apart within a day, so that they keep their order), and an open deal
    /// ends in the stage its row gives. History rows outside the deal's life are reported and left out.
    /// </summary>
    private CrmDeal WithHistory(CrmDeal deal, List<(DateOnly Day, string Stage, int Line)>? rows)
    {
        if (rows is null || rows.Count == 0)
        {
            return deal;
        }

        var engaged = DateOnly.FromDateTime(deal.EngagedAt.DateTime);
        var closed = deal.ClosedAt is { } at ? DateOnly.FromDateTime(at.DateTime) : (DateOnly?)null;
        var entries = new List<StageEntry>();
        var perDay = 0;
        DateOnly? lastDay = null;
        foreach (var (day, stage, line) in rows.OrderBy(r => r.Day).ThenBy(r => r.Line))
        {
            if (day < engaged || day > closed)
            {
                _issues.Add(new ImportIssue(mapping.Files.StageHistory!, line, 1, false, "history-outside-deal", string.Create(CultureInfo.InvariantCulture,
                    $"`{deal.Id}` entered a stage on {day:yyyy-MM-dd}, outside its life ({engaged:yyyy-MM-dd} to {(closed is { } c ? c.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "open")}): left out")));
                continue;
            }

            perDay = day == lastDay ? perDay + 1 : 0;
            lastDay = day;
            if (entries.Count == 0 || entries[^1].Stage != stage)
            {
                entries.Add(new StageEntry(At(day, 12).AddMinutes(perDay), stage));
            }
        }

        if (entries.Count == 0)
        {
            return deal;
        }

        if (deal.Status == "open" && entries[^1].Stage != deal.OpenStage)
        {
            entries.Add(new StageEntry(entries[^1].At.AddMinutes(1), deal.OpenStage));
        }

        return deal with { StartStage = entries[0].Stage, History = entries[1..] };
    }

    /// <summary>The stage history by deal id: each row's process stage (closed CRM stages are the opportunity row's to say).</summary>
    private Dictionary<string, List<(DateOnly Day, string Stage, int Line)>> ReadStageHistory()
    {
        var history = new Dictionary<string, List<(DateOnly, string, int)>>(StringComparer.Ordinal);
        if (mapping.Files.StageHistory is not { } written || mapping.StageHistoryColumns is not { } c)
        {
            return history;
        }

        // A preset's pattern that matches nothing means an export without history, which is no error.
        if (written.Contains('*', StringComparison.Ordinal) && (!Directory.Exists(folder) || !Directory.EnumerateFiles(folder, written, new EnumerationOptions { MatchCasing = MatchCasing.CaseInsensitive }).Any()))
        {
            return history;
        }

        if (ResolvePattern(written, except: []) is not { } file)
        {
            return history;
        }

        ReadCsv(file, [c.Deal, c.Stage, c.At], row =>
        {
            var deal = row.Value(c.Deal);
            var crmStage = row.Value(c.Stage);
            if (deal.Length == 0)
            {
                row.Error(c.Deal, "missing-id", "no opportunity id: history row skipped");
                return;
            }

            if (!mapping.Stages.TryGetValue(crmStage, out var stage))
            {
                row.Error(c.Stage, "unknown-stage", $"CRM stage `{crmStage}` is not in the mapping's `stages` ({string.Join(", ", mapping.Stages.Keys)}): history row skipped");
                return;
            }

            if (stage.Stage is not { } open || !TryDate(row, c.At, out var day))
            {
                return;
            }

            if (day is null)
            {
                row.Error(c.At, "missing-date", "a stage history row needs the date the stage was entered: row skipped");
                return;
            }

            if (!history.TryGetValue(deal, out var entries))
            {
                history[deal] = entries = [];
            }

            entries.Add((day.Value, open.Value, row.Line));
        });
        return history;
    }

    private Owner ReadOwner(CrmRow row, Dictionary<string, Owner> teams)
    {
        var c = mapping.Columns;
        var written = row.Value(c.Owner);
        var ownerId = written;
        if (mapping.Owners.TryGetValue(written, out var person))
        {
            ownerId = person;
        }
        else if (mapping.Owners.Count > 0 && written.Length > 0)
        {
            row.Warning(c.Owner, "unknown-owner", $"owner `{written}` is not in the mapping's `owners`: imported as `{written}`");
        }

        var team = c.Team is { } teamColumn ? row.Value(teamColumn) : string.Empty;
        if (teams.TryGetValue(written, out var known) || teams.TryGetValue(ownerId, out known))
        {
            return new Owner { Id = ownerId, Name = written, ManagerId = known.ManagerId, Team = team.Length > 0 ? team : known.Team };
        }

        if (mapping.Files.Teams is not null && written.Length > 0)
        {
            row.Warning(c.Owner, "unknown-owner", $"sales agent `{written}` is not in the teams file: imported without {(team.Length > 0 ? "manager" : "team or manager")}");
        }

        return new Owner { Id = ownerId, Name = written, Team = team };
    }

    /// <summary>
    /// The deal's amount: a won deal's is the amount column (it must be there); an open one's the expected amount, else
    /// the amount, else its product's list price; a lost one's what it was worth, when the export says.
    /// </summary>
    private bool TryDealAmount(CrmRow row, string status, decimal? listPrice, out decimal amount)
    {
        var c = mapping.Columns;
        amount = 0;
        var columns = status switch
        {
            "won" => new[] { c.Amount },
            _ => [c.ExpectedAmount, c.Amount],
        };
        foreach (var column in columns.OfType<string>())
        {
            var value = row.Value(column);
            if (value.Length == 0)
            {
                continue;
            }

            var format = row.Amounts ?? mapping.Amounts;
            if (!TryAmount(value, format, out amount) || amount < 0)
            {
                row.Error(column, "bad-amount", $"amount `{value}` is not a non-negative number (digits, `{format.DecimalSeparator}` before decimals{(format.GroupSeparator.Length > 0 ? $", `{format.GroupSeparator}` only between groups of three" : string.Empty)}, a currency symbol or code, at most 1,000,000,000,000,000): row skipped");
                return false;
            }

            return true;
        }

        if (status == "won")
        {
            row.Error(c.Amount ?? c.Stage, "missing-amount", c.Amount is null ? "a won deal needs its amount, and the mapping names no `amount` column: row skipped" : "a won deal needs its amount: row skipped");
            return false;
        }

        amount = listPrice ?? 0;
        return true;
    }

    /// <summary>The process's loss reason for a lost row: the CRM's, mapped; else the mapping's default, said so.</summary>
    private bool TryLossReason(CrmRow row, MappedValue? stageReason, out string? reason, out string? crmReason)
    {
        var column = mapping.Columns.LossReason;
        crmReason = column is null ? null : row.Value(column) is { Length: > 0 } text ? text : null;
        reason = null;
        if (crmReason is not null)
        {
            if (mapping.LossReasons.TryGetValue(crmReason, out var mapped))
            {
                reason = mapped.Value;
                return true;
            }

            var written = crmReason;
            if (process.Transitions.LossReasons.Any(r => r.Id == written))
            {
                reason = crmReason;
                return true;
            }

            if (mapping.LossReason is { } fallback)
            {
                row.Warning(column!, "unmapped-loss-reason", $"loss reason `{crmReason}` is not in the mapping's `lossReasons`: recorded as `{fallback.Value}` (`lossReason`), with the CRM's words in the note");
                reason = fallback.Value;
                return true;
            }

            row.Error(column!, "unmapped-loss-reason", $"loss reason `{crmReason}` is not in the mapping's `lossReasons` and the mapping gives no `lossReason` to fall back on: row skipped");
            return false;
        }

        if ((stageReason ?? mapping.LossReason) is { } byDefault)
        {
            reason = byDefault.Value;
            return true;
        }

        row.Error(column ?? mapping.Columns.Stage, "missing-loss-reason", "a lost deal with no loss reason, and the mapping gives no `lossReason` for such deals: row skipped");
        return false;
    }

    /// <summary>Sets the process's custom fields the mapping's <c>custom:</c> columns fill; a value that does not read is a warning, the field left empty.</summary>
    private void SetCustomFields(CrmRow row, Opportunity opportunity, Account? account)
    {
        foreach (var (fieldId, column, _) in mapping.Columns.Custom)
        {
            var value = row.Value(column);
            if (value.Length == 0 || process.Fields.FirstOrDefault(f => f.Id == fieldId) is not { } field)
            {
                continue;
            }

            var fields = field.On switch
            {
                FactKind.Opportunity => opportunity.Custom,
                FactKind.Account => account?.Custom,
                _ => null,
            };
            if (fields is null)
            {
                row.Warning(column, "bad-field", $"`{fieldId}` is a field of the {field.On.ToString().ToLowerInvariant()}, which this row does not have: left empty");
                continue;
            }

            if (mapping.FieldValues.TryGetValue(fieldId, out var values) && values.TryGetValue(value, out var mapped))
            {
                value = mapped;
            }

            switch (field.Type)
            {
                case CustomFieldType.Enum when field.Values.Contains(value, StringComparer.Ordinal):
                case CustomFieldType.Text:
                    fields.Set(fieldId, value);
                    break;
                case CustomFieldType.Number when TryAmount(value, row.Amounts ?? mapping.Amounts, out var number):
                    fields.Set(fieldId, number);
                    break;
                case CustomFieldType.Bool when value.ToUpperInvariant() is "TRUE" or "YES" or "Y" or "1" or "是":
                    fields.Set(fieldId, true);
                    break;
                case CustomFieldType.Bool when value.ToUpperInvariant() is "FALSE" or "NO" or "N" or "0" or "否":
                    fields.Set(fieldId, false);
                    break;
                case CustomFieldType.Date when TryParseDate(row, value, out var day) && day.Year is >= 1900 and <= 2999:
                    fields.Set(fieldId, At(day, 9));
                    break;
                default:
                    row.Warning(column, "bad-field", field.Type == CustomFieldType.Enum
                        ? $"`{value}` is not a value of `{fieldId}` ({string.Join(", ", field.Values)}; map the CRM's spelling under `fieldValues.{fieldId}`): left empty"
                        : $"`{value}` is not a {field.Type.ToString().ToLowerInvariant()} for `{fieldId}`: left empty");
                    break;
            }
        }
    }

    private static Account CopyOf(Account account)
    {
        var copy = new Account { Id = account.Id, Name = account.Name, Industry = account.Industry, Region = account.Region, Employees = account.Employees, AnnualRevenue = account.AnnualRevenue };
        foreach (var (key, value) in account.Custom)
        {
            _ = value switch
            {
                string text => copy.Custom.Set(key, text),
                decimal number => copy.Custom.Set(key, number),
                bool flag => copy.Custom.Set(key, flag),
                DateTimeOffset date => copy.Custom.Set(key, date),
                _ => copy.Custom,
            };
        }

        return copy;
    }

    /// <summary>A CRM date at a working hour in the process's time zone, so that reports count it on that date.</summary>
    private DateTimeOffset At(DateOnly day, int hour)
    {
        var local = day.ToDateTime(new TimeOnly(hour, 0));
        return new DateTimeOffset(local, process.Calendar.TimeZone.GetUtcOffset(local));
    }

    /// <summary>
    /// Replays the deals through the engine in time order (deals due at the same moment concurrently). A deal the
    /// database holds already is compared with the export, and only what changed is applied (<see cref="CrmSync"/>).
    /// </summary>
    public async Task<(ImportTotals Totals, ImportChanges Changes)> RunAsync(ISalesWorkflowEngine engine, ReplayClock clock, IReadOnlyList<CrmDeal> deals, DateTimeOffset asOf, Action<int, int>? progress, CancellationToken cancellationToken)
    {
        var held = await CrmSync.HeldAsync(engine, deals, cancellationToken);
        var changes = new ImportChanges();
        var steps = new List<ReplayStep>();
        foreach (var deal in deals)
        {
            if (!held.TryGetValue(deal.Id, out var state))
            {
                changes.Count(SyncChange.New);
                steps.Add(new ReplayStep(deal.EngagedAt, deal, ReplayStepKind.Start));
                steps.AddRange(deal.History.Select((entry, index) => new ReplayStep(entry.At, deal, ReplayStepKind.Move, HistoryIndex: index)));
                if (deal.ClosedAt is { } closedAt)
                {
                    steps.Add(new ReplayStep(closedAt, deal, ReplayStepKind.Close));
                }

                continue;
            }

            var plan = CrmSync.Plan(deal, state, process, mapping);
            if (plan.WonInDatabase)
            {
                _issues.Add(new ImportIssue(OpportunitiesFile, deal.Line, 1, false, "won-in-database", $"`{deal.Id}` is won in the database and {deal.Status} in the export: a won deal is not reopened, so it is left as it is"));
            }

            changes.Count(plan.Changes);
            if (plan.Changes != SyncChange.None)
            {
                // A change the export dates (a win, a loss) happens on that date, any other when the export was taken;
                // never before what the database holds of the deal.
                var when = deal.ClosedAt is { } closed && plan.Changes.HasFlag(deal.Status == "won" ? SyncChange.Won : SyncChange.Lost) ? closed : asOf;
                steps.Add(new ReplayStep(when > state.UpdatedAt ? when : state.UpdatedAt, deal, ReplayStepKind.Change, state, plan));
            }
        }

        var moments = steps.OrderBy(s => s.At).ThenBy(s => s.Deal.Line).GroupBy(s => s.At).ToList();
        var totals = new ImportTotals();
        var issues = new ConcurrentBag<ImportIssue>();
        var done = 0;
        foreach (var moment in moments)
        {
            if (moment.Key > clock.GetUtcNow())
            {
                clock.Set(moment.Key);
            }

            await Parallel.ForEachAsync(moment, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (step, token) =>
            {
                var result = step.Kind switch
                {
                    ReplayStepKind.Start => await StartAsync(engine, step.Deal, totals, token),
                    ReplayStepKind.Close => await CloseAsync(engine, step.Deal, $"import:{step.Deal.Id}:", totals, token),
                    ReplayStepKind.Move => await MoveAsync(
                        engine, step.Deal, step.HistoryIndex == 0 ? step.Deal.StartStage : step.Deal.History[step.HistoryIndex - 1].Stage, step.Deal.History[step.HistoryIndex].Stage,
                        $"import:{step.Deal.Id}:history:{step.HistoryIndex.ToString(CultureInfo.InvariantCulture)}:", "in the CRM's stage history", totals, token),
                    _ => await SyncAsync(engine, step.Deal, step.Held!, step.Plan!, totals, token),
                };
                if (result.Status == CommandStatus.Rejected)
                {
                    issues.Add(new ImportIssue(OpportunitiesFile, step.Deal.Line, 1, true, "rejected", $"`{step.Deal.Id}`: the engine refused the {step.Kind.ToString().ToLowerInvariant()}: {result.Rejection?.Message}"));
                }
            });
            done += moment.Count();
            progress?.Invoke(done, moments.Sum(m => m.Count()));
        }

        _issues.AddRange(issues.OrderBy(i => i.Line));
        return (totals, changes);
    }

    internal static async Task<CommandResult> SubmitAsync(ISalesWorkflowEngine engine, DealCommand command, ImportTotals totals, CancellationToken token)
    {
        var result = await engine.SubmitAsync(command, token);
        totals.Count(result.Status);
        return result;
    }

    internal Task<CommandResult> StartAsync(ISalesWorkflowEngine engine, CrmDeal deal, ImportTotals totals, CancellationToken token, string? id = null) =>
        SubmitAsync(engine, new StartTracking(id ?? $"import:{deal.Id}:start", deal.Id, process.Id)
        {
            Version = process.Version,
            Stage = deal.StartStage,
            Opportunity = deal.Opportunity,
            Account = deal.Account,
            Owner = deal.Owner,
        }, totals, token);

    /// <summary>Closes the deal as the export says, with command ids under <paramref name="ids"/>.</summary>
    internal async Task<CommandResult> CloseAsync(ISalesWorkflowEngine engine, CrmDeal deal, string ids, ImportTotals totals, CancellationToken token)
    {
        if (deal.Status == "lost")
        {
            var note = deal.CrmLossReason is { } words ? $"imported from the CRM, which gave the reason: {words}" : "imported from the CRM, which records no loss reason";
            return await SubmitAsync(engine, new CloseLost(ids + "lost", deal.Id, deal.LossReason!) { Note = note }, totals, token);
        }

        // Won: through each remaining stage by gate override (the CRM knows the outcome, not the stages in between).
        CommandResult result;
        var step = 0;
        do
        {
            result = await SubmitAsync(engine, new OverrideGate($"{ids}won:{++step}", deal.Id, deal.History.Count > 0 ? "won in the CRM (imported)" : "won in the CRM (imported); stage history unknown", "crm-import"), totals, token);
        }
        while (result.Status != CommandStatus.Rejected && step < process.Stages.Count && process.FindStage(result.Stage ?? string.Empty) is { IsOpen: true });

        return result;
    }

    /// <summary>
    /// Applies what changed of a deal the database holds: reopened, its facts, its stage, won or lost. The command ids
    /// derive from the deal's id and its event count when planned, so that an import killed midway, run again, plans
    /// and applies the rest of the change under the same ids, and a change made once is not made again.
    /// </summary>
    internal async Task<CommandResult> SyncAsync(ISalesWorkflowEngine engine, CrmDeal deal, DealState held, SyncPlan plan, ImportTotals totals, CancellationToken token, string? ids = null)
    {
        ids ??= $"import:{deal.Id}@{held.EventCount.ToString(CultureInfo.InvariantCulture)}:";
        Task<CommandResult> Submit(DealCommand command) => SubmitAsync(engine, command, totals, token);

        var stage = held.Stage;
        CommandResult? last = null;
        if (plan.Changes.HasFlag(SyncChange.Reopened))
        {
            var reopened = await Submit(new Reopen(ids + "reopen", deal.Id) { Note = $"{deal.Status} in the CRM (imported)" });
            if (reopened.Status == CommandStatus.Rejected)
            {
                return reopened;
            }

            stage = reopened.Stage ?? stage;
            last = reopened;
        }

        if (plan.Changes.HasFlag(SyncChange.Updated))
        {
            last = await Submit(new UpsertFacts(ids + "facts", deal.Id) { Opportunity = plan.Opportunity, Owner = plan.Owner, Account = plan.Account });
            if (last.Status == CommandStatus.Rejected)
            {
                return last;
            }
        }

        if (deal.Status != "open")
        {
            return await CloseAsync(engine, deal, ids, totals, token);
        }

        return stage == deal.OpenStage
            ? last ?? throw new InvalidOperationException($"A change of {deal.Id} was planned with nothing to do.")
            : await MoveAsync(engine, deal, stage, deal.OpenStage, ids, "in the CRM (imported)", totals, token);
    }

    /// <summary>
    /// Moves an open deal from <paramref name="from"/> to <paramref name="to"/> as the CRM did: back by a plain move
    /// where the process allows it, forward one stage at a time (a process may not allow skipping) by gate override.
    /// </summary>
    private async Task<CommandResult> MoveAsync(ISalesWorkflowEngine engine, CrmDeal deal, string from, string to, string ids, string where, ImportTotals totals, CancellationToken token)
    {
        var target = process.FindStage(to)!;
        if (process.FindStage(from) is { } origin && origin.Order > target.Order)
        {
            return await SubmitAsync(engine, new RequestAdvance(ids + "back", deal.Id) { ToStage = target.Id }, totals, token);
        }

        CommandResult? last = null;
        var stage = from;
        var move = 0;
        while (stage != target.Id && move < process.Stages.Count)
        {
            last = await SubmitAsync(engine, new OverrideGate($"{ids}move:{++move}", deal.Id, $"moved to {target.Id} {where}", "crm-import"), totals, token);
            if (last.Status == CommandStatus.Rejected || last.Stage is not { } now || now == stage)
            {
                break;
            }

            stage = now;
        }

        return last ?? throw new InvalidOperationException($"{deal.Id} was to move from {from} to {to}, where it is.");
    }

    private bool TryDate(CrmRow row, string column, out DateOnly? date)
    {
        date = null;
        var text = row.Value(column);
        if (text.Length == 0)
        {
            return true;
        }

        if (TryParseDate(row, text, out var parsed))
        {
            // A CRM's placeholder (9999-12-31, 0001-01-01) is not a date a deal happened on, and at the edge of the
            // calendar a time zone or a business-day deadline would fall outside the dates .NET can hold.
            if (parsed.Year is < 1900 or > 2999)
            {
                row.Error(column, "date-out-of-range", $"`{text}` is outside the years 1900 to 2999 (a CRM placeholder?): row skipped");
                return false;
            }

            date = parsed;
            return true;
        }

        row.Error(column, "bad-date", $"`{text}` is not a date ({string.Join(" or ", row.DateFormats ?? mapping.DateFormats)}): row skipped");
        return false;
    }

    private bool TryParseDate(CrmRow row, string text, out DateOnly date)
    {
        date = default;
        if (!DateTime.TryParseExact(text, [.. row.DateFormats ?? mapping.DateFormats], row.DateFormats is null ? mapping.DateCulture : CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var parsed))
        {
            return false;
        }

        date = DateOnly.FromDateTime(parsed);
        return true;
    }

    /// <summary>The one file of the folder a name with <c>*</c> matches (a plain name as it is); null, reported, when none or several do.</summary>
    private string? ResolvePattern(string written, IEnumerable<string> except)
    {
        if (!written.Contains('*', StringComparison.Ordinal))
        {
            return written;
        }

        var matches = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, written, new EnumerationOptions { RecurseSubdirectories = false, MatchCasing = MatchCasing.CaseInsensitive, MatchType = MatchType.Simple })
                .Select(Path.GetFileName).OfType<string>().Where(name => !except.Any(other => Matches(other, name))).Order(StringComparer.Ordinal).ToList()
            : [];
        if (matches.Count == 1)
        {
            return matches[0];
        }

        _issues.Add(new ImportIssue(written, 1, 1, true, "missing-file", matches.Count == 0
            ? $"no file in {folder} matches `{written}`"
            : $"{matches.Count} files in {folder} match `{written}` ({string.Join(", ", matches.Take(5))}): keep one export in the folder, or name it in the mapping"));
        return null;
    }

    /// <summary>Whether a name or pattern of the mapping (<c>*</c> for any characters) names the file, case aside.</summary>
    private static bool Matches(string pattern, string fileName) =>
        System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(pattern, fileName, ignoreCase: true);

    private Dictionary<string, Owner> ReadTeams()
    {
        var owners = new Dictionary<string, Owner>(StringComparer.Ordinal);
        if (mapping.Files.Teams is not { } file || mapping.TeamColumns is not { } c)
        {
            return owners;
        }

        ReadCsv(file, [.. new[] { c.Owner, c.Manager, c.Team }.OfType<string>()], row =>
        {
            var id = row.Value(c.Owner);
            var owner = new Owner { Id = id, Name = id, ManagerId = c.Manager is null ? string.Empty : row.Value(c.Manager), Team = c.Team is null ? string.Empty : row.Value(c.Team) };
            if (id.Length == 0 || !owners.TryAdd(id, owner))
            {
                row.Error(c.Owner, "bad-owner", id.Length == 0 ? "no sales agent: row skipped" : $"sales agent `{id}` appears twice: this row is skipped");
            }
        });
        return owners;
    }

    private Dictionary<string, Account> ReadAccounts()
    {
        var accounts = new Dictionary<string, Account>(StringComparer.Ordinal);
        if (mapping.Files.Accounts is not { } file || mapping.AccountColumns is not { } c)
        {
            return accounts;
        }

        ReadCsv(file, [.. new[] { c.Name, c.Industry, c.Employees, c.Revenue, c.Region }.OfType<string>()], row =>
        {
            var name = row.Value(c.Name);
            if (name.Length == 0 || accounts.ContainsKey(name))
            {
                row.Error(c.Name, "bad-account", name.Length == 0 ? "no account name: row skipped" : $"account `{name}` appears twice: this row is skipped");
                return;
            }

            var industry = c.Industry is null ? string.Empty : row.Value(c.Industry);
            if (mapping.SectorAliases.TryGetValue(industry, out var corrected))
            {
                row.Warning(c.Industry!, "sector-alias", $"sector `{industry}` read as `{corrected}` (`sectorAliases`)");
                industry = corrected;
            }

            var account = new Account { Id = name, Name = name, Industry = industry, Region = c.Region is null ? string.Empty : row.Value(c.Region) };
            if (c.Employees is { } employeesColumn)
            {
                if (int.TryParse(row.Value(employeesColumn), NumberStyles.Integer, CultureInfo.InvariantCulture, out var employees))
                {
                    account.Employees = employees;
                }
                else if (row.Value(employeesColumn).Length > 0)
                {
                    row.Warning(employeesColumn, "bad-number", $"employees `{row.Value(employeesColumn)}` is not a whole number: left empty");
                }
            }

            if (c.Revenue is { } revenueColumn)
            {
                if (TryAmount(row.Value(revenueColumn), mapping.Amounts, out var revenue) && revenue * mapping.AccountRevenueUnit <= MaxAmount * 1_000_000)
                {
                    account.AnnualRevenue = revenue * mapping.AccountRevenueUnit;
                }
                else if (row.Value(revenueColumn).Length > 0)
                {
                    row.Warning(revenueColumn, "bad-number", $"revenue `{row.Value(revenueColumn)}` is not a number: left empty");
                }
            }

            accounts[name] = account;
        });
        return accounts;
    }

    private Dictionary<string, decimal> ReadProducts()
    {
        var products = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (mapping.Files.Products is not { } file || mapping.ProductColumns is not { } c)
        {
            return products;
        }

        ReadCsv(file, [c.Name, c.Price], row =>
        {
            var name = row.Value(c.Name);
            if (!TryAmount(row.Value(c.Price), mapping.Amounts, out var price) || price < 0)
            {
                row.Error(c.Price, "bad-price", $"price `{row.Value(c.Price)}` of `{name}` is not a non-negative number: row skipped");
                return;
            }

            if (name.Length == 0 || !products.TryAdd(name, price))
            {
                row.Error(c.Name, "bad-product", name.Length == 0 ? "no product name: row skipped" : $"product `{name}` appears twice: this row is skipped");
            }
        });
        return products;
    }

    /// <summary>Reads a CSV with a header, checking the mapped columns exist; each data row goes to <paramref name="take"/>.</summary>
    private void ReadCsv(string file, string[] columns, Action<CsvRow> take) => ReadCsv(file, columns, [], take);

    private void ReadCsv(string file, string[] columns, string[] optional, Action<CsvRow> take)
    {
        if (!FolderFiles.TryResolve(folder, file, out var path, out var refusal))
        {
            _issues.Add(new ImportIssue(file, 1, 1, true, "file-outside-folder", $"`{file}` may not be read: {refusal}"));
            return;
        }

        if (!File.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            _issues.Add(new ImportIssue(file, 1, 1, true, "missing-file", $"file not found in {folder}"));
            return;
        }

        // A device, a pipe or a /proc file, also behind a link: a pipe would block the import waiting for a writer.
        if (FolderFiles.RefusalToRead(path) is { } notReadable)
        {
            _issues.Add(new ImportIssue(file, 1, 1, true, "empty-file", $"the file cannot be read: {notReadable}"));
            return;
        }

        var gb18030 = mapping.Encoding == "gb18030";
        if (!gb18030 && FirstInvalidUtf8Line(path) is { } badLine)
        {
            _issues.Add(NotUtf8(file, badLine));
            return;
        }

        // Strict UTF-8: a GBK or Latin-1 export read leniently turns its names into U+FFFD, and two CRM ids that
        // differ only in those bytes would merge into one.
        using var reader = new StreamReader(path, gb18030 ? Gb18030.Value : new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true);
        var strayQuotes = new List<int>();
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            // A quote inside an unquoted field is read as it is, and said so; a field longer than any CRM writes is
            // refused before it fills memory.
            BadDataFound = args => strayQuotes.Add(args.Context.Parser?.RawRow ?? 0),
            MissingFieldFound = null,
            DetectColumnCountChanges = false,
            MaxFieldSize = MaxFieldLength,
        });
        string[]? header;
        try
        {
            header = csv.Read() && csv.ReadHeader() ? csv.HeaderRecord : null;
        }
        catch (CsvHelperException ex)
        {
            _issues.Add(new ImportIssue(file, 1, 1, true, "unreadable", "the header cannot be read: " + FirstLine(ex.Message)));
            return;
        }
        catch (System.Text.DecoderFallbackException)
        {
            _issues.Add(NotUtf8(file, 1));
            return;
        }

        if (header is null)
        {
            _issues.Add(new ImportIssue(file, 1, 1, true, "empty-file", "no header row"));
            return;
        }

        var index = header.Select((name, i) => (name: name.Trim(), i)).GroupBy(h => h.name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        // A column the mapping reads, named twice in the header: which one holds the value is a guess, so none is read.
        var twice = columns.Distinct(StringComparer.Ordinal).Where(c => header.Count(h => h.Trim() == c) > 1).ToList();
        if (twice.Count > 0)
        {
            _issues.Add(new ImportIssue(file, 1, index[twice[0]] + 1, true, "duplicate-column", $"the header names {string.Join(", ", twice.Select(t => $"`{t}`"))} more than once, so which column holds the value is unclear; rename or remove the extra column"));
            return;
        }

        // A column given by the names it goes by is read from the first of them the header has.
        foreach (var column in columns.Where(c => !index.ContainsKey(c)))
        {
            if (mapping.ColumnAlternatives.GetValueOrDefault(column)?.FirstOrDefault(index.ContainsKey) is { } other)
            {
                index[column] = index[other];
            }
        }

        string Named(string column) => mapping.ColumnAlternatives.TryGetValue(column, out var names) ? string.Join(" or ", names.Select(n => $"`{n}`")) : $"`{column}`";
        var missing = columns.Where(c => !index.ContainsKey(c)).Distinct(StringComparer.Ordinal).ToList();
        var missingRequired = missing.Except(optional, StringComparer.Ordinal).ToList();
        if (missingRequired.Count > 0)
        {
            _issues.Add(new ImportIssue(file, 1, 1, true, "missing-column", $"the header lacks {string.Join(", ", missingRequired.Select(Named))} (columns: {string.Join(", ", header)}); fix the file or the mapping's `columns`"));
            return;
        }

        foreach (var column in missing)
        {
            _issues.Add(new ImportIssue(file, 1, 1, false, "column-not-in-export", $"the header has no {Named(column)}, which the mapping reads: every row is read without it"));
        }

        var nextLine = 2;
        while (true)
        {
            try
            {
                if (!csv.Read())
                {
                    break;
                }
            }
            catch (System.Text.DecoderFallbackException)
            {
                _issues.Add(NotUtf8(file, nextLine));
                return;
            }
            catch (CsvHelperException ex) when (ex.InnerException is System.Text.DecoderFallbackException)
            {
                _issues.Add(NotUtf8(file, nextLine));
                return;
            }
            catch (CsvHelperException ex)
            {
                // A field past the limit: the rest of the file cannot be trusted to line up.
                _issues.Add(new ImportIssue(file, nextLine, 1, true, "unreadable", $"{FirstLine(ex.Message)} Fields are limited to {MaxFieldLength:N0} characters; the rest of the file is not read."));
                return;
            }

            // The record's first line: where the reader was before it (a quoted field may span lines).
            var line = nextLine;
            nextLine = csv.Parser.RawRow + 1;
            var record = csv.Parser.RawRecord;
            var spans = 1 + record.Count(c => c == '\n') - (record.EndsWith('\n') ? 1 : 0);
            foreach (var stray in strayQuotes)
            {
                _issues.Add(new ImportIssue(file, line, 1, false, "stray-quote", $"a quote inside an unquoted field (line {stray}) is read as part of the value"));
            }

            strayQuotes.Clear();
            if (spans > 1 && csv.Parser.RawRecord.Count(c => c == '"') % 2 == 1)
            {
                _issues.Add(new ImportIssue(file, line, 1, true, "unclosed-quote", $"a quote opened on this line is never closed, so the rest of the file ({spans - 1} more line(s)) was read as one value: nothing after this line is imported; close the quote"));
                return;
            }

            // A quote left open on one row and closed on a later one can still add up to the right number of fields:
            // the rows between are then one value of this row. A line inside a value that on its own has as many
            // separators as a whole row is taken for what it almost always is: a row swallowed, not a note.
            if (spans > 1 && SwallowedRow(record, header.Length) is { } swallowed)
            {
                _issues.Add(new ImportIssue(file, line, 1, true, "swallowed-row", $"line {line + swallowed} looks like a row of its own, but a quote opened on line {line} and closed {spans - 1} line(s) later made it part of a value of this row: this row and the {spans - 1} line(s) after it are skipped; close the quote"));
                continue;
            }

            if (csv.Parser.Count != header.Length)
            {
                var why = csv.Parser.Count > header.Length
                    ? "an unquoted comma inside a value (write \"1,054\" in quotes, or 1054)?"
                    : spans > 1 ? $"a quote opened on this line is closed only {spans - 1} line(s) later, so those lines were read as one value" : "a value is missing";
                _issues.Add(new ImportIssue(file, line, 1, true, "field-count", $"this row has {csv.Parser.Count} fields and the header {header.Length} ({why}): row skipped"));
                continue;
            }

            take(new CsvRow(file, line, csv, index, _issues));
        }
    }

    /// <summary>The first line after a record's first (1 = the next line) that has a whole row's separators on its own; null when none has.</summary>
    private static int? SwallowedRow(string record, int columns)
    {
        var lines = record.TrimEnd('\r', '\n').Split('\n');
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Count(c => c == ',') >= columns - 1)
            {
                return i;
            }
        }

        return null;
    }

    private ImportIssue NotUtf8(string file, int line) => mapping.Encoding == "gb18030"
        ? new(file, line, 1, true, "not-gb18030", "this line is not GB18030 text, so none of the file is imported: check the export's encoding and the mapping's `encoding:`")
        : new(file, line, 1, true, "not-utf8", "this line is not UTF-8 (a GBK or GB18030 export of a Chinese CRM? then set `encoding: gb18030` in the mapping; Latin-1? save it as UTF-8), so none of the file is imported");

    /// <summary>GB18030 that throws on bytes it cannot read, rather than turning them into U+FFFD (two ids would merge).</summary>
    private static readonly Lazy<Encoding> Gb18030 = new(() =>
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding("GB18030", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
    });

    /// <summary>The line of the first byte that is not UTF-8, read in chunks before anything is imported; null when all of it is.</summary>
    private static int? FirstInvalidUtf8Line(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        var buffer = new byte[1 << 16];
        var chars = new char[1 << 16];
        int carried = 0, read, line = 1;
        while ((read = stream.Read(buffer, carried, buffer.Length - carried)) > 0 || carried > 0)
        {
            var length = carried + read;
            var status = System.Text.Unicode.Utf8.ToUtf16(buffer.AsSpan(0, length), chars, out var bytesRead, out _, replaceInvalidSequences: false, isFinalBlock: read == 0);
            line += buffer.AsSpan(0, bytesRead).Count((byte)'\n');
            if (status == System.Buffers.OperationStatus.InvalidData)
            {
                return line;
            }

            // A sequence cut at the end of the chunk is carried into the next one.
            carried = length - bytesRead;
            buffer.AsSpan(bytesRead, carried).CopyTo(buffer);
            if (read == 0)
            {
                break;
            }
        }

        return null;
    }

    /// <summary>The largest amount read (10¹⁵): beyond any deal, and far enough from decimal's limit that sums in reports cannot overflow.</summary>
    internal const decimal MaxAmount = 1_000_000_000_000_000m;

    /// <summary>
    /// An amount as CRMs export it: digits with an optional decimal separator, group separators only between groups of
    /// three (<c>1,054</c>, <c>7,450,000.00</c>; <c>1.054,50</c> with a decimal comma), and a currency symbol or code
    /// before or after (<c>$7,450,000.00</c>, <c>¥1,200</c>, <c>1200 元</c>). <c>10,50</c> with a decimal point, or
    /// <c>1,5</c>, is refused, not read as 1050 or 15.
    /// </summary>
    internal static bool TryAmount(string text, out decimal amount) => TryAmount(text, AmountFormat.Default, out amount);

    internal static bool TryAmount(string text, AmountFormat format, out decimal amount)
    {
        amount = 0;
        var bare = CurrencyAround().Replace(text.Trim(), string.Empty);
        var negative = bare.StartsWith('-');
        var digits = negative ? bare[1..] : bare;
        var (decimalSeparator, groupSeparator) = (format.DecimalSeparator, format.GroupSeparator);
        var point = digits.LastIndexOf(decimalSeparator, StringComparison.Ordinal);
        var whole = point < 0 ? digits : digits[..point];
        var fraction = point < 0 ? string.Empty : digits[(point + 1)..];
        if (whole.Length == 0 || (point >= 0 && (fraction.Length == 0 || !fraction.All(char.IsAsciiDigit))))
        {
            return false;
        }

        var groups = groupSeparator.Length == 0 ? [whole] : whole.Split(groupSeparator);
        var wellGrouped = groups.All(g => g.Length > 0 && g.All(char.IsAsciiDigit)) &&
            (groups.Length == 1 || (groups[0].Length <= 3 && groups.Skip(1).All(g => g.Length == 3)));
        if (!wellGrouped || !decimal.TryParse(string.Concat(groups) + (fraction.Length > 0 ? "." + fraction : string.Empty), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out amount))
        {
            return false;
        }

        amount = negative ? -amount : amount;
        return Math.Abs(amount) <= MaxAmount;
    }

    /// <summary>A currency symbol or ISO code before or after an amount, with the space beside it.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^(US\$|HK\$|[$€£¥￥]|(USD|CNY|RMB|EUR|GBP|JPY|HKD)\s?)\s?|\s?([€元]|\s(USD|CNY|RMB|EUR|GBP|JPY|HKD))$")]
    private static partial System.Text.RegularExpressions.Regex CurrencyAround();

    /// <summary>Longest CSV field read (100,000 characters): no CRM export writes longer values, and a runaway one is refused before it fills memory.</summary>
    private const int MaxFieldLength = 100_000;

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    /// <summary>One data row with its position, for values and issues.</summary>
    private sealed class CsvRow(string file, int line, CsvReader csv, Dictionary<string, int> index, List<ImportIssue> issues) : CrmRow
    {
        public override int Line => line;

        /// <summary>The row's value in <paramref name="column"/>; empty for a column this export lacks (reported once, at its header).</summary>
        public override string Value(string column) => index.TryGetValue(column, out var at) ? (csv.GetField(at) ?? string.Empty).Trim() : string.Empty;

        public override void Error(string column, string kind, string message) => issues.Add(new ImportIssue(file, line, ColumnOf(column), true, kind, message));

        public override void Warning(string column, string kind, string message) => issues.Add(new ImportIssue(file, line, ColumnOf(column), false, kind, message));

        private int ColumnOf(string column) => index.TryGetValue(column, out var at) ? at + 1 : 1;
    }
}

/// <summary>What the engine did with the import's commands.</summary>
public sealed class ImportTotals
{
    private int _applied;
    private int _duplicates;
    private int _rejected;

    /// <summary>Commands the engine applied.</summary>
    public int Applied => _applied;

    /// <summary>Commands an earlier import had applied already (their ids derive from the CRM's).</summary>
    public int Duplicates => _duplicates;

    /// <summary>Commands the engine refused (each is an issue of the import).</summary>
    public int Rejected => _rejected;

    internal void Count(CommandStatus status)
    {
        _ = status switch
        {
            CommandStatus.Applied => Interlocked.Increment(ref _applied),
            CommandStatus.Duplicate => Interlocked.Increment(ref _duplicates),
            _ => Interlocked.Increment(ref _rejected),
        };
    }
}

/// <summary>One record of a CRM's deals with its position: a row of an export, or a deal a webhook describes.</summary>
internal abstract class CrmRow
{
    public abstract int Line { get; }

    /// <summary>The record's value of <paramref name="column"/> (a column of the export); empty when it has none.</summary>
    public abstract string Value(string column);

    public abstract void Error(string column, string kind, string message);

    public abstract void Warning(string column, string kind, string message);

    /// <summary>How this record writes dates, where not as the mapping's <c>dates:</c> say (a webhook's are ISO 8601).</summary>
    public virtual IReadOnlyList<string>? DateFormats => null;

    /// <summary>How this record writes amounts, where not as the mapping's <c>numbers:</c> say (a webhook's are invariant).</summary>
    public virtual AmountFormat? Amounts => null;
}
