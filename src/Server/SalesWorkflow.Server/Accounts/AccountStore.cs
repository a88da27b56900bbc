using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Npgsql;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Import;

namespace SalesWorkflow.Server.Accounts;

/// <summary>
/// Local accounts and API tokens, in two tables of the SalesWorkflow database itself (<c>server_users</c>,
/// <c>server_tokens</c>), so a backup of the database is a backup of who may use it. Passwords are hashed with ASP.NET
/// Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2, salted, with its own format version); a token is 256
/// random bits shown once, and only its SHA-256 is stored (a token is a random secret, not a password: a fast hash of
/// it cannot be brute-forced). Thread-safe; open one per process.
/// </summary>
public sealed class AccountStore : IAsyncDisposable
{
    /// <summary>The shortest password accepted.</summary>
    public const int MinimumPasswordLength = 10;

    private const string TokenPrefix = "swt_";
    private static readonly PasswordHasher<ServerUser> Hasher = new();

    // A hash of nothing anybody knows, checked when the user does not exist, so that a wrong user name takes as long
    // as a wrong password and sign-in does not tell which user names exist.
    private static readonly string DummyHash = Hasher.HashPassword(new ServerUser("-", [], string.Empty), "not a password of anybody");

    private readonly Func<CancellationToken, Task<DbConnection>> _open;
    private readonly bool _postgreSql;
    private readonly TimeProvider _clock;
    private readonly IAsyncDisposable? _dataSource;

    private AccountStore(Func<CancellationToken, Task<DbConnection>> open, bool postgreSql, TimeProvider clock, IAsyncDisposable? dataSource, string description)
    {
        _open = open;
        _postgreSql = postgreSql;
        _clock = clock;
        _dataSource = dataSource;
        Description = description;
    }

    /// <summary>The database, for messages (no password).</summary>
    public string Description { get; }

