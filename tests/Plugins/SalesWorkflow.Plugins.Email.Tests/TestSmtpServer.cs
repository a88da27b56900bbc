using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace SalesWorkflow.Plugins.Email.Tests;

/// <summary>
/// A real SMTP server in the test process (SmtpServer): STARTTLS with a self-signed certificate, authentication
/// required, every message kept as MimeKit parsed it. Recipients can be refused a number of times, as a mailbox that
/// is full for a while.
/// </summary>
internal sealed class TestSmtpServer : IAsyncDisposable
{
    public const string User = "salesworkflow";
    public const string Password = "s3cret-pass";

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    /// <summary>Starts the server; <paramref name="plain"/>: no TLS and no authentication (a relay on loopback, for a host in another process).</summary>
    public TestSmtpServer(bool plain = false)
    {
        Port = FreePort();
        Certificate = SelfSigned();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(builder =>
            {
                builder.Endpoint(new IPEndPoint(IPAddress.Loopback, Port));
                if (!plain)
                {
                    builder.AllowUnsecureAuthentication(false).AuthenticationRequired(true).Certificate(Certificate);
                }
            })
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        services.Add(new Filter(this));
        services.Add(new Authenticator(this));
        _running = new SmtpServer.SmtpServer(options, services).StartAsync(_stop.Token);
    }

    public int Port { get; }

    public X509Certificate2 Certificate { get; }

    /// <summary>Messages received, in order.</summary>
    public ConcurrentQueue<MimeMessage> Messages { get; } = new();

    /// <summary>
    /// A message to this address is kept, and then its sender is never answered (as a server that stalls after the
    /// data): <see cref="Held"/> completes once one is, so that a test can kill the sender mid-send.
    /// </summary>
    public string? HoldAddress { get; set; }

    public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many more times each address is refused.</summary>
    public ConcurrentDictionary<string, int> RefuseTimes { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Sessions that authenticated, and that tried with a wrong password.</summary>
    public int Authenticated;

    public int Failed;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        Certificate.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private sealed class Store(TestSmtpServer server) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            server.Messages.Enqueue(message);
            if (server.HoldAddress is { } held && message.To.Mailboxes.Any(m => string.Equals(m.Address, held, StringComparison.OrdinalIgnoreCase)) && server.Held.TrySetResult())
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return SmtpResponse.TransactionFailed;
                }
            }

            return SmtpResponse.Ok;
        }
    }

    private sealed class Filter(TestSmtpServer server) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
        {
            var address = $"{to.User}@{to.Host}";
            if (server.RefuseTimes.TryGetValue(address, out var left) && left > 0)
            {
                server.RefuseTimes[address] = left - 1;
                return Task.FromResult(false);
            }

            return Task.FromResult(true);
        }
    }

    private sealed class Authenticator(TestSmtpServer server) : IUserAuthenticator
    {
        public Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken)
        {
            var ok = user == User && password == Password;
            Interlocked.Increment(ref ok ? ref server.Authenticated : ref server.Failed);
            return Task.FromResult(ok);
        }
    }
}
