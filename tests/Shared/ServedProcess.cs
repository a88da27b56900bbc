using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SalesWorkflow.Tests;

/// <summary>For tests that start a server as a process of its own (PostgreSQL, <c>salesflow serve</c>): a free port, and waiting until it answers.</summary>
internal static class ServedProcess
{
    /// <summary>A loopback port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits up to 60 s for <c>/readyz</c> at <paramref name="address"/> to answer 200; fails as soon as <paramref name="server"/> exits.</summary>
    public static async Task WaitUntilReadyAsync(Uri address, Process server)
    {
        using var client = new HttpClient { BaseAddress = address };
        for (var i = 0; i < 240; i++)
        {
            Xunit.Assert.False(server.HasExited, $"the server on {address} stopped before it was ready (exit {(server.HasExited ? server.ExitCode : 0)})");
            try
            {
                if ((await client.GetAsync("/readyz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(250);
        }

        Xunit.Assert.Fail($"the server on {address} was not ready within 60 s");
    }
}
