using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Plugins.CreditRisk;

/// <summary>
/// Customer/payment risk (客户风险: can the customer pay?): the <c>credit.*</c> condition functions, rules that raise
/// <c>credit.overdue-balance</c>, <c>credit.over-limit</c> and <c>credit.poor-payment-history</c> and report
/// <c>credit.cleared</c>, and, when a bureau is configured, an enricher that fills missing ratings and limits.
/// </summary>
public sealed class CreditRiskPlugin : ISalesWorkflowPlugin
{
    /// <summary>Environment variable naming a CSV bureau file (<c>account_id,rating,limit</c>) when loaded from a folder.</summary>
    public const string BureauFileVariable = "SALESWORKFLOW_CREDIT_BUREAU_CSV";

    private readonly ICreditBureau? _bureau;

    /// <summary>Without a bureau, unless <see cref="BureauFileVariable"/> names a CSV file (used when loaded from a folder).</summary>
    public CreditRiskPlugin()
    {
        var path = Environment.GetEnvironmentVariable(BureauFileVariable);
        _bureau = string.IsNullOrWhiteSpace(path) ? null : new CsvCreditBureau(path);
    }

    /// <summary>With a bureau whose reports fill missing ratings and limits before evaluation.</summary>
    public CreditRiskPlugin(ICreditBureau bureau)
    {
        ArgumentNullException.ThrowIfNull(bureau);
        _bureau = bureau;
    }

    /// <inheritdoc />
    public string Name => "credit";

    /// <inheritdoc />
    public string Version => SdkVersion.Of(typeof(CreditRiskPlugin).Assembly);

    /// <inheritdoc />
    public void Register(IPluginRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .AddFunctions("credit", typeof(CreditFunctions))
            .AddRules(typeof(OverdueBalanceRule), typeof(OverLimitRule), typeof(PoorPaymentHistoryRule), typeof(CreditClearedRule));
        if (_bureau is not null)
        {
            registry.AddEnricher(new CreditBureauEnricher(_bureau));
        }
    }
}
