using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Definitions.Yaml;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Definitions.Loading;

/// <summary>A definition file read, decoded, parsed and checked against the shape of its kind.</summary>
internal sealed class ParsedFile
{
    public required string DisplayPath { get; init; }

    public required string FullPath { get; init; }

    public required SourceText Source { get; init; }

    public required YamlMapping Root { get; init; }

    /// <summary>The declared kind, or the one guessed from the keys when `kind:` is missing or wrong.</summary>
    public required string Kind { get; init; }

    public required NodeReader Reader { get; init; }

    public required ShapeChecker Checker { get; init; }
}
