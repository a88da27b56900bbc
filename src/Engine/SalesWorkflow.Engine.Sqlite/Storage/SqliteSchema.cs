namespace SalesWorkflow.Engine.Sqlite.Storage;

/// <summary>
/// Versioned schema migrations, applied in order at start-up in one transaction each. Never edit a shipped script:
/// add a new one. The same logical schema exists for PostgreSQL.
/// </summary>
internal static class SqliteSchema
{
    public static readonly IReadOnlyList<(int Version, string Description, string Sql)> Migrations =
    [
        (1, "instances, events, command ledger, timers, outbox, process versions", """
            CREATE TABLE instances (
                deal_id TEXT NOT NULL PRIMARY KEY,
                process_id TEXT NOT NULL,
                process_version INTEGER NOT NULL,
                stage TEXT NOT NULL,
                status TEXT NOT NULL,
                owner_id TEXT NOT NULL,
                amount TEXT NOT NULL,
                health INTEGER NOT NULL,
                blocked INTEGER NOT NULL,
                escalation_level INTEGER NOT NULL,
                entered_stage_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                row_version INTEGER NOT NULL,
                state_json TEXT NOT NULL
            );
            CREATE INDEX ix_instances_stage ON instances (stage, deal_id);
            CREATE INDEX ix_instances_owner ON instances (owner_id, deal_id);
            CREATE INDEX ix_instances_status ON instances (status, deal_id);

            CREATE TABLE events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                event_id TEXT NOT NULL,
                deal_id TEXT NOT NULL,
                type TEXT NOT NULL,
                at INTEGER NOT NULL,
                command_id TEXT NOT NULL,
                process_id TEXT NOT NULL,
                process_version INTEGER NOT NULL,
                stage TEXT NOT NULL,
                data_json TEXT NOT NULL,
                evaluation_json TEXT
            );
            CREATE INDEX ix_events_deal ON events (deal_id, seq);
            CREATE INDEX ix_events_type_at ON events (type, at);

            CREATE TABLE commands (
                command_id TEXT NOT NULL PRIMARY KEY,
                deal_id TEXT NOT NULL,
                processed_at INTEGER NOT NULL,
                result_json TEXT NOT NULL
            ) WITHOUT ROWID;

            CREATE TABLE timers (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                deal_id TEXT NOT NULL,
                escalation_id TEXT NOT NULL,
                level INTEGER NOT NULL,
                due_at INTEGER NOT NULL,
                stage_epoch INTEGER NOT NULL
            );
            CREATE INDEX ix_timers_due ON timers (due_at);
            CREATE INDEX ix_timers_deal ON timers (deal_id);

            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                event_seq INTEGER NOT NULL,
                sink TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL,
                last_error TEXT,
                dead_lettered INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX ix_outbox_due ON outbox (dead_lettered, next_attempt_at);

            CREATE TABLE process_versions (
                process_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                content_hash TEXT NOT NULL,
                entry_path TEXT NOT NULL,
                sources_json TEXT NOT NULL,
                registered_at INTEGER NOT NULL,
                PRIMARY KEY (process_id, version)
            );
            """),
        (2, "instances.team and instances.risk_count for the server's team and at-risk queries; events.actor: who submitted the command", """
            ALTER TABLE instances ADD COLUMN team TEXT NOT NULL DEFAULT '';
            ALTER TABLE instances ADD COLUMN risk_count INTEGER NOT NULL DEFAULT 0;
            -- Deals written before this migration: read both from the state the row already holds.
            UPDATE instances SET
                team = coalesce(json_extract(state_json, '$.owner.team'), ''),
                risk_count = coalesce(json_array_length(state_json, '$.lastEvaluation.risks'), 0)
            WHERE json_valid(state_json);
            CREATE INDEX ix_instances_team ON instances (team, deal_id);
            ALTER TABLE events ADD COLUMN actor TEXT;
            """),
        (3, "outbox.trace_parent: a delivery joins the trace of the command that wrote its event", """
            ALTER TABLE outbox ADD COLUMN trace_parent TEXT;
            """),
    ];

    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>
    /// For a database opened read-only at an older <paramref name="version"/> (which cannot be migrated): temporary views
    /// that give its tables the columns readers select since, computed as the migrations fill them. Temporary views live
    /// in the connection's own temp schema, which exists even for a read-only or immutable file, and shadow the tables
    /// of the same name. Null when the schema is current.
    /// </summary>
    public static string? ReadOnlyCompatibility(int version) => version >= 2 ? null : """
        CREATE TEMP VIEW IF NOT EXISTS events AS SELECT *, NULL AS actor FROM main.events;
        CREATE TEMP VIEW IF NOT EXISTS instances AS SELECT *,
            coalesce(json_extract(state_json, '$.owner.team'), '') AS team,
            coalesce(json_array_length(state_json, '$.lastEvaluation.risks'), 0) AS risk_count
        FROM main.instances;
        """;
}
