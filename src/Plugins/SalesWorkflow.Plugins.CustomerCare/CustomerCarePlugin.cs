using SalesWorkflow.Plugins.CustomerCare.Rules;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Plugins.CustomerCare;

/// <summary>
/// The <c>customer-care</c> plugin: the duties owed to a customer after the sale (follow-up visit, quarterly check-in,
/// holiday greetings, while the deal is in a won stage) and the escalation of unhappy customers in any stage
/// (unresolved complaints, low satisfaction). Ids are listed in <see cref="CustomerCareIds"/>.
/// </summary>
public sealed class CustomerCarePlugin : ISalesWorkflowPlugin
{
    // Every rule class of this assembly; a test keeps the list complete.
    internal static readonly Type[] RuleTypes =
    [
        typeof(FollowUpVisitOverdueRule),
        typeof(FollowUpVisitDoneRule),
        typeof(CheckInOverdueRule),
        typeof(HolidayGreetingDueRule),
        typeof(UnresolvedComplaintRule),
        typeof(LowSatisfactionRule),
    ];

    /// <inheritdoc />
    public string Name => "customer-care";

    /// <inheritdoc />
    public string Version => SdkVersion.Of(typeof(CustomerCarePlugin).Assembly);

    /// <inheritdoc />
    public void Register(IPluginRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddRules([.. RuleTypes]);
    }
}
