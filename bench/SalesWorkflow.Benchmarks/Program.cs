using BenchmarkDotNet.Running;

// Several engine processes on one PostgreSQL: a load driver of its own (docs/performance.md), not BenchmarkDotNet.
if (args is ["multinode", ..])
{
    return await SalesWorkflow.Benchmarks.PostgreSql.MultiNodeLoad.RunAsync(args);
}

// Read latencies of the server with 100,000 deals: percentiles of single requests (docs/performance.md).
if (args is ["server-reads", ..])
{
    return await SalesWorkflow.Benchmarks.Server.ServerReadLoad.RunAsync(args);
}

// The 100,000-deal CRM import with stage history, against the same commands sent straight to the engine.
if (args is ["import", ..])
{
    return await SalesWorkflow.Benchmarks.Import.ImportLoad.RunAsync(args);
}

if (args is ["multinode-node", ..])
{
    return await SalesWorkflow.Benchmarks.PostgreSql.MultiNodeLoad.RunNodeAsync(args);
}

// Every benchmark compares against a baseline measured in the same run (STYLE.md: measure, don't guess).
SalesWorkflow.Benchmarks.Runtime.Measurements.Clear();
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
