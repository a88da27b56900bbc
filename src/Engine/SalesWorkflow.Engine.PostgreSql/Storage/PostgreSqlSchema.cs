namespace SalesWorkflow.Engine.PostgreSql.Storage;

/// <summary>
/// Versioned schema migrations, the same logical schema as the SQLite store (times as Unix milliseconds, JSON in
/// <c>json</c> columns, deal ids ordered bytewise as SQLite orders them, whatever the database's collation, so that
/// paging by deal id walks the primary key). Each node applies the missing ones at start-up inside one transaction that holds an advisory lock, so when
/// several nodes start at once one migrates and the others wait and then find the schema current. Never edit a shipped
/// script: add a new one.
/// </summary>
internal static class PostgreSqlSchema
{
    /// <summary>Key of the transaction-scoped advisory lock that serialises migrations ("SWschema").</summary>
    public const long MigrationLockKey = 0x5357_7363_6865_6D61;

    public static readonly IReadOnlyList<(int Version, string Description, string Sql)> Migrations =
    [
        (1, "instances, events, command ledger, timers, outbox, process versions", """
            CREATE TABLE instances (
                deal_id text COLLATE "C" NOT NULL PRIMARY KEY,
                process_id text NOT NULL,
                process_version integer NOT NULL,
                stage text NOT NULL,
                status text NOT NULL,
                owner_id text NOT NULL,
                amount numeric NOT NULL,
                health integer NOT NULL,
                blocked boolean NOT NULL,
                escalation_level integer NOT NULL,
                entered_stage_at bigint NOT NULL,
                updated_at bigint NOT NULL,
                row_version bigint NOT NULL,
                state_json json NOT NULL
            );
            CREATE INDEX ix_instances_stage ON instances (stage, deal_id);
            CREATE INDEX ix_instances_owner ON instances (owner_id, deal_id);
            CREATE INDEX ix_instances_status ON instances (status, deal_id);

            CREATE TABLE events (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                event_id text NOT NULL,
                deal_id text NOT NULL,
                type text NOT NULL,
                at bigint NOT NULL,
                command_id text NOT NULL,
                process_id text NOT NULL,
                process_version integer NOT NULL,
                stage text NOT NULL,
                data_json json NOT NULL,
                evaluation_json json
            );
            CREATE INDEX ix_events_deal ON events (deal_id, seq);
            CREATE INDEX ix_events_type_at ON events (type, at);

            CREATE TABLE commands (
                command_id text NOT NULL PRIMARY KEY,
                deal_id text NOT NULL,
                processed_at bigint NOT NULL,
                result_json json NOT NULL
            );

            CREATE TABLE timers (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                deal_id text NOT NULL,
                escalation_id text NOT NULL,
                level integer NOT NULL,
                due_at bigint NOT NULL,
                stage_epoch integer NOT NULL
            );
            CREATE INDEX ix_timers_due ON timers (due_at, id);
            CREATE INDEX ix_timers_deal ON timers (deal_id);

            CREATE TABLE outbox (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                event_seq bigint NOT NULL,
                sink text NOT NULL,
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at bigint NOT NULL,
                last_error text,
                dead_lettered boolean NOT NULL DEFAULT false
            );
            CREATE INDEX ix_outbox_due ON outbox (next_attempt_at, id) WHERE NOT dead_lettered;

            CREATE TABLE process_versions (
                process_id text NOT NULL,
                version integer NOT NULL,
                content_hash text NOT NULL,
                entry_path text NOT NULL,
                sources_json json NOT NULL,
                registered_at bigint NOT NULL,
                PRIMARY KEY (process_id, version)
            );
            """),
        (2, "instances.next_sweep_at: sweep batches claimed once across nodes", """
            -- When the re-evaluation sweep is next due for the deal (Unix ms; 0: at the next round). A sweep claims open
            -- deals due at its time with FOR UPDATE SKIP LOCKED and moves this on by the sweep interval, in the
            -- transaction that writes their changes, so several nodes' sweeps share the deals instead of repeating them.
            ALTER TABLE instances ADD COLUMN next_sweep_at bigint NOT NULL DEFAULT 0;
            """),
        (3, "salesworkflow_check: a command's writes and its COMMIT go in one round trip", """
            -- Raises an error, which aborts the transaction and so skips the COMMIT sent after it in the same batch, when
            -- a check on the written rows fails.
            CREATE FUNCTION salesworkflow_check(ok boolean, message text) RETURNS void LANGUAGE plpgsql AS $$
            BEGIN
                IF NOT ok THEN
                    RAISE EXCEPTION '%', message;
                END IF;
            END
            $$;
            """),
        (4, "events.tx: tailing readers never pass over an event that commits late", """
            -- The transaction that wrote the event. Sequence numbers are taken when a row is written, not when its
            -- transaction commits, so across nodes a lower number can become visible after a higher one. Readers page by
            -- (tx, seq) and only below the oldest transaction still running, where nothing new can appear. Events written
            -- before this migration get 0: their transactions ended long ago.
            ALTER TABLE events ADD COLUMN tx xid8 NOT NULL DEFAULT '0';
            ALTER TABLE events ALTER COLUMN tx SET DEFAULT pg_current_xact_id();
            CREATE INDEX ix_events_tx_seq ON events (tx, seq);
            """),
        (5, "instances.team and instances.risk_count for the server's team and at-risk queries; events.actor: who submitted the command", """
            ALTER TABLE instances ADD COLUMN team text NOT NULL DEFAULT '';
            ALTER TABLE instances ADD COLUMN risk_count integer NOT NULL DEFAULT 0;
            -- Deals written before this migration: read both from the state the row already holds.
            UPDATE instances SET
                team = coalesce(state_json->'owner'->>'team', ''),
                risk_count = coalesce(json_array_length(state_json->'lastEvaluation'->'risks'), 0);
            CREATE INDEX ix_instances_team ON instances (team, deal_id);
            ALTER TABLE events ADD COLUMN actor text;
            """),
        (6, "outbox.trace_parent: a delivery joins the trace of the command that wrote its event", """
            ALTER TABLE outbox ADD COLUMN trace_parent text;
            """),
    ];

    public static int LatestVersion => Migrations[^1].Version;
}
