using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Sdk.Plugins;

namespace SalesWorkflow.Plugins.Webhooks.Tests;

/// <summary>Collects what a plugin registers; only event sinks are expected from the webhooks plugin.</summary>
internal sealed class RecordingRegistry : IPluginRegistry
{
    public List<(string Name, IProcessEventSink Sink)> Sinks { get; } = [];

    public IPluginRegistry AddEventSink(string name, IProcessEventSink sink)
    {
        Sinks.Add((name, sink));
        return this;
    }

    public IPluginRegistry AddRules(params Type[] ruleTypes) => throw new NotSupportedException("the webhooks plugin adds no rules");

    public IPluginRegistry AddFunctions(string namespaceName, Type functionsType) => throw new NotSupportedException("the webhooks plugin adds no functions");

    public IPluginRegistry AddEnricher(IFactEnricher enricher) => throw new NotSupportedException("the webhooks plugin adds no enrichers");
}

internal static class TestData
{
    /// <summary>2025-03-01T12:00:00Z.</summary>
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public const long StartUnixSeconds = 1740830400;

    public static FakeTimeProvider Clock() => new(Start);

    public static ProcessEvent Event(string type = "deal-won", string dataJson = """{"amount":125000,"currency":"EUR","reasons":["champion","budget"]}""") =>
        new("deal-42:7", 1007, "deal-42", type, new DateTimeOffset(2025, 2, 28, 16, 30, 5, TimeSpan.FromHours(1)), "standard-b2b", 3, "closed-won", dataJson);

    /// <summary>Options for fast tests: no back-off (retries are immediate), short waits.</summary>
    public static WebhookOptions Options(params Uri[] urls) => new()
    {
        Endpoints = [.. urls.Select(u => new WebhookEndpoint { Url = u })],
        RetryBaseDelay = TimeSpan.Zero,
    };

    /// <summary>Builds the plugin and returns its sinks, in endpoint order.</summary>
    public static IReadOnlyList<IProcessEventSink> Sinks(WebhookOptions options, TimeProvider clock)
    {
        var registry = new RecordingRegistry();
        new WebhooksPlugin(options, clock).Register(registry);
        return [.. registry.Sinks.Select(s => s.Sink)];
    }

    public static IProcessEventSink Sink(WebhookOptions options, TimeProvider clock) => Assert.Single(Sinks(options, clock));

    /// <summary>Emits with a real-time guard, so that a broken test fails instead of hanging.</summary>
    public static Task DeliverAsync(this IProcessEventSink sink, ProcessEvent processEvent, CancellationToken cancellationToken = default) =>
        sink.EmitAsync(processEvent, cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);

    /// <summary>What a receiver does (the README's example): recompute the HMAC over "{timestamp}.{body}" and compare in constant time.</summary>
    public static bool SignatureIsValid(string secret, string timestamp, byte[] body, string signature)
    {
        if (!signature.StartsWith("sha256=", StringComparison.Ordinal))
        {
            return false;
        }

        byte[] received;
        try
        {
            received = Convert.FromHexString(signature["sha256=".Length..]);
        }
        catch (FormatException)
        {
            return false;
        }

        byte[] message = [.. Encoding.UTF8.GetBytes(timestamp + "."), .. body];
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
        return CryptographicOperations.FixedTimeEquals(expected, received);
    }

    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "sw-webhooks-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
