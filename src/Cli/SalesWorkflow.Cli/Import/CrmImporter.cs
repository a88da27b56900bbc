using System.Collections.Concurrent;
using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using SalesWorkflow.Cli.Demo;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Cli.Import;

/// <summary>A row the import could not take as it is: where (file, line, column) and why.</summary>
internal sealed record ImportIssue(string File, int Line, int Column, bool IsError, string Kind, string Message)
{
    // One line per issue, whatever the CRM's values hold: a line break in a value is shown as \u000a, so that it
    // cannot start a line that looks like an issue of its own (in the terminal or the issues file).
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
    Owner Owner);

/// <summary>
/// Reads a CRM export with a <see cref="CrmMapping"/> and replays it through the engine in time order: each deal starts
/// on its engage date and is closed on its close date, so the event log holds the history a live engine would have
/// recorded (the source of every KPI and report). Every row it cannot take is reported with its position; rows are
/// never guessed at. Re-running an import is safe: command ids are derived from the CRM ids.
/// </summary>
internal sealed partial class CrmImporter(CrmMapping mapping, string folder, ProcessDefinition process)
{
    private readonly List<ImportIssue> _issues = [];

    public IReadOnlyList<ImportIssue> Issues => _issues;

    /// <summary>Reads and checks every file; returns the deals that can be imported.</summary>
    public IReadOnlyList<CrmDeal> Read()
    {
        var teams = ReadTeams();
        var accounts = ReadAccounts();
        var products = ReadProducts();
        var file = mapping.Files.Opportunities;
        var c = mapping.Columns.Opportunities;
        var deals = new List<CrmDeal>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        ReadCsv(file, [c.Id, c.Owner, c.Product, c.Account, c.Stage, c.EngagedAt, c.ClosedAt, c.Amount], row =>
        {
            var id = row.Value(c.Id);
            if (id.Length == 0)
            {
                row.Error(c.Id, "missing-id", "no opportunity id: row skipped");
                return;
            }

            if (!seen.Add(id))
            {
                row.Error(c.Id, "duplicate-id", $"opportunity `{id}` appears twice: this row is skipped");
                return;
            }

            var crmStage = row.Value(c.Stage);
            if (!mapping.Stages.TryGetValue(crmStage, out var stage))
            {
                row.Error(c.Stage, "unknown-stage", $"CRM stage `{crmStage}` is not in the mapping's `stages` ({string.Join(", ", mapping.Stages.Keys)})");
                return;
            }

            var ownerId = row.Value(c.Owner);
            if (!teams.TryGetValue(ownerId, out var owner))
            {
                row.Warning(c.Owner, "unknown-owner", $"sales agent `{ownerId}` is not in the teams file: imported without team or manager");
                owner = new Owner { Id = ownerId, Name = ownerId };
            }

            var productName = row.Value(c.Product);
            if (mapping.ProductAliases.TryGetValue(productName, out var alias))
            {
                row.Warning(c.Product, "product-alias", $"product `{productName}` read as `{alias}` (`productAliases`)");
                productName = alias;
            }

            if (!products.TryGetValue(productName, out var price))
            {
                row.Error(c.Product, "unknown-product", $"product `{productName}` is not in the products file (add it, or map the spelling under `productAliases`)");
                return;
            }

            var accountName = row.Value(c.Account);
            Account? account = null;
            if (accountName.Length == 0)
            {
                row.Warning(c.Account, "missing-account", "no account: imported without account facts");
            }
            else if (!accounts.TryGetValue(accountName, out account))
            {
                row.Warning(c.Account, "unknown-account", $"account `{accountName}` is not in the accounts file: imported with its name only");
                account = new Account { Id = accountName, Name = accountName };
            }

            if (!TryDate(row, c.EngagedAt, out var engaged))
            {
                return;
            }

            if (engaged is null)
            {
                if (stage.Status != "open" || mapping.UndatedStart is not { } start)
                {
                    row.Error(c.EngagedAt, "missing-engage-date", stage.Status == "open"
                        ? "no engage date: row skipped (set `undatedOpenDealsStartOn` in the mapping to start such deals on a fixed day)"
                        : "a closed deal needs its engage date: row skipped");
                    return;
                }

                row.Warning(c.EngagedAt, "missing-engage-date", string.Create(CultureInfo.InvariantCulture, $"no engage date: started on {start:yyyy-MM-dd} (`undatedOpenDealsStartOn`)"));
                engaged = start;
            }

            if (!TryDate(row, c.ClosedAt, out var closed))
            {
                return;
            }

            decimal amount = price;
            if (stage.Status != "open")
            {
                if (closed is null)
                {
                    row.Error(c.ClosedAt, "missing-close-date", $"a {stage.Status} deal needs its close date: row skipped");
                    return;
                }

                if (closed < engaged)
                {
                    row.Error(c.ClosedAt, "close-before-engage", string.Create(CultureInfo.InvariantCulture, $"closed {closed:yyyy-MM-dd} before it was engaged {engaged:yyyy-MM-dd}: row skipped"));
                    return;
                }

                var value = row.Value(c.Amount);
                if (!TryAmount(value, out amount) || amount < 0)
                {
                    row.Error(c.Amount, "bad-amount", $"close value `{value}` is not a non-negative number (digits, a decimal point, commas only between groups of three, at most 1,000,000,000,000,000): row skipped");
                    return;
                }
            }

            var opportunity = new Opportunity
            {
                Id = id,
                Name = account is null ? productName : $"{productName} — {account.Name}",
                Amount = amount,
                Currency = process.Currency,
                OwnerId = owner.Id,
                AccountId = account?.Id ?? string.Empty,
                Source = "crm-import",
            };
            // Kept as a custom field only where the process declares one to read it: the engine refuses fields a
            // process does not declare (invalid-custom-field), and the name above carries the product anyway.
            if (process.Fields.Any(f => f is { On: FactKind.Opportunity, Id: "product", Type: CustomFieldType.Text }))
            {
                opportunity.Custom.Set("product", productName);
            }
            deals.Add(new CrmDeal(id, row.Line, stage.Status, stage.Stage ?? mapping.EngagedStage, At(engaged.Value, 9), closed is null ? null : At(closed.Value, 17), opportunity, account, owner));
        });
        return deals;
    }

