using System.Buffers;
using System.Text.Json;
using SalesWorkflow.Sdk.Events;

namespace SalesWorkflow.Plugins.Webhooks;

/// <summary>
/// Appends one JSON line per failed delivery. Shared by the sinks of one plugin instance, which may fail concurrently:
/// writes are serialised so lines never interleave. Failures are rare, so a short synchronous, flushed write is fine.
/// </summary>
internal sealed class DeadLetterFile(string path)
{
    private readonly Lock _gate = new();

    /// <summary>Full path of the file.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>Appends a record; throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when the file cannot be written.</summary>
    public void Append(ProcessEvent processEvent, string url, int? statusCode, string error, int attempts, DateTimeOffset failedAt)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("eventId", processEvent.EventId);
            writer.WriteNumber("sequence", processEvent.Sequence);
            writer.WriteString("dealId", processEvent.DealId);
            writer.WriteString("type", processEvent.Type);
            writer.WriteString("url", url);
            if (statusCode is { } code)
            {
                writer.WriteNumber("statusCode", code);
            }
            else
            {
                writer.WriteNull("statusCode");
            }

            writer.WriteString("error", error);
            writer.WriteNumber("attempts", attempts);
            writer.WriteString("failedAt", failedAt);
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        lock (_gate)
        {
            if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } directory)
            {
                Directory.CreateDirectory(directory);
            }

            using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            stream.Write(buffer.WrittenSpan);
            stream.Flush(flushToDisk: true);
        }
    }
}
