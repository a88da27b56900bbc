using System.Text.Json;
using System.Text.Json.Serialization;

namespace SalesWorkflow.Plugins.Webhooks;

/// <summary>
/// Configuration of a plugin loaded from a folder: <c>webhooks.json</c> next to the plugin assembly, else the
/// environment variables <c>SALESWORKFLOW_WEBHOOK_URLS</c> (comma-separated) and <c>SALESWORKFLOW_WEBHOOK_SECRET</c>.
/// </summary>
internal static class WebhooksConfiguration
{
    public const string FileName = "webhooks.json";
    public const string UrlsVariable = "SALESWORKFLOW_WEBHOOK_URLS";
    public const string SecretVariable = "SALESWORKFLOW_WEBHOOK_SECRET";

    private static readonly JsonSerializerOptions FileFormat = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,

        // A misspelt setting would otherwise be ignored silently.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,

        // "format": "dingtalk" (any case); a number is refused, as a misspelt name is.
        Converters = { new JsonStringEnumConverter<WebhookFormat>(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };

    /// <summary>The folder <c>webhooks.json</c> is looked for in: the plugin assembly's.</summary>
    public static string PluginDirectory =>
        Path.GetDirectoryName(typeof(WebhooksConfiguration).Assembly.Location) is { Length: > 0 } directory ? directory : AppContext.BaseDirectory;

    /// <summary>
    /// Reads the configuration; null when there is none. The secret variable also supplies the shared secret of a
    /// file that names none, so the secret can stay out of the file.
    /// </summary>
    /// <param name="directory">Folder holding <c>webhooks.json</c>; relative dead-letter paths are resolved against it.</param>
    /// <param name="environment">Reads an environment variable.</param>
    /// <param name="source">Where the configuration came from, for messages.</param>
    /// <exception cref="InvalidOperationException">The file or a variable cannot be read; the message says where and why.</exception>
    public static WebhookOptions? Load(string directory, Func<string, string?> environment, out string source)
    {
        var secret = environment(SecretVariable) is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;
        var file = Path.Combine(directory, FileName);
        if (File.Exists(file))
        {
            source = file;
            WebhookOptions? options;
            try
            {
                using var stream = File.OpenRead(file);
                options = JsonSerializer.Deserialize<WebhookOptions>(stream, FileFormat);
            }
            catch (JsonException ex)
            {
                throw new InvalidOperationException($"{file}: {ex.Message}", ex);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"{file}: cannot be read: {ex.Message}", ex);
            }

            if (options is null)
            {
                throw new InvalidOperationException($"{file}: holds `null`; write an object such as {{ \"endpoints\": [ {{ \"url\": \"https://hooks.example.com/salesworkflow\" }} ] }}");
            }

            options.Secret ??= secret;
            if (!string.IsNullOrWhiteSpace(options.DeadLetterPath) && options.DeadLetterPath.IndexOfAny(Path.GetInvalidPathChars()) < 0)
            {
                options.DeadLetterPath = Path.GetFullPath(options.DeadLetterPath, directory);
            }

            return options;
        }

        source = UrlsVariable;
        var urls = environment(UrlsVariable);
        if (string.IsNullOrWhiteSpace(urls))
        {
            return null;
        }

        var endpoints = new List<WebhookEndpoint>();
        foreach (var text in urls.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(text, UriKind.RelativeOrAbsolute, out var url))
            {
                throw new InvalidOperationException($"{UrlsVariable}: `{text}` is not a URL; list absolute http or https URLs separated by commas");
            }

            endpoints.Add(new WebhookEndpoint { Url = url });
        }

        return new WebhookOptions { Endpoints = endpoints, Secret = secret };
    }
}
