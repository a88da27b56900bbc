using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Expressions;

/// <summary>
/// The type a condition is parsed against, generated per set of custom fields and functions. Its members are what a
/// condition may name: the facts (<c>Opportunity</c>, <c>Contacts</c>…), <c>now</c>, values such as
/// <c>LastContactAt</c>, functions, and plugin namespaces. Fact types that carry custom fields are replaced by
/// generated subclasses ("views") with one typed property per field, so <c>Opportunity.budgetConfirmed</c> type-checks
/// like a built-in field. These types are never instantiated: <see cref="ConditionRewriter"/> maps every use of them
/// to the real facts before anything runs.
/// </summary>
internal sealed class ConditionScope
{
    public const string ViewSuffix = "WithCustomFields";

    private static readonly ConcurrentDictionary<string, ConditionScope> Cache = new(StringComparer.Ordinal);
    private static int _assemblyCounter;

    private ConditionScope()
    {
    }

    public required Type ScopeType { get; init; }

    public required FunctionRegistry Functions { get; init; }

    /// <summary>View type → the Sdk fact type it stands for.</summary>
    public required IReadOnlyDictionary<Type, Type> Views { get; init; }

    /// <summary>Custom-field properties of the views.</summary>
    public required IReadOnlyDictionary<PropertyInfo, CustomField> CustomProperties { get; init; }

    /// <summary>Scope properties that are facts.</summary>
    public required IReadOnlyDictionary<string, FactDeclaration> FactProperties { get; init; }

    /// <summary>Scope properties that are functions without parentheses (<c>LastContactAt</c>).</summary>
    public required IReadOnlyDictionary<string, ConditionFunction> ValueProperties { get; init; }

    /// <summary>Scope and namespace methods → the function they stand for.</summary>
    public required IReadOnlyDictionary<MethodInfo, ConditionFunction> Methods { get; init; }

    /// <summary>Scope properties that are plugin namespaces, by name.</summary>
    public required IReadOnlyDictionary<string, Type> Namespaces { get; init; }

    /// <summary>Types the parser may call methods on (the scope, views, namespaces).</summary>
    public required IReadOnlySet<Type> AccessibleTypes { get; init; }

    /// <summary>The names a condition may start with, for did-you-mean hints.</summary>
    public IEnumerable<string> RootNames =>
        FactProperties.Keys.Concat(ValueProperties.Keys).Concat(Namespaces.Keys).Append("now")
            .Concat(Functions.Functions.Where(f => f.Namespace is null && !f.IsValue).Select(f => f.Name)).Distinct(StringComparer.Ordinal);

    public static ConditionScope For(IReadOnlyList<CustomField> fields, FunctionRegistry functions)
    {
        var key = functions.Signature + "|" + string.Join(";", fields
            .OrderBy(f => f.On).ThenBy(f => f.Id, StringComparer.Ordinal)
            .Select(f => $"{f.On}.{f.Id}:{f.Type}"));
        return Cache.GetOrAdd(key, _ => Build(fields, functions));
    }

    public bool IsView(Type type) => Views.ContainsKey(type);

    /// <summary>Maps view types (also inside generic types) to the Sdk types they stand for.</summary>
    public Type MapType(Type type)
    {
        if (Views.TryGetValue(type, out var real))
        {
            return real;
        }

        if (type.IsGenericType)
        {
            var arguments = type.GetGenericArguments();
            var mapped = arguments.Select(MapType).ToArray();
            if (!arguments.SequenceEqual(mapped))
            {
                return type.GetGenericTypeDefinition().MakeGenericType(mapped);
            }
        }

        if (type.IsArray && type.GetElementType() is { } element && MapType(element) != element)
        {
            return MapType(element).MakeArrayType();
        }

        return type;
    }

    public static Type ClrTypeOf(CustomFieldType type) => type switch
    {
        CustomFieldType.Number => typeof(decimal?),
        CustomFieldType.Bool => typeof(bool),
        CustomFieldType.Date => typeof(DateTimeOffset?),
        _ => typeof(string),
    };

    private static ConditionScope Build(IReadOnlyList<CustomField> fields, FunctionRegistry functions)
    {
        var number = Interlocked.Increment(ref _assemblyCounter);
        var assembly = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName($"SalesWorkflow.Conditions{number}"), AssemblyBuilderAccess.Run);
        var module = assembly.DefineDynamicModule("Conditions");

        // Views of the fact types that carry custom fields.
        var viewBuilders = new Dictionary<FactKind, TypeBuilder>();
        foreach (var group in fields.GroupBy(f => f.On))
        {
            var baseType = FactMembers.TypeOf(group.Key);
            // Not named like the fact: inside a lambda the parser would resolve `Opportunity` as this type's name.
            var view = module.DefineType(baseType.Name + ViewSuffix, TypeAttributes.Public | TypeAttributes.Abstract | TypeAttributes.Class, baseType);
            foreach (var field in group)
            {
                AbstractProperty(view, field.Id, ClrTypeOf(field.Type));
            }

            viewBuilders[group.Key] = view;
        }

