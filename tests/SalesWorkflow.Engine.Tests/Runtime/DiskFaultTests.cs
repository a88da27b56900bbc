using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>
/// Fault injection on the SQLite store (issue 15) with real disks, small tmpfs mounts: a full disk is a transient store
/// error that loses no acknowledged command, and the same engine goes on once space is free, without a restart; a
/// read-only disk refuses writes with the reason and can still be read. The same faults arriving mid-run, and a failing
/// fsync, are injected below SQLite in IntegrationTests/Faults/SqliteFaultTests.
/// </summary>
public sealed class DiskFaultTests : IDisposable
{
    private readonly string _disk = Path.Combine(Path.GetTempPath(), "sw-tiny-disk-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        TinyDiskFactAttribute.Unmount(_disk);
    }

    private ServiceProvider Engine(string database) => new ServiceCollection()
        .AddFirstPartyPlugins()
        .AddSalesWorkflow(o =>
        {
            o.AddDefinitions(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"));
            o.UseSqlite($"Data Source={database}");
            o.RunBackgroundServices = false;
        })
        .BuildServiceProvider();

    private static StartTracking Start(int i) => new($"start-{i}", $"D-{i:0000}", "standard-b2b")
    {
        // About 20 KB of facts per deal, so that a few hundred kilobytes fill the disk.
        Opportunity = new Opportunity { Name = $"Deal {i} " + new string('x', 20_000), Amount = 1000 + i },
    };

    [TinyDiskFact]
    public async Task DiskFull_IsATransientStoreError_NothingAcknowledgedIsLost_AndTheEngineGoesOnWhenSpaceIsFree()
    {
        TinyDiskFactAttribute.Mount(_disk, "3m");
        var filler = Path.Combine(_disk, "filler.bin");
        await File.WriteAllBytesAsync(filler, new byte[1024 * 1024]);
        var database = Path.Combine(_disk, "full.db");
        var acknowledged = new List<string>();
        SalesWorkflowStoreException? full = null;
        int failedAt;
        await using (var provider = Engine(database))
        {
            var engine = provider.GetRequiredService<ISalesWorkflowEngine>();
            for (failedAt = 0; failedAt < 1_000 && full is null; failedAt++)
            {
                try
                {
                    var result = await engine.SubmitAsync(Start(failedAt));
                    Assert.Equal(CommandStatus.Applied, result.Status);
                    acknowledged.Add(result.DealId);
                }
                catch (SalesWorkflowStoreException ex)
                {
                    full = ex;
                }
            }

            Assert.NotNull(full);
            Assert.True(full.IsTransient);
            Assert.Contains("full", full.Message, StringComparison.Ordinal);
            Assert.NotEmpty(acknowledged);

            // Space comes back: the same engine takes the command that failed, and the next one, without a restart.
            File.Delete(filler);
            failedAt--;
            Assert.Equal(CommandStatus.Applied, (await engine.SubmitAsync(Start(failedAt))).Status);
            Assert.Equal(CommandStatus.Applied, (await engine.SubmitAsync(Start(failedAt + 1))).Status);
            acknowledged.Add(Start(failedAt).DealId);
            acknowledged.Add(Start(failedAt + 1).DealId);
        }

        // Every acknowledged command is in the file, read by a new engine.
        SqliteConnection.ClearAllPools();
        await using (var reopened = Engine(database))
        {
            var engine = reopened.GetRequiredService<ISalesWorkflowEngine>();
            foreach (var dealId in acknowledged)
            {
                Assert.NotNull(await engine.GetDealAsync(dealId));
            }

            // A retry of an acknowledged command is a duplicate, never applied twice.
            Assert.Equal(CommandStatus.Duplicate, (await engine.SubmitAsync(Start(0))).Status);
        }
    }

    [TinyDiskFact]
    public async Task ReadOnlyDisk_WritingIsRefusedWithTheReason_ReadingWorks_AndNothingIsLost()
    {
        TinyDiskFactAttribute.Mount(_disk, "8m");
        var database = Path.Combine(_disk, "backup.db");
        await using (var provider = Engine(database))
        {
            var engine = provider.GetRequiredService<ISalesWorkflowEngine>();
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(CommandStatus.Applied, (await engine.SubmitAsync(Start(i))).Status);
            }
        }

        // A backup mounted read-only: closed cleanly (no -wal, no -shm), and nothing may be created next to it.
        SqliteConnection.ClearAllPools();
        TinyDiskFactAttribute.Remount(_disk, "ro");
        await using (var provider = Engine(database))
        {
            var refused = await Assert.ThrowsAsync<SalesWorkflowStoreException>(() => provider.GetRequiredService<ISalesWorkflowEngine>().SubmitAsync(Start(3)));
            Assert.False(refused.IsTransient);
            Assert.Contains("backup.db", refused.Message, StringComparison.Ordinal);
        }

        // Reading it (what report, explain and history do) works: SQLite cannot create the WAL's shared memory there,
        // so the store reads the file as immutable.
        SqliteConnection.ClearAllPools();
        await using (var reader = new ServiceCollection()
            .AddFirstPartyPlugins()
            .AddSalesWorkflow(o =>
            {
                o.UseStoredProcessVersions = true; // as ReadOnlyDatabase (report, explain, history) opens it
                o.UseSqlite($"Data Source={database};Mode=ReadOnly");
                o.RunBackgroundServices = false;
            })
            .BuildServiceProvider())
        {
            var engine = reader.GetRequiredService<ISalesWorkflowEngine>();
            for (var i = 0; i < 3; i++)
            {
                Assert.NotNull(await engine.GetDealAsync(Start(i).DealId));
            }
        }

        SqliteConnection.ClearAllPools();
        TinyDiskFactAttribute.Remount(_disk, "rw");
    }
}

/// <summary>A fact that needs a small tmpfs (Linux, allowed to mount: CI runs as root); skipped, with the reason, elsewhere.</summary>
public sealed class TinyDiskFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> WhyNot = new(Probe);

    public TinyDiskFactAttribute()
    {
        if (WhyNot.Value is { } reason)
        {
            Skip = reason;
        }
    }

    public static void Mount(string folder, string size)
    {
        Directory.CreateDirectory(folder);
        Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", folder);
    }

    /// <summary>Remounts the tmpfs with <paramref name="options"/>, e.g. "ro" (refused while a file there is open for writing).</summary>
    public static void Remount(string folder, string options) => Run("mount", "-o", "remount," + options, folder);

    public static void Unmount(string folder)
    {
        if (Directory.Exists(folder))
        {
            Run("umount", folder);
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux to mount a small tmpfs";
        }

        var folder = Path.Combine(Path.GetTempPath(), "sw-tiny-disk-probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            Mount(folder, "64k");
            Unmount(folder);
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            Directory.Delete(folder, recursive: true);
            return "cannot mount a tmpfs here (needs root): " + ex.Message;
        }
    }

    private static void Run(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: {error.Trim()}");
        }
    }
}
