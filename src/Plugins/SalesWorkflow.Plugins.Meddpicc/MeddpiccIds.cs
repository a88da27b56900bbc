namespace SalesWorkflow.Plugins.Meddpicc;

/// <summary>
/// Ids of what the <c>meddpicc</c> plugin reports: read them in YAML with <c>Met("…")</c> and <c>HasRisk("…")</c>.
/// </summary>
public static class MeddpiccIds
{
    /// <summary>Criterion: the customer agrees the quantified benefits.</summary>
    public const string Metrics = "meddpicc.metrics";

    /// <summary>Criterion: a contact has the role <c>economic-buyer</c>.</summary>
    public const string EconomicBuyer = "meddpicc.economic-buyer";

    /// <summary>Criterion: the decision criteria are known.</summary>
    public const string DecisionCriteria = "meddpicc.decision-criteria";

    /// <summary>Criterion: the decision process is known.</summary>
    public const string DecisionProcess = "meddpicc.decision-process";

    /// <summary>Criterion: the paper process is known.</summary>
    public const string PaperProcess = "meddpicc.paper-process";

    /// <summary>Criterion: the business pain is identified.</summary>
    public const string Pain = "meddpicc.pain";

    /// <summary>Criterion: a contact is a champion.</summary>
    public const string Champion = "meddpicc.champion";

    /// <summary>Criterion: the competition is assessed.</summary>
    public const string Competition = "meddpicc.competition";

    /// <summary>Risk: no champion although the deal is past needs analysis.</summary>
    public const string NoChampion = "meddpicc.no-champion";

    /// <summary>Risk: no economic buyer although the deal is in proposal or later.</summary>
    public const string NoEconomicBuyer = "meddpicc.no-economic-buyer";

    /// <summary>Risk: fewer MEDDPICC elements than the deal's funnel position calls for.</summary>
    public const string LowScore = "meddpicc.low-score";

    /// <summary>The element ids without the <c>meddpicc.</c> prefix, in MEDDPICC order (as <see cref="MeddpiccAssessment.Missing"/> lists them).</summary>
    internal static readonly string[] Elements =
        ["metrics", "economic-buyer", "decision-criteria", "decision-process", "paper-process", "pain", "champion", "competition"];
}