    /// <summary>A CRM date at a working hour in the process's time zone, so that reports count it on that date.</summary>
    private DateTimeOffset At(DateOnly day, int hour)
    {
        var local = day.ToDateTime(new TimeOnly(hour, 0));
        return new DateTimeOffset(local, process.Calendar.TimeZone.GetUtcOffset(local));
    }

    /// <summary>Replays the deals through the engine in time order (deals due at the same moment concurrently).</summary>
    public async Task<ImportTotals> RunAsync(ISalesWorkflowEngine engine, SimulatedClock clock, IReadOnlyList<CrmDeal> deals, Action<int, int>? progress, CancellationToken cancellationToken)
    {
        var steps = deals.Select(d => (At: d.EngagedAt, Deal: d, Close: false))
            .Concat(deals.Where(d => d.ClosedAt is not null).Select(d => (At: d.ClosedAt!.Value, Deal: d, Close: true)))
            .OrderBy(s => s.At).ThenBy(s => s.Deal.Line)
            .GroupBy(s => s.At)
            .ToList();
        var total = steps.Sum(s => s.Count());
        var totals = new ImportTotals();
        var issues = new ConcurrentBag<ImportIssue>();
        var done = 0;
        foreach (var moment in steps)
        {
            if (moment.Key > clock.GetUtcNow())
            {
                clock.Set(moment.Key);
            }

            await Parallel.ForEachAsync(moment, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (step, token) =>
            {
                var result = step.Close ? await CloseAsync(engine, step.Deal, token) : await StartAsync(engine, step.Deal, token);
                totals.Count(result.Status);
                if (result.Status == CommandStatus.Rejected)
                {
                    issues.Add(new ImportIssue(mapping.Files.Opportunities, step.Deal.Line, 1, true, "rejected", $"`{step.Deal.Id}`: the engine refused the {(step.Close ? "close" : "start")}: {result.Rejection?.Message}"));
                }
            });
            done += moment.Count();
            progress?.Invoke(done, total);
        }

        _issues.AddRange(issues.OrderBy(i => i.Line));
        return totals;
    }

