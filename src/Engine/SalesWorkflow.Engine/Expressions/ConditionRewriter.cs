using System.Linq.Expressions;
using System.Reflection;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Expressions;

/// <summary>
/// Turns a condition parsed against the generated scope into an expression over the real facts: scope members become
/// fact declarations (an NRules pattern parameter, or a property of <see cref="Evaluation.DealFacts"/>), functions
/// become calls of their static implementation with the facts they read, and custom fields become typed reads of
/// <see cref="CustomFields"/>. Nothing of the generated types survives, so the result runs on plain Sdk facts.
/// </summary>
internal sealed class ConditionRewriter : ExpressionVisitor
{
    private static readonly MethodInfo GetNumber = typeof(CustomFields).GetMethod(nameof(CustomFields.GetNumber))!;
    private static readonly MethodInfo GetBool = typeof(CustomFields).GetMethod(nameof(CustomFields.GetBool))!;
    private static readonly MethodInfo GetDate = typeof(CustomFields).GetMethod(nameof(CustomFields.GetDate))!;
    private static readonly MethodInfo GetText = typeof(CustomFields).GetMethod(nameof(CustomFields.GetText))!;

    private readonly ConditionScope _scope;
    private readonly ParameterExpression _scopeParameter;
    private readonly Func<FactDeclaration, Expression> _source;
    private readonly Dictionary<ParameterExpression, ParameterExpression> _parameters = [];
    private readonly HashSet<FactDeclaration> _used = [];

    private ConditionRewriter(ConditionScope scope, ParameterExpression scopeParameter, Func<FactDeclaration, Expression> source)
    {
        _scope = scope;
        _scopeParameter = scopeParameter;
        _source = source;
    }

    /// <summary>Rewrites <paramref name="expression"/> (part of a lambda over the scope) onto fact expressions from <paramref name="source"/>.</summary>
    public static (Expression Body, IReadOnlySet<FactDeclaration> Used) Rewrite(
        Expression expression, ParameterExpression scopeParameter, ConditionScope scope, Func<FactDeclaration, Expression> source)
    {
        var rewriter = new ConditionRewriter(scope, scopeParameter, source);
        var body = rewriter.Visit(expression);
        return (body, rewriter._used);
    }

    private Expression Fact(FactDeclaration declaration)
    {
        _used.Add(declaration);
        return _source(declaration);
    }

    protected override Expression VisitMember(MemberExpression node)
    {
        if (node.Expression == _scopeParameter)
        {
            var name = node.Member.Name;
            if (_scope.FactProperties.TryGetValue(name, out var declaration))
            {
                return Fact(declaration);
            }

            if (name == "now")
            {
                return Expression.Property(Fact(FactDeclarations.Deal), nameof(DealContext.Now));
            }

            if (_scope.ValueProperties.TryGetValue(name, out var value))
            {
                return Expression.Call(value.Method, value.FactParameters.Select(Fact));
            }

            throw new InvalidOperationException($"`{name}` can only be used to call one of its functions, as `{name}.Function(…)`.");
        }

        if (node.Member is PropertyInfo property && _scope.CustomProperties.TryGetValue(property, out var field))
        {
            var custom = Expression.Property(Visit(node.Expression)!, nameof(Opportunity.Custom));
            var getter = field.Type switch
            {
                CustomFieldType.Number => GetNumber,
                CustomFieldType.Bool => GetBool,
                CustomFieldType.Date => GetDate,
                _ => GetText,
            };
            return Expression.Call(custom, getter, Expression.Constant(field.Id));
        }

        var target = Visit(node.Expression);
        if (target is not null && target.Type != node.Expression!.Type)
        {
            var member = target.Type.GetMember(node.Member.Name, BindingFlags.Public | BindingFlags.Instance).FirstOrDefault()
                ?? node.Member.DeclaringType!.GetMember(node.Member.Name).First();
            return Expression.MakeMemberAccess(target, member);
        }

        return node.Update(target);
    }

    protected override Expression VisitMethodCall(MethodCallExpression node)
    {
        if (_scope.Methods.TryGetValue(node.Method, out var function))
        {
            var arguments = function.FactParameters.Select(Fact).ToList();
            for (var i = 0; i < node.Arguments.Count; i++)
            {
                var argument = Visit(node.Arguments[i])!;
                var expected = function.VisibleParameters[i].ParameterType;
                arguments.Add(argument.Type == expected ? argument : Expression.Convert(argument, expected));
            }

            return Expression.Call(function.Method, arguments);
        }

        var target = Visit(node.Object);
        var visited = node.Arguments.Select(a => Visit(a)!).ToList();
        var method = node.Method;
        if (method.IsGenericMethod)
        {
            var typeArguments = method.GetGenericArguments().Select(_scope.MapType).ToArray();
            method = method.GetGenericMethodDefinition().MakeGenericMethod(typeArguments);
        }
        else if (target is not null && node.Object is not null && target.Type != node.Object.Type)
        {
            method = target.Type.GetMethod(method.Name, [.. method.GetParameters().Select(p => _scope.MapType(p.ParameterType))]) ?? method;
        }

        return Expression.Call(target, method, visited);
    }

    protected override Expression VisitLambda<T>(Expression<T> node)
    {
        var parameters = node.Parameters.Select(p =>
        {
            var mapped = Expression.Parameter(_scope.MapType(p.Type), p.Name);
            _parameters[p] = mapped;
            return mapped;
        }).ToList();
        var body = Visit(node.Body)!;
        return Expression.Lambda(body, parameters);
    }

    protected override Expression VisitParameter(ParameterExpression node)
    {
        if (node == _scopeParameter)
        {
            throw new InvalidOperationException("The condition refers to its whole scope (`it`); name a fact instead.");
        }

        return _parameters.TryGetValue(node, out var mapped) ? mapped : node;
    }

    protected override Expression VisitUnary(UnaryExpression node)
    {
        var operand = Visit(node.Operand)!;
        var type = _scope.MapType(node.Type);
        return operand == node.Operand && type == node.Type ? node : Expression.MakeUnary(node.NodeType, operand, type, node.Method);
    }

    protected override Expression VisitConditional(ConditionalExpression node)
    {
        var test = Visit(node.Test)!;
        var ifTrue = Visit(node.IfTrue)!;
        var ifFalse = Visit(node.IfFalse)!;
        return Expression.Condition(test, ifTrue, ifFalse, _scope.MapType(node.Type));
    }

    protected override Expression VisitConstant(ConstantExpression node) =>
        _scope.MapType(node.Type) == node.Type ? node : Expression.Constant(node.Value, _scope.MapType(node.Type));
}
