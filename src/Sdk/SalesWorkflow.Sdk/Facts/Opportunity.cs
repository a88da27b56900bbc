namespace SalesWorkflow.Sdk.Facts;

/// <summary>A sales opportunity (deal). Conditions read it as <c>Opportunity</c>.</summary>
public class Opportunity : Fact
{
    /// <summary>Name of the deal.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Expected revenue.</summary>
    public decimal Amount { get; set; }

    /// <summary>ISO 4217 currency of <see cref="Amount"/>.</summary>
    public string Currency { get; set; } = string.Empty;

    /// <summary>Current stage id (kept by the engine).</summary>
    public string Stage { get; set; } = string.Empty;

    /// <summary>The rep's own win probability (0–1), overriding the stage default; null to use the stage's.</summary>
    public double? ProbabilityOverride { get; set; }

    /// <summary>When the deal is expected to close.</summary>
    public DateTimeOffset? ExpectedCloseDate { get; set; }

    /// <summary>When the deal was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the deal was last changed.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Owning sales rep.</summary>
    public string OwnerId { get; set; } = string.Empty;

    /// <summary>Customer account.</summary>
    public string AccountId { get; set; } = string.Empty;

    /// <summary>Lead source (campaign, referral, inbound…).</summary>
    public string Source { get; set; } = string.Empty;

    /// <summary>Discount offered, in percent (0–100).</summary>
    public decimal DiscountPercent { get; set; }

    /// <summary>The next step agreed with the customer.</summary>
    public string NextStep { get; set; } = string.Empty;

    /// <summary>Competitors present in the deal.</summary>
    public IList<string> Competitors { get; set; } = [];

    /// <summary>Custom fields declared by the process.</summary>
    public CustomFields Custom { get; set; } = new();
}
