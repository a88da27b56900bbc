using SalesWorkflow.Server.Hosting;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Server.Tests;

/// <summary>The server as <c>salesflow serve</c> builds it, with the first-party plugins, for <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program
{
    public static void Main(string[] args)
    {
        var builder = SalesWorkflowServer.CreateBuilder(args);
        builder.Services.AddFirstPartyPlugins();
        SalesWorkflowServer.Build(builder).Run();
    }
}
