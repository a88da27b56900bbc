namespace SalesWorkflow.Engine.Definitions.Shapes;

/// <summary>
/// The declared shape of a YAML node. One table of shapes (<see cref="FormatShapes"/>) drives the structural checks of
/// the loader, the shipped JSON Schema and the key list of docs/yaml-reference.md, so the three cannot drift apart.
/// </summary>
internal abstract class Shape(string description)
{
    public string Description { get; } = description;

    /// <summary>How an error message names what was expected, e.g. "a number between 0 and 1".</summary>
    public abstract string Expected { get; }
}

/// <summary>A mapping with a fixed set of keys.</summary>
internal sealed class ObjectShape(string name, string description) : Shape(description)
{
    private readonly List<FieldShape> _fields = [];
    private readonly List<string[]> _exactlyOne = [];
    private readonly List<string[]> _atMostOne = [];

    /// <summary>What a user calls this thing ("stage", "risk rule"); used in messages and as the schema definition name.</summary>
    public string Name { get; } = name;

    public IReadOnlyList<FieldShape> Fields => _fields;

    /// <summary>Groups of keys of which exactly one must be present.</summary>
    public IReadOnlyList<string[]> ExactlyOne => _exactlyOne;

    /// <summary>Groups of keys of which at most one may be present.</summary>
    public IReadOnlyList<string[]> AtMostOne => _atMostOne;

    public override string Expected => $"a mapping ({Name})";

    public ObjectShape Required(string key, Shape shape, string description) => Add(key, shape, true, description);

    public ObjectShape Optional(string key, Shape shape, string description) => Add(key, shape, false, description);

    public ObjectShape OneOf(params string[] keys)
    {
        _exactlyOne.Add(keys);
        return this;
    }

    public ObjectShape NotBoth(params string[] keys)
    {
        _atMostOne.Add(keys);
        return this;
    }

    public FieldShape? Field(string key) => _fields.Find(f => f.Key == key);

    private ObjectShape Add(string key, Shape shape, bool required, string description)
    {
        _fields.Add(new FieldShape(key, shape, required, description));
        return this;
    }
}

internal sealed record FieldShape(string Key, Shape Shape, bool Required, string Description);

/// <summary>A YAML list whose items share one shape.</summary>
internal sealed class ListShape(Shape item, string description, int maxItems = 10_000) : Shape(description)
{
    public Shape Item { get; } = item;

    public int MaxItems { get; } = maxItems;

    public override string Expected => "a list";
}

/// <summary>A mapping whose keys are data (language codes, quarter names, field ids) rather than fixed names.</summary>
internal sealed class MapShape(Shape value, string description, string keyPattern, string keyDescription, IReadOnlyList<string>? fixedKeys = null)
    : Shape(description)
{
    public Shape Value { get; } = value;

    /// <summary>Regular expression every key must match (anchored).</summary>
    public string KeyPattern { get; } = keyPattern;

    /// <summary>How messages describe a valid key, e.g. "a language code such as `en` or `zh`".</summary>
    public string KeyDescription { get; } = keyDescription;

    /// <summary>When set, the only keys allowed (used for `Q1`..`Q4`); also drives did-you-mean hints.</summary>
    public IReadOnlyList<string>? FixedKeys { get; } = fixedKeys;

    public override string Expected => "a mapping";
}

/// <summary>Either of several shapes, chosen by the kind of YAML node (a single value, a list or a mapping).</summary>
internal sealed class AnyOfShape(string description, params Shape[] alternatives) : Shape(description)
{
    public IReadOnlyList<Shape> Alternatives { get; } = alternatives;

    public override string Expected => string.Join(" or ", Alternatives.Select(a => a.Expected));
}
