using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using SalesWorkflow.Sdk.Events;

namespace SalesWorkflow.Plugins.Email;

/// <summary>
/// The event sink <c>email</c>: each event of the configured types is e-mailed to each of its recipients who has an
/// address, once. A message sent is recorded in the ledger before the next one is sent; when some fail, the sink throws
/// and the engine's outbox delivers the event again later, to the people not yet reached only. A message that was
/// sent while its record was not written (the process died in between) goes out again with the same Message-ID, which
/// mail systems use to drop the duplicate.
/// </summary>
/// <remarks>
/// A recipient in their quiet hours (from the organisation file) is not written to yet: the others are, and the sink
/// then defers the event (<see cref="DeliveryDeferredException"/>) to the end of the earliest quiet period, when the
/// outbox offers it again.
/// </remarks>
internal sealed class EmailSink(EmailOptions options, SentLedger ledger, Func<SmtpClient> newClient, TimeProvider clock) : IProcessEventSink, IDigestSink
{
    // What a digest tells instead: a person who takes the digest gets no message of their own for these.
    private static readonly HashSet<string> InTheDigest = new(StringComparer.Ordinal) { "escalation-raised", "task-overdue" };

    private readonly HashSet<string> _types = new(options.EventTypes, StringComparer.Ordinal);
    private readonly MailboxAddress _from = MailboxAddress.Parse(options.From!);

    public async ValueTask EmitAsync(ProcessEvent processEvent, CancellationToken cancellationToken)
    {
        if (!_types.Contains(processEvent.Type))
        {
            return;
        }

        // People without an address cannot be e-mailed; people already reached are not e-mailed again.
        var waiting = processEvent.Recipients
            .Where(r => r.Email is { Length: > 0 } && !ledger.Contains(processEvent.EventId, r.Id) && !(r.TakesDigest && InTheDigest.Contains(processEvent.Type)))
            .ToList();
        var now = clock.GetUtcNow();
        DateTimeOffset? quietUntil = null;
        var due = new List<EventRecipient>(waiting.Count);
        foreach (var recipient in waiting)
        {
            if (options.HonourQuietHours && recipient.QuietHours?.EndAfter(now) is { } end)
            {
                quietUntil = quietUntil is { } earlier && earlier < end ? earlier : end;
            }
            else
            {
                due.Add(recipient);
            }
        }

        await SendAsync(processEvent, due, cancellationToken);
        if (quietUntil is { } until)
        {
            var held = waiting.Count - due.Count;
            throw new DeliveryDeferredException(until, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"E-mail for {processEvent.EventId} held for {held} of {waiting.Count} recipients in their quiet hours, until {until:yyyy-MM-dd HH:mm zzz}"));
        }
    }

    /// <summary>E-mails the digest to its person once per day: the ledger records it as <c>digest:&lt;day&gt;:&lt;person&gt;</c>.</summary>
    public async ValueTask SendDigestAsync(Digest digest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(digest);
        var person = digest.Person;
        var notification = Notification.ForDigest(digest, person.Language ?? options.DefaultLanguage);
        if (person.Email is not { Length: > 0 } || digest.IsEmpty || ledger.Contains(notification.EventId, person.Id))
        {
            return;
        }

        using var client = await ConnectAsync(cancellationToken);
        await client.SendAsync(Message(notification, person, notification.EventId), cancellationToken);
        ledger.Record(notification.EventId, person.Id);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }

    private async Task<SmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = newClient();
        try
        {
            client.Timeout = (int)Math.Min(int.MaxValue, options.Timeout.TotalMilliseconds);
            await client.ConnectAsync(options.Host!, options.Port, Security(options.Security), cancellationToken);
            if (options.UserName is { Length: > 0 } user)
            {
                await client.AuthenticateAsync(user, options.Password ?? string.Empty, cancellationToken);
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private async Task SendAsync(ProcessEvent processEvent, List<EventRecipient> due, CancellationToken cancellationToken)
    {
        if (due.Count == 0)
        {
            return;
        }

        using var client = await ConnectAsync(cancellationToken);
        var failures = new List<string>();
        foreach (var recipient in due)
        {
            try
            {
                await client.SendAsync(Message(Notification.For(processEvent, recipient.Language ?? options.DefaultLanguage), recipient, processEvent.EventId), cancellationToken);
                ledger.Record(processEvent.EventId, recipient.Id);
            }
            catch (Exception ex) when (ex is SmtpCommandException or ParseException)
            {
                // This person's address was refused (or does not read): the others are still tried now.
                failures.Add($"{recipient.Id}: {ex.Message}");
            }
        }

        await client.DisconnectAsync(quit: true, cancellationToken);
        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"E-mail for {processEvent.EventId} not sent to {failures.Count} of {due.Count}: {string.Join("; ", failures)}");
        }
    }

    private MimeMessage Message(Notification notification, EventRecipient recipient, string eventId)
    {
        var message = new MimeMessage
        {
            Subject = "[SalesWorkflow] " + notification.Title,
            Body = new TextPart("plain") { Text = notification.ToText() },

            // Stable for the event and the person: a message sent twice is recognisably the same message.
            MessageId = $"{IdPart(eventId)}.{IdPart(recipient.Id)}@{options.MessageIdDomain}",
        };
        message.From.Add(_from);
        message.To.Add(new MailboxAddress(recipient.Name ?? recipient.Id, recipient.Email!));
        message.Headers.Add("X-SalesWorkflow-Event-Id", eventId);
        return message;
    }

    /// <summary>A Message-ID part of letters, digits, dots and hyphens; any other byte is written =XX.</summary>
    private static string IdPart(string text)
    {
        var part = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.')
            {
                part.Append((char)b);
            }
            else
            {
                part.Append('=').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return part.ToString();
    }

    private static SecureSocketOptions Security(SmtpSecurity security) => security switch
    {
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.None => SecureSocketOptions.None,
        _ => SecureSocketOptions.StartTls,
    };
}
