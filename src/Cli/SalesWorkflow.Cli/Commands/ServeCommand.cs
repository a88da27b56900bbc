using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Server.Hosting;

namespace SalesWorkflow.Cli.Commands;

/// <summary><c>salesflow serve</c>: the REST API, event feed and sign-in over a database (docs/server.md).</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var db = DatabaseOption();
        var definitions = new Option<string?>("--definitions") { Description = "Definition folder or file the server runs (default: ./definitions when it exists, else the process versions stored in the database)." };
        var urls = new Option<string>("--urls") { Description = "Where to listen, e.g. http://localhost:5080 (several: separated by ';').", DefaultValueFactory = _ => "http://localhost:5080" };
        var plugins = PluginSupport.CreateOption();
        var digestsAt = new Option<string?>("--send-digests-at")
        {
            Description = "Send the daily digests (digest: daily in the organisation file) at this time of each person's day, HH:mm, through the e-mail plugin (SALESWORKFLOW_EMAIL_CONFIG). On one node only.",
        };
        var command = new Command("serve", "Run the SalesWorkflow server: the REST API, the event feed, sign-in and roles, on the database. Stop it with Ctrl+C (in-flight requests finish first).")
        {
            db,
            definitions,
            urls,
            plugins,
            digestsAt,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse.GetValue(db)!, parse.GetValue(definitions), parse.GetValue(urls)!, parse.GetValue(plugins), parse.GetValue(digestsAt), cancellationToken));
        return command;
    }

    /// <summary>The <c>--db</c> option of the server's commands (serve, users, tokens).</summary>
    public static Option<string> DatabaseOption() => new("--db")
    {
        Description = "SalesWorkflow database: an SQLite file, or a PostgreSQL connection string (Host=…) or postgres:// URI.",
        DefaultValueFactory = _ => "salesworkflow.db",
    };

    private static async Task<int> RunAsync(CliContext context, string database, string? definitions, string urls, IReadOnlyList<string>? pluginFolders, string? digestsAt, CancellationToken cancellationToken)
    {
        if (digestsAt is not null && !TimeOnly.TryParseExact(digestsAt, "HH:mm", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _))
        {
            await context.Error.WriteLineAsync($"salesflow: --send-digests-at '{digestsAt}' is not a time of day written HH:mm, such as 08:00.");
            return ExitCodes.UsageOrIo;
        }

        definitions ??= Directory.Exists("definitions") ? "definitions" : null;
        if (definitions is not null && !Path.Exists(definitions))
        {
            await context.Error.WriteLineAsync($"salesflow: --definitions '{definitions}' does not exist.");
            return ExitCodes.UsageOrIo;
        }

        var args = new List<string> { $"--{SalesWorkflowServer.Section}:Database={database}", $"--urls={urls}" };
        if (definitions is not null)
        {
            args.Add($"--SalesWorkflow:Definitions={Path.GetFullPath(definitions)}");
        }

        if (digestsAt is not null)
        {
            args.Add($"--SalesWorkflow:SendDigestsAt={digestsAt}");
        }

        try
        {
            var builder = SalesWorkflowServer.CreateBuilder([.. args], engine =>
            {
                foreach (var folder in pluginFolders ?? [])
                {
                    engine.AddPluginsFrom(Path.GetFullPath(folder));
                }
            });
            foreach (var plugin in PluginSupport.BuiltIn())
            {
                builder.Services.AddSalesWorkflowPlugin(plugin);
            }

            // A failed start (a port in use, a database that does not open) is reported below in one line; the host's
            // own log of it would print the whole stack trace first.
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);

            await using var app = SalesWorkflowServer.Build(builder);
            await app.StartAsync(cancellationToken);
            await context.Out.WriteLineAsync($"SalesWorkflow server on {urls} (database {database}; definitions: {definitions ?? "the versions stored in the database"}).");
            if (digestsAt is not null)
            {
                await context.Out.WriteLineAsync($"  Digests:      sent at {digestsAt} of each person's day to those who take one (digest: daily).");
            }

            await context.Out.WriteLineAsync($"  Add a user:   salesflow users add <id> --role rep --team <team> --db {Quote(database)}");
            await context.Out.WriteLineAsync($"  Add a token:  salesflow tokens create --user <id> --scope deals:read --db {Quote(database)}");
            await context.Out.WriteLineAsync($"  The web app:  {urls.Split(';')[0].TrimEnd('/')}/app/ (sign in as a user; docs/web.md)");
            await context.Out.WriteLineAsync($"  The API:      {urls.Split(';')[0].TrimEnd('/')}/openapi/v1.json (docs/server.md). Ctrl+C stops.");
            await app.WaitForShutdownAsync(cancellationToken);
            return ExitCodes.Ok;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Ok;
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            await context.Error.WriteLineAsync($"salesflow: {ex.Message} Another program listens there (a `salesflow serve` still running?): stop it, or serve on another address with --urls http://localhost:5081.");
            return ExitCodes.UsageOrIo;
        }
        catch (Exception ex) when (ex is SalesWorkflowStoreException or SalesWorkflow.Server.Accounts.AccountException or InvalidOperationException or IOException
            or Microsoft.Extensions.Options.OptionsValidationException or ProcessVersionConflictException)
        {
            await context.Error.WriteLineAsync("salesflow: " + ex.Message);
            return ExitCodes.UsageOrIo;
        }
    }

    internal static string Quote(string database) => database.Contains(' ', StringComparison.Ordinal) || database.Contains(';', StringComparison.Ordinal) ? $"\"{database}\"" : database;
}
