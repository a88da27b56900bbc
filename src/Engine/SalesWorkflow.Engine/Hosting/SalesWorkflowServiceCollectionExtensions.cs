using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Plugins;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SalesWorkflow engine in a service collection.</summary>
public static class SalesWorkflowServiceCollectionExtensions
{
    /// <summary>
    /// Adds the engine (<see cref="ISalesWorkflowEngine"/>, <see cref="ISalesWorkflowMaintenance"/>,
    /// <see cref="SalesWorkflow.Engine.Analytics.ISalesWorkflowAnalytics"/>) and its background
    /// loops. Safe to call more than once: services are added once and every <paramref name="configure"/> applies.
    /// Options are validated when the host starts (or on first use without a host).
    /// </summary>
    public static IServiceCollection AddSalesWorkflow(this IServiceCollection services, Action<SalesWorkflowOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<SalesWorkflowOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SalesWorkflowOptions>, SalesWorkflowOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SalesWorkflow.Engine.Storage.IProcessStore>(provider =>
            provider.GetRequiredService<IOptions<SalesWorkflowOptions>>().Value.StoreFactory!(provider));
        services.TryAddSingleton<SalesWorkflowEngine>();
        services.TryAddSingleton<ISalesWorkflowEngine>(provider => provider.GetRequiredService<SalesWorkflowEngine>());
        services.TryAddSingleton<ISalesWorkflowMaintenance>(provider => provider.GetRequiredService<SalesWorkflowEngine>());
        services.TryAddSingleton<SalesWorkflow.Engine.Analytics.ISalesWorkflowAnalytics>(provider => provider.GetRequiredService<SalesWorkflowEngine>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EngineStartup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TimerLoop>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SweepLoop>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DispatchLoop>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DigestLoop>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WorkListener>());
        return services;
    }

    /// <summary>
    /// Registers the engine with its options read from the <c>SalesWorkflow</c> section of <paramref name="configuration"/>
    /// (appsettings.json, environment variables <c>SalesWorkflow__SweepInterval</c>, …; keys in docs/embedding.md), then
    /// <paramref name="configure"/> on top, for what configuration cannot say (a PostgreSQL store, plugins in process).
    /// A value that does not read, or a key the engine does not know, stops the start with a message naming the key.
    /// </summary>
    public static IServiceCollection AddSalesWorkflow(this IServiceCollection services, IConfiguration configuration, Action<SalesWorkflowOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddSalesWorkflow(options =>
        {
            SalesWorkflowConfiguration.Bind(configuration.GetSection(SalesWorkflowConfiguration.SectionName), options);
            configure?.Invoke(options);
        });
    }

    /// <summary>
    /// Adds a plugin in-process (its constructor may take services). Safe to call more than once for the same type.
    /// The engine registers every such plugin when it is created; see docs/plugin-guide.md.
    /// </summary>
    public static IServiceCollection AddSalesWorkflowPlugin<TPlugin>(this IServiceCollection services)
        where TPlugin : class, ISalesWorkflowPlugin
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISalesWorkflowPlugin, TPlugin>());
        return services;
    }

    /// <summary>Adds a plugin instance in-process. Adding the same instance twice has no effect.</summary>
    public static IServiceCollection AddSalesWorkflowPlugin(this IServiceCollection services, ISalesWorkflowPlugin plugin)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(plugin);
        if (!services.Any(d => d.ServiceType == typeof(ISalesWorkflowPlugin) && ReferenceEquals(d.ImplementationInstance, plugin)))
        {
            services.AddSingleton(plugin);
        }

        return services;
    }
}
