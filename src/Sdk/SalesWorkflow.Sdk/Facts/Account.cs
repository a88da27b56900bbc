namespace SalesWorkflow.Sdk.Facts;

/// <summary>The customer account of a deal, with its credit and payment data. Conditions read it as <c>Account</c>.</summary>
public class Account : Fact
{
    /// <summary>Company name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Industry.</summary>
    public string Industry { get; set; } = string.Empty;

    /// <summary>Sales region.</summary>
    public string Region { get; set; } = string.Empty;

    /// <summary>Number of employees, if known.</summary>
    public int? Employees { get; set; }

    /// <summary>Annual revenue, if known.</summary>
    public decimal? AnnualRevenue { get; set; }

    /// <summary>Credit rating such as <c>AAA</c>, <c>BB</c> or <c>D</c>; empty when unrated.</summary>
    public string CreditRating { get; set; } = string.Empty;

    /// <summary>Credit limit granted, if any.</summary>
    public decimal? CreditLimit { get; set; }

    /// <summary>Amount currently owed.</summary>
    public decimal OutstandingBalance { get; set; }

    /// <summary>Amount past due.</summary>
    public decimal OverdueAmount { get; set; }

    /// <summary>Days the oldest unpaid invoice is past due.</summary>
    public int DaysPastDue { get; set; }

    /// <summary>Invoices and how they were paid.</summary>
    public IList<Payment> Payments { get; set; } = [];

    /// <summary>Custom fields declared by the process.</summary>
    public CustomFields Custom { get; set; } = new();
}

/// <summary>One invoice of an account.</summary>
public class Payment : Fact
{
    /// <summary>When it was due.</summary>
    public DateTimeOffset DueAt { get; set; }

    /// <summary>When it was paid; null while unpaid.</summary>
    public DateTimeOffset? PaidAt { get; set; }

    /// <summary>Invoice amount.</summary>
    public decimal Amount { get; set; }

    /// <summary>Whole days paid after the due date (0 when on time); null while unpaid.</summary>
    public int? DaysLate => PaidAt is { } paid ? Math.Max(0, (int)(paid - DueAt).TotalDays) : null;
}
