using System.Linq.Expressions;
using System.Reflection;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Expressions;

/// <summary>
/// The allow-list a parsed condition must pass (DESIGN.md D2): it may read facts and call registered functions and a
/// few pure methods of strings, dates and sequences — nothing else. No static members (so no <c>DateTime.Now</c>,
/// <c>Environment</c>, <c>File</c>), no construction, no invocation of delegates, no assignment, no reflection.
/// The parser's own restrictions come first; this check is the one that guarantees safety, whatever the parser lets
/// through.
/// </summary>
internal sealed class ConditionSandbox : ExpressionVisitor
{
    private static readonly HashSet<string> EnumerableMethods = new(StringComparer.Ordinal)
    {
        "Any", "All", "Count", "Where", "Select", "Sum", "Min", "Max", "Average", "Contains", "Distinct",
        "FirstOrDefault", "LastOrDefault", "First", "Last",
    };

    private static readonly HashSet<string> StringMethods = new(StringComparer.Ordinal)
    {
        "Contains", "StartsWith", "EndsWith", "ToLower", "ToUpper", "ToLowerInvariant", "ToUpperInvariant", "Trim",
        "IsNullOrEmpty", "IsNullOrWhiteSpace", "Concat", "Compare", "CompareOrdinal", "Equals",
    };

    private static readonly HashSet<string> DateMethods = new(StringComparer.Ordinal)
    {
        "AddDays", "AddHours", "AddMinutes", "AddMonths", "AddYears", "Compare", "CompareTo", "Equals", "Subtract",
    };

    private static readonly HashSet<string> DateMembers = new(StringComparer.Ordinal)
    {
        "Year", "Month", "Day", "Hour", "Minute", "DayOfWeek", "DayOfYear",
    };

    private static readonly HashSet<string> TimeSpanMembers = new(StringComparer.Ordinal)
    {
        "TotalDays", "TotalHours", "TotalMinutes", "Days", "Hours", "Minutes",
    };

    private static readonly HashSet<Type> ValueTypes =
    [
        typeof(bool), typeof(int), typeof(long), typeof(decimal), typeof(double), typeof(float), typeof(short), typeof(byte),
        typeof(DateTimeOffset), typeof(TimeSpan), typeof(DayOfWeek), typeof(string), typeof(char),
    ];

    private static readonly HashSet<Type> FactTypes =
    [
        typeof(Opportunity), typeof(Account), typeof(Payment), typeof(Contact), typeof(Owner), typeof(Activity),
        typeof(Approval), typeof(Feedback), typeof(DealContext),
    ];

    private readonly ConditionScope _scope;
    private readonly List<(string Code, string Message, string? Hint, string? Word)> _problems = [];

    private ConditionSandbox(ConditionScope scope) => _scope = scope;

    /// <summary>Problems found; <c>Word</c> is text to look for to place the problem inside the condition.</summary>
    public static IReadOnlyList<(string Code, string Message, string? Hint, string? Word)> Check(LambdaExpression lambda, ConditionScope scope)
    {
        var sandbox = new ConditionSandbox(scope);
        sandbox.Visit(lambda.Body);
        return sandbox._problems;
    }

    public override Expression? Visit(Expression? node)
    {
        if (node is null)
        {
            return null;
        }

        switch (node.NodeType)
        {
            case ExpressionType.Lambda or ExpressionType.Parameter or ExpressionType.Constant or ExpressionType.MemberAccess
                or ExpressionType.Call or ExpressionType.Convert or ExpressionType.Not or ExpressionType.Negate
                or ExpressionType.UnaryPlus or ExpressionType.AndAlso or ExpressionType.OrElse or ExpressionType.Equal
                or ExpressionType.NotEqual or ExpressionType.LessThan or ExpressionType.LessThanOrEqual
                or ExpressionType.GreaterThan or ExpressionType.GreaterThanOrEqual or ExpressionType.Add
                or ExpressionType.Subtract or ExpressionType.Multiply or ExpressionType.Divide or ExpressionType.Modulo
                or ExpressionType.Conditional or ExpressionType.Coalesce or ExpressionType.And or ExpressionType.Or
                or ExpressionType.Quote or ExpressionType.TypeAs:
                return base.Visit(node);
            default:
                Forbid($"`{Describe(node.NodeType)}` is not allowed in a condition", "a condition reads facts and calls the functions listed in docs/conditions.md", null);
                return node;
        }
    }

