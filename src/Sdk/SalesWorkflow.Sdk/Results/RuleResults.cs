namespace SalesWorkflow.Sdk.Results;

/// <summary>How bad a raised risk is.</summary>
public enum RiskSeverity
{
    /// <summary>Worth watching.</summary>
    Low = 0,

    /// <summary>Needs a plan.</summary>
    Medium = 1,

    /// <summary>Needs action now.</summary>
    High = 2,

    /// <summary>Threatens the deal.</summary>
    Critical = 3,
}

/// <summary>
/// Inserted (as a linked fact) when a risk rule matches, by YAML rules and C# rules alike; later rules can match it
/// (a YAML condition reads it through <c>HasRisk("id")</c>). A YAML risk rule carries its category, severity, weight
/// and advice in the definition; a C# rule sets them here (they are ignored when a YAML risk with the same id exists).
/// </summary>
public sealed class RiskRaised
{
    /// <summary>Creates the fact for the risk with this id.</summary>
    public RiskRaised(string riskId)
    {
        ArgumentException.ThrowIfNullOrEmpty(riskId);
        RiskId = riskId;
    }

    /// <summary>Id of the risk; a C# rule should prefix it with its plugin's name (<c>meddpicc.no-champion</c>).</summary>
    public string RiskId { get; }

    /// <summary>Category: market, customer, team, or another word your processes use (default customer).</summary>
    public string Category { get; init; } = "customer";

    /// <summary>Severity (default medium).</summary>
    public RiskSeverity Severity { get; init; } = RiskSeverity.Medium;

    /// <summary>Points taken off the deal's 0–100 health score (default 10).</summary>
    public int Weight { get; init; } = 10;

    /// <summary>What to do about it, by language (<c>en</c>, <c>zh</c>…).</summary>
    public IDictionary<string, string> Advice { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <inheritdoc />
    public override string ToString() => "risk " + RiskId;
}

/// <summary>
/// Inserted by a C# rule when something it checks holds for the deal (e.g. <c>meddpicc.champion-identified</c>).
/// A YAML exit criterion, risk or escalation reads it with <c>Met("id")</c>, so a plugin's check can gate a stage
/// and be explained like any YAML condition.
/// </summary>
public sealed class CriterionMet
{
    /// <summary>Creates the fact for the check with this id.</summary>
    public CriterionMet(string criterionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(criterionId);
        CriterionId = criterionId;
    }

    /// <summary>Id of the check; prefix it with the plugin's name.</summary>
    public string CriterionId { get; }

    /// <inheritdoc />
    public override string ToString() => "met " + CriterionId;
}
