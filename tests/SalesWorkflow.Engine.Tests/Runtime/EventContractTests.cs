using Microsoft.Data.Sqlite;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>The event log is a contract (docs/events.md): every type the engine writes, in the shape readers rely on.</summary>
public sealed class EventContractTests
{
    [Fact]
    public async Task EveryEventHistory_WritesEveryEventType()
    {
        var folder = Directory.CreateTempSubdirectory("sw-every-event-").FullName;
        var definitions = EveryEventHistory.WriteDefinitions(folder);
        await using (var harness = new EngineHarness(definitions, folder: folder))
        {
            await EveryEventHistory.RecordAsync(harness.Engine, harness.Maintenance, harness.Clock);
            var types = (await harness.Engine.ReadEventsAsync(0, 100_000)).Select(e => e.Type).ToHashSet(StringComparer.Ordinal);
            var declared = typeof(DealEventTypes).GetFields().Select(f => (string)f.GetValue(null)!).ToList();
            Assert.Equal(string.Empty, string.Join(", ", declared.Where(t => !types.Contains(t))));
        }

        // Run once with SW_WRITE_LEGACY_FIXTURE=<folder> to keep the database this engine wrote (tests/Fixtures/).
        if (Environment.GetEnvironmentVariable("SW_WRITE_LEGACY_FIXTURE") is { Length: > 0 } target)
        {
            SqliteConnection.ClearAllPools();
            var source = Path.Combine(folder, "salesworkflow.db");
            using (var connection = new SqliteConnection($"Data Source={source}"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE; VACUUM;";
                command.ExecuteNonQuery();
            }

            SqliteConnection.ClearAllPools();
            Directory.CreateDirectory(target);
            File.Copy(source, Path.Combine(target, "salesworkflow.db"), overwrite: true);
            foreach (var file in Directory.GetFiles(definitions))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
            }
        }
    }
}
