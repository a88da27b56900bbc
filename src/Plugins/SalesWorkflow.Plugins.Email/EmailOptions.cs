namespace SalesWorkflow.Plugins.Email;

/// <summary>How the connection to the SMTP server is secured.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain connection upgraded with STARTTLS, which the server must offer (port 587; the default).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,

    /// <summary>No encryption: only for a relay on the same machine or a test server.</summary>
    None,
}

/// <summary>Settings of the e-mail plugin (<c>email.json</c> next to the plugin, or given in-process).</summary>
public sealed class EmailOptions
{
    /// <summary>The SMTP server's host name.</summary>
    public string? Host { get; set; }

    /// <summary>Its port (default 587).</summary>
    public int Port { get; set; } = 587;

    /// <summary>How the connection is secured (default STARTTLS).</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>The account to authenticate as; none: no authentication.</summary>
    public string? UserName { get; set; }

    /// <summary>Its password (or the <c>SALESWORKFLOW_SMTP_PASSWORD</c> environment variable, so it can stay out of the file).</summary>
    public string? Password { get; set; }

    /// <summary>The sender, such as <c>SalesWorkflow &lt;noreply@example.com&gt;</c>.</summary>
    public string? From { get; set; }

    /// <summary>The event types e-mailed (default: escalations, overdue tasks and complaints past their service level).</summary>
    public IList<string> EventTypes { get; set; } = ["escalation-raised", "task-overdue", "complaint-sla-breached"];

    /// <summary>The language of a message to someone whose language the organisation file does not give (default <c>en</c>).</summary>
    public string DefaultLanguage { get; set; } = "en";

    /// <summary>
    /// A file recording every message sent (event id and person), read at start: a redelivered event is never e-mailed
    /// to the same person twice, across restarts too. Relative paths are resolved against the plugin's folder. None:
    /// recorded in memory only (a restart may e-mail again what the outbox redelivers).
    /// </summary>
    public string? SentLedgerPath { get; set; }

    /// <summary>How long one SMTP operation may take (default 30 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The domain of the messages' Message-ID (default <c>salesworkflow.invalid</c>).</summary>
    public string MessageIdDomain { get; set; } = "salesworkflow.invalid";

    /// <summary>
    /// Hold a message to a person in their quiet hours (the organisation file's <c>quietHours</c>) until the hours end,
    /// instead of sending it at once. Default true.
    /// </summary>
    public bool HonourQuietHours { get; set; } = true;

    /// <summary>
    /// How long the sent ledger remembers a message (default 30 days): older lines are dropped when the plugin starts.
    /// Keep it longer than an event can wait in the outbox (its retries, a quiet night) and than a day of digests.
    /// </summary>
    public TimeSpan SentLedgerRetention { get; set; } = TimeSpan.FromDays(30);
}
