using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Plugins;
using SalesWorkflow.Plugins.CreditRisk;
using SalesWorkflow.Plugins.CustomerCare;
using SalesWorkflow.Plugins.Meddpicc;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Tests;

/// <summary>
/// The first-party plugins the shipped definitions list under <c>plugins:</c>: anything that loads definitions/ must
/// load them too, as <c>salesflow</c> does (Cli PluginSupport.BuiltIn, which adds the Webhooks sink on top).
/// </summary>
internal static class FirstPartyPlugins
{
    private static readonly Lazy<PluginCatalog> LazyCatalog = new(() => PluginCatalog.Load(Create(), []));

    /// <summary>Fresh plugin instances (a catalog or an engine owns the ones it is given).</summary>
    public static IReadOnlyList<ISalesWorkflowPlugin> Create() => [new CreditRiskPlugin(), new MeddpiccPlugin(), new CustomerCarePlugin()];

    /// <summary>One catalog of them for the whole test run (immutable and thread-safe).</summary>
    public static PluginCatalog Catalog => LazyCatalog.Value;

    /// <summary>A loader that knows them.</summary>
    public static DefinitionLoader Loader() => new(new DefinitionLoaderOptions { Plugins = Catalog });

    /// <summary>Gives an embedded engine the same plugins.</summary>
    public static IServiceCollection AddFirstPartyPlugins(this IServiceCollection services)
    {
        foreach (var plugin in Create())
        {
            services.AddSalesWorkflowPlugin(plugin);
        }

        return services;
    }
}