    protected override Expression VisitMember(MemberExpression node)
    {
        var member = node.Member;
        if (node.Expression is null)
        {
            Forbid($"`{member.DeclaringType?.Name}.{member.Name}` is a static member; conditions may not read global state", member.DeclaringType == typeof(DateTime) || member.DeclaringType == typeof(DateTimeOffset) ? "use `now`: it comes from the engine's clock, so evaluations are repeatable" : "read facts of the deal instead", $"{member.DeclaringType?.Name}.{member.Name}");
            return node;
        }

        if (member is FieldInfo)
        {
            Forbid($"the field `{member.Name}` is not readable from a condition", null, member.Name);
            return node;
        }

        var type = node.Expression.Type;
        var declaring = member.DeclaringType!;
        var allowed =
            type == _scope.ScopeType ||
            (member is PropertyInfo property && _scope.CustomProperties.ContainsKey(property)) ||
            _scope.Namespaces.Values.Contains(type) ||
            (FactTypes.Contains(declaring) && member.Name is not ("Custom" or "Calendar")) ||
            (declaring == typeof(Fact) && member.Name == "Id") ||
            (declaring == typeof(string) && member.Name == "Length") ||
            (Nullable.GetUnderlyingType(declaring) is not null && member.Name is "HasValue" or "Value") ||
            (declaring == typeof(DateTimeOffset) && DateMembers.Contains(member.Name)) ||
            (declaring == typeof(TimeSpan) && TimeSpanMembers.Contains(member.Name)) ||
            (member.Name == "Count" && IsCollection(declaring));
        if (!allowed)
        {
            var hint = member.Name == "Custom" ? "read a custom field by its name, e.g. `Opportunity.budgetConfirmed`" :
                member.Name == "Calendar" ? "use `BusinessDaysSince(…)` or `Deal.BusinessDaysInStage`" : null;
            Forbid($"`{TypeNames.Of(declaring)}.{member.Name}` is not readable from a condition", hint, member.Name);
            return node;
        }

        return base.VisitMember(node);
    }

