using SalesWorkflow.Plugins.Meddpicc.Rules;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Plugins.Meddpicc;

/// <summary>
/// The <c>meddpicc</c> plugin: scores MEDDPICC qualification per deal. Its rules report one
/// <c>meddpicc.&lt;element&gt;</c> criterion per element present and raise risks for the gaps that matter at the
/// deal's point of the funnel; its functions (<see cref="MeddpiccAssessment"/>) are available to YAML conditions as
/// <c>meddpicc.*</c>. Ids are listed in <see cref="MeddpiccIds"/>.
/// </summary>
public sealed class MeddpiccPlugin : ISalesWorkflowPlugin
{
    /// <summary>The namespace of the plugin's condition functions.</summary>
    public const string FunctionNamespace = "meddpicc";

    // Every rule class of this assembly; a test keeps the list complete.
    internal static readonly Type[] RuleTypes =
    [
        typeof(MetricsRule),
        typeof(EconomicBuyerRule),
        typeof(DecisionCriteriaRule),
        typeof(DecisionProcessRule),
        typeof(PaperProcessRule),
        typeof(PainRule),
        typeof(ChampionRule),
        typeof(CompetitionRule),
        typeof(NoChampionRule),
        typeof(NoEconomicBuyerRule),
        typeof(LowScoreRule),
    ];

    /// <inheritdoc />
    public string Name => "meddpicc";

    /// <inheritdoc />
    public string Version => SdkVersion.Of(typeof(MeddpiccPlugin).Assembly);

    /// <inheritdoc />
    public void Register(IPluginRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .AddRules([.. RuleTypes])
            .AddFunctions(FunctionNamespace, typeof(MeddpiccAssessment));
    }
}