        var views = viewBuilders.ToDictionary(v => v.Key, v => v.Value.CreateType());
        Type Exposed(FactDeclaration declaration)
        {
            var kind = declaration.FactType == typeof(Opportunity) ? FactKind.Opportunity
                : declaration.FactType == typeof(Account) ? FactKind.Account
                : declaration.FactType == typeof(Contact) ? FactKind.Contact
                : (FactKind?)null;
            var type = kind is { } k && views.TryGetValue(k, out var view) ? view : declaration.FactType;
            return declaration.IsCollection ? typeof(IEnumerable<>).MakeGenericType(type) : type;
        }

        // Plugin namespaces: one abstract type each, with the namespace's functions as methods.
        var namespaceTypes = new Dictionary<string, Type>(StringComparer.Ordinal);
        var namespaceMethods = new List<(string Ns, string Name, Type[] Parameters, ConditionFunction Function)>();
        foreach (var ns in functions.Namespaces)
        {
            var builder = module.DefineType("ns_" + ns, TypeAttributes.Public | TypeAttributes.Abstract | TypeAttributes.Class);
            foreach (var function in functions.Functions.Where(f => f.Namespace == ns))
            {
                var parameters = function.VisibleParameters.Select(p => p.ParameterType).ToArray();
                AbstractMethod(builder, function.Name, function.Method.ReturnType, parameters);
                namespaceMethods.Add((ns, function.Name, parameters, function));
            }

            namespaceTypes[ns] = builder.CreateType();
        }

        var scope = module.DefineType("Condition", TypeAttributes.Public | TypeAttributes.Abstract | TypeAttributes.Class);
        foreach (var declaration in FactDeclarations.Visible)
        {
            AbstractProperty(scope, declaration.Name, Exposed(declaration));
        }

        AbstractProperty(scope, "now", typeof(DateTimeOffset));
        var builtIns = functions.Functions.Where(f => f.Namespace is null).ToList();
        foreach (var value in builtIns.Where(f => f.IsValue))
        {
            AbstractProperty(scope, value.Name, value.Method.ReturnType);
        }

        foreach (var function in builtIns.Where(f => !f.IsValue))
        {
            AbstractMethod(scope, function.Name, function.Method.ReturnType, [.. function.VisibleParameters.Select(p => p.ParameterType)]);
        }

        foreach (var (ns, type) in namespaceTypes)
        {
            AbstractProperty(scope, ns, type);
        }

        var scopeType = scope.CreateType();
        var methods = new Dictionary<MethodInfo, ConditionFunction>();
        foreach (var function in builtIns.Where(f => !f.IsValue))
        {
            methods[scopeType.GetMethod(function.Name, [.. function.VisibleParameters.Select(p => p.ParameterType)])!] = function;
        }

        foreach (var (ns, name, parameters, function) in namespaceMethods)
        {
            methods[namespaceTypes[ns].GetMethod(name, parameters)!] = function;
        }

        var viewToReal = views.ToDictionary(v => v.Value, v => FactMembers.TypeOf(v.Key));
        var customProperties = new Dictionary<PropertyInfo, CustomField>();
        foreach (var field in fields)
        {
            customProperties[views[field.On].GetProperty(field.Id, BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)!] = field;
        }

        return new ConditionScope
        {
            ScopeType = scopeType,
            Functions = functions,
            Views = viewToReal,
            CustomProperties = customProperties,
            FactProperties = FactDeclarations.Visible.ToDictionary(d => d.Name, StringComparer.Ordinal),
            ValueProperties = builtIns.Where(f => f.IsValue).ToDictionary(f => f.Name, StringComparer.Ordinal),
            Methods = methods,
            Namespaces = namespaceTypes,
            AccessibleTypes = new HashSet<Type>([scopeType, .. views.Values, .. namespaceTypes.Values]),
        };
    }

    private static void AbstractProperty(TypeBuilder type, string name, Type propertyType)
    {
        var property = type.DefineProperty(name, PropertyAttributes.None, propertyType, null);
        var getter = type.DefineMethod(
            "get_" + name,
            MethodAttributes.Public | MethodAttributes.Abstract | MethodAttributes.Virtual | MethodAttributes.HideBySig | MethodAttributes.SpecialName | MethodAttributes.NewSlot,
            propertyType,
            Type.EmptyTypes);
        property.SetGetMethod(getter);
    }

    private static void AbstractMethod(TypeBuilder type, string name, Type returnType, Type[] parameters) =>
        type.DefineMethod(
            name,
            MethodAttributes.Public | MethodAttributes.Abstract | MethodAttributes.Virtual | MethodAttributes.HideBySig | MethodAttributes.NewSlot,
            returnType,
            parameters);
}