    protected override Expression VisitMethodCall(MethodCallExpression node)
    {
        var method = node.Method;
        var declaring = method.DeclaringType!;
        var allowed =
            _scope.Methods.ContainsKey(method) ||
            (declaring == typeof(Enumerable) && EnumerableMethods.Contains(method.Name)) ||
            (declaring == typeof(string) && StringMethods.Contains(method.Name)) ||
            (declaring == typeof(DateTimeOffset) && DateMethods.Contains(method.Name)) ||
            (method.IsSpecialName && method.Name.StartsWith("op_", StringComparison.Ordinal) && ValueTypes.Contains(declaring)) ||
            (Nullable.GetUnderlyingType(declaring) is not null && method.Name == "GetValueOrDefault") ||
            (method.Name == "get_Item" && IsCollection(declaring)) ||
            (declaring == typeof(decimal) && method.Name is "Compare" or "Add" or "Subtract" or "Multiply" or "Divide" or "Remainder" or "Negate");
        if (allowed && _scope.Methods.TryGetValue(method, out var function) && function.Name == nameof(ConditionFunctions.Date) &&
            node.Arguments[0] is ConstantExpression { Value: string isoDate })
        {
            if (ConditionFunctions.DateProblem(isoDate, out _) is { } problem)
            {
                // 0001-01-01 or 9999-12-31 in a time zone ahead of or behind UTC is not a date .NET can hold.
                _problems.Add((DiagnosticIds.ConditionTypeMismatch, $"`{isoDate}` is {problem}", "write dates of the sales process as `yyyy-mm-dd`, e.g. `Date(\"2026-06-30\")`", "\"" + isoDate + "\""));
            }
        }

        // Text is not a collection: walking its characters with a lambda is how a short condition turns into hours.
        if (allowed && declaring == typeof(Enumerable) && node.Arguments.Count > 0 && node.Arguments[0].Type == typeof(string))
        {
            Forbid($"`{method.Name}` walks a text character by character; text is not a list", "compare texts with `==`, `Contains`, `StartsWith`, or read `.Length`", method.Name);
            return node;
        }

        // Only the text overloads ConditionGuards makes culture-free: one taking a culture, comparison options, or the
        // index-and-length form of Compare would follow the server's language (tr-TR's dotless i, culture order).
        if (allowed && declaring == typeof(string) && !IsCultureFreeStringOverload(method))
        {
            Forbid($"this form of `{method.Name}` depends on the server's language settings", method.Name is "Compare" ? "use `string.Compare(a, b)` or `string.Compare(a, b, true)` (ignoring case)" : $"use `{method.Name}(text)`: conditions compare text ordinally", method.Name);
            return node;
        }

        if (allowed && declaring == typeof(string) && method.Name == nameof(string.Concat) && method.IsGenericMethod)
        {
            Forbid("`string.Concat` joins texts; these values are not texts", "select texts first, e.g. `string.Concat(Contacts.Select(c => c.Name))`", method.Name);
            return node;
        }

        if (!allowed)
        {
            var what = method.IsStatic ? $"{TypeNames.Of(declaring)}.{method.Name}" : method.Name;
            var hint = method.Name is "GetType" or "GetMethod" or "GetProperty" or "InvokeMember" ? "reflection is not available in conditions"
                : declaring == typeof(Math) ? "use `Abs`, `Min` or `Max`"
                : Suggestions.DidYouMean(method.Name, _scope.RootNames) ?? "conditions may call the functions listed in docs/conditions.md";
            Forbid($"calling `{what}` is not allowed in a condition", hint, method.IsStatic ? $"{declaring.Name}.{method.Name}" : method.Name);
            return node;
        }

        return base.VisitMethodCall(node);
    }

    /// <summary>A string method whose culture-free form ConditionGuards compiles (or that never involves a culture).</summary>
    private static bool IsCultureFreeStringOverload(System.Reflection.MethodInfo method)
    {
        var parameters = method.GetParameters();
        if (parameters.Any(p => p.ParameterType == typeof(System.Globalization.CultureInfo) || p.ParameterType == typeof(IFormatProvider)
            || p.ParameterType == typeof(System.Globalization.CompareOptions) || p.ParameterType == typeof(StringComparison)))
        {
            return false;
        }

        return method.Name switch
        {
            nameof(string.Compare) => parameters.Length == 2 || (parameters.Length == 3 && parameters[2].ParameterType == typeof(bool)),
            nameof(string.StartsWith) or nameof(string.EndsWith) => parameters.Length == 1 && parameters[0].ParameterType == typeof(string),
            nameof(string.ToUpper) or nameof(string.ToLower) => parameters.Length == 0,
            _ => true,
        };
    }

    protected override Expression VisitUnary(UnaryExpression node)
    {
        if (node.NodeType is ExpressionType.Convert or ExpressionType.TypeAs && node.Method is { } method &&
            !(method.IsSpecialName && ValueTypes.Contains(method.DeclaringType!)))
        {
            Forbid($"the conversion `{method.DeclaringType?.Name}.{method.Name}` is not allowed", null, null);
        }

        return base.VisitUnary(node);
    }

    protected override Expression VisitBinary(BinaryExpression node)
    {
        if (node.Method is { } method && !(method.IsSpecialName && ValueTypes.Contains(method.DeclaringType!)) &&
            method.DeclaringType != typeof(string) && method.DeclaringType != typeof(decimal))
        {
            Forbid($"the operator method `{method.DeclaringType?.Name}.{method.Name}` is not allowed", null, null);
        }

        CheckEnumLiteral(node);
        return base.VisitBinary(node);
    }

