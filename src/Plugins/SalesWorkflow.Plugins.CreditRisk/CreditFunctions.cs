using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Plugins.CreditRisk;

/// <summary>
/// The <c>credit.*</c> functions for YAML conditions (customer/payment risk: can this customer pay?). Pure: they read
/// only the facts passed in. The C# rules of this plugin use the same functions, so a condition and a rule never
/// disagree about what "over the limit" means.
/// </summary>
public static class CreditFunctions
{
    /// <summary>
    /// A 0–100 payment-ability score: starts from the credit rating (AAA 100 … C 20, unrated 50), minus up to 30
    /// points for the overdue share of the outstanding balance, up to 20 for days past due (1 point per 3 days), and
    /// up to 20 for a poor on-time payment record.
    /// </summary>
    public static int Score(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        double score = RatingPoints(account.CreditRating);
        if (account.OutstandingBalance > 0)
        {
            score -= 30 * (double)Math.Min(1m, account.OverdueAmount / account.OutstandingBalance);
        }

        score -= Math.Min(20, account.DaysPastDue / 3.0);
        if (account.Payments.Count > 0)
        {
            score -= 20 * (1 - OnTimeRate(account));
        }

        return (int)Math.Round(Math.Clamp(score, 0, 100), MidpointRounding.AwayFromZero);
    }

    /// <summary>Share (0–1) of due payments paid within 5 days of their due date; 1 when there are none yet.</summary>
    public static double OnTimeRate(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        var due = account.Payments.Where(p => p.PaidAt is not null || p.DueAt < DateTimeOffset.MaxValue).ToList();
        if (due.Count == 0)
        {
            return 1;
        }

        return due.Count(p => p.DaysLate is <= 5) / (double)due.Count;
    }

    /// <summary>Mean days late of paid payments; 0 when nothing was paid yet.</summary>
    public static double AverageDaysLate(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        var paid = account.Payments.Where(p => p.DaysLate is not null).ToList();
        return paid.Count == 0 ? 0 : paid.Average(p => p.DaysLate!.Value);
    }

    /// <summary>
    /// (Outstanding balance + this deal's amount) ÷ credit limit: above 1 the deal takes the customer over its limit.
    /// 0 when no limit is set (unknown, not unlimited: pair it with <c>Account.CreditLimit != null</c>).
    /// </summary>
    public static double Exposure(Opportunity opportunity, Account account)
    {
        ArgumentNullException.ThrowIfNull(opportunity);
        ArgumentNullException.ThrowIfNull(account);
        return account.CreditLimit is > 0 and var limit ? (double)((account.OutstandingBalance + opportunity.Amount) / limit) : 0;
    }

    /// <summary>True when the deal takes the customer over its credit limit.</summary>
    public static bool IsOverLimit(Opportunity opportunity, Account account) => Exposure(opportunity, account) > 1;

    /// <summary>True when money is overdue for more than <paramref name="days"/> days.</summary>
    public static bool HasOverdue(Account account, int days)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.OverdueAmount > 0 && account.DaysPastDue > days;
    }

    private static int RatingPoints(string rating) => rating.Trim().ToUpperInvariant() switch
    {
        "AAA" => 100,
        "AA" => 92,
        "A" => 85,
        "BBB" => 75,
        "BB" => 62,
        "B" => 48,
        "CCC" => 35,
        "CC" or "C" => 20,
        "D" => 5,
        _ => 50,
    };
}
