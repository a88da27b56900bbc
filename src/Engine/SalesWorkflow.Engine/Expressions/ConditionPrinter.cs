using System.Globalization;
using System.Linq.Expressions;
using System.Text;

namespace SalesWorkflow.Engine.Expressions;

/// <summary>Prints a parsed condition fragment back in condition syntax (<c>DaysSince(LastContactAt)</c>) for explanations.</summary>
internal static class ConditionPrinter
{
    public static string Print(Expression node, ParameterExpression scope)
    {
        var builder = new StringBuilder();
        Write(builder, node, scope);
        return builder.ToString();
    }

    private static void Write(StringBuilder b, Expression node, ParameterExpression scope)
    {
        switch (node)
        {
            case MemberExpression member when member.Expression == scope:
                b.Append(member.Member.Name);
                break;
            case MemberExpression member:
                Write(b, member.Expression!, scope);
                b.Append('.').Append(member.Member.Name);
                break;
            case MethodCallExpression call when call.Object == scope:
                b.Append(call.Method.Name);
                Arguments(b, call.Arguments, scope);
                break;
            case MethodCallExpression call when call.Method.IsDefined(typeof(System.Runtime.CompilerServices.ExtensionAttribute), false):
                Write(b, call.Arguments[0], scope);
                b.Append('.').Append(call.Method.Name);
                Arguments(b, call.Arguments.Skip(1).ToList(), scope);
                break;
            case MethodCallExpression call when call.Object is not null:
                Write(b, call.Object, scope);
                b.Append('.').Append(call.Method.Name);
                Arguments(b, call.Arguments, scope);
                break;
            case MethodCallExpression call:
                b.Append(call.Method.Name);
                Arguments(b, call.Arguments, scope);
                break;
            case UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.Quote } unary:
                Write(b, unary.Operand, scope);
                break;
            case UnaryExpression { NodeType: ExpressionType.Not } unary:
                b.Append('!');
                Write(b, unary.Operand, scope);
                break;
            case ConstantExpression constant:
                b.Append(Literal(constant.Value));
                break;
            case ParameterExpression parameter:
                b.Append(parameter.Name);
                break;
            case LambdaExpression lambda:
                b.Append(string.Join(", ", lambda.Parameters.Select(p => p.Name))).Append(" => ");
                Write(b, lambda.Body, scope);
                break;
            case BinaryExpression binary:
                Write(b, binary.Left, scope);
                b.Append(' ').Append(Operator(binary.NodeType)).Append(' ');
                Write(b, binary.Right, scope);
                break;
            default:
                b.Append('…');
                break;
        }
    }

    private static void Arguments(StringBuilder b, IReadOnlyList<Expression> arguments, ParameterExpression scope)
    {
        b.Append('(');
        for (var i = 0; i < arguments.Count; i++)
        {
            if (i > 0)
            {
                b.Append(", ");
            }

            Write(b, arguments[i], scope);
        }

        b.Append(')');
    }

    public static string Literal(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        bool v => v ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };

    private static string Operator(ExpressionType type) => type switch
    {
        ExpressionType.Equal => "==",
        ExpressionType.NotEqual => "!=",
        ExpressionType.LessThan => "<",
        ExpressionType.LessThanOrEqual => "<=",
        ExpressionType.GreaterThan => ">",
        ExpressionType.GreaterThanOrEqual => ">=",
        ExpressionType.AndAlso => "&&",
        ExpressionType.OrElse => "||",
        ExpressionType.Add => "+",
        ExpressionType.Subtract => "-",
        ExpressionType.Multiply => "*",
        ExpressionType.Divide => "/",
        ExpressionType.Modulo => "%",
        ExpressionType.Coalesce => "??",
        _ => type.ToString(),
    };
}
