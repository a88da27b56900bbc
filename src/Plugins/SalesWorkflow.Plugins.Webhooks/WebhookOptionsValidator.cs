using System.Globalization;

namespace SalesWorkflow.Plugins.Webhooks;

/// <summary>Checks <see cref="WebhookOptions"/> and reports every problem at once, each with the member it concerns.</summary>
internal static class WebhookOptionsValidator
{
    // Polly's timeout strategy accepts 10 ms to 24 h; its retry delays 0 to 1 day.
    private static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(24);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(1);
    private const int MaxRetryAttempts = 100;

    public static IReadOnlyList<string> Validate(WebhookOptions options)
    {
        var problems = new List<string>();
        if (options.Endpoints is null)
        {
            problems.Add("Endpoints: is null; use an empty list for no endpoints");
        }
        else
        {
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < options.Endpoints.Count; i++)
            {
                ValidateEndpoint(options.Endpoints[i], $"Endpoints[{i}]", i, seen, problems);
            }
        }

        if (options.Secret is not null && string.IsNullOrWhiteSpace(options.Secret))
        {
            problems.Add("Secret: is empty; omit it to send unsigned requests, or set a non-empty secret");
        }

        if (options.Timeout < MinTimeout || options.Timeout > MaxTimeout)
        {
            problems.Add($"Timeout: must be between 10 milliseconds and 24 hours (was {Describe(options.Timeout)})");
        }

        if (options.RetryAttempts is < 0 or > MaxRetryAttempts)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"RetryAttempts: must be between 0 and {MaxRetryAttempts} (was {options.RetryAttempts})"));
        }

        if (options.RetryBaseDelay < TimeSpan.Zero || options.RetryBaseDelay > MaxDelay)
        {
            problems.Add($"RetryBaseDelay: must be between 0 and 1 day (was {Describe(options.RetryBaseDelay)})");
        }

        if (options.MaxRetryDelay < TimeSpan.Zero || options.MaxRetryDelay > MaxDelay)
        {
            problems.Add($"MaxRetryDelay: must be between 0 and 1 day (was {Describe(options.MaxRetryDelay)})");
        }

        if (options.DeadLetterPath is not null)
        {
            if (string.IsNullOrWhiteSpace(options.DeadLetterPath))
            {
                problems.Add("DeadLetterPath: is empty; omit it to write no dead-letter records, or name a file");
            }
            else if (options.DeadLetterPath.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            {
                problems.Add($"DeadLetterPath: `{options.DeadLetterPath}` contains characters that are not allowed in a path");
            }
        }

        return problems;
    }

    /// <summary>Formats a duration for messages: <c>10 s</c>, <c>250 ms</c>, or the full <c>c</c> format.</summary>
    public static string Describe(TimeSpan value) =>
        value.Ticks % TimeSpan.TicksPerSecond == 0 && value.TotalSeconds < 1_000_000 ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0} s")
        : value.Ticks % TimeSpan.TicksPerMillisecond == 0 && value.TotalMilliseconds < 1_000_000 ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0} ms")
        : value.ToString("c", CultureInfo.InvariantCulture);

    private static void ValidateEndpoint(WebhookEndpoint? endpoint, string at, int index, Dictionary<string, int> seen, List<string> problems)
    {
        if (endpoint is null)
        {
            problems.Add($"{at}: is null");
            return;
        }

        // Url is `required`, but JSON (`"url": null`) and reflection-based binders can still leave it null.
        if (endpoint.Url is null)
        {
            problems.Add($"{at}.Url: is required (an absolute http or https URL)");
        }
        else if (!endpoint.Url.IsAbsoluteUri || (endpoint.Url.Scheme != Uri.UriSchemeHttp && endpoint.Url.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add($"{at}.Url: `{endpoint.Url.OriginalString}` is not an absolute http or https URL (e.g. https://hooks.example.com/salesworkflow)");
        }
        else if (endpoint.Url.UserInfo.Length > 0)
        {
            // The URL is stored with every pending delivery and written to messages and dead-letter records.
            problems.Add($"{at}.Url: must not contain credentials (user:password@); authenticate requests with a secret instead");
        }
        else if (seen.TryGetValue(endpoint.Url.AbsoluteUri, out var first))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{at}.Url: `{endpoint.Url.AbsoluteUri}` is also Endpoints[{first}]; configure each URL once, with all the event types it should receive"));
        }
        else
        {
            seen.Add(endpoint.Url.AbsoluteUri, index);
        }

        if (endpoint.Secret is not null && string.IsNullOrWhiteSpace(endpoint.Secret))
        {
            problems.Add($"{at}.Secret: is empty; omit it to use the shared secret, or set a non-empty secret");
        }

        if (!Enum.IsDefined(endpoint.Format))
        {
            problems.Add($"{at}.Format: `{endpoint.Format}` is not a format; use raw, wecom, dingtalk, feishu, slack or teams");
        }
        else if (endpoint.Format == WebhookFormat.Raw)
        {
            if (endpoint.Language is not null)
            {
                problems.Add($"{at}.Language: only chat formats write text for people; a raw endpoint gets the event itself");
            }
        }
        else
        {
            if (endpoint.Language is not null and not ("zh" or "en"))
            {
                problems.Add($"{at}.Language: `{endpoint.Language}` is not a language chat messages are written in; use zh or en");
            }

            if (endpoint.Secret is not null && !ChatFormats.IsSigned(endpoint.Format))
            {
                problems.Add($"{at}.Secret: {endpoint.Format} signs nothing (the URL is the credential); remove the secret");
            }
        }

        if (endpoint.EventTypes is { } types)
        {
            if (types.Count == 0)
            {
                problems.Add($"{at}.EventTypes: is empty, so the endpoint would receive nothing; omit it to receive every event type");
            }
            else if (types.Any(string.IsNullOrWhiteSpace))
            {
                problems.Add($"{at}.EventTypes: contains an empty event type; list types such as `deal-won` or `escalation-raised`");
            }
        }
    }
}
