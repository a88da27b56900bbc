namespace SalesWorkflow.Sdk.Facts;

/// <summary>
/// Base of every fact: identity is the fact type plus <see cref="Id"/>, never the field values, so a fact can change
/// while the rules engine still recognises it (records with value equality would not).
/// </summary>
public abstract class Fact : IEquatable<Fact>
{
    /// <summary>Identifier, unique among facts of the same type.</summary>
    public string Id { get; set; } = string.Empty;

    /// <inheritdoc />
    public bool Equals(Fact? other) =>
        other is not null && (ReferenceEquals(this, other) || (IdentityType == other.IdentityType && Id == other.Id));

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Fact other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(IdentityType, Id);

    /// <inheritdoc />
    public override string ToString() => $"{IdentityType.Name} {Id}";

    // The engine type-checks custom fields through generated subclasses; identity stays with the Sdk type.
    private Type IdentityType
    {
        get
        {
            var type = GetType();
            while (type.BaseType is { } baseType && baseType != typeof(Fact))
            {
                type = baseType;
            }

            return type;
        }
    }
}
