namespace SalesWorkflow.Sdk.Results;

/// <summary>
/// Inserted (as a linked fact) when a risk rule matches, by YAML rules and C# rules alike; later rules can match it
/// (a YAML condition reads it through <c>HasRisk("id")</c>).
/// </summary>
public sealed class RiskRaised
{
    /// <summary>Creates the fact for the risk rule with this id.</summary>
    public RiskRaised(string riskId)
    {
        ArgumentException.ThrowIfNullOrEmpty(riskId);
        RiskId = riskId;
    }

    /// <summary>Id of the risk rule that matched.</summary>
    public string RiskId { get; }

    /// <inheritdoc />
    public override string ToString() => "risk " + RiskId;
}
