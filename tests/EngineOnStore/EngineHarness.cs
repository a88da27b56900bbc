using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.StoreContract;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>
/// The contract's <see cref="StoreHarness"/> with what this repository's own engine tests add: the shipped standard
/// process with its first-party plugins, sinks, and databases shared by folder. Each test project that includes it
/// says which store it runs on in its own <c>StoreUnderTest</c> (SQLite in SalesWorkflow.Engine.Tests, PostgreSQL in
/// SalesWorkflow.Engine.PostgreSql.Tests). Harnesses given the same <c>folder</c> share one database.
/// </summary>
internal sealed class EngineHarness(string? definitions = null, IProcessEventSink? sink = null, string? folder = null, IProcessEventSink? extraSink = null)
    : StoreHarness(
        StoreUnderTest.Open(folder),
        definitions ?? Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"),
        services =>
        {
            foreach (var eventSink in new[] { sink, extraSink }.OfType<IProcessEventSink>())
            {
                services.AddSingleton(eventSink);
            }

            services.AddFirstPartyPlugins();
        })
{
    /// <summary>The database under the engine, as the test project's store gives it.</summary>
    public new StoreUnderTest Store => (StoreUnderTest)base.Store;
}
