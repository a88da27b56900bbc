using SalesWorkflow.Engine.StoreContract;

namespace SalesWorkflow.Engine.Tests.Runtime;

// The store contract (SalesWorkflow.Engine.StoreContract) on SQLite, as a third-party store's test project runs it.
public sealed class SqliteCommandContractTests : CommandContractTests
{
    protected override IStoreUnderTest OpenStore() => StoreUnderTest.Open(null);
}

public sealed class SqliteTimerContractTests : TimerContractTests
{
    protected override IStoreUnderTest OpenStore() => StoreUnderTest.Open(null);
}

public sealed class SqliteKpiLogContractTests : KpiLogContractTests
{
    protected override IStoreUnderTest OpenStore() => StoreUnderTest.Open(null);
}

public sealed class SqliteTaskContractTests : TaskContractTests
{
    protected override IStoreUnderTest OpenStore() => StoreUnderTest.Open(null);
}

public sealed class SqliteOutboxContractTests : OutboxContractTests
{
    protected override IStoreUnderTest OpenStore() => StoreUnderTest.Open(null);
}
