using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Plugins;
using SalesWorkflow.Plugins.CreditRisk;
using SalesWorkflow.Plugins.CustomerCare;
using SalesWorkflow.Plugins.Email;
using SalesWorkflow.Plugins.Meddpicc;
using SalesWorkflow.Plugins.Webhooks;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Cli.Commands;

/// <summary>
/// Plugins for every command: the first-party plugins ship inside <c>salesflow</c> (the shipped definitions use
/// them), and <c>--plugins &lt;folder&gt;</c> adds partners' plugins, each subfolder loaded in its own load context.
/// A plugin that cannot load is reported on standard error; the command carries on without it.
/// </summary>
internal static class PluginSupport
{
    public static Option<string[]> CreateOption() => new("--plugins")
    {
        Description = "Plugin folder (repeatable): each subfolder holds one plugin's build output, loaded next to the built-in plugins.",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>
    /// The first-party plugins, fresh instances each time (a catalog owns its plugins). Webhooks registers sinks only
    /// when SALESWORKFLOW_WEBHOOK_URLS is set (see src/Plugins/SalesWorkflow.Plugins.Webhooks/README.md), e-mail only
    /// when SALESWORKFLOW_EMAIL_CONFIG names its settings (src/Plugins/SalesWorkflow.Plugins.Email/README.md).
    /// </summary>
    public static IReadOnlyList<ISalesWorkflowPlugin> BuiltIn() =>
    [
        new CreditRiskPlugin(),
        new MeddpiccPlugin(),
        new CustomerCarePlugin(),
        new WebhooksPlugin(),
        new EmailPlugin(),
    ];

    /// <summary>Loads the built-in plugins and those below <paramref name="folders"/>, reporting what failed.</summary>
    public static PluginCatalog Load(IReadOnlyList<string>? folders, TextWriter error)
    {
        var catalog = PluginCatalog.Load(BuiltIn(), folders ?? []);
        foreach (var diagnostic in catalog.Diagnostics)
        {
            error.WriteLine($"salesflow: warning: plugin not loaded: {diagnostic}");
        }

        return catalog;
    }

    public static DefinitionLoader Loader(PluginCatalog catalog) => new(new DefinitionLoaderOptions { Plugins = catalog });

    /// <summary>Gives an engine the same plugins: the built-in instances in-process, the folders to load itself.</summary>
    public static void AddTo(IServiceCollection services, IReadOnlyList<string>? folders)
    {
        foreach (var plugin in BuiltIn())
        {
            services.AddSalesWorkflowPlugin(plugin);
        }

        services.Configure<SalesWorkflowOptions>(options =>
        {
            foreach (var folder in folders ?? [])
            {
                options.AddPluginsFrom(folder);
            }
        });
    }
}
