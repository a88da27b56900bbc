using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Hosting;

/// <summary><c>AddSalesWorkflow(configuration)</c>: options from the <c>SalesWorkflow</c> section, and clear errors for what does not read.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sw-config-").FullName;

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public async Task AddSalesWorkflow_FromConfiguration_RunsTheEngineWithThoseOptions()
    {
        var services = new ServiceCollection();
        services.AddFirstPartyPlugins();
        services.AddSalesWorkflow(
            Configuration(
                ("SalesWorkflow:Definitions:0", Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml")),
                ("SalesWorkflow:Sqlite", $"Data Source={Path.Combine(_folder, "config.db")}"),
                ("SalesWorkflow:SweepInterval", "00:05:00"),
                ("SalesWorkflow:TimerBatchSize", "50"),
                ("SalesWorkflow:SendDigestsAt", "07:30"),
                ("SalesWorkflow:RunBackgroundServices", "false")),
            o => o.TimerBatchSize = 70); // code applies on top of configuration
        await using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<SalesWorkflowOptions>>().Value;
        var result = await provider.GetRequiredService<ISalesWorkflowEngine>().SubmitAsync(new StartTracking("c1", "D-1", "standard-b2b")
        {
            Opportunity = new Sdk.Facts.Opportunity { Name = "From configuration", Amount = 1_000 },
        });

        Assert.Equal((TimeSpan.FromMinutes(5), 70, false, new TimeOnly(7, 30)), (options.SweepInterval, options.TimerBatchSize, options.RunBackgroundServices, options.SendDigestsAt));
        Assert.Equal(CommandStatus.Applied, result.Status);
    }

    [Theory]
    [InlineData("SalesWorkflow:SweepIntervall", "00:05:00", "SalesWorkflow:SweepIntervall: SalesWorkflow has no option 'SweepIntervall'. Known keys: Definitions")]
    [InlineData("SalesWorkflow:SweepInterval", "soon", "SalesWorkflow:SweepInterval: 'soon' is not a time span written [d.]hh:mm:ss, such as 00:15:00.")]
    [InlineData("SalesWorkflow:SweepInterval", "15", "SalesWorkflow:SweepInterval: '15' is not a time span written [d.]hh:mm:ss, such as 00:15:00.")]
    [InlineData("SalesWorkflow:SinkTimeout", "00:99:00", "SalesWorkflow:SinkTimeout: '00:99:00' is not a time span")]
    [InlineData("SalesWorkflow:TimerBatchSize", "1e3", "SalesWorkflow:TimerBatchSize: '1e3' is not a whole number.")]
    [InlineData("SalesWorkflow:SendDigestsAt", "8am", "SalesWorkflow:SendDigestsAt: '8am' is not a time of day written HH:mm, such as 08:00.")]
    [InlineData("SalesWorkflow:SendDigestsAt", "24:00", "SalesWorkflow:SendDigestsAt: '24:00' is not a time of day")]
    [InlineData("SalesWorkflow:RunBackgroundServices", "yes", "SalesWorkflow:RunBackgroundServices: 'yes' is not true or false.")]
    [InlineData("SalesWorkflow:PostgreSql", "Host=db", "SalesWorkflow:PostgreSql: this store is in the SalesWorkflow.Engine.PostgreSql package, which the application does not reference. Add it: dotnet add package SalesWorkflow.Engine.PostgreSql.")]
    [InlineData("SalesWorkflow:Sqlite", "", "SalesWorkflow:Sqlite: '' is not a value.")]
    public void AddSalesWorkflow_ValueThatDoesNotRead_SaysWhichKey(string key, string value, string message)
    {
        var services = new ServiceCollection();
        services.AddSalesWorkflow(Configuration(("SalesWorkflow:Definitions", "definitions"), (key, value)));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptions<SalesWorkflowOptions>>().Value);

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
