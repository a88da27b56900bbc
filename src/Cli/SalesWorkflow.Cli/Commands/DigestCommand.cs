using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Sdk.Events;

namespace SalesWorkflow.Cli.Commands;

/// <summary>
/// <c>salesflow digest</c>: each person's daily digest (what is due, overdue and escalated) as the deals stand, printed,
/// or with <c>--send</c> delivered to the people who take one through the digest sinks (the e-mail plugin). Run it
/// daily from a scheduler.
/// </summary>
internal static class DigestCommand
{
    public static Command Create(CliContext context)
    {
        var db = new Option<string>("--db") { Description = "SalesWorkflow database: an SQLite file, or a PostgreSQL connection string.", DefaultValueFactory = _ => "salesworkflow.db" };
        var definitions = new Option<string>("--definitions") { Description = "Definitions folder: its organisation file says who fills each role.", DefaultValueFactory = _ => "definitions" };
        var at = new Option<string?>("--at") { Description = "The moment the digest describes, ISO 8601 with offset (default: now)." };
        var within = new Option<string>("--due-within") { Description = "Tasks due this soon are listed as due (a duration: 1d, 8h, 2bd is not allowed).", DefaultValueFactory = _ => "1d" };
        var person = new Option<string?>("--person") { Description = "Only this person's digest." };
        var format = new Option<string>("--format") { Description = "text (default) or json.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var language = new Option<string?>("--language") { Description = "zh or en (default: each person's language)." };
        var send = new Option<bool>("--send") { Description = "Deliver the digests to the people who take one (digest: daily), through the e-mail plugin (SALESWORKFLOW_EMAIL_CONFIG)." };
        var plugins = PluginSupport.CreateOption();
        var command = new Command("digest", "Show (or --send) each person's daily digest: tasks due soon, overdue, and deals escalated to them.")
        {
            db, definitions, at, within, person, format, language, send, plugins,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            context,
            new Request(parse.GetValue(db)!, parse.GetValue(definitions)!, parse.GetValue(at), parse.GetValue(within)!, parse.GetValue(person), parse.GetValue(format) == "json", parse.GetValue(language), parse.GetValue(send), parse.GetValue(plugins)),
            cancellationToken));
        return command;
    }

    private sealed record Request(string Database, string Definitions, string? At, string DueWithin, string? Person, bool Json, string? Language, bool Send, IReadOnlyList<string>? PluginFolders);

    private static async Task<int> RunAsync(CliContext context, Request request, CancellationToken cancellationToken)
    {
        var moment = TimeProvider.System.GetUtcNow();
        if (request.At is { } text && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out moment))
        {
            await context.Error.WriteLineAsync($"salesflow: --at '{text}' is not a moment; write one such as 2026-06-30T09:00+08:00");
            return ExitCodes.UsageOrIo;
        }

        if (!Duration.TryParse(request.DueWithin, out var within, out var problem) || within.IsOnCalendar)
        {
            await context.Error.WriteLineAsync($"salesflow: --due-within '{request.DueWithin}' is not an elapsed duration{(problem.Length > 0 ? ": " + problem : string.Empty)}; write one such as 1d or 8h");
            return ExitCodes.UsageOrIo;
        }

        if (!PostgreSqlOptionsExtensions.IsPostgreSqlConnectionString(request.Database) && !File.Exists(request.Database))
        {
            await context.Error.WriteLineAsync($"salesflow: no database at '{request.Database}' (create one with `salesflow demo --db {request.Database}`)");
            return ExitCodes.UsageOrIo;
        }

        if (!Directory.Exists(request.Definitions))
        {
            await context.Error.WriteLineAsync($"salesflow: --definitions '{request.Definitions}' is not a folder; the digest needs its organisation file");
            return ExitCodes.UsageOrIo;
        }

        try
        {
            if (request.Send)
            {
                return await SendAsync(context, request, moment, cancellationToken);
            }

            // Showing the digests only reads: the database opens read-only with its stored process versions, and the
            // organisation file comes from the definitions folder, which is loaded and not registered.
            var organisation = PluginSupport.Loader(PluginSupport.Load(request.PluginFolders, context.Error)).Load([Path.GetFullPath(request.Definitions)]).Organisation;
            if (organisation is null)
            {
                await context.Error.WriteLineAsync($"salesflow: warning: no organisation file in '{request.Definitions}': only owners, and people tasks were given to, have a digest");
            }

            await using var database = SalesWorkflow.Analytics.ReadOnlyDatabase.Open(request.Database, services => PluginSupport.AddTo(services, request.PluginFolders));
            var digests = await database.Analytics.BuildDigestsAsync(moment, within.Elapsed, organisation, cancellationToken);
            var shown = digests.Where(d => request.Person is null || d.Person.Id == request.Person).ToList();
            if (request.Person is not null && shown.Count == 0)
            {
                await context.Out.WriteLineAsync($"Nothing for {request.Person}: no task due or overdue, no escalation.");
                return ExitCodes.Ok;
            }

            await context.Out.WriteAsync(request.Json ? JsonSerializer.Serialize(shown, ExplainCommand.Json) + "\n" : Text(shown, request.Language));
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is SalesWorkflowStoreException or InvalidOperationException or ProcessVersionConflictException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            await context.Error.WriteLineAsync("salesflow: " + TerminalText.Safe(ex.Message));
            return ExitCodes.UsageOrIo;
        }
    }

