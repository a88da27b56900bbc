namespace SalesWorkflow.Engine.StoreContract;

/// <summary>
/// The base of every contract class: the one thing a store's test project writes is <see cref="OpenStore"/>. Derive
/// a sealed class per contract class in your test project (see docs/stores.md); xunit runs the inherited tests.
/// </summary>
public abstract class StoreContractTests
{
    /// <summary>A fresh, empty database of the store under test.</summary>
    /// <returns>The store, owned by the test.</returns>
    protected abstract IStoreUnderTest OpenStore();

    /// <summary>An engine on a fresh database of the store under test.</summary>
    /// <returns>The harness, owned by the test.</returns>
    protected StoreHarness Harness() => new(OpenStore());

    /// <summary>A harness whose engine options <paramref name="configureEngine"/> sets.</summary>
    /// <param name="configureEngine">Sets the options.</param>
    /// <returns>The harness; the test disposes it.</returns>
    protected StoreHarness Harness(Action<Hosting.SalesWorkflowOptions> configureEngine) => new(OpenStore(), configureEngine: configureEngine);
}