    private Task<CommandResult> StartAsync(ISalesWorkflowEngine engine, CrmDeal deal, CancellationToken token) =>
        engine.SubmitAsync(new StartTracking($"import:{deal.Id}:start", deal.Id, process.Id)
        {
            Version = process.Version,
            Stage = deal.OpenStage,
            Opportunity = deal.Opportunity,
            Account = deal.Account,
            Owner = deal.Owner,
        }, token);

    private async Task<CommandResult> CloseAsync(ISalesWorkflowEngine engine, CrmDeal deal, CancellationToken token)
    {
        if (deal.Status == "lost")
        {
            return await engine.SubmitAsync(new CloseLost($"import:{deal.Id}:lost", deal.Id, mapping.LossReason) { Note = "imported from the CRM, which records no loss reason" }, token);
        }

        // Won: through each remaining stage by gate override (the CRM knows the outcome, not the stages in between).
        CommandResult result;
        var step = 0;
        do
        {
            result = await engine.SubmitAsync(new OverrideGate($"import:{deal.Id}:won:{++step}", deal.Id, "won in the CRM (imported); stage history unknown", "crm-import"), token);
        }
        while (result.Status != CommandStatus.Rejected && step < process.Stages.Count && process.FindStage(result.Stage ?? string.Empty) is { IsOpen: true });

        return result;
    }


