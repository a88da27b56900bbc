using System.Reflection;

namespace SalesWorkflow.Engine.Expressions;

/// <summary>A function conditions may call: its name (and namespace), implementation and the facts it reads.</summary>
internal sealed class ConditionFunction
{
    public ConditionFunction(string? ns, MethodInfo method, string summary, bool isValue)
    {
        if (!method.IsStatic)
        {
            throw new ArgumentException($"{method.Name} must be static: condition functions are pure.", nameof(method));
        }

        Namespace = ns;
        Method = method;
        Summary = summary;
        IsValue = isValue;
        var parameters = method.GetParameters();
        FactParameters = [.. parameters.Where(p => p.GetCustomAttribute<FromFactAttribute>() is not null).Select(p => FactDeclarations.ForParameterType(p.ParameterType))];
        VisibleParameters = [.. parameters.Where(p => p.GetCustomAttribute<FromFactAttribute>() is null)];
        if (parameters.Take(FactParameters.Count).Any(p => p.GetCustomAttribute<FromFactAttribute>() is null))
        {
            throw new ArgumentException($"{method.Name}: fact parameters must come first.", nameof(method));
        }
    }

    public string? Namespace { get; }

    public string Name => Method.Name;

    public MethodInfo Method { get; }

    public string Summary { get; }

    /// <summary>True for a value read without parentheses (<c>LastContactAt</c>).</summary>
    public bool IsValue { get; }

    /// <summary>Facts the engine passes first, in order.</summary>
    public IReadOnlyList<FactDeclaration> FactParameters { get; }

    /// <summary>Parameters the condition passes.</summary>
    public IReadOnlyList<ParameterInfo> VisibleParameters { get; }

    /// <summary>How the function reads in docs, e.g. <c>DaysSince(DateTimeOffset? moment) → double</c>.</summary>
    public string Signature =>
        (Namespace is null ? string.Empty : Namespace + ".") + Name +
        (IsValue ? string.Empty : "(" + string.Join(", ", VisibleParameters.Select(p => TypeNames.Of(p.ParameterType) + " " + p.Name)) + ")") +
        " → " + TypeNames.Of(Method.ReturnType);
}

/// <summary>
/// The functions conditions may call. The built-ins are always there; plugins add namespaced families (such as
/// <c>credit.Score(Account)</c>). The sandbox allows a call only if the function is registered here.
/// Immutable once built; share one per engine.
/// </summary>
internal sealed class FunctionRegistry
{
    private readonly List<ConditionFunction> _functions;

    private FunctionRegistry(List<ConditionFunction> functions)
    {
        _functions = functions;
        Signature = string.Join(";", functions.Select(f => f.Namespace + "." + f.Method.DeclaringType!.AssemblyQualifiedName + "." + f.Method.Name + "/" + f.Method.GetParameters().Length));
    }

    public static FunctionRegistry BuiltIn { get; } = new(FromType(null, typeof(ConditionFunctions)));

    public IReadOnlyList<ConditionFunction> Functions => _functions;

    /// <summary>Identifies the set of functions, for caching scope types.</summary>
    public string Signature { get; }

    public IEnumerable<string> Namespaces => _functions.Where(f => f.Namespace is not null).Select(f => f.Namespace!).Distinct(StringComparer.Ordinal);

    /// <summary>A registry with the built-ins plus the public static methods of <paramref name="type"/> under <paramref name="ns"/>.</summary>
    public FunctionRegistry With(string ns, Type type) => new([.. _functions, .. FromType(ns, type)]);

    private static List<ConditionFunction> FromType(string? ns, Type type) =>
        [.. type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<ConditionFunctionAttribute>()))
            .Where(x => x.Attribute is not null || ns is not null)
            .OrderBy(x => x.Method.Name, StringComparer.Ordinal)
            .ThenBy(x => x.Method.GetParameters().Length)
            .Select(x => new ConditionFunction(ns, x.Method, x.Attribute?.Summary ?? string.Empty, x.Attribute?.IsValue ?? false))];
}

/// <summary>C#-like names of types for messages and docs.</summary>
internal static class TypeNames
{
    public static string Of(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            return Of(inner) + "?";
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>))
        {
            return "list of " + Of(type.GetGenericArguments()[0]);
        }

        if (type.BaseType is { } baseType && type.Assembly.IsDynamic)
        {
            return Of(baseType);
        }

        return type == typeof(string) ? "string" :
            type == typeof(bool) ? "bool" :
            type == typeof(int) ? "int" :
            type == typeof(long) ? "long" :
            type == typeof(double) ? "double" :
            type == typeof(decimal) ? "decimal" :
            type == typeof(DateTimeOffset) ? "DateTimeOffset" :
            type.Name;
    }
}
