using System.Globalization;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Plugins.CreditRisk;

/// <summary>What a credit bureau (or your ERP) knows about an account.</summary>
/// <param name="Rating">Rating such as <c>AA</c> or <c>B</c>.</param>
/// <param name="Limit">Credit limit in the deal's currency, if any.</param>
public sealed record CreditReport(string Rating, decimal? Limit);

/// <summary>Looks up credit reports. Implement it over your bureau's API; it may be slow, the engine caches it.</summary>
public interface ICreditBureau
{
    /// <summary>The report for an account, or null when the bureau does not know it.</summary>
    ValueTask<CreditReport?> GetReportAsync(string accountId, CancellationToken cancellationToken);
}

/// <summary>
/// A bureau backed by a CSV file (<c>account_id,rating,limit</c>, header optional), read once. Useful for tests, demos
/// and companies whose finance team exports ratings nightly.
/// </summary>
public sealed class CsvCreditBureau : ICreditBureau
{
    private readonly Dictionary<string, CreditReport> _reports = new(StringComparer.Ordinal);

    /// <summary>Reads the file; a malformed line throws with its number.</summary>
    public CsvCreditBureau(string path)
    {
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var cells = line.Split(',');
            if (line.Length == 0 || (number == 1 && cells[0].Trim().Equals("account_id", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (cells.Length < 2 || cells[0].Trim().Length == 0)
            {
                throw new FormatException($"{path}:{number}: expected account_id,rating[,limit]");
            }

            decimal? limit = null;
            if (cells.Length > 2 && cells[2].Trim().Length > 0)
            {
                limit = decimal.TryParse(cells[2].Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var value)
                    ? value
                    : throw new FormatException($"{path}:{number}: limit `{cells[2].Trim()}` is not a number");
            }

            _reports[cells[0].Trim()] = new CreditReport(cells[1].Trim(), limit);
        }
    }

    /// <inheritdoc />
    public ValueTask<CreditReport?> GetReportAsync(string accountId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_reports.GetValueOrDefault(accountId));
}

/// <summary>
/// Fills <see cref="Account.CreditRating"/> and <see cref="Account.CreditLimit"/> from a bureau before evaluation when
/// the account has none of its own (data the rep entered wins). Cached per account for an hour; 2 s timeout.
/// </summary>
internal sealed class CreditBureauEnricher(ICreditBureau bureau) : IFactEnricher
{
    public string Name => "bureau";

    public EnricherPolicy Policy { get; } = new(TimeSpan.FromSeconds(2), TimeSpan.FromHours(1));

    public string? CacheKey(Opportunity opportunity, Account account) =>
        string.IsNullOrEmpty(account.Id) ? null : account.Id;

    public async ValueTask<object?> LookUpAsync(Opportunity opportunity, Account account, CancellationToken cancellationToken) =>
        await bureau.GetReportAsync(account.Id, cancellationToken);

    public void Apply(object? value, Opportunity opportunity, Account account)
    {
        if (value is not CreditReport report)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(account.CreditRating))
        {
            account.CreditRating = report.Rating;
        }

        account.CreditLimit ??= report.Limit;
    }
}
