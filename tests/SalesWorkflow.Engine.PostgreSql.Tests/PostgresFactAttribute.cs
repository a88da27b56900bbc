namespace SalesWorkflow.Engine.PostgreSql.Tests;

/// <summary>
/// A fact that needs PostgreSQL. xunit 2 has no dynamic skip, so the attribute decides at discovery: without a server
/// (no <c>SW_TEST_POSTGRES</c> connection string and no <c>initdb</c>/<c>pg_ctl</c> on PATH) the test is reported as
/// skipped with the reason. <see cref="OwnServer"/> tests also restart the server, so they need the binaries.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresFactAttribute : Xunit.FactAttribute
{
    private string? _skip;

    /// <summary>The test starts (and restarts) a server of its own: it needs the PostgreSQL binaries.</summary>
    public bool OwnServer { get; set; }

    public override string? Skip
    {
        get => _skip ?? (OwnServer ? PostgresServer.WhyNoBinaries : PostgresServer.WhyUnavailable);
        set => _skip = value;
    }
}

/// <summary>A theory that needs PostgreSQL: skipped with the reason when there is none (see <see cref="PostgresFactAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresTheoryAttribute : Xunit.TheoryAttribute
{
    private string? _skip;

    public override string? Skip
    {
        get => _skip ?? PostgresServer.WhyUnavailable;
        set => _skip = value;
    }
}