    /// <summary>Sends the digests through the engine over the database and the definitions, with the built-in plugins (e-mail).</summary>
    private static async Task<int> SendAsync(CliContext context, Request request, DateTimeOffset moment, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FixedClock(moment));
        services.AddSalesWorkflow(o =>
        {
            if (PostgreSqlOptionsExtensions.IsPostgreSqlConnectionString(request.Database))
            {
                o.UsePostgreSql(request.Database);
            }
            else
            {
                o.UseSqlite($"Data Source={request.Database}");
            }

            o.AddDefinitions(Path.GetFullPath(request.Definitions));
            o.RunBackgroundServices = false;
        });
        PluginSupport.AddTo(services, request.PluginFolders);
        await using var provider = services.BuildServiceProvider();
        var sent = await provider.GetRequiredService<ISalesWorkflowMaintenance>().SendDigestsAsync(cancellationToken);
        await context.Out.WriteLineAsync(sent == 0
            ? "No digest sent: nobody who takes one (digest: daily) has anything in it, or no digest sink (e-mail) is configured."
            : string.Create(CultureInfo.InvariantCulture, $"{sent} digest(s) sent."));
        return ExitCodes.Ok;
    }

    private static string Text(List<Digest> digests, string? language)
    {
        var text = new StringBuilder();
        foreach (var digest in digests)
        {
            var notification = Notification.ForDigest(digest, language ?? digest.Person.Language ?? "en");
            text.Append("== ").Append(TerminalText.Safe(digest.Person.Name ?? digest.Person.Id)).Append(" (").Append(TerminalText.Safe(digest.Person.Id)).Append(digest.Person.TakesDigest ? ", takes the digest" : string.Empty).Append(")\n");
            text.Append(TerminalText.Safe(notification.Title)).Append('\n');
            foreach (var line in notification.Lines)
            {
                text.Append("  ").Append(TerminalText.Safe(line.Label)).Append(": ").Append(TerminalText.Safe(line.Value)).Append('\n');
            }

            text.Append('\n');
        }

        return text.Append(CultureInfo.InvariantCulture, $"{digests.Count} people with something in their digest.\n").ToString();
    }

    /// <summary>The engine's clock stopped at the digest's moment: the digest (and the sink's ledger day) are of that moment.</summary>
    private sealed class FixedClock(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at.ToUniversalTime();
    }
}
