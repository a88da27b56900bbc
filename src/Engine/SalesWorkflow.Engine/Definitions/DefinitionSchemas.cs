using SalesWorkflow.Engine.Definitions.Shapes;

namespace SalesWorkflow.Engine.Definitions;

/// <summary>
/// The JSON Schemas of the definition format, generated from the same shapes the loader checks against; the files in
/// the repository's <c>schema/</c> folder are their output (<c>salesflow schema --out schema</c>).
/// </summary>
public static class DefinitionSchemas
{
    /// <summary>The kinds of definition file: <c>process</c>, <c>rule-pack</c> and <c>process-tests</c>.</summary>
    public static IReadOnlyList<string> Kinds => FormatShapes.Kinds;

    /// <summary>The schema of one kind, as indented JSON ending in a newline.</summary>
    public static string For(string kind) => SchemaGenerator.Generate(kind);

    /// <summary>The schema file name of a kind, e.g. <c>process.schema.json</c>.</summary>
    public static string FileName(string kind) => kind + ".schema.json";
}