    protected override Expression VisitConstant(ConstantExpression node)
    {
        var type = node.Type;
        if ((Nullable.GetUnderlyingType(type) ?? type) is var underlying && (underlying == typeof(DateTimeOffset) || underlying == typeof(DateTime)))
        {
            // The parser turns "2026-06-30" into a date in the machine's time zone; results would depend on the server.
            Forbid("a date written as text is read in the server's time zone", "write `Date(\"2026-06-30\")` (midnight in the process time zone), or use `DaysSince`/`DaysUntil`", null);
            return node;
        }

        if (node.Value is not null && !ValueTypes.Contains(Nullable.GetUnderlyingType(type) ?? type) && type != typeof(object))
        {
            Forbid($"a constant of type `{type.Name}` is not allowed", null, null);
        }

        return node;
    }

    /// <summary>
    /// Comparing an enum custom field with a text that is not one of its values, or an enum such as
    /// <c>now.DayOfWeek</c> with a number that names none of its values, can never be true.
    /// </summary>
    private void CheckEnumLiteral(BinaryExpression node)
    {
        if (node.NodeType is not (ExpressionType.Equal or ExpressionType.NotEqual))
        {
            return;
        }

        foreach (var side in new[] { node.Left, node.Right })
        {
            if ((Nullable.GetUnderlyingType(side.Type) ?? side.Type) is { IsEnum: true } enumType &&
                Strip(side) is ConstantExpression { Value: { } number } && !Enum.IsDefined(enumType, Enum.ToObject(enumType, number)))
            {
                _problems.Add((
                    DiagnosticIds.ConditionEnumValue,
                    $"`{number}` is not a value of `{enumType.Name}` ({string.Join(", ", Enum.GetNames(enumType))})",
                    $"compare with a name, e.g. `== \"{Enum.GetNames(enumType)[0]}\"`",
                    number.ToString()));
                return;
            }
        }

        var (member, constant) = (Strip(node.Left), Strip(node.Right)) switch
        {
            (MemberExpression m, ConstantExpression c) => (m, c),
            (ConstantExpression c, MemberExpression m) => (m, c),
            _ => (null, null),
        };
        if (member?.Member is PropertyInfo property && _scope.CustomProperties.TryGetValue(property, out var field) &&
            field.Type == CustomFieldType.Enum && constant!.Value is string value && !field.Values.Contains(value))
        {
            _problems.Add((
                DiagnosticIds.ConditionEnumValue,
                $"`{value}` is not a value of the enum field `{field.Id}` ({string.Join(", ", field.Values)})",
                Suggestions.DidYouMean(value, field.Values) ?? "compare with one of the declared `values`",
                "\"" + value + "\""));
        }
    }

    private static Expression Strip(Expression expression) =>
        expression is UnaryExpression { NodeType: ExpressionType.Convert } convert ? Strip(convert.Operand) : expression;

    private static bool IsCollection(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var definition &&
        (definition == typeof(ICollection<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyCollection<>) ||
         definition == typeof(IReadOnlyList<>) || definition == typeof(List<>));

    private void Forbid(string message, string? hint, string? word) =>
        _problems.Add((DiagnosticIds.ConditionForbidden, message, hint, word));

    private static string Describe(ExpressionType type) => type switch
    {
        ExpressionType.New or ExpressionType.MemberInit or ExpressionType.ListInit => "new",
        ExpressionType.NewArrayBounds or ExpressionType.NewArrayInit => "array creation",
        ExpressionType.Invoke => "invoking a delegate",
        ExpressionType.Assign or ExpressionType.AddAssign or ExpressionType.SubtractAssign => "assignment",
        ExpressionType.TypeIs or ExpressionType.TypeEqual => "type test",
        _ => type.ToString(),
    };
}
