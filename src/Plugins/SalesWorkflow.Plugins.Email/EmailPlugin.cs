using System.Text.Json;
using System.Text.Json.Serialization;
using MailKit.Net.Smtp;
using MimeKit;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Plugins.Email;

/// <summary>
/// E-mails escalations and overdue tasks to the people they are for (docs/notifications.md): the recipients the engine
/// resolved from the organisation file, each at the address and in the language it gives. Registers one event sink,
/// <c>email</c>, on the engine's durable outbox, so a message is retried until it is sent and dead-lettered after the
/// engine's attempts; each person is e-mailed once per event, recorded in the sent ledger.
/// </summary>
public sealed class EmailPlugin : ISalesWorkflowPlugin
{
    /// <summary>The configuration file read next to the plugin assembly when the plugin is loaded from a folder.</summary>
    public const string ConfigurationFile = "email.json";

    /// <summary>The environment variable that supplies the SMTP password, so that it can stay out of the file.</summary>
    public const string PasswordVariable = "SALESWORKFLOW_SMTP_PASSWORD";

    /// <summary>The environment variable naming the configuration file to read instead of <c>email.json</c> next to the plugin (how <c>salesflow</c>, which has the plugin built in, is configured).</summary>
    public const string ConfigurationVariable = "SALESWORKFLOW_EMAIL_CONFIG";

    internal static readonly string PluginVersion = SdkVersion.Of(typeof(EmailPlugin).Assembly);

