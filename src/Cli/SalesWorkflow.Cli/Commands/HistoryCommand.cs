using System.CommandLine;
using System.Text.Json;
using SalesWorkflow.Analytics;
using SalesWorkflow.Engine.Storage;

namespace SalesWorkflow.Cli.Commands;

/// <summary><c>salesflow history</c>: a deal's audit trail from the database, one line per event, oldest first.</summary>
internal static class HistoryCommand
{
    public static Command Create(CliContext context)
    {
        var dealId = new Argument<string>("deal-id") { Description = "The deal, e.g. D-00042." };
        var db = new Option<string>("--db") { Description = "SalesWorkflow database: an SQLite file, or a PostgreSQL connection string (Host=…) or postgres:// URI.", DefaultValueFactory = _ => "salesworkflow.db" };
        var format = new Option<string>("--format") { Description = "text (default) or json (every event with its data and evaluation).", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("history", "Show a deal's audit history: every event in order, with the command that caused it.")
        {
            dealId,
            db,
            format,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse.GetValue(db)!, parse.GetValue(dealId)!, parse.GetValue(format) == "json", cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string dbPath, string dealId, bool json, CancellationToken cancellationToken)
    {
        await using var database = StoredDatabase.Open(dbPath, context.Error);
        if (database is null)
        {
            return ExitCodes.UsageOrIo;
        }

        try
        {
            var events = await database.Engine.GetHistoryAsync(dealId, cancellationToken);
            if (events.Count == 0)
            {
                await context.Error.WriteLineAsync($"salesflow: no deal '{dealId}' in {dbPath}");
                return ExitCodes.Invalid;
            }

            // Times read best in the process's own time zone (the one its business days are counted in).
            var zone = (await database.Engine.ExplainAsync(dealId, cancellationToken: cancellationToken))?.Process.Calendar.TimeZone ?? TimeZoneInfo.Utc;
            await context.Out.WriteAsync(json ? JsonSerializer.Serialize(events, ExplainCommand.Json) + "\n" : DealHistoryText.History(events, zone));
            return ExitCodes.Ok;
        }
        catch (SalesWorkflowStoreException ex)
        {
            await context.Error.WriteLineAsync("salesflow: " + ex.Message);
            return ExitCodes.UsageOrIo;
        }
    }
}
