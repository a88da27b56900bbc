using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Server.Accounts;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Server.Tests;

/// <summary>
/// The server on a fresh SQLite database with the shipped definitions, in the Production environment (no developer
/// exception page: what a user gets), and a few users: two reps of two teams, a manager, a director, an approver, a
/// process owner and a CRM integration.
/// </summary>
public sealed class ServerFactory : WebApplicationFactory<Program>
{
    public const string Password = "correct horse battery";
    private readonly string _folder = Directory.CreateTempSubdirectory("sw-server-").FullName;
    private readonly Dictionary<string, string> _settings;
    private readonly SemaphoreSlim _seed = new(1, 1);
    private bool _seeded;

    static ServerFactory()
    {
        // The host's content root: this test project's output (WebApplicationFactory looks for a project folder of the
        // assembly's name next to the solution, which tests/ does not have).
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_SALESWORKFLOW_SERVER_TESTS", AppContext.BaseDirectory);
    }

    public ServerFactory()
        : this(new Dictionary<string, string>())
    {
    }

    internal ServerFactory(Dictionary<string, string> settings)
    {
        _settings = settings;
    }

    public string DatabasePath => Path.Combine(_folder, "salesworkflow.db");

    /// <summary>Whether disposing deletes the database's folder (false: another server opens the database next).</summary>
    public bool DeleteFolderOnDispose { get; set; } = true;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("SalesWorkflowServer:Database", DatabasePath);
        builder.UseSetting("SalesWorkflowServer:RequestsPerMinute", "100000");
        builder.UseSetting("SalesWorkflowServer:SignInAttemptsPerMinute", "1000");
        builder.UseSetting("SalesWorkflow:Definitions", RepoPaths.Definitions);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public AccountStore Accounts => Services.GetRequiredService<AccountStore>();

    /// <summary>True once <see cref="StartOnKestrelAsync"/> made it a real server on a port (for a browser).</summary>
    public bool UsesKestrel { get; private set; }

    /// <summary>Starts the server on Kestrel, on a free loopback port, seeds the users, and gives its address.</summary>
    public async Task<Uri> StartOnKestrelAsync()
    {
        UsesKestrel = true;
        UseKestrel(0);
        await SeedAsync();
        var addresses = Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
    }

    /// <summary>Starts the server and adds the users once.</summary>
    public async Task SeedAsync()
    {
        await _seed.WaitAsync();
        try
        {
            if (_seeded)
            {
                return;
            }

            if (UsesKestrel)
            {
                StartServer();
            }
            else
            {
                _ = Server; // starts the host: the engine creates the database, then the account tables
            }

            await Accounts.AddUserAsync(new ServerUser("li-na", [SalesRoles.Rep], "east"), Password);
            await Accounts.AddUserAsync(new ServerUser("wang-wei", [SalesRoles.Rep], "west"), Password);
            await Accounts.AddUserAsync(new ServerUser("zhao-min", [SalesRoles.Manager], "east"), Password);
            await Accounts.AddUserAsync(new ServerUser("chen-jie", [SalesRoles.Director], string.Empty), Password);
            await Accounts.AddUserAsync(new ServerUser("sun-li", [SalesRoles.Approver], string.Empty), Password);
            await Accounts.AddUserAsync(new ServerUser("owner-qi", [SalesRoles.ProcessOwner], string.Empty), Password);
            await Accounts.AddUserAsync(new ServerUser("crm-sync", [SalesRoles.Integration], string.Empty), Password);
            _seeded = true;
        }
        finally
        {
            _seed.Release();
        }
    }

    /// <summary>A client that sends a token of <paramref name="userId"/> with <paramref name="scopes"/> (default: all).</summary>
    public async Task<HttpClient> ClientFor(string userId, params string[] scopes)
    {
        await SeedAsync();
        var token = await Accounts.CreateTokenAsync(userId, scopes.Length > 0 ? scopes : ApiScopes.All, "test");
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return client;
    }

    /// <summary>An anonymous client (no credentials).</summary>
    public async Task<HttpClient> Anonymous()
    {
        await SeedAsync();
        return CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true });
    }

    /// <summary>Starts a deal as <paramref name="client"/> (its owner defaults to the caller).</summary>
    public static async Task<HttpResponseMessage> StartDeal(HttpClient client, string dealId, object? owner = null, decimal amount = 120_000) =>
        await client.PostAsJsonAsync("/api/deals", new
        {
            dealId,
            processId = "standard-b2b",
            opportunity = new { name = "Deal " + dealId, amount, accountId = "acme" },
            account = new { id = "acme", industry = "manufacturing" },
            owner,
        });

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _seed.Dispose();
            SqliteConnection.ClearAllPools();
            if (!DeleteFolderOnDispose)
            {
                return;
            }

            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A pooled connection may still hold the file; the OS cleans temp folders.
            }
        }
    }
}
