using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Plugins.Meddpicc;

/// <summary>
/// The eight MEDDPICC checks and the funnel position they are judged against, as pure functions. The plugin's rules
/// use them, and YAML conditions call them under the <c>meddpicc</c> namespace, e.g.
/// <c>meddpicc.Score(Opportunity, Contacts) &gt;= 6</c>. Each element reads exactly what the matching criterion of the
/// <c>meddpicc</c> rule pack (<c>definitions/packs/meddpicc.yaml</c>) reads, so the plugin and the pack never disagree
/// about a deal. Thread-safe; only <see cref="Missing"/> allocates.
/// </summary>
public static class MeddpiccAssessment
{
    // Custom fields declared by definitions/packs/meddpicc.yaml; a process that does not declare them reads as "no".
    private const string MetricsAgreedField = "metricsAgreed";
    private const string DecisionCriteriaKnownField = "decisionCriteriaKnown";
    private const string DecisionProcessKnownField = "decisionProcessKnown";
    private const string PaperProcessKnownField = "paperProcessKnown";
    private const string PainIdentifiedField = "painIdentified";
    private const string CompetitionAssessedField = "competitionAssessed";
    private const string EconomicBuyerRole = "economic-buyer";

    /// <summary>Win probability from which a deal counts as past needs analysis (a champion is expected).</summary>
    internal const double PastNeedsAnalysis = 0.4;

    /// <summary>Win probability from which a deal counts as in proposal (an economic buyer and 5 elements are expected).</summary>
    internal const double InProposal = 0.5;

    /// <summary>Win probability from which a deal counts as in negotiation or closing (7 elements are expected).</summary>
    internal const double InClosing = 0.8;

    /// <summary>Elements expected from <see cref="InProposal"/> on.</summary>
    internal const int ProposalScore = 5;

    /// <summary>Elements expected from <see cref="InClosing"/> on.</summary>
    internal const int ClosingScore = 7;

    // Default probabilities of the open stages of the shipped processes (standard-b2b and saas-velocity). Stage ids
    // alone cannot place a deal of another process, so the rep's probability override counts too (see FunnelProbability).
    // "proposal" is 0.5 in standard-b2b and 0.65 in saas-velocity: every threshold above treats both values alike.
    private static readonly Dictionary<string, double> ShippedStageProbabilities = new(StringComparer.Ordinal)
    {
        ["lead"] = 0.05,
        ["first-contact"] = 0.1,
        ["discovery"] = 0.1,
        ["needs-analysis"] = 0.25,
        ["demo"] = 0.25,
        ["trial"] = 0.45,
        ["proposal"] = 0.5,
        ["negotiation"] = 0.8,
        ["closing"] = 0.85,
    };

    /// <summary>M — Metrics: the customer agrees the quantified benefits (<c>Opportunity.metricsAgreed</c>).</summary>
    public static bool Metrics(Opportunity opportunity) => Field(opportunity, MetricsAgreedField);