    /// <summary>
    /// The accounts of <paramref name="database"/>: an SQLite file path, or a PostgreSQL connection string or
    /// <c>postgres://</c> URI, as <c>--db</c> takes them.
    /// </summary>
    /// <param name="database">The SalesWorkflow database.</param>
    /// <param name="clock">The clock for creation and expiry times (default: the system's).</param>
    /// <returns>The store; call <see cref="EnsureCreatedAsync"/> before anything else.</returns>
    public static AccountStore ForDatabase(string database, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        clock ??= TimeProvider.System;
        if (PostgreSqlOptionsExtensions.IsPostgreSqlConnectionString(database))
        {
            var connectionString = PostgreSqlOptionsExtensions.ToNpgsqlConnectionString(database);
            var source = NpgsqlDataSource.Create(connectionString);
            var shown = new NpgsqlConnectionStringBuilder(connectionString) { Password = null };
            return new AccountStore(async ct => await source.OpenConnectionAsync(ct), postgreSql: true, clock, source, $"PostgreSQL {shown.Host}/{shown.Database}");
        }

        var sqlite = new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(database), DefaultTimeout = 30, Mode = SqliteOpenMode.ReadWrite }.ToString();
        return new AccountStore(
            async ct =>
            {
                var connection = new SqliteConnection(sqlite);
                await connection.OpenAsync(ct);
                return connection;
            },
            postgreSql: false,
            clock,
            null,
            database);
    }

    /// <summary>
    /// Creates the account tables if they are missing. The database must already be a SalesWorkflow one (the engine
    /// creates it at its first start: <c>salesflow serve</c> or <c>salesflow demo</c>), so that accounts never turn
    /// another application's database, or a mistyped path, into one.
    /// </summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <exception cref="AccountException">The database is missing or is not a SalesWorkflow database.</exception>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        if (!_postgreSql && !File.Exists(Description))
        {
            throw new AccountException($"There is no database '{Description}'. Start the server on it once (salesflow serve --db {Description}), or run salesflow demo, then add users.");
        }

        try
        {
            await CreateTablesAsync(cancellationToken);
        }
        catch (DbException e)
        {
            throw new AccountException($"'{Description}' could not be used as a SalesWorkflow database: {e.Message}", e);
        }
    }

    private async Task CreateTablesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (_postgreSql)
        {
            // Nodes starting together would race on CREATE TABLE IF NOT EXISTS: one at a time, under an advisory lock.
            await ExecuteAsync(connection, "SELECT pg_advisory_lock(5357416363);", cancellationToken);
        }

        var isSalesWorkflow = _postgreSql
            ? "SELECT to_regclass('schema_info') IS NOT NULL;"
            : "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_info';";
        if (!Convert.ToBoolean(await ScalarAsync(connection, isSalesWorkflow, cancellationToken), CultureInfo.InvariantCulture))
        {
            throw new AccountException($"'{Description}' is not a SalesWorkflow database (it has no schema_info table). Name the database the server runs on.");
        }

        await ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS server_users (
                user_id TEXT NOT NULL PRIMARY KEY,
                display_name TEXT NOT NULL,
                roles TEXT NOT NULL,
                team TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE IF NOT EXISTS server_tokens (
                token_id TEXT NOT NULL PRIMARY KEY,
                token_hash TEXT NOT NULL UNIQUE,
                user_id TEXT NOT NULL,
                name TEXT NOT NULL,
                scopes TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT,
                revoked_at BIGINT
            );
            CREATE TABLE IF NOT EXISTS server_keys (
                name TEXT NOT NULL PRIMARY KEY,
                xml TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS server_crm_events (
                source TEXT NOT NULL,
                event_id TEXT NOT NULL,
                deal_id TEXT,
                occurred_at BIGINT,
                received_at BIGINT NOT NULL,
                outcome TEXT NOT NULL,
                code TEXT NOT NULL,
                message TEXT NOT NULL,
                columns TEXT NOT NULL,
                payload TEXT,
                PRIMARY KEY (source, event_id)
            );
            CREATE INDEX IF NOT EXISTS server_crm_events_by_deal ON server_crm_events (source, deal_id, occurred_at);
            """, cancellationToken);
        if (_postgreSql)
        {
            await ExecuteAsync(connection, "SELECT pg_advisory_unlock(5357416363);", cancellationToken);
        }
    }

    /// <summary>Adds a local user.</summary>
    /// <param name="user">Id (for a rep: the deal owner id their deals carry), roles and team.</param>
    /// <param name="password">At least <see cref="MinimumPasswordLength"/> characters; only its hash is stored.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <exception cref="AccountException">The user exists, or a value is not acceptable.</exception>
    public async Task AddUserAsync(ServerUser user, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(password);
        Validate(user);
        CheckPassword(password);
        await using var connection = await OpenAsync(cancellationToken);
        if (await FindUserAsync(connection, user.Id, cancellationToken) is not null)
        {
            throw new AccountException($"The user '{user.Id}' exists already.");
        }

        await ExecuteAsync(connection, "INSERT INTO server_users (user_id, display_name, roles, team, password_hash, created_at, disabled) VALUES (@id, @name, @roles, @team, @hash, @at, 0);", cancellationToken,
            ("id", user.Id), ("name", user.DisplayName ?? user.Id), ("roles", string.Join(',', user.Roles)), ("team", user.Team), ("hash", Hasher.HashPassword(user, password)), ("at", _clock.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    /// <summary>Replaces a user's password.</summary>
    /// <exception cref="AccountException">No such user, or the password is too short.</exception>
    public async Task SetPasswordAsync(string userId, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(password);
        CheckPassword(password);
        await using var connection = await OpenAsync(cancellationToken);
        var user = await FindUserAsync(connection, userId, cancellationToken) ?? throw new AccountException($"There is no user '{userId}'.");
        await ExecuteAsync(connection, "UPDATE server_users SET password_hash = @hash WHERE user_id = @id;", cancellationToken, ("hash", Hasher.HashPassword(user.User, password)), ("id", userId));
    }

    /// <summary>Disables or enables a user: a disabled user cannot sign in, and their tokens stop working.</summary>
    /// <exception cref="AccountException">No such user.</exception>
    public async Task SetDisabledAsync(string userId, bool disabled, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (await ExecuteAsync(connection, "UPDATE server_users SET disabled = @disabled WHERE user_id = @id;", cancellationToken, ("disabled", disabled ? 1 : 0), ("id", userId)) == 0)
        {
            throw new AccountException($"There is no user '{userId}'.");
        }
    }

    /// <summary>The user, or null.</summary>
    public async Task<ServerUser?> FindUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return (await FindUserAsync(connection, userId, cancellationToken))?.User;
    }

    /// <summary>Every user, by id.</summary>
    public async Task<IReadOnlyList<ServerUser>> ListUsersAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT user_id, display_name, roles, team, password_hash, disabled FROM server_users ORDER BY user_id;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var users = new List<ServerUser>();
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(ReadUser(reader).User);
        }

        return users;
    }

    /// <summary>
    /// The user when <paramref name="password"/> is theirs and they are not disabled; null otherwise, in about the same
    /// time whether or not the user exists. A hash in an older format is upgraded on the way.
    /// </summary>
    public async Task<ServerUser?> CheckPasswordAsync(string userId, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(password);
        await using var connection = await OpenAsync(cancellationToken);
        var found = userId.Length is > 0 and <= ServerUser.MaximumIdLength ? await FindUserAsync(connection, userId, cancellationToken) : null;
        if (found is null)
        {
            Hasher.VerifyHashedPassword(new ServerUser("-", [], string.Empty), DummyHash, password);
            return null;
        }

        var (user, hash) = found.Value;
        var result = Hasher.VerifyHashedPassword(user, hash, password);
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await ExecuteAsync(connection, "UPDATE server_users SET password_hash = @hash WHERE user_id = @id;", cancellationToken, ("hash", Hasher.HashPassword(user, password)), ("id", userId));
        }

        return result != PasswordVerificationResult.Failed && !user.Disabled ? user : null;
    }

    /// <summary>Creates an API token for <paramref name="userId"/>, limited to <paramref name="scopes"/>.</summary>
    /// <param name="userId">The user the token acts as: its calls see and change what that user may, within the scopes.</param>
    /// <param name="scopes">Some of <see cref="ApiScopes.All"/>.</param>
    /// <param name="name">What the token is for ("crm-sync"), for listings.</param>
    /// <param name="expiresAt">When it stops working; null: until revoked.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The token, the only time it is readable, and its record.</returns>
    /// <exception cref="AccountException">No such user, or an unknown scope.</exception>
    public async Task<CreatedToken> CreateTokenAsync(string userId, IReadOnlyCollection<string> scopes, string? name = null, DateTimeOffset? expiresAt = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        var unknown = scopes.Where(s => !ApiScopes.All.Contains(s)).ToList();
        if (unknown.Count > 0 || scopes.Count == 0)
        {
            throw new AccountException($"A token needs one or more scopes of: {string.Join(", ", ApiScopes.All)}" + (unknown.Count > 0 ? $" (not: {string.Join(", ", unknown)})." : "."));
        }

        await using var connection = await OpenAsync(cancellationToken);
        _ = await FindUserAsync(connection, userId, cancellationToken) ?? throw new AccountException($"There is no user '{userId}'; add the user first (salesflow users add).");
        var tokenId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var token = TokenPrefix + tokenId + "_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var record = new ApiTokenRecord(tokenId, userId, [.. scopes.Distinct(StringComparer.Ordinal)], name ?? string.Empty, _clock.GetUtcNow(), expiresAt, null);
        await ExecuteAsync(connection, "INSERT INTO server_tokens (token_id, token_hash, user_id, name, scopes, created_at, expires_at, revoked_at) VALUES (@id, @hash, @user, @name, @scopes, @at, @expires, NULL);", cancellationToken,
            ("id", tokenId), ("hash", HashToken(token)), ("user", userId), ("name", record.Name), ("scopes", string.Join(' ', record.Scopes)), ("at", record.CreatedAt.ToUnixTimeMilliseconds()), ("expires", (object?)expiresAt?.ToUnixTimeMilliseconds() ?? DBNull.Value));
        return new CreatedToken(token, record);
    }

    /// <summary>The user and token record for a presented token, or null when it is unknown, revoked, expired, or its user is disabled.</summary>
    public async Task<(ServerUser User, ApiTokenRecord Token)?> FindByTokenAsync(string token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 200)
        {
            return null;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT token_id, user_id, name, scopes, created_at, expires_at, revoked_at FROM server_tokens WHERE token_hash = @hash;", ("hash", HashToken(token)));
        ApiTokenRecord record;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            record = ReadToken(reader);
        }

        if (record.RevokedAt is not null || record.ExpiresAt <= _clock.GetUtcNow())
        {
            return null;
        }

        var user = (await FindUserAsync(connection, record.UserId, cancellationToken))?.User;
        return user is null || user.Disabled ? null : (user, record);
    }

    /// <summary>Revokes a token by its id (the part after <c>swt_</c>, as listed); true when it existed and was live.</summary>
    public async Task<bool> RevokeTokenAsync(string tokenId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, "UPDATE server_tokens SET revoked_at = @at WHERE token_id = @id AND revoked_at IS NULL;", cancellationToken, ("at", _clock.GetUtcNow().ToUnixTimeMilliseconds()), ("id", tokenId)) == 1;
    }

    /// <summary>Every token (never the secret), of one user or of all.</summary>
    public async Task<IReadOnlyList<ApiTokenRecord>> ListTokensAsync(string? userId = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = userId is null
            ? Command(connection, "SELECT token_id, user_id, name, scopes, created_at, expires_at, revoked_at FROM server_tokens ORDER BY created_at, token_id;")
            : Command(connection, "SELECT token_id, user_id, name, scopes, created_at, expires_at, revoked_at FROM server_tokens WHERE user_id = @user ORDER BY created_at, token_id;", ("user", userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tokens = new List<ApiTokenRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            tokens.Add(ReadToken(reader));
        }

        return tokens;
    }

    /// <summary>
    /// The keys that protect session cookies and anti-forgery tokens (ASP.NET Core Data Protection's key ring), kept in
    /// the database so that every node of a PostgreSQL deployment reads the cookies the others issued, and sessions
    /// survive a restart. Data Protection calls this synchronously, rarely (at start and when a key rolls over).
    /// </summary>
    internal IReadOnlyList<string> ReadProtectionKeys()
    {
        using var connection = _open(CancellationToken.None).GetAwaiter().GetResult();
        using var command = Command(connection, "SELECT xml FROM server_keys ORDER BY name;");
        using var reader = command.ExecuteReader();
        var keys = new List<string>();
        while (reader.Read())
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    /// <summary>Stores a new key of the key ring (see <see cref="ReadProtectionKeys"/>).</summary>
    internal void StoreProtectionKey(string name, string xml)
    {
        using var connection = _open(CancellationToken.None).GetAwaiter().GetResult();
        using var command = Command(connection, "INSERT INTO server_keys (name, xml) VALUES (@name, @xml);", ("name", name), ("xml", xml));
        command.ExecuteNonQuery();
    }

    /// <summary>A CRM webhook's event as recorded, or null (<see cref="ICrmEventLedger"/>).</summary>
    internal async Task<CrmEventRecord?> FindCrmEventAsync(string source, string eventId, CancellationToken cancellationToken)
    {
        var found = await ReadCrmEventsAsync("SELECT * FROM server_crm_events WHERE source = @source AND event_id = @id;", cancellationToken, ("source", source), ("id", eventId));
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>The applied events of a deal that happened after a moment.</summary>
    internal Task<List<CrmEventRecord>> AppliedCrmEventsAfterAsync(string source, string dealId, DateTimeOffset occurredAt, CancellationToken cancellationToken) =>
        ReadCrmEventsAsync(
            "SELECT * FROM server_crm_events WHERE source = @source AND deal_id = @deal AND occurred_at > @at AND outcome = 'applied';",
            cancellationToken,
            ("source", source),
            ("deal", dealId),
            ("at", occurredAt.ToUnixTimeMilliseconds()));

    /// <summary>The latest events of a webhook, newest first; only refused ones when asked.</summary>
    internal Task<List<CrmEventRecord>> LatestCrmEventsAsync(string source, bool refusedOnly, int limit, CancellationToken cancellationToken) =>
        ReadCrmEventsAsync(
            $"SELECT * FROM server_crm_events WHERE source = @source{(refusedOnly ? " AND outcome = 'refused'" : string.Empty)} ORDER BY received_at DESC, event_id LIMIT @limit;",
            cancellationToken,
            ("source", source),
            ("limit", limit));

    /// <summary>Records an event, replacing what its id held (a refused event received again).</summary>
    internal async Task RecordCrmEventAsync(CrmEventRecord record, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(
            connection,
            """
            INSERT INTO server_crm_events (source, event_id, deal_id, occurred_at, received_at, outcome, code, message, columns, payload)
            VALUES (@source, @id, @deal, @occurred, @received, @outcome, @code, @message, @columns, @payload)
            ON CONFLICT (source, event_id) DO UPDATE SET deal_id = excluded.deal_id, occurred_at = excluded.occurred_at, received_at = excluded.received_at,
                outcome = excluded.outcome, code = excluded.code, message = excluded.message, columns = excluded.columns, payload = excluded.payload;
            """,
            cancellationToken,
            ("source", record.Source),
            ("id", record.EventId),
            ("deal", (object?)record.DealId ?? DBNull.Value),
            ("occurred", record.OccurredAt is { } at ? at.ToUnixTimeMilliseconds() : DBNull.Value),
            ("received", record.ReceivedAt.ToUnixTimeMilliseconds()),
            ("outcome", record.Outcome.ToString().ToLowerInvariant()),
            ("code", record.Code),
            ("message", record.Message),
            ("columns", string.Join('\n', record.Columns)),
            ("payload", (object?)record.Payload ?? DBNull.Value));
    }

    private async Task<List<CrmEventRecord>> ReadCrmEventsAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<CrmEventRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            string? Text(string column) => reader.IsDBNull(reader.GetOrdinal(column)) ? null : reader.GetString(reader.GetOrdinal(column));
            long? Number(string column) => reader.IsDBNull(reader.GetOrdinal(column)) ? null : reader.GetInt64(reader.GetOrdinal(column));
            records.Add(new CrmEventRecord(
                Text("source")!,
                Text("event_id")!,
                Text("deal_id"),
                Number("occurred_at") is { } occurred ? DateTimeOffset.FromUnixTimeMilliseconds(occurred) : null,
                DateTimeOffset.FromUnixTimeMilliseconds(Number("received_at") ?? 0),
                Enum.Parse<CrmEventOutcome>(Text("outcome")!, ignoreCase: true),
                Text("code")!,
                Text("message")!,
                Text("columns")!.Split('\n', StringSplitOptions.RemoveEmptyEntries),
                Text("payload")));
        }

        return records;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    private static void Validate(ServerUser user)
    {
        if (!ServerUser.IsValidId(user.Id))
        {
            throw new AccountException($"A user id is 1–{ServerUser.MaximumIdLength} letters, digits, '.', '_', '-' or '@' (not '{user.Id}').");
        }

        if (user.Roles.Count == 0 || user.Roles.Any(r => !SalesRoles.All.Contains(r)))
        {
            throw new AccountException($"A user needs one or more roles of: {string.Join(", ", SalesRoles.All)} (not: {string.Join(", ", user.Roles.Where(r => !SalesRoles.All.Contains(r)))}).");
        }

        if (user.Roles.Contains(SalesRoles.Manager) && user.Team.Length == 0)
        {
            throw new AccountException("A manager needs a team (--team): a manager sees and changes the deals of their team.");
        }

        if (user.Team.Length > 100 || user.Team.Any(char.IsControl) || (user.DisplayName ?? string.Empty).Length > 200 || (user.DisplayName ?? string.Empty).Any(char.IsControl))
        {
            throw new AccountException("A team is at most 100 characters and a display name at most 200, with no control characters.");
        }
    }

    private static void CheckPassword(string password)
    {
        if (password.Length < MinimumPasswordLength || password.Length > 1024)
        {
            throw new AccountException($"A password is {MinimumPasswordLength} to 1,024 characters.");
        }
    }

    private static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (ServerUser User, string Hash) ReadUser(DbDataReader reader) => (
        new ServerUser(reader.GetString(0), reader.GetString(2).Split(',', StringSplitOptions.RemoveEmptyEntries), reader.GetString(3))
        {
            DisplayName = reader.GetString(1),
            Disabled = Convert.ToInt64(reader.GetValue(5), CultureInfo.InvariantCulture) != 0,
        },
        reader.GetString(4));

    private static ApiTokenRecord ReadToken(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(3).Split(' ', StringSplitOptions.RemoveEmptyEntries),
        reader.GetString(2),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
        reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
        reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)));

    private static async Task<(ServerUser User, string Hash)?> FindUserAsync(DbConnection connection, string userId, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, "SELECT user_id, display_name, roles, team, password_hash, disabled FROM server_users WHERE user_id = @id;", ("id", userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadUser(reader) : null;
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _open(cancellationToken);
        }
        catch (Exception e) when (e is SqliteException or NpgsqlException)
        {
            throw new AccountException($"The accounts in '{Description}' could not be opened: {e.Message}");
        }
    }

    private static DbCommand Command(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, sql);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static async Task<int> ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>A person or a machine that may use the server.</summary>
/// <param name="Id">The sign-in name; for a rep, the deal owner id of their deals (<c>Owner.Id</c>).</param>
/// <param name="Roles">Some of <see cref="SalesRoles.All"/>.</param>
/// <param name="Team">The team (<c>Owner.Team</c>); a manager sees the deals of this team.</param>
public sealed record ServerUser(string Id, IReadOnlyList<string> Roles, string Team)
{
    /// <summary>The longest user id.</summary>
    public const int MaximumIdLength = 100;

    /// <summary>The name shown; the id when not given.</summary>
    public string? DisplayName { get; init; }

    /// <summary>A disabled user cannot sign in and their tokens do not work.</summary>
    public bool Disabled { get; init; }

    /// <summary>Whether <paramref name="id"/> can be a user id: letters, digits, <c>. _ - @</c>, at most <see cref="MaximumIdLength"/>.</summary>
    public static bool IsValidId(string? id) =>
        id is { Length: > 0 and <= MaximumIdLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@');
}

/// <summary>An API token as stored: never its secret.</summary>
/// <param name="TokenId">Its public id, for listing and revoking.</param>
/// <param name="UserId">The user it acts as.</param>
/// <param name="Scopes">What it may do (<see cref="ApiScopes"/>), within what its user may.</param>
/// <param name="Name">What it is for.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ExpiresAt">When it stops working, or null.</param>
/// <param name="RevokedAt">When it was revoked, or null.</param>
public sealed record ApiTokenRecord(string TokenId, string UserId, IReadOnlyList<string> Scopes, string Name, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>A token just created: <see cref="Token"/> is readable this once.</summary>
/// <param name="Token">The secret, to send as <c>Authorization: Bearer …</c>.</param>
/// <param name="Record">What is stored of it.</param>
public sealed record CreatedToken(string Token, ApiTokenRecord Record);

/// <summary>An account operation that cannot be done; the message says why and what to do.</summary>
public sealed class AccountException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AccountException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and what to do.</param>
    public AccountException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public AccountException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
