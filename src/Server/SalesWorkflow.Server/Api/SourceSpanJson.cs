using System.Text.Json;
using System.Text.Json.Serialization;
using SalesWorkflow.Engine.Definitions;

namespace SalesWorkflow.Server.Api;

/// <summary>
/// A position in a definition as the API shows it: the file relative to the server's working directory when it is
/// below it (<c>definitions/standard-b2b.yaml</c>), else its name alone, so that no answer tells a caller where the
/// server's files live on its machine.
/// </summary>
internal sealed class SourceSpanJson : JsonConverter<SourceSpan>
{
    public override SourceSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string file = string.Empty;
        int line = 0, column = 0, endLine = 0, endColumn = 0;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("a source span is an object");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "file": file = reader.GetString() ?? string.Empty; break;
                case "line": line = reader.GetInt32(); break;
                case "column": column = reader.GetInt32(); break;
                case "endLine": endLine = reader.GetInt32(); break;
                case "endColumn": endColumn = reader.GetInt32(); break;
                default: reader.Skip(); break;
            }
        }

        return new SourceSpan(file, line, column, endLine, endColumn);
    }

    public override void Write(Utf8JsonWriter writer, SourceSpan value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("file", Shown(value.File));
        writer.WriteNumber("line", value.Line);
        writer.WriteNumber("column", value.Column);
        writer.WriteNumber("endLine", value.EndLine);
        writer.WriteNumber("endColumn", value.EndColumn);
        writer.WriteEndObject();
    }

    internal static string Shown(string file)
    {
        if (string.IsNullOrEmpty(file) || !Path.IsPathRooted(file))
        {
            return file;
        }

        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), file);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? Path.GetFileName(file) : relative.Replace('\\', '/');
    }
}
