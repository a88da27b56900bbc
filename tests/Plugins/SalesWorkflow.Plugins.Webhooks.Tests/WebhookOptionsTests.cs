namespace SalesWorkflow.Plugins.Webhooks.Tests;

public sealed class WebhookOptionsTests
{
    private static readonly Uri Valid = new("https://hooks.example.com/salesworkflow");

    [Fact]
    public void Defaults_AreTheDocumentedOnes()
    {
        var options = new WebhookOptions();

        Assert.Empty(options.Endpoints);
        Assert.Null(options.Secret);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Timeout);
        Assert.Equal(3, options.RetryAttempts);
        Assert.Equal(TimeSpan.FromSeconds(1), options.RetryBaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(10), options.MaxRetryDelay);
        Assert.Null(options.DeadLetterPath);
    }

    [Fact]
    public void Constructor_ValidOptions_DoesNotThrow()
    {
        var options = new WebhookOptions
        {
            Endpoints = [new WebhookEndpoint { Url = Valid, Secret = "s", EventTypes = ["deal-won"] }, new WebhookEndpoint { Url = new Uri("http://127.0.0.1:8080/x") }],
            Secret = "shared",
            RetryAttempts = 0,
            RetryBaseDelay = TimeSpan.Zero,
            DeadLetterPath = "dead.jsonl",
        };

        _ = new WebhooksPlugin(options);
    }

    public static TheoryData<string, string> InvalidOptions => new()
    {
        { "relative-url", "Endpoints[0].Url: `hooks/salesworkflow` is not an absolute http or https URL" },
        { "ftp-url", "Endpoints[0].Url: `ftp://files.example.com/hooks` is not an absolute http or https URL" },
        { "credentials", "Endpoints[0].Url: must not contain credentials" },
        { "duplicate", "Endpoints[1].Url: `https://hooks.example.com/salesworkflow` is also Endpoints[0]" },
        { "null-url", "Endpoints[0].Url: is required" },
        { "null-endpoint", "Endpoints[0]: is null" },
        { "empty-endpoint-secret", "Endpoints[0].Secret: is empty" },
        { "empty-event-types", "Endpoints[0].EventTypes: is empty" },
        { "blank-event-type", "Endpoints[0].EventTypes: contains an empty event type" },
        { "blank-secret", "Secret: is empty" },
        { "zero-timeout", "Timeout: must be between 10 milliseconds and 24 hours (was 0 s)" },
        { "negative-timeout", "Timeout: must be between 10 milliseconds and 24 hours (was -1 s)" },
        { "negative-retries", "RetryAttempts: must be between 0 and 100 (was -1)" },
        { "negative-base-delay", "RetryBaseDelay: must be between 0 and 1 day (was -250 ms)" },
        { "negative-max-delay", "MaxRetryDelay: must be between 0 and 1 day" },
        { "blank-dead-letter-path", "DeadLetterPath: is empty" },
        { "null-endpoints", "Endpoints: is null" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Constructor_InvalidOptions_ThrowsNamingTheProblem(string problem, string expected)
    {
        var options = new WebhookOptions { Endpoints = [new WebhookEndpoint { Url = Valid }] };
        switch (problem)
        {
            case "relative-url": options.Endpoints[0].Url = new Uri("hooks/salesworkflow", UriKind.Relative); break;
            case "ftp-url": options.Endpoints[0].Url = new Uri("ftp://files.example.com/hooks"); break;
            case "credentials": options.Endpoints[0].Url = new Uri("https://bob:hunter2@hooks.example.com/"); break;
            case "duplicate": options.Endpoints = [new WebhookEndpoint { Url = Valid }, new WebhookEndpoint { Url = new Uri("HTTPS://Hooks.Example.com/salesworkflow") }]; break;
            case "null-url": options.Endpoints[0].Url = null!; break;
            case "null-endpoint": options.Endpoints = [null!]; break;
            case "empty-endpoint-secret": options.Endpoints[0].Secret = ""; break;
            case "empty-event-types": options.Endpoints[0].EventTypes = []; break;
            case "blank-event-type": options.Endpoints[0].EventTypes = ["deal-won", " "]; break;
            case "blank-secret": options.Secret = "  "; break;
            case "zero-timeout": options.Timeout = TimeSpan.Zero; break;
            case "negative-timeout": options.Timeout = TimeSpan.FromSeconds(-1); break;
            case "negative-retries": options.RetryAttempts = -1; break;
            case "negative-base-delay": options.RetryBaseDelay = TimeSpan.FromMilliseconds(-250); break;
            case "negative-max-delay": options.MaxRetryDelay = TimeSpan.FromSeconds(-1); break;
            case "blank-dead-letter-path": options.DeadLetterPath = " "; break;
            case "null-endpoints": options.Endpoints = null!; break;
            default: throw new ArgumentOutOfRangeException(nameof(problem), problem, null);
        }

        var error = Assert.Throws<ArgumentException>(() => new WebhooksPlugin(options));

        Assert.Equal("options", error.ParamName);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_SeveralProblems_ReportsThemAll()
    {
        var options = new WebhookOptions
        {
            Endpoints = [new WebhookEndpoint { Url = new Uri("/relative", UriKind.Relative) }],
            Timeout = TimeSpan.Zero,
            RetryAttempts = 1000,
        };

        var error = Assert.Throws<ArgumentException>(() => new WebhooksPlugin(options));

        Assert.StartsWith("Invalid configuration in WebhookOptions:", error.Message, StringComparison.Ordinal);
        Assert.Contains("Endpoints[0].Url:", error.Message, StringComparison.Ordinal);
        Assert.Contains("Timeout:", error.Message, StringComparison.Ordinal);
        Assert.Contains("RetryAttempts: must be between 0 and 100 (was 1000)", error.Message, StringComparison.Ordinal);
    }
}
