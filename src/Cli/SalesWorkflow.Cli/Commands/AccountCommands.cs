using System.CommandLine;
using System.Globalization;
using SalesWorkflow.Server.Accounts;

namespace SalesWorkflow.Cli.Commands;

/// <summary>
/// <c>salesflow users</c> and <c>salesflow tokens</c>: the server's local accounts and API tokens, kept in the
/// database the server runs on (docs/server.md, "Sign-in").
/// </summary>
internal static class AccountCommands
{
    public static Command Users(CliContext context, Func<TextReader> input)
    {
        var users = new Command("users", "Manage the server's local users: people who sign in with a password, and the users API tokens act as.");

        var id = new Argument<string>("id") { Description = "The user id; for a rep, the deal owner id their deals carry (e.g. li-na)." };
        var roles = new Option<string[]>("--role") { Description = "A role (repeatable): " + string.Join(", ", SalesRoles.All) + ".", Required = true, AllowMultipleArgumentsPerToken = false };
        var team = new Option<string>("--team") { Description = "The user's team (a manager sees their team's deals).", DefaultValueFactory = _ => string.Empty };
        var name = new Option<string?>("--name") { Description = "The name shown (default: the id)." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input (for scripts), instead of asking for it." };
        var db = ServeCommand.DatabaseOption();
        var add = new Command("add", $"Add a user, with a password of at least {AccountStore.MinimumPasswordLength} characters (asked for, or read with --password-stdin).") { id, roles, team, name, passwordStdin, db };
        add.SetAction((parse, cancellationToken) => WithAccounts(context, parse.GetValue(db)!, async accounts =>
        {
            var password = await ReadPasswordAsync(context, input(), parse.GetValue(passwordStdin));
            if (password is null)
            {
                return ExitCodes.UsageOrIo;
            }

            var user = new ServerUser(parse.GetValue(id)!, parse.GetValue(roles)!, parse.GetValue(team)!) { DisplayName = parse.GetValue(name) };
            await accounts.AddUserAsync(user, password, cancellationToken);
            await context.Out.WriteLineAsync($"Added {user.Id} ({string.Join(", ", user.Roles)}{(user.Team.Length > 0 ? ", team " + user.Team : string.Empty)}).");
            return ExitCodes.Ok;
        }, cancellationToken));
        users.Subcommands.Add(add);

        var listDb = ServeCommand.DatabaseOption();
        var list = new Command("list", "List the users.") { listDb };
        list.SetAction((parse, cancellationToken) => WithAccounts(context, parse.GetValue(listDb)!, async accounts =>
        {
            foreach (var user in await accounts.ListUsersAsync(cancellationToken))
            {
                await context.Out.WriteLineAsync($"{user.Id}\t{string.Join(",", user.Roles)}\t{(user.Team.Length > 0 ? user.Team : "-")}\t{(user.Disabled ? "disabled" : "active")}");
            }

            return ExitCodes.Ok;
        }, cancellationToken));
        users.Subcommands.Add(list);

        foreach (var (verb, disabled) in new[] { ("disable", true), ("enable", false) })
        {
            var who = new Argument<string>("id") { Description = "The user id." };
            var verbDb = ServeCommand.DatabaseOption();
            var command = new Command(verb, disabled ? "Disable a user: they cannot sign in, and their sessions and tokens stop working." : "Enable a disabled user again.") { who, verbDb };
            command.SetAction((parse, cancellationToken) => WithAccounts(context, parse.GetValue(verbDb)!, async accounts =>
            {
                await accounts.SetDisabledAsync(parse.GetValue(who)!, disabled, cancellationToken);
                await context.Out.WriteLineAsync($"{parse.GetValue(who)} is {(disabled ? "disabled" : "enabled")}.");
                return ExitCodes.Ok;
            }, cancellationToken));
            users.Subcommands.Add(command);
        }

        var passwdId = new Argument<string>("id") { Description = "The user id." };
        var passwdStdin = new Option<bool>("--password-stdin") { Description = "Read the new password from the first line of standard input." };
        var passwdDb = ServeCommand.DatabaseOption();
        var passwd = new Command("password", "Set a user's password.") { passwdId, passwdStdin, passwdDb };
        passwd.SetAction((parse, cancellationToken) => WithAccounts(context, parse.GetValue(passwdDb)!, async accounts =>
        {
            var password = await ReadPasswordAsync(context, input(), parse.GetValue(passwdStdin));
            if (password is null)
            {
                return ExitCodes.UsageOrIo;
            }

            await accounts.SetPasswordAsync(parse.GetValue(passwdId)!, password, cancellationToken);
            await context.Out.WriteLineAsync($"The password of {parse.GetValue(passwdId)} is set.");
            return ExitCodes.Ok;
        }, cancellationToken));
        users.Subcommands.Add(passwd);
        return users;
    }

    public static Command Tokens(CliContext context)
    {
        var tokens = new Command("tokens", "Manage API tokens: what machines (a CRM, a script) send as Authorization: Bearer ….");

        var user = new Option<string>("--user") { Description = "The user the token acts as (it sees and changes what that user may).", Required = true };
        var scopes = new Option<string[]>("--scope") { Description = "A scope (repeatable): " + string.Join(", ", ApiScopes.All) + ".", Required = true, AllowMultipleArgumentsPerToken = false };
        var name = new Option<string?>("--name") { Description = "What the token is for, for listings (e.g. crm-sync)." };
        var days = new Option<int?>("--expires-in-days") { Description = "Days until it stops working (default: until revoked)." };
        var db = ServeCommand.DatabaseOption();
        var create = new Command("create", "Create an API token and print it. It is shown this once: only its hash is stored.") { user, scopes, name, days, db };
        create.SetAction((parse, cancellationToken) => WithAccounts(context, parse.GetValue(db)!, async accounts =>
        {
            var expiresIn = parse.GetValue(days);
            if (expiresIn is <= 0 or > 3650)
            {
                await context.Error.WriteLineAsync("salesflow: --expires-in-days is 1 to 3650.");
                return ExitCodes.UsageOrIo;
            }

            var created = await accounts.CreateTokenAsync(parse.GetValue(user)!, parse.GetValue(scopes)!, parse.GetValue(name), expiresIn is { } d ? TimeProvider.System.GetUtcNow().AddDays(d) : null, cancellationToken);
            await context.Out.WriteLineAsync(created.Token);
            await context.Error.WriteLineAsync($"Token {created.Record.TokenId} for {created.Record.UserId} ({string.Join(" ", created.Record.Scopes)}). It is not shown again: store it now. Revoke it: salesflow tokens revoke {created.Record.TokenId}");
            return ExitCodes.Ok;
        }, cancellationToken));
        tokens.Subcommands.Add(create);

        var listUser = new Option<string?>("--user") { Description = "Only this user's tokens." };
        var listDb = ServeCommand.DatabaseOption();
        var list = new Command("list", "List the tokens (never their secrets).") { listUser, listDb };
        list.SetAction((parse, cancellationToken) => WithAccounts(context, parse.GetValue(listDb)!, async accounts =>
        {
            foreach (var token in await accounts.ListTokensAsync(parse.GetValue(listUser), cancellationToken))
            {
                var state = token.RevokedAt is not null ? "revoked" : token.ExpiresAt is { } e ? "expires " + e.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "active";
                await context.Out.WriteLineAsync($"{token.TokenId}\t{token.UserId}\t{string.Join(" ", token.Scopes)}\t{(token.Name.Length > 0 ? token.Name : "-")}\t{state}");
            }

            return ExitCodes.Ok;
        }, cancellationToken));
        tokens.Subcommands.Add(list);

        var tokenId = new Argument<string>("token-id") { Description = "The token's id, as tokens list shows it." };
        var revokeDb = ServeCommand.DatabaseOption();
        var revoke = new Command("revoke", "Revoke a token: it stops working (within 10 seconds on a running server).") { tokenId, revokeDb };
        revoke.SetAction((parse, cancellationToken) => WithAccounts(context, parse.GetValue(revokeDb)!, async accounts =>
        {
            if (!await accounts.RevokeTokenAsync(parse.GetValue(tokenId)!, cancellationToken))
            {
                await context.Error.WriteLineAsync($"salesflow: no live token '{parse.GetValue(tokenId)}'.");
                return ExitCodes.Invalid;
            }

            await context.Out.WriteLineAsync($"Token {parse.GetValue(tokenId)} is revoked.");
            return ExitCodes.Ok;
        }, cancellationToken));
        tokens.Subcommands.Add(revoke);
        return tokens;
    }

    private static async Task<int> WithAccounts(CliContext context, string database, Func<AccountStore, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            await using var accounts = AccountStore.ForDatabase(database);
            await accounts.EnsureCreatedAsync(cancellationToken);
            return await action(accounts);
        }
        catch (AccountException ex)
        {
            await context.Error.WriteLineAsync("salesflow: " + ex.Message);
            return ExitCodes.Invalid;
        }
        catch (System.Data.Common.DbException ex)
        {
            await context.Error.WriteLineAsync($"salesflow: the accounts in '{database}' could not be read or written: {ex.Message}");
            return ExitCodes.UsageOrIo;
        }
    }

    /// <summary>The password from the first line of standard input, or asked for without echo at a terminal.</summary>
    private static async Task<string?> ReadPasswordAsync(CliContext context, TextReader input, bool fromStdin)
    {
        if (fromStdin || Console.IsInputRedirected)
        {
            var line = await input.ReadLineAsync();
            if (string.IsNullOrEmpty(line))
            {
                await context.Error.WriteLineAsync("salesflow: no password on standard input.");
                return null;
            }

            return line;
        }

        await context.Error.WriteAsync("Password: ");
        var password = new System.Text.StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace && password.Length > 0)
            {
                password.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }

        await context.Error.WriteLineAsync();
        return password.ToString();
    }
}