    /// <summary>E — Economic buyer: a contact has the role <c>economic-buyer</c>.</summary>
    public static bool EconomicBuyer(IEnumerable<Contact> contacts)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        foreach (var contact in contacts)
        {
            if (IsEconomicBuyer(contact))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when this contact is the economic buyer (role <c>economic-buyer</c>).</summary>
    public static bool IsEconomicBuyer(Contact contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        return contact.Role == EconomicBuyerRole;
    }

    /// <summary>D — Decision criteria are known (<c>Opportunity.decisionCriteriaKnown</c>).</summary>
    public static bool DecisionCriteria(Opportunity opportunity) => Field(opportunity, DecisionCriteriaKnownField);

    /// <summary>D — Decision process is known (<c>Opportunity.decisionProcessKnown</c>).</summary>
    public static bool DecisionProcess(Opportunity opportunity) => Field(opportunity, DecisionProcessKnownField);

    /// <summary>P — Paper process is known (<c>Opportunity.paperProcessKnown</c>).</summary>
    public static bool PaperProcess(Opportunity opportunity) => Field(opportunity, PaperProcessKnownField);

    /// <summary>I — Identify pain: the business pain is identified (<c>Opportunity.painIdentified</c>).</summary>
    public static bool Pain(Opportunity opportunity) => Field(opportunity, PainIdentifiedField);

    /// <summary>C — Champion: a contact sells for us inside the customer (<c>IsChampion</c>).</summary>
    public static bool Champion(IEnumerable<Contact> contacts)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        foreach (var contact in contacts)
        {
            if (IsChampion(contact))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when this contact is a champion (<c>IsChampion</c>).</summary>
    public static bool IsChampion(Contact contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        return contact.IsChampion;
    }

    /// <summary>C — Competition is assessed (<c>Opportunity.competitionAssessed</c>).</summary>
    public static bool Competition(Opportunity opportunity) => Field(opportunity, CompetitionAssessedField);

    /// <summary>How many of the eight elements are present: 0 to 8.</summary>
    public static int Score(Opportunity opportunity, IEnumerable<Contact> contacts)
    {
        var (economicBuyer, champion) = ContactElements(contacts);
        return Count(Metrics(opportunity)) + Count(economicBuyer) + Count(DecisionCriteria(opportunity)) +
            Count(DecisionProcess(opportunity)) + Count(PaperProcess(opportunity)) + Count(Pain(opportunity)) +
            Count(champion) + Count(Competition(opportunity));
    }

    /// <summary>
    /// The ids of the missing elements in MEDDPICC order, comma-separated (<c>metrics,paper-process</c>); empty when
    /// all eight are present. The ids are those of the <c>meddpicc.&lt;id&gt;</c> criteria the plugin reports.
    /// </summary>
    public static string Missing(Opportunity opportunity, IEnumerable<Contact> contacts)
    {
        var (economicBuyer, champion) = ContactElements(contacts);
        var present = new[]
        {
            Metrics(opportunity), economicBuyer, DecisionCriteria(opportunity), DecisionProcess(opportunity),
            PaperProcess(opportunity), Pain(opportunity), champion, Competition(opportunity),
        };
        return string.Join(',', MeddpiccIds.Elements.Where((_, i) => !present[i]));
    }

    /// <summary>
    /// Where the deal stands in the funnel, as a win probability (0–1): the higher of the stage's default in the
    /// shipped processes (<c>lead</c> 0.05 … <c>closing</c> 0.85) and the rep's override; null when the stage is not
    /// one of theirs and there is no override. The higher of the two, because a deal needs the qualification of its
    /// stage whatever the rep forecasts, and the qualification of its forecast whatever its stage.
    /// </summary>
    public static double? FunnelProbability(string stage, double? probabilityOverride)
    {
        double? byStage = stage is not null && ShippedStageProbabilities.TryGetValue(stage, out var p) ? p : null;
        double? byOverride = probabilityOverride is { } o && !double.IsNaN(o) ? Math.Clamp(o, 0.0, 1.0) : null;
        return (byStage, byOverride) switch
        {
            ({ } s, { } r) => Math.Max(s, r),
            ({ } s, null) => s,
            (null, { } r) => r,
            _ => null,
        };
    }

    /// <summary>
    /// The MEDDPICC score a deal should have reached at this point of the funnel: 7 from probability 0.8 (negotiation,
    /// closing), 5 from 0.5 (proposal), otherwise 0 (no expectation yet, and none when the position is unknown).
    /// </summary>
    public static int RequiredScore(string stage, double? probabilityOverride) =>
        FunnelProbability(stage, probabilityOverride) switch
        {
            >= InClosing => ClosingScore,
            >= InProposal => ProposalScore,
            _ => 0,
        };

    /// <summary>True when the deal's funnel position is known and at least <paramref name="threshold"/>.</summary>
    internal static bool IsAtLeast(DealContext deal, Opportunity opportunity, double threshold) =>
        deal.StageKind == "open" && FunnelProbability(deal.Stage, opportunity.ProbabilityOverride) >= threshold;

    private static bool Field(Opportunity opportunity, string field)
    {
        ArgumentNullException.ThrowIfNull(opportunity);
        return opportunity.Custom.GetBool(field);
    }

    private static (bool EconomicBuyer, bool Champion) ContactElements(IEnumerable<Contact> contacts)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        bool economicBuyer = false, champion = false;
        foreach (var contact in contacts)
        {
            economicBuyer |= IsEconomicBuyer(contact);
            champion |= IsChampion(contact);
        }

        return (economicBuyer, champion);
    }

    private static int Count(bool present) => present ? 1 : 0;
}
