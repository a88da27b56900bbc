using System.Text.Json;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Definitions;

/// <summary>The shipped JSON Schemas, the loader and the YAML reference describe the same keys.</summary>
public sealed class SchemaAndDocsTests
{
    public static TheoryData<string> Kinds() => [.. DefinitionSchemas.Kinds];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ShippedSchema_IsUpToDate(string kind)
    {
        var shipped = File.ReadAllText(RepoPaths.Combine("schema", DefinitionSchemas.FileName(kind)));

        Assert.True(shipped == DefinitionSchemas.For(kind), $"schema/{DefinitionSchemas.FileName(kind)} is stale: run 'salesflow schema --out schema'");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ShippedSchema_KeysAgreeWithTheLoaderAtEveryLevel(string kind)
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(RepoPaths.Combine("schema", DefinitionSchemas.FileName(kind))));
        var root = schema.RootElement;
        var definitions = root.GetProperty("definitions");

        var visited = new HashSet<string>();
        Compare(root, FormatShapes.ForKind(kind)!, definitions, visited, kind);

        Assert.NotEmpty(visited);
    }

    private static void Compare(JsonElement schemaObject, ObjectShape shape, JsonElement definitions, HashSet<string> visited, string path)
    {
        if (!visited.Add(shape.Name))
        {
            return;
        }

        var schemaKeys = schemaObject.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order().ToList();
        var loaderKeys = shape.Fields.Select(f => f.Key).Order().ToList();
        Assert.True(schemaKeys.SequenceEqual(loaderKeys), $"{path} ({shape.Name}): schema has [{string.Join(", ", schemaKeys)}], loader has [{string.Join(", ", loaderKeys)}]");
        Assert.False(schemaObject.GetProperty("additionalProperties").GetBoolean(), $"{path}: schema must reject unknown keys like the loader");
        var required = schemaObject.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(e => e.GetString()!).Order().ToList() : [];
        Assert.Equal(shape.Fields.Where(f => f.Required).Select(f => f.Key).Order(), required);
        foreach (var field in shape.Fields)
        {
            foreach (var nested in Objects(field.Shape))
            {
                var definition = definitions.GetProperty(SchemaGenerator.DefinitionName(nested));
                Compare(definition, nested, definitions, visited, path + "." + field.Key);
            }
        }
    }

    private static IEnumerable<ObjectShape> Objects(Shape shape) => shape switch
    {
        ObjectShape o => [o],
        ListShape l => Objects(l.Item),
        MapShape m => Objects(m.Value),
        AnyOfShape a => a.Alternatives.SelectMany(Objects),
        _ => [],
    };

    [Fact]
    public void YamlReference_DocumentsEveryKeyTheLoaderAccepts()
    {
        var reference = File.ReadAllText(RepoPaths.Combine("docs", "yaml-reference.md"));
        var missing = new List<string>();
        foreach (var kind in FormatShapes.Kinds)
        {
            foreach (var (shape, field) in AllFields(FormatShapes.ForKind(kind)!, []))
            {
                if (!reference.Contains($"`{field.Key}`", StringComparison.Ordinal))
                {
                    missing.Add($"{shape.Name}.{field.Key}");
                }
            }
        }

        Assert.True(missing.Count == 0, "docs/yaml-reference.md does not mention: " + string.Join(", ", missing.Distinct()));
    }

    [Fact]
    public void ConditionsReference_DocumentsEveryFunctionAndFactDeclaration()
    {
        var reference = File.ReadAllText(RepoPaths.Combine("docs", "conditions.md"));
        var names = SalesWorkflow.Engine.Expressions.FunctionRegistry.BuiltIn.Functions.Select(f => f.Name)
            .Concat(SalesWorkflow.Engine.Expressions.FactDeclarations.Visible.Select(d => d.Name))
            .Append("now")
            .Distinct();

        Assert.All(names, name => Assert.Contains($"`{name}", reference, StringComparison.Ordinal));
        Assert.Contains(SalesWorkflow.Engine.Expressions.ConditionLexer.MaxLength.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), reference, StringComparison.Ordinal);
        Assert.Contains($"{SalesWorkflow.Engine.Expressions.ConditionLexer.MaxDepth} levels", reference, StringComparison.Ordinal);
    }

    [Fact]
    public void DiagnosticsReference_ListsEveryCode()
    {
        var reference = File.ReadAllText(RepoPaths.Combine("docs", "diagnostics.md"));
        var codes = typeof(SalesWorkflow.Engine.Diagnostics.DiagnosticIds)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(f => (string)f.GetValue(null)!);

        Assert.All(codes, code => Assert.Contains(code, reference, StringComparison.Ordinal));
    }

    [Fact]
    public void ShippedDefinitions_PointEditorsAtTheSchema()
    {
        foreach (var file in Directory.GetFiles(RepoPaths.Definitions, "*.yaml", SearchOption.AllDirectories))
        {
            var first = File.ReadLines(file).First();
            Assert.StartsWith("# yaml-language-server: $schema=", first, StringComparison.Ordinal);
            var schemaPath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, first["# yaml-language-server: $schema=".Length..]));
            Assert.True(File.Exists(schemaPath), $"{file}: {schemaPath} does not exist");
        }
    }

    private static IEnumerable<(ObjectShape, FieldShape)> AllFields(ObjectShape shape, HashSet<ObjectShape> seen)
    {
        if (!seen.Add(shape))
        {
            yield break;
        }

        foreach (var field in shape.Fields)
        {
            yield return (shape, field);
            foreach (var nested in Objects(field.Shape))
            {
                foreach (var inner in AllFields(nested, seen))
                {
                    yield return inner;
                }
            }
        }
    }
}
