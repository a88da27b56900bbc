using SalesWorkflow.Engine.StoreContract;
using SalesWorkflow.Engine.Tests.Runtime;

namespace SalesWorkflow.Engine.PostgreSql.Tests;

// The store contract (SalesWorkflow.Engine.StoreContract) on PostgreSQL: the same tests SQLite passes.
public sealed class PostgreSqlCommandContractTests : CommandContractTests
{
    protected override IStoreUnderTest OpenStore() => StoreUnderTest.Open(null);
}

public sealed class PostgreSqlTimerContractTests : TimerContractTests
{
    protected override IStoreUnderTest OpenStore() => StoreUnderTest.Open(null);
}

public sealed class PostgreSqlKpiLogContractTests : KpiLogContractTests
{
    protected override IStoreUnderTest OpenStore() => StoreUnderTest.Open(null);
}

public sealed class PostgreSqlTaskContractTests : TaskContractTests
{
    protected override IStoreUnderTest OpenStore() => StoreUnderTest.Open(null);
}

public sealed class PostgreSqlOutboxContractTests : OutboxContractTests
{
    protected override IStoreUnderTest OpenStore() => StoreUnderTest.Open(null);
}
