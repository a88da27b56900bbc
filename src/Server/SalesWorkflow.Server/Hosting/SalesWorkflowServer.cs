using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SalesWorkflow.Engine.Hosting;

namespace SalesWorkflow.Server.Hosting;

/// <summary>
/// The server as <c>salesflow serve</c> runs it: an ASP.NET Core application configured from appsettings.json,
/// environment variables (<c>SalesWorkflowServer__Database</c>) and the command line, with the engine on the server's
/// database.
/// </summary>
public static class SalesWorkflowServer
{
    /// <summary>The configuration section of the server's options.</summary>
    public const string Section = "SalesWorkflowServer";

    /// <summary>
    /// A builder with the engine (section <c>SalesWorkflow</c>: definitions, intervals, plugin folders) and the server
    /// (section <c>SalesWorkflowServer</c>) registered on <c>SalesWorkflowServer:Database</c>. Without
    /// <c>SalesWorkflow:Definitions</c> the engine runs the process versions stored in the database.
    /// </summary>
    /// <param name="args">Command-line arguments (<c>--SalesWorkflowServer:Database=…</c>, <c>--urls=…</c>).</param>
    /// <param name="configureEngine">Engine options set in code (plugins in process), applied last.</param>
    /// <param name="configureServer">Server options set in code, applied last.</param>
    /// <returns>The builder; add services, then <see cref="Build"/>.</returns>
    public static WebApplicationBuilder CreateBuilder(string[] args, Action<SalesWorkflowOptions>? configureEngine = null, Action<SalesWorkflowServerOptions>? configureServer = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var configuration = builder.Configuration;
        var options = new SalesWorkflowServerOptions();
        configuration.GetSection(Section).Bind(options);
        configureServer?.Invoke(options);
        if (configuration.GetSection("SalesWorkflow:Sqlite").Exists() || configuration.GetSection("SalesWorkflow:PostgreSql").Exists())
        {
            throw new InvalidOperationException($"The server's database is {Section}:Database (the engine and the accounts share it); remove SalesWorkflow:Sqlite and SalesWorkflow:PostgreSql.");
        }

        var definitions = configuration.GetSection("SalesWorkflow:Definitions").Exists();
        builder.Services.AddSalesWorkflow(configuration, o =>
        {
            if (PostgreSqlOptionsExtensions.IsPostgreSqlConnectionString(options.Database))
            {
                o.UsePostgreSql(options.Database);
            }
            else
            {
                o.UseSqlite($"Data Source={options.Database}");
            }

            o.UseStoredProcessVersions = !definitions;
            configureEngine?.Invoke(o);
        });
        builder.Services.AddSalesWorkflowServer(o =>
        {
            configuration.GetSection(Section).Bind(o);
            configureServer?.Invoke(o);
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
        });
        // A stopping node finishes the requests it has (their commands commit or not, and a retry tells which).
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }

    /// <summary>Builds the application with the server's middleware and endpoints.</summary>
    /// <param name="builder">A builder from <see cref="CreateBuilder"/>.</param>
    /// <returns>The application, to run.</returns>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var app = builder.Build();
        app.UseSalesWorkflowServer();
        app.MapSalesWorkflow();
        return app;
    }
}
