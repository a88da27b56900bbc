using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Events;

// The facts as event payloads carry them. These records, not the Sdk's fact classes, are the stored contract
// (docs/events.md): a renamed Sdk property changes nothing that is written or read back. Member order is the stored
// JSON's order; the id comes last, as the facts were written before these records existed.

/// <summary>An opportunity as an event stores it (see <see cref="Opportunity"/>).</summary>
public sealed record StoredOpportunity
{
    /// <summary>Display name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Deal value.</summary>
    public decimal Amount { get; init; }

    /// <summary>ISO currency code, empty when not given.</summary>
    public string Currency { get; init; } = string.Empty;

    /// <summary>The stage the engine had the deal in when the facts were written.</summary>
    public string Stage { get; init; } = string.Empty;

    /// <summary>Win probability set by hand, overriding the stage's default.</summary>
    public double? ProbabilityOverride { get; init; }

    /// <summary>Expected close date.</summary>
    public DateTimeOffset? ExpectedCloseDate { get; init; }

    /// <summary>When the opportunity was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the facts last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The owning rep.</summary>
    public string OwnerId { get; init; } = string.Empty;

    /// <summary>The account.</summary>
    public string AccountId { get; init; } = string.Empty;

    /// <summary>Lead source.</summary>
    public string Source { get; init; } = string.Empty;

    /// <summary>Discount granted, in percent.</summary>
    public decimal DiscountPercent { get; init; }

    /// <summary>The next step the rep recorded.</summary>
    public string NextStep { get; init; } = string.Empty;

    /// <summary>Competitors in the deal.</summary>
    public IReadOnlyList<string> Competitors { get; init; } = [];

    /// <summary>Custom fields, each with its type.</summary>
    public CustomFields Custom { get; init; } = new();

    /// <summary>The deal id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>The stored opportunity as a new Sdk fact (a copy: changing it changes nothing stored).</summary>
    public Opportunity ToFact() => new()
    {
        Id = Id,
        Name = Name,
        Amount = Amount,
        Currency = Currency,
        Stage = Stage,
        ProbabilityOverride = ProbabilityOverride,
        ExpectedCloseDate = ExpectedCloseDate,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        OwnerId = OwnerId,
        AccountId = AccountId,
        Source = Source,
        DiscountPercent = DiscountPercent,
        NextStep = NextStep,
        Competitors = [.. Competitors],
        Custom = StoredFacts.Copy(Custom),
    };

    internal static StoredOpportunity From(Opportunity fact) => new()
    {
        Id = fact.Id,
        Name = fact.Name,
        Amount = fact.Amount,
        Currency = fact.Currency,
        Stage = fact.Stage,
        ProbabilityOverride = fact.ProbabilityOverride,
        ExpectedCloseDate = fact.ExpectedCloseDate,
        CreatedAt = fact.CreatedAt,
        UpdatedAt = fact.UpdatedAt,
        OwnerId = fact.OwnerId,
        AccountId = fact.AccountId,
        Source = fact.Source,
        DiscountPercent = fact.DiscountPercent,
        NextStep = fact.NextStep,
        Competitors = [.. (fact.Competitors ?? []).Where(c => c is not null)],
        Custom = StoredFacts.Copy(fact.Custom),
    };
}

/// <summary>An account as an event stores it (see <see cref="Account"/>).</summary>
public sealed record StoredAccount
{
    /// <summary>Display name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Industry.</summary>
    public string Industry { get; init; } = string.Empty;

    /// <summary>Region.</summary>
    public string Region { get; init; } = string.Empty;

    /// <summary>Head count.</summary>
    public int? Employees { get; init; }

    /// <summary>Annual revenue.</summary>
    public decimal? AnnualRevenue { get; init; }

    /// <summary>Credit rating.</summary>
    public string CreditRating { get; init; } = string.Empty;

    /// <summary>Credit limit.</summary>
    public decimal? CreditLimit { get; init; }

    /// <summary>Outstanding balance.</summary>
    public decimal OutstandingBalance { get; init; }

    /// <summary>Overdue amount.</summary>
    public decimal OverdueAmount { get; init; }

    /// <summary>Days the oldest invoice is past due.</summary>
    public int DaysPastDue { get; init; }

    /// <summary>Payment history.</summary>
    public IReadOnlyList<StoredPayment> Payments { get; init; } = [];

    /// <summary>Custom fields, each with its type.</summary>
    public CustomFields Custom { get; init; } = new();

    /// <summary>The account id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>The stored account as a new Sdk fact.</summary>
    public Account ToFact() => new()
    {
        Id = Id,
        Name = Name,
        Industry = Industry,
        Region = Region,
        Employees = Employees,
        AnnualRevenue = AnnualRevenue,
        CreditRating = CreditRating,
        CreditLimit = CreditLimit,
        OutstandingBalance = OutstandingBalance,
        OverdueAmount = OverdueAmount,
        DaysPastDue = DaysPastDue,
        Payments = [.. Payments.Select(p => new Payment { Id = p.Id, DueAt = p.DueAt, PaidAt = p.PaidAt, Amount = p.Amount })],
        Custom = StoredFacts.Copy(Custom),
    };

