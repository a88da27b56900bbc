using System.Text.Json;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Plugins.Webhooks.Tests;

/// <summary>
/// Registration and configuration. The tests of the public parameterless constructor write <c>webhooks.json</c> next
/// to the plugin assembly and set process environment variables: they live in this class only, so they never run
/// concurrently with each other (xUnit runs a class's tests one at a time). Two test processes running the same build
/// output at once would share that file; everything else uses the internal constructor and a folder of its own.
/// </summary>
public sealed class WebhooksPluginTests : IDisposable
{
    private static readonly string PluginFile = Path.Combine(Path.GetDirectoryName(typeof(WebhooksPlugin).Assembly.Location)!, "webhooks.json");
    private readonly string _directory = TestData.TempDirectory();

    public WebhooksPluginTests() => CleanUp();

    public void Dispose()
    {
        CleanUp();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void NameAndVersion_AreWebhooksAndOneZeroZero()
    {
        ISalesWorkflowPlugin plugin = new WebhooksPlugin(new WebhookOptions());

        Assert.Equal("webhooks", plugin.Name);
        Assert.Equal("1.0.0", plugin.Version);
    }

    [Fact]
    public void Register_AddsOneSinkPerEndpointNamedAfterItsUrl()
    {
        var options = new WebhookOptions
        {
            Endpoints =
            [
                new WebhookEndpoint { Url = new Uri("https://crm.example.com/hooks/salesworkflow?tenant=7") },
                new WebhookEndpoint { Url = new Uri("HTTP://Alerts.Example.com"), EventTypes = ["escalation-raised"] },
            ],
        };
        var registry = new RecordingRegistry();

        new WebhooksPlugin(options).Register(registry);

        Assert.Equal(["webhooks:https://crm.example.com/hooks/salesworkflow?tenant=7", "webhooks:http://alerts.example.com/"], registry.Sinks.Select(s => s.Name));
        Assert.NotSame(registry.Sinks[0].Sink, registry.Sinks[1].Sink);
    }

    [Fact]
    public void Register_NoEndpoints_AddsNothing()
    {
        var registry = new RecordingRegistry();

        new WebhooksPlugin(new WebhookOptions()).Register(registry);

        Assert.Empty(registry.Sinks);
    }

    [Fact]
    public void Register_OptionsChangedAfterConstruction_UsesTheOriginalOnes()
    {
        var options = new WebhookOptions { Endpoints = [new WebhookEndpoint { Url = new Uri("https://a.example.com/") }] };
        var plugin = new WebhooksPlugin(options);
        options.Endpoints[0].Url = new Uri("https://b.example.com/");
        options.Endpoints = [];
        var registry = new RecordingRegistry();

        plugin.Register(registry);

        Assert.Equal("webhooks:https://a.example.com/", Assert.Single(registry.Sinks).Name);
    }

    [Fact]
    public void ParameterlessConstructor_WebhooksJsonNextToAssembly_RegistersItsEndpoints()
    {
        File.WriteAllText(PluginFile, """
            {
              // Comments and trailing commas are allowed.
              "endpoints": [
                { "url": "https://crm.example.com/hooks", "eventTypes": ["deal-won"] },
                { "url": "https://alerts.example.com/hooks", "secret": "alerts-secret" },
              ],
              "secret": "shared",
              "timeout": "00:00:05",
              "retryAttempts": 2,
            }
            """);
        var registry = new RecordingRegistry();

        new WebhooksPlugin().Register(registry);

        Assert.Equal(["webhooks:https://crm.example.com/hooks", "webhooks:https://alerts.example.com/hooks"], registry.Sinks.Select(s => s.Name));
    }

    [Fact]
    public void ParameterlessConstructor_EnvironmentVariables_RegisterOneSinkPerUrl()
    {
        Environment.SetEnvironmentVariable("SALESWORKFLOW_WEBHOOK_URLS", " https://a.example.com/hooks ,https://b.example.com/hooks,, ");
        Environment.SetEnvironmentVariable("SALESWORKFLOW_WEBHOOK_SECRET", "env-secret");
        var registry = new RecordingRegistry();

        new WebhooksPlugin().Register(registry);

        Assert.Equal(["webhooks:https://a.example.com/hooks", "webhooks:https://b.example.com/hooks"], registry.Sinks.Select(s => s.Name));
        Assert.All(registry.Sinks, s => Assert.True(((WebhookSink)s.Sink).IsSigned));
    }

    [Fact]
    public void ParameterlessConstructor_NoConfiguration_RegistersNothing()
    {
        var registry = new RecordingRegistry();

        new WebhooksPlugin().Register(registry);

        Assert.Empty(registry.Sinks);
    }

    [Fact]
    public void Register_FileAndVariables_FileWinsAndVariableSuppliesTheSecret()
    {
        File.WriteAllText(Path.Combine(_directory, "webhooks.json"), """{ "endpoints": [ { "url": "https://file.example.com/hooks" } ] }""");
        var environment = new Dictionary<string, string>
        {
            ["SALESWORKFLOW_WEBHOOK_URLS"] = "https://env.example.com/hooks",
            ["SALESWORKFLOW_WEBHOOK_SECRET"] = "env-secret",
        };
        var registry = new RecordingRegistry();

        new WebhooksPlugin(_directory, name => environment.GetValueOrDefault(name), TestData.Clock(), new HttpClient()).Register(registry);

        var sink = Assert.Single(registry.Sinks);
        Assert.Equal("webhooks:https://file.example.com/hooks", sink.Name);
        Assert.True(((WebhookSink)sink.Sink).IsSigned);
    }

    [Fact]
    public void Register_InvalidWebhooksJson_ThrowsNamingTheFileAndEveryProblem()
    {
        File.WriteAllText(Path.Combine(_directory, "webhooks.json"), """
            { "endpoints": [ { "url": "hooks.example.com" }, { "url": "https://ok.example.com", "eventTypes": [] } ], "retryAttempts": -2 }
            """);
        var plugin = new WebhooksPlugin(_directory, _ => null, TestData.Clock(), new HttpClient());

        var error = Assert.Throws<InvalidOperationException>(() => plugin.Register(new RecordingRegistry()));

        Assert.Contains(Path.Combine(_directory, "webhooks.json"), error.Message, StringComparison.Ordinal);
        Assert.Contains("Endpoints[0].Url: `hooks.example.com` is not an absolute http or https URL", error.Message, StringComparison.Ordinal);
        Assert.Contains("Endpoints[1].EventTypes: is empty", error.Message, StringComparison.Ordinal);
        Assert.Contains("RetryAttempts: must be between 0 and 100 (was -2)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "endpoints": [ { "url": "https://a.example.com" } ], "retryAtempts": 5 }""", "retryAtempts")]
    [InlineData("""{ "endpoints": [ { "secret": "s" } ] }""", "url")]
    [InlineData("""{ "endpoints": [ """, "LineNumber")]
    [InlineData("null", "holds `null`")]
    public void Register_UnreadableWebhooksJson_ThrowsNamingTheFile(string json, string expected)
    {
        File.WriteAllText(Path.Combine(_directory, "webhooks.json"), json);
        var plugin = new WebhooksPlugin(_directory, _ => null, TestData.Clock(), new HttpClient());

        var error = Assert.Throws<InvalidOperationException>(() => plugin.Register(new RecordingRegistry()));

        Assert.StartsWith(Path.Combine(_directory, "webhooks.json"), error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Register_InvalidUrlVariable_ThrowsNamingTheVariable()
    {
        var environment = new Dictionary<string, string> { ["SALESWORKFLOW_WEBHOOK_URLS"] = "https://ok.example.com,ftp://files.example.com" };
        var plugin = new WebhooksPlugin(_directory, name => environment.GetValueOrDefault(name), TestData.Clock(), new HttpClient());

        var error = Assert.Throws<InvalidOperationException>(() => plugin.Register(new RecordingRegistry()));

        Assert.Contains("SALESWORKFLOW_WEBHOOK_URLS", error.Message, StringComparison.Ordinal);
        Assert.Contains("`ftp://files.example.com` is not an absolute http or https URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_RelativeDeadLetterPathInWebhooksJson_IsResolvedAgainstTheFilesFolder()
    {
        await using var receiver = WebhookReceiver.Start(new Reply(410));
        File.WriteAllText(Path.Combine(_directory, "webhooks.json"), JsonSerializer.Serialize(new
        {
            endpoints = new[] { new { url = receiver.Url.AbsoluteUri } },
            deadLetterPath = "dead/letters.jsonl",
        }));
        var registry = new RecordingRegistry();
        new WebhooksPlugin(_directory, _ => null, TestData.Clock(), new HttpClient()).Register(registry);

        await Assert.ThrowsAsync<HttpRequestException>(() => Assert.Single(registry.Sinks).Sink.DeliverAsync(TestData.Event()));

        Assert.Single(File.ReadAllLines(Path.Combine(_directory, "dead", "letters.jsonl")));
    }

    private static void CleanUp()
    {
        File.Delete(PluginFile);
        Environment.SetEnvironmentVariable("SALESWORKFLOW_WEBHOOK_URLS", null);
        Environment.SetEnvironmentVariable("SALESWORKFLOW_WEBHOOK_SECRET", null);
    }
}