    private static readonly JsonSerializerOptions FileFormat = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },

        // A misspelt setting would otherwise be ignored silently.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private readonly Func<EmailSink?> _createSink;
    private EmailSink? _sink;
    private bool _created;

    /// <summary>
    /// Creates the plugin as the engine does when it loads it from a folder: the configuration is read when the engine
    /// calls <see cref="Register"/>, from the file <c>SALESWORKFLOW_EMAIL_CONFIG</c> names, else from <c>email.json</c>
    /// next to the plugin assembly. Without either the plugin registers nothing.
    /// </summary>
    public EmailPlugin()
    {
        var file = Environment.GetEnvironmentVariable(ConfigurationVariable) is { Length: > 0 } named
            ? Path.GetFullPath(named)
            : Path.Combine(Path.GetDirectoryName(typeof(EmailPlugin).Assembly.Location) is { Length: > 0 } folder ? folder : AppContext.BaseDirectory, ConfigurationFile);
        _createSink = () => Load(file, Environment.GetEnvironmentVariable) is { } options ? CreateSink(options, Path.GetDirectoryName(file)!, () => new SmtpClient(), TimeProvider.System) : null;
    }

    /// <summary>Creates the plugin with the given options (in-process use); they are validated now and copied.</summary>
    /// <param name="options">The SMTP server, the sender and what to send.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public EmailPlugin(EmailOptions options)
        : this(options, () => new SmtpClient(), TimeProvider.System)
    {
    }

    /// <summary>Creates the plugin with the given options and clock (quiet hours are read on it); the options are validated now and copied.</summary>
    /// <param name="options">The SMTP server, the sender and what to send.</param>
    /// <param name="timeProvider">The clock: the engine's, so that a test's fake clock moves quiet hours too.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public EmailPlugin(EmailOptions options, TimeProvider timeProvider)
        : this(options, () => new SmtpClient(), timeProvider)
    {
    }

    internal EmailPlugin(EmailOptions options, Func<SmtpClient> newClient, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(options);
        var problems = Validate(options);
        if (problems.Count > 0)
        {
            throw new ArgumentException(Invalid(nameof(EmailOptions), problems), nameof(options));
        }

        var sink = CreateSink(Copy(options), Directory.GetCurrentDirectory(), newClient, timeProvider);
        _createSink = () => sink;
    }

    /// <summary>The plugin's name: <c>email</c>.</summary>
    public string Name => "email";

    /// <summary>The plugin's version.</summary>
    public string Version => PluginVersion;

    /// <summary>Adds the event sink <c>email</c>; nothing when loaded from a folder without <c>email.json</c>.</summary>
    /// <exception cref="InvalidOperationException">The folder's configuration is invalid; the message names the file and lists every problem.</exception>
    public void Register(IPluginRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        if (!_created)
        {
            _sink = _createSink();
            _created = true;
        }

        if (_sink is not null)
        {
            registry.AddEventSink("email", _sink);
        }
    }

    /// <summary>Every problem of the options, in words; empty when they are valid.</summary>
    internal static List<string> Validate(EmailOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Host) || Uri.CheckHostName(options.Host) == UriHostNameType.Unknown)
        {
            problems.Add("host: the SMTP server's host name is required (such as `smtp.example.com`).");
        }

        if (options.Port is < 1 or > 65_535)
        {
            problems.Add($"port: {options.Port} is not a TCP port (1–65535).");
        }

        if (string.IsNullOrWhiteSpace(options.From) || !MailboxAddress.TryParse(options.From, out _))
        {
            problems.Add("from: the sender's address is required, such as `SalesWorkflow <noreply@example.com>`.");
        }

        if (options.UserName is { Length: > 0 } && options.Security == SmtpSecurity.None && !IsLoopback(options.Host))
        {
            problems.Add("security: a password is never sent unencrypted to another machine; use `startTls` or `sslOnConnect`.");
        }

        if (options.EventTypes is null || options.EventTypes.Count == 0 || options.EventTypes.Any(string.IsNullOrWhiteSpace))
        {
            problems.Add("eventTypes: name at least one event type, such as `escalation-raised`.");
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromMinutes(10))
        {
            problems.Add($"timeout: {options.Timeout} is not between zero and 10 minutes.");
        }

        if (options.SentLedgerRetention < TimeSpan.FromDays(1) || options.SentLedgerRetention > TimeSpan.FromDays(3660))
        {
            problems.Add($"sentLedgerRetention: {options.SentLedgerRetention} is not between 1 day and 10 years; a shorter memory would e-mail a redelivered event again.");
        }

        if (string.IsNullOrWhiteSpace(options.MessageIdDomain) || Uri.CheckHostName(options.MessageIdDomain) != UriHostNameType.Dns)
        {
            problems.Add("messageIdDomain: a domain name is required, such as `sales.example.com`.");
        }

        return problems;
    }

    /// <summary>Reads the configuration file; null when there is none.</summary>
    internal static EmailOptions? Load(string file, Func<string, string?> environment)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        EmailOptions? options;
        try
        {
            using var stream = File.OpenRead(file);
            options = JsonSerializer.Deserialize<EmailOptions>(stream, FileFormat);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"{file}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{file}: cannot be read: {ex.Message}", ex);
        }

        if (options is null)
        {
            throw new InvalidOperationException($"{file}: holds no settings.");
        }

        options.Password ??= environment(PasswordVariable);
        var problems = Validate(options);
        return problems.Count > 0 ? throw new InvalidOperationException(Invalid(file, problems)) : options;
    }

    private static EmailSink CreateSink(EmailOptions options, string directory, Func<SmtpClient> newClient, TimeProvider clock) =>
        new(options, new SentLedger(options.SentLedgerPath is { Length: > 0 } path ? Path.GetFullPath(path, directory) : null, clock, options.SentLedgerRetention), newClient, clock);

    private static bool IsLoopback(string? host) =>
        host is "localhost" || (System.Net.IPAddress.TryParse(host, out var address) && System.Net.IPAddress.IsLoopback(address));

    private static string Invalid(string source, IReadOnlyList<string> problems) =>
        $"Invalid configuration in {source}:{Environment.NewLine}- {string.Join(Environment.NewLine + "- ", problems)}";

    private static EmailOptions Copy(EmailOptions options) => new()
    {
        Host = options.Host,
        Port = options.Port,
        Security = options.Security,
        UserName = options.UserName,
        Password = options.Password,
        From = options.From,
        EventTypes = [.. options.EventTypes],
        DefaultLanguage = options.DefaultLanguage,
        SentLedgerPath = options.SentLedgerPath,
        Timeout = options.Timeout,
        MessageIdDomain = options.MessageIdDomain,
        HonourQuietHours = options.HonourQuietHours,
        SentLedgerRetention = options.SentLedgerRetention,
    };
}