    internal static StoredAccount From(Account fact) => new()
    {
        Id = fact.Id,
        Name = fact.Name,
        Industry = fact.Industry,
        Region = fact.Region,
        Employees = fact.Employees,
        AnnualRevenue = fact.AnnualRevenue,
        CreditRating = fact.CreditRating,
        CreditLimit = fact.CreditLimit,
        OutstandingBalance = fact.OutstandingBalance,
        OverdueAmount = fact.OverdueAmount,
        DaysPastDue = fact.DaysPastDue,
        Payments = [.. (fact.Payments ?? []).Where(p => p is not null).Select(p => new StoredPayment { Id = p.Id, DueAt = p.DueAt, PaidAt = p.PaidAt, Amount = p.Amount, DaysLate = p.DaysLate })],
        Custom = StoredFacts.Copy(fact.Custom),
    };
}

/// <summary>A payment of an account's history, as stored.</summary>
public sealed record StoredPayment
{
    /// <summary>When it was due.</summary>
    public DateTimeOffset DueAt { get; init; }

    /// <summary>When it was paid, if it was.</summary>
    public DateTimeOffset? PaidAt { get; init; }

    /// <summary>Amount.</summary>
    public decimal Amount { get; init; }

    /// <summary>Days paid late (derived when written; kept so the stored JSON reads back whole).</summary>
    public int? DaysLate { get; init; }

    /// <summary>The payment id.</summary>
    public string Id { get; init; } = string.Empty;
}

/// <summary>The owning rep as an event stores them (see <see cref="Owner"/>).</summary>
public sealed record StoredOwner
{
    /// <summary>Name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Team.</summary>
    public string Team { get; init; } = string.Empty;

    /// <summary>The rep's manager.</summary>
    public string ManagerId { get; init; } = string.Empty;

    /// <summary>Open deals the rep carried.</summary>
    public int OpenDeals { get; init; }

    /// <summary>When the rep was last active.</summary>
    public DateTimeOffset? LastActiveAt { get; init; }

    /// <summary>The rep's id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>The stored owner as a new Sdk fact.</summary>
    public Owner ToFact() => new() { Id = Id, Name = Name, Team = Team, ManagerId = ManagerId, OpenDeals = OpenDeals, LastActiveAt = LastActiveAt };

    internal static StoredOwner From(Owner fact) => new()
    {
        Id = fact.Id,
        Name = fact.Name,
        Team = fact.Team,
        ManagerId = fact.ManagerId,
        OpenDeals = fact.OpenDeals,
        LastActiveAt = fact.LastActiveAt,
    };
}

/// <summary>A contact as an event stores it (see <see cref="Contact"/>).</summary>
public sealed record StoredContact
{
    /// <summary>Name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Role at the account.</summary>
    public string Role { get; init; } = string.Empty;

    /// <summary>Decides the purchase.</summary>
    public bool IsDecisionMaker { get; init; }

    /// <summary>Champions the deal inside the account.</summary>
    public bool IsChampion { get; init; }

    /// <summary>Last contacted.</summary>
    public DateTimeOffset? LastContactedAt { get; init; }

    /// <summary>Custom fields, each with its type.</summary>
    public CustomFields Custom { get; init; } = new();

    /// <summary>The contact id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>The stored contact as a new Sdk fact.</summary>
    public Contact ToFact() => new()
    {
        Id = Id,
        Name = Name,
        Role = Role,
        IsDecisionMaker = IsDecisionMaker,
        IsChampion = IsChampion,
        LastContactedAt = LastContactedAt,
        Custom = StoredFacts.Copy(Custom),
    };

    internal static StoredContact From(Contact fact) => new()
    {
        Id = fact.Id,
        Name = fact.Name,
        Role = fact.Role,
        IsDecisionMaker = fact.IsDecisionMaker,
        IsChampion = fact.IsChampion,
        LastContactedAt = fact.LastContactedAt,
        Custom = StoredFacts.Copy(fact.Custom),
    };
}

/// <summary>An approval as an event stores it (see <see cref="Approval"/>).</summary>
public sealed record StoredApproval
{
    /// <summary>What was approved (e.g. discount).</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>Granted or refused.</summary>
    public bool Granted { get; init; }

    /// <summary>Who decided.</summary>
    public string By { get; init; } = string.Empty;

    /// <summary>When.</summary>
    public DateTimeOffset? At { get; init; }

    /// <summary>Notes.</summary>
    public string Notes { get; init; } = string.Empty;

    /// <summary>The approval id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>The stored approval as a new Sdk fact.</summary>
    public Approval ToFact() => new() { Id = Id, Kind = Kind, Granted = Granted, By = By, At = At, Notes = Notes };

    internal static StoredApproval From(Approval fact) => new() { Id = fact.Id, Kind = fact.Kind, Granted = fact.Granted, By = fact.By, At = fact.At, Notes = fact.Notes };
}

internal static class StoredFacts
{
    // A caller's fact may carry a null where the Sdk declares none (deserialised from a request, set with '!'):
    // copying treats a null list or custom fields as empty and leaves null items out, so deciding never meets one.
    public static CustomFields Copy(CustomFields? source)
    {
        var copy = new CustomFields();
        foreach (var (id, value) in source ?? [])
        {
            _ = value switch
            {
                decimal number => copy.Set(id, number),
                bool flag => copy.Set(id, flag),
                DateTimeOffset date => copy.Set(id, date),
                _ => copy.Set(id, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty),
            };
        }

        return copy;
    }
}
