namespace SalesWorkflow.Server.Hosting;

/// <summary>The server's settings (configuration section <c>SalesWorkflowServer</c>; docs/server.md lists each).</summary>
public sealed class SalesWorkflowServerOptions
{
    /// <summary>The SalesWorkflow database: an SQLite file path (default <c>salesworkflow.db</c>), or a PostgreSQL connection string or <c>postgres://</c> URI. The engine and the accounts use it.</summary>
    public string Database { get; set; } = "salesworkflow.db";

    /// <summary>The largest request body accepted, in bytes (default 1 MiB); a larger one is refused with 413 before it is read.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Requests per minute one caller (a user, or an address before sign-in) may make (default 1,200); more get 429 with Retry-After.</summary>
    public int RequestsPerMinute { get; set; } = 1200;

    /// <summary>Sign-in attempts per minute from one address (default 10).</summary>
    public int SignInAttemptsPerMinute { get; set; } = 10;

    /// <summary>How long a browser session lasts without use (default 8 hours; each use extends it).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Sign-in at the company's identity provider; null: local accounts only.</summary>
    public OpenIdConnectSettings? OpenIdConnect { get; set; }

    /// <summary>
    /// The CRMs whose webhooks keep deals in sync (section <c>SalesWorkflowServer:CrmWebhooks:&lt;name&gt;</c>): each is
    /// served at <c>POST /api/crm/&lt;name&gt;/webhook</c> (docs/import.md, "Live sync").
    /// </summary>
    public Dictionary<string, CrmWebhookSettings> CrmWebhooks { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One CRM webhook (section <c>SalesWorkflowServer:CrmWebhooks:&lt;name&gt;</c>).</summary>
public sealed class CrmWebhookSettings
{
    /// <summary>The mapping: a preset's name (<c>hubspot</c>, <c>salesforce</c>, <c>dynamics</c>, <c>zoho</c>, <c>fxiaoke</c>) or a mapping file with a <c>webhook:</c> section. Default: the webhook's name.</summary>
    public string? Mapping { get; set; }

    /// <summary>The process the CRM's deals follow (default: <c>standard-b2b</c>, else the engine's only process).</summary>
    public string? Process { get; set; }

    /// <summary>What verifies a call (HubSpot's client secret, the Salesforce organization id, Dynamics' key, Zoho's token, the json format's signing key): from an environment variable or a secret store, never a checked-in file.</summary>
    public string Secret { get; set; } = string.Empty;

    /// <summary>How far a signed call's timestamp may be from now (default 5 minutes).</summary>
    public TimeSpan ReplayWindow { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>OpenID Connect sign-in (section <c>SalesWorkflowServer:OpenIdConnect</c>).</summary>
public sealed class OpenIdConnectSettings
{
    /// <summary>The identity provider's issuer, e.g. <c>https://login.example.com/realms/sales</c>.</summary>
    public string Authority { get; set; } = string.Empty;

    /// <summary>The client id registered for the server.</summary>
    public string ClientId { get; set; } = string.Empty;

    /// <summary>The client secret (from an environment variable or a secret store, never a checked-in file).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The claim that holds the user id (for a rep: the deal owner id); default <c>preferred_username</c>, then <c>sub</c>.</summary>
    public string UserIdClaim { get; set; } = "preferred_username";

    /// <summary>The claim that lists the user's SalesWorkflow roles (default <c>roles</c>); values that are not a role are ignored.</summary>
    public string RolesClaim { get; set; } = "roles";

    /// <summary>The claim that holds the user's team (default <c>team</c>).</summary>
    public string TeamClaim { get; set; } = "team";
}
