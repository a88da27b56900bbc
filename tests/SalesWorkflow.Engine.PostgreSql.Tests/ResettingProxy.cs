using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace SalesWorkflow.Engine.PostgreSql.Tests;

/// <summary>
/// A TCP proxy in front of PostgreSQL that resets connections at the two worst moments of a transaction (fault
/// injection, issue 15). It watches what clients send for a COMMIT and, for every <see cref="EveryNthCommit"/>-th one,
/// either resets the connection before the COMMIT reaches the server (the transaction rolls back: a reset
/// mid-transaction) or lets it through and resets the connection before the server's answer gets back (the commit
/// happened; the client cannot know). Resets are real TCP resets (linger 0), as a failing network or a killed
/// connection pooler gives.
/// </summary>
internal sealed class ResettingProxy : IAsyncDisposable
{
    private static readonly byte[] Commit = "COMMIT"u8.ToArray();

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private int _commits;
    private int _resetBeforeCommit;
    private int _resetAfterCommit;

    public ResettingProxy(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        _server = new IPEndPoint(IPAddress.Parse(builder.Host!), builder.Port);
        _listener.Start();
        _accepting = AcceptAsync();
        var proxied = new NpgsqlConnectionStringBuilder(connectionString) { Host = "127.0.0.1", Port = ((IPEndPoint)_listener.LocalEndpoint).Port };
        ConnectionString = proxied.ConnectionString;
    }

    /// <summary>The same database, reached through the proxy.</summary>
    public string ConnectionString { get; }

    /// <summary>How often a COMMIT meets a reset; 0 lets everything through.</summary>
    public int EveryNthCommit { get; set; }

    /// <summary>COMMITs whose connection was reset before they reached the server.</summary>
    public int ResetBeforeCommit => Volatile.Read(ref _resetBeforeCommit);

    /// <summary>COMMITs the server ran whose answer was lost in a reset.</summary>
    public int ResetAfterCommit => Volatile.Read(ref _resetAfterCommit);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using (client)
        {
            try
            {
                await server.ConnectAsync(_server, _stop.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                Reset(client);
                return;
            }

            var answerDoomed = false;
            using var relay = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var toServer = PumpAsync(client, server, relay, chunk =>
            {
                if (EveryNthCommit <= 0 || chunk.AsSpan().IndexOf(Commit) < 0 || Interlocked.Increment(ref _commits) % EveryNthCommit != 0)
                {
                    return true;
                }

                // Alternate the two moments, so that both happen about as often.
                if ((_commits / EveryNthCommit) % 2 == 0)
                {
                    Interlocked.Increment(ref _resetBeforeCommit);
                    return false;
                }

                Volatile.Write(ref answerDoomed, true);
                Interlocked.Increment(ref _resetAfterCommit);
                return true;
            });
            var toClient = PumpAsync(server, client, relay, _ => !Volatile.Read(ref answerDoomed));
            await Task.WhenAny(toServer, toClient);
            Reset(client);
            Reset(server);
            await relay.CancelAsync();
            await Task.WhenAll(toServer, toClient);
        }
    }

    /// <summary>Copies from one socket to the other; a chunk <paramref name="pass"/> refuses ends the relay (a reset).</summary>
    private static async Task PumpAsync(Socket from, Socket to, CancellationTokenSource relay, Func<byte[], bool> pass)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, relay.Token);
                if (read == 0 || !pass(buffer[..read]))
                {
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, relay.Token);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The other side is gone, or the relay ended.
        }
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0); // close sends RST, not FIN
            socket.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }

        await Task.WhenAll(open);
        _stop.Dispose();
    }
}
