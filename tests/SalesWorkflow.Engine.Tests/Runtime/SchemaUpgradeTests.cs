using Microsoft.Data.Sqlite;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>
/// A database written before schema version 2 (no <c>team</c>, <c>risk_count</c> or <c>actor</c> columns) is upgraded
/// at start, and its deals answer the new queries from the state they already held.
/// </summary>
public sealed class SchemaUpgradeTests
{
    [Fact]
    public async Task Version1Database_IsUpgraded_AndItsDealsFoundByTeamAndRisk()
    {
        var folder = Directory.CreateTempSubdirectory("sw-upgrade-").FullName;
        try
        {
            await using (var before = new EngineHarness(folder: folder))
            {
                await before.Submit(new StartTracking(before.NextId(), "old-1", "standard-b2b")
                {
                    Opportunity = new Opportunity { Name = "Old", Amount = 90_000, AccountId = "acme", OwnerId = "li-na" },
                    Owner = new Owner { Id = "li-na", Team = "east" },
                });
            }

            var path = Path.Combine(folder, "salesworkflow.db");
            var risksBefore = await Scalar(path, "SELECT risk_count FROM instances WHERE deal_id = 'old-1';");
            await Execute(path, """
                DROP INDEX ix_instances_team;
                ALTER TABLE instances DROP COLUMN team;
                ALTER TABLE instances DROP COLUMN risk_count;
                ALTER TABLE events DROP COLUMN actor;
                ALTER TABLE outbox DROP COLUMN trace_parent;
                DELETE FROM schema_info WHERE version >= 2;
                """);

            await using var after = new EngineHarness(folder: folder);
            var east = await after.Engine.QueryAsync(new DealQuery { Team = "east" });
            var history = await after.Engine.GetHistoryAsync("old-1");

            Assert.Equal(["old-1"], east.Select(d => d.DealId));
            Assert.Equal(risksBefore, (long)east[0].RiskCount);
            Assert.True(east[0].RiskCount > 0, "the standard process raises risks on a new deal with no contact; the test needs one to check the backfill");
            Assert.All(history, e => Assert.Null(e.Actor));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task Execute(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> Scalar(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
