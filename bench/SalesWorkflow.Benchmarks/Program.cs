using BenchmarkDotNet.Running;

// Every benchmark compares against a baseline measured in the same run (STYLE.md: measure, don't guess).
SalesWorkflow.Benchmarks.Runtime.Measurements.Clear();
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