    private static bool TryDate(CsvRow row, string column, out DateOnly? date)
    {
        date = null;
        var text = row.Value(column);
        if (text.Length == 0)
        {
            return true;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
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

        row.Error(column, "bad-date", $"`{text}` is not a date (yyyy-MM-dd): row skipped");
        return false;
    }

    private Dictionary<string, Owner> ReadTeams()
    {
        var owners = new Dictionary<string, Owner>(StringComparer.Ordinal);
        if (mapping.Files.Teams is not { } file)
        {
            return owners;
        }

        var c = mapping.Columns.Teams;
        ReadCsv(file, [c.Owner, c.Manager, c.Team], row =>
        {
            var id = row.Value(c.Owner);
            if (id.Length == 0 || !owners.TryAdd(id, new Owner { Id = id, Name = id, ManagerId = row.Value(c.Manager), Team = row.Value(c.Team) }))
            {
                row.Error(c.Owner, "bad-owner", id.Length == 0 ? "no sales agent: row skipped" : $"sales agent `{id}` appears twice: this row is skipped");
            }
        });
        return owners;
    }

    private Dictionary<string, Account> ReadAccounts()
    {
        var accounts = new Dictionary<string, Account>(StringComparer.Ordinal);
        if (mapping.Files.Accounts is not { } file)
        {
            return accounts;
        }

        var c = mapping.Columns.Accounts;
        ReadCsv(file, [c.Name, c.Industry, c.Employees, c.Revenue, c.Region], row =>
        {
            var name = row.Value(c.Name);
            if (name.Length == 0 || accounts.ContainsKey(name))
            {
                row.Error(c.Name, "bad-account", name.Length == 0 ? "no account name: row skipped" : $"account `{name}` appears twice: this row is skipped");
                return;
            }

            var industry = row.Value(c.Industry);
            if (mapping.SectorAliases.TryGetValue(industry, out var corrected))
            {
                row.Warning(c.Industry, "sector-alias", $"sector `{industry}` read as `{corrected}` (`sectorAliases`)");
                industry = corrected;
            }

            var account = new Account { Id = name, Name = name, Industry = industry, Region = row.Value(c.Region) };
            if (int.TryParse(row.Value(c.Employees), NumberStyles.Integer, CultureInfo.InvariantCulture, out var employees))
            {
                account.Employees = employees;
            }
            else if (row.Value(c.Employees).Length > 0)
            {
                row.Warning(c.Employees, "bad-number", $"employees `{row.Value(c.Employees)}` is not a whole number: left empty");
            }

            if (TryAmount(row.Value(c.Revenue), out var revenue) && revenue * mapping.AccountRevenueUnit <= MaxAmount * 1_000_000)
            {
                account.AnnualRevenue = revenue * mapping.AccountRevenueUnit;
            }
            else if (row.Value(c.Revenue).Length > 0)
            {
                row.Warning(c.Revenue, "bad-number", $"revenue `{row.Value(c.Revenue)}` is not a number: left empty");
            }

            accounts[name] = account;
        });
        return accounts;
    }

    private Dictionary<string, decimal> ReadProducts()
    {
        var products = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (mapping.Files.Products is not { } file)
        {
            return products;
        }

        var c = mapping.Columns.Products;
        ReadCsv(file, [c.Name, c.Price], row =>
        {
            var name = row.Value(c.Name);
            if (!TryAmount(row.Value(c.Price), out var price) || price < 0)
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
    private void ReadCsv(string file, string[] columns, Action<CsvRow> take)
    {
        if (!FolderFiles.TryResolve(folder, file, out var path, out var refusal))
        {
            _issues.Add(new ImportIssue(file, 0, 0, true, "file-outside-folder", $"`{file}` may not be read: {refusal}"));
            return;
        }

        if (!File.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            _issues.Add(new ImportIssue(file, 0, 0, true, "missing-file", $"file not found in {folder}"));
            return;
        }

        // A device, a pipe or a /proc file, also behind a link: a pipe would block the import waiting for a writer.
        if (FolderFiles.RefusalToRead(path) is { } notReadable)
        {
            _issues.Add(new ImportIssue(file, 0, 0, true, "empty-file", $"the file cannot be read: {notReadable}"));
            return;
        }

        if (FirstInvalidUtf8Line(path) is { } badLine)
        {
            _issues.Add(NotUtf8(file, badLine));
            return;
        }

        // Strict UTF-8: a GBK or Latin-1 export read leniently turns its names into U+FFFD, and two CRM ids that
        // differ only in those bytes would merge into one.
        using var reader = new StreamReader(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true);
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

        var missing = columns.Where(c => !index.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            _issues.Add(new ImportIssue(file, 1, 1, true, "missing-column", $"the header lacks {string.Join(", ", missing.Select(m => $"`{m}`"))} (columns: {string.Join(", ", header)}); fix the file or the mapping's `columns`"));
            return;
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

    private static ImportIssue NotUtf8(string file, int line) =>
        new(file, line, 1, true, "not-utf8", "this line is not UTF-8 (a GBK or Latin-1 export?), so none of the file is imported: save the export as UTF-8 and import again");

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
    /// An amount as CRMs export it: digits with an optional decimal point, commas only between groups of three
    /// (<c>1,054</c>, <c>7,450,000.00</c>). <c>10,50</c> (a decimal comma) or <c>1,5</c> is refused, not read as 1050 or 15.
    /// </summary>
    internal static bool TryAmount(string text, out decimal amount)
    {
        amount = 0;
        return AmountPattern().IsMatch(text)
            && decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out amount)
            && Math.Abs(amount) <= MaxAmount;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")]
    private static partial System.Text.RegularExpressions.Regex AmountPattern();

    /// <summary>Longest CSV field read (100,000 characters): no CRM export writes longer values, and a runaway one is refused before it fills memory.</summary>
    private const int MaxFieldLength = 100_000;

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    /// <summary>One data row with its position, for values and issues.</summary>
    private sealed class CsvRow(string file, int line, CsvReader csv, Dictionary<string, int> index, List<ImportIssue> issues)
    {
        public int Line => line;

        public string Value(string column) => (csv.GetField(index[column]) ?? string.Empty).Trim();

        public void Error(string column, string kind, string message) => issues.Add(new ImportIssue(file, line, index[column] + 1, true, kind, message));

        public void Warning(string column, string kind, string message) => issues.Add(new ImportIssue(file, line, index[column] + 1, false, kind, message));
    }
}

/// <summary>What the engine did with the import's commands.</summary>
internal sealed class ImportTotals
{
    private int _applied;
    private int _duplicates;
    private int _rejected;

    public int Applied => _applied;

    public int Duplicates => _duplicates;

    public int Rejected => _rejected;

    public void Count(CommandStatus status)
    {
        _ = status switch
        {
            CommandStatus.Applied => Interlocked.Increment(ref _applied),
            CommandStatus.Duplicate => Interlocked.Increment(ref _duplicates),
            _ => Interlocked.Increment(ref _rejected),
        };
    }
}
