using SalesWorkflow.Engine.Hosting;

namespace SalesWorkflow.Engine.StoreContract;

/// <summary>
/// One fresh, empty database of the store under test, for one test. A store's test project implements this once and
/// returns a new one from <see cref="StoreContractTests.OpenStore"/>; disposing it may drop the database.
/// </summary>
public interface IStoreUnderTest : IDisposable
{
    /// <summary>Points the engine at this database, as an application would (<c>options.UseSqlite(…)</c>, <c>options.UseStore(…)</c>).</summary>
    /// <param name="options">The options of the engine the test builds.</param>
    void Configure(SalesWorkflowOptions options);
}
