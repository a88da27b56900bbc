using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SalesWorkflow.Sdk.Events;

namespace SalesWorkflow.Plugins.Webhooks;

/// <summary>The wire format: request body, header names and signature. Receivers depend on all of it; change none of it lightly.</summary>
internal static class WebhookPayload
{
    public const string EventIdHeader = "X-SalesWorkflow-Event-Id";
    public const string EventTypeHeader = "X-SalesWorkflow-Event-Type";
    public const string TimestampHeader = "X-SalesWorkflow-Timestamp";
    public const string SignatureHeader = "X-SalesWorkflow-Signature";
    public const string SignaturePrefix = "sha256=";
    public const string MediaType = "application/json";

    /// <summary>
    /// The JSON body (UTF-8, camelCase). <c>data</c> is the event's data embedded as JSON, not as a string.
    /// </summary>
    /// <exception cref="JsonException">The event's <see cref="ProcessEvent.DataJson"/> is not valid JSON.</exception>
    public static byte[] Serialize(ProcessEvent processEvent)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + (processEvent.DataJson?.Length ?? 0));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("eventId", processEvent.EventId);
            writer.WriteNumber("sequence", processEvent.Sequence);
            writer.WriteString("dealId", processEvent.DealId);
            writer.WriteString("type", processEvent.Type);
            writer.WriteString("at", processEvent.At);
            writer.WriteString("processId", processEvent.ProcessId);
            writer.WriteNumber("processVersion", processEvent.ProcessVersion);
            writer.WriteString("stage", processEvent.Stage);
            writer.WritePropertyName("data");
            if (string.IsNullOrWhiteSpace(processEvent.DataJson))
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteRawValue(processEvent.DataJson, skipInputValidation: false);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// <c>sha256=</c> and the lower-case hex HMAC-SHA256, keyed with the secret's UTF-8 bytes, of
    /// <c>{timestamp}.{body}</c>: the timestamp header's value, a dot, and the body's exact bytes.
    /// </summary>
    public static string Sign(byte[] secretKey, string timestamp, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secretKey);
        hmac.AppendData(Encoding.ASCII.GetBytes(timestamp));
        hmac.AppendData("."u8);
        hmac.AppendData(body);
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        hmac.GetHashAndReset(hash);
        return SignaturePrefix + Convert.ToHexStringLower(hash);
    }
}
