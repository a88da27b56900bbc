using System.Reflection;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Definitions;

/// <summary>The built-in members of the Sdk fact types, which custom fields must not shadow.</summary>
internal static class FactMembers
{
    private static readonly Dictionary<FactKind, string[]> Members = new()
    {
        [FactKind.Opportunity] = Names(typeof(Opportunity)),
        [FactKind.Account] = Names(typeof(Account)),
        [FactKind.Contact] = Names(typeof(Contact)),
    };

    public static IReadOnlyList<string> Of(FactKind kind) => Members[kind];

    public static Type TypeOf(FactKind kind) => kind switch
    {
        FactKind.Account => typeof(Account),
        FactKind.Contact => typeof(Contact),
        _ => typeof(Opportunity),
    };

    private static string[] Names(Type type) =>
        [.. type.GetMembers(BindingFlags.Public | BindingFlags.Instance).Where(m => m is PropertyInfo or MethodInfo { IsSpecialName: false }).Select(m => m.Name).Distinct()];
}
