using System.Text;
using SalesWorkflow.Cli;

Console.OutputEncoding = Encoding.UTF8;

// A worker process of `salesflow demo --workers N` (started by the demo itself, not a command for people).
if (args is ["demo-worker", ..])
{
    return await SalesWorkflow.Cli.Demo.DemoWorkers.RunWorkerAsync(args[1..], CancellationToken.None);
}

return await CliApp.RunAsync(args, Console.Out, Console.Error);
