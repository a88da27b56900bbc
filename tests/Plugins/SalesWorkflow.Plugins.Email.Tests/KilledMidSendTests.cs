using SalesWorkflow.CrashHost;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Plugins.Email.Tests;

/// <summary>
/// The engine in a process of its own (SalesWorkflow.CrashHost) e-mails an escalation to the owner's manager through a
/// real SMTP server in the test. The server takes the message and then stalls, the host is killed (SIGKILL) while it
/// waits for the answer, and a new host on the same database and sent ledger delivers the event again: the manager's
/// mailbox holds the one message, the copy sent again carrying the same Message-ID that mail systems drop duplicates by.
/// </summary>
public sealed class KilledMidSendTests : IDisposable
{
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 2, 0, 0, TimeSpan.Zero); // 10:00 in Shanghai: nobody's quiet hours
    private readonly string _folder = Directory.CreateTempSubdirectory("sw-email-kill-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    [Fact]
    public async Task AnEscalationToTheManager_ReachesThemOnce_WhenTheHostIsKilledMidSendAndRestarted()
    {
        var definitions = Path.Combine(_folder, "definitions");
        Directory.CreateDirectory(definitions);
        File.Copy(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), Path.Combine(definitions, "standard-b2b.yaml"));
        File.Copy(Path.Combine(RepoPaths.Definitions, "organisation.yaml"), Path.Combine(definitions, "organisation.yaml"));
        var database = Path.Combine(_folder, "mailer.db");
        var ledger = Path.Combine(_folder, "email-sent.log");
        await using var smtp = new TestSmtpServer(plain: true) { HoldAddress = "manager.east@example.com" };
        var environment = new Dictionary<string, string> { ["SW_SMTP_PORT"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ["SW_SMTP_LEDGER"] = ledger };

        using (var host = new NodeProcess("mailer", database, definitions, environment))
        {
            await host.WaitReadyAsync();
            Assert.Equal("Applied", await host.SubmitAsync("start-1", $"{Ms(Monday)} start start-1 D-1"));

            // Called every day, never moved: stalled from day 14 (to the owner), level 2 to the manager on day 17.
            for (var day = 1; day < 17; day++)
            {
                var at = Monday.AddDays(day);
                await host.SubmitAsync($"call-{day}", $"{Ms(at)} activity call-{day} D-1 call-{day}");
                await host.FireAsync(Ms(at));
                await host.DispatchAsync(Ms(at));
            }

            Assert.DoesNotContain(smtp.Messages, m => m.To.Mailboxes.Any(a => a.Address == "manager.east@example.com"));
            await host.FireAsync(Ms(Monday.AddDays(17)));
            var dispatch = host.DispatchAsync(Ms(Monday.AddDays(17)));
            await smtp.Held.Task.WaitAsync(TimeSpan.FromSeconds(60));
            host.Kill();
            Assert.Null(await dispatch.WaitAsync(TimeSpan.FromSeconds(60)));
        }

        smtp.HoldAddress = null;
        using (var restarted = new NodeProcess("mailer-2", database, definitions, environment))
        {
            await restarted.WaitReadyAsync();

            // Past the killed host's claim on the delivery (a lease of a minute and the sink timeout) and any back-off.
            Assert.True(await restarted.DispatchAsync(Ms(Monday.AddDays(18))) > 0, restarted.Errors());
            await restarted.DispatchAsync(Ms(Monday.AddDays(19)));
        }

        var toManager = smtp.Messages.Where(m => m.To.Mailboxes.Any(a => a.Address == "manager.east@example.com")).ToList();
        Assert.Equal(2, toManager.Count); // the copy the server took before it stalled, and the one sent again
        var messageId = Assert.Single(toManager.Select(m => m.MessageId).Distinct());
        Assert.StartsWith("D-1=3A", messageId, StringComparison.Ordinal);
        Assert.EndsWith(".manager-east@salesworkflow.invalid", messageId, StringComparison.Ordinal);
        Assert.Single(File.ReadAllLines(ledger), line => line.Contains("manager-east", StringComparison.Ordinal));

        // The owner's messages (her overdue triage task, the first level) went out once each, before the kill.
        var toOwner = smtp.Messages.Where(m => m.To.Mailboxes.Any(a => a.Address == "li.na@example.com")).ToList();
        Assert.Equal(2, toOwner.Count);
        Assert.Equal(2, toOwner.Select(m => m.MessageId).Distinct().Count());
    }
}
