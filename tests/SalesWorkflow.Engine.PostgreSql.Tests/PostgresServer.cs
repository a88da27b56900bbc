using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace SalesWorkflow.Engine.PostgreSql.Tests;

/// <summary>
/// A throwaway PostgreSQL server for tests: <c>initdb</c> into a temporary folder and <c>pg_ctl start</c> on a free
/// loopback port (as the <c>postgres</c> OS user when the tests run as root: <c>initdb</c> refuses root), stopped when
/// the test process exits. When <c>SW_TEST_POSTGRES</c> holds a connection string (CI starts one server for every
/// test project), that server is used instead. Each test gets a database of its own.
/// </summary>
internal sealed class PostgresServer : IDisposable
{
    public const string EnvironmentVariable = "SW_TEST_POSTGRES";

    private static readonly Lazy<PostgresServer> SharedServer = new(() =>
    {
        var server = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } external ? new PostgresServer(external) : Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server;
    });

    private readonly string? _folder;
    private readonly int _port;
    private int _databases;

    private PostgresServer(string connectionString) => AdminConnectionString = connectionString;

    private PostgresServer(string folder, int port)
    {
        _folder = folder;
        _port = port;
        AdminConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=5";
    }

    /// <summary>The server every test shares (started on first use).</summary>
    public static PostgresServer Shared => SharedServer.Value;

    /// <summary>Null when the PostgreSQL binaries are there; otherwise why tests that start a server of their own are skipped.</summary>
    public static string? WhyNoBinaries { get; } = FindBinary("initdb") is null || FindBinary("pg_ctl") is null
        ? "PostgreSQL server binaries (initdb, pg_ctl) are not on PATH; install PostgreSQL 15+ to run this test."
        : null;

    /// <summary>Null when tests can get a server; otherwise why they are skipped.</summary>
    public static string? WhyUnavailable { get; } = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 }
        ? null
        : WhyNoBinaries is null ? null : $"No PostgreSQL: {EnvironmentVariable} is not set and {WhyNoBinaries}";

    public string AdminConnectionString { get; }

    /// <summary>True when this process started the server (so a test may restart it).</summary>
    public bool IsOwned => _folder is not null;

    private string DataFolder => Path.Combine(_folder!, "data");

    /// <summary>Starts a server of its own (for tests that restart it).</summary>
    public static PostgresServer Start()
    {
        RemoveStaleFolders();
        var folder = Directory.CreateTempSubdirectory("sw-pg-").FullName;
        var server = new PostgresServer(folder, SalesWorkflow.Tests.ServedProcess.FreePort());
        try
        {
            if (Environment.IsPrivilegedProcess)
            {
                Run("chown", ["-R", "postgres:postgres", folder]);
            }

            RunAsServerUser("initdb", ["-D", server.DataFolder, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
            server.PgCtl("start");
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Stops and starts the server, as an operator's restart does (clients are disconnected).</summary>
    public void Restart()
    {
        if (!IsOwned)
        {
            throw new InvalidOperationException("Only a server this process started can be restarted.");
        }

        PgCtl("restart", "-m", "fast");
    }

    /// <summary>host:port, for a multi-host connection string.</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{_port}");

    /// <summary>
    /// Starts a streaming standby of this server (pg_basebackup -R) and makes replication synchronous
    /// (synchronous_standby_names = '*'): a commit is acknowledged once the standby has it, so a failover to the standby
    /// loses nothing acknowledged. Returns once the standby streams as the synchronous one.
    /// </summary>
    public PostgresServer StartSynchronousStandby()
    {
        if (!IsOwned)
        {
            throw new InvalidOperationException("Only a server this process started gets a standby.");
        }

        var folder = Directory.CreateTempSubdirectory("sw-pg-").FullName;
        var standby = new PostgresServer(folder, SalesWorkflow.Tests.ServedProcess.FreePort());
        try
        {
            if (Environment.IsPrivilegedProcess)
            {
                Run("chown", ["-R", "postgres:postgres", folder]);
            }

            RunAsServerUser("pg_basebackup", ["-h", "127.0.0.1", "-p", _port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-D", standby.DataFolder, "-R", "-X", "stream", "--no-sync"]);
            standby.PgCtl("start");
            using var connection = new NpgsqlConnection(AdminConnectionString);
            connection.Open();
            using (var synchronous = new NpgsqlCommand("ALTER SYSTEM SET synchronous_standby_names = '*'; SELECT pg_reload_conf();", connection))
            {
                synchronous.ExecuteNonQuery();
            }

            var waited = Stopwatch.StartNew();
            using var state = new NpgsqlCommand("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync';", connection);
            while (Convert.ToInt64(state.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
            {
                if (waited.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new TimeoutException("The standby did not become the synchronous standby within 30 s.");
                }

                Thread.Sleep(50);
            }

            return standby;
        }
        catch
        {
            standby.Dispose();
            throw;
        }
    }

    /// <summary>Stops the server the way a crash does (<c>pg_ctl stop -m immediate</c>: no shutdown checkpoint).</summary>
    public void Crash() => RunAsServerUser("pg_ctl", ["stop", "-D", DataFolder, "-m", "immediate", "-w"]);

    /// <summary>Promotes a standby to primary and waits until it accepts writes.</summary>
    public void Promote() => RunAsServerUser("pg_ctl", ["promote", "-D", DataFolder, "-w", "-t", "60"]);

    private void PgCtl(string action, params string[] extra) =>
        RunAsServerUser("pg_ctl", [action, "-D", DataFolder, "-w", "-t", "60", "-l", Path.Combine(_folder!, "server.log"), .. extra,
            "-o", string.Create(CultureInfo.InvariantCulture, $"-p {_port} -c listen_addresses=127.0.0.1 -k {_folder} -c fsync=off -c max_connections=200 -c shared_buffers=64MB")]);

    /// <summary>Creates an empty database for one test and returns its connection string.</summary>
    public string CreateDatabase()
    {
        var name = $"sw_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..40];
        using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {name};", connection);
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Counts deadlocks PostgreSQL detected in a database.</summary>
    public static long Deadlocks(string connectionString)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database();", connection);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        if (_folder is null)
        {
            return;
        }

        try
        {
            if (File.Exists(Path.Combine(DataFolder, "postmaster.pid")))
            {
                RunAsServerUser("pg_ctl", ["stop", "-D", DataFolder, "-m", "immediate", "-w"]);
            }
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Removes servers' folders left behind by test processes that ended before their clean-up finished (the test host
    /// may be stopped while it deletes): stopped (no postmaster.pid) and older than ten minutes.
    /// </summary>
    private static void RemoveStaleFolders()
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), "sw-pg-*"))
        {
            try
            {
                if (!File.Exists(Path.Combine(folder, "data", "postmaster.pid")) && Directory.GetCreationTimeUtc(folder) < TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(-10))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another test process is cleaning it up, or it is not ours to delete.
            }
        }
    }

    private static string? FindBinary(string name)
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, name))
            .Where(File.Exists)
            .ToList();
        if (name == "pg_ctl" || onPath.Count == 0)
        {
            return onPath.FirstOrDefault();
        }

        // The server's own tools sit next to its pg_ctl (Debian keeps them in /usr/lib/postgresql/N/bin, with
        // version-switching wrappers on PATH): take the one of the same version when there is one.
        var pgCtl = FindBinary("pg_ctl") is { } found ? new FileInfo(found) : null;
        var serverFolder = pgCtl?.LinkTarget is { } target ? Path.GetDirectoryName(Path.GetFullPath(target, pgCtl.DirectoryName!)) : pgCtl?.DirectoryName;
        var sibling = serverFolder is null ? null : Path.Combine(serverFolder, name);
        return sibling is not null && File.Exists(sibling) ? sibling : onPath[0];
    }

    private static void RunAsServerUser(string binary, string[] arguments)
    {
        var path = FindBinary(binary) ?? throw new InvalidOperationException($"{binary} is not on PATH.");
        if (Environment.IsPrivilegedProcess)
        {
            Run(File.Exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser", ["-u", "postgres", "--", path, .. arguments]);
        }
        else
        {
            Run(path, arguments);
        }
    }

    private static void Run(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {output.Result}{error.Result}");
        }
    }
}
