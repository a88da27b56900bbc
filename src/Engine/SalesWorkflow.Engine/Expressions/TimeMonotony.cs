using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using SalesWorkflow.Engine.Evaluation;

namespace SalesWorkflow.Engine.Expressions;

/// <summary>
/// Which conditions can only turn from false to true as time passes, the facts staying the same: every term either
/// reads neither the deal's clock nor rule results (constant between events), or is <c>DaysSince(x) &gt; n</c> /
/// <c>HoursSince(x) &gt;= n</c> with <c>x</c> and <c>n</c> read from the facts alone. Anything else counts as not
/// monotonic (the sweeps are then stepped a day at a time).
/// </summary>
internal static class TimeMonotony
{
    private static readonly ConditionalWeakTable<CheckedCondition, object> Known = [];

    public static bool Rises(CheckedCondition condition) =>
        (bool)Known.GetValue(condition, static c => c.RiskReferences.Count == 0 && c.MetReferences.Count == 0 && c.Terms.All(t => RisingOrConstant(t.FactsLambda)));

    private static bool RisingOrConstant(Expression<Func<DealFacts, bool>> term) =>
        Constant(term.Body) || Rising(term.Body);

    /// <summary>A comparison that only turns true as the clock advances.</summary>
    private static bool Rising(Expression body)
    {
        body = Unwrap(body);
        return body is BinaryExpression { NodeType: ExpressionType.GreaterThan or ExpressionType.GreaterThanOrEqual, Method: null } binary
            && Constant(binary.Right) && Increasing(binary.Left);
    }

    /// <summary>A value that never decreases as the clock advances.</summary>
    private static bool Increasing(Expression value) =>
        Unwrap(value) is MethodCallExpression { Object: null, Arguments.Count: 2 } call
        && call.Method.DeclaringType == typeof(ConditionFunctions)
        && call.Method.Name is nameof(ConditionFunctions.DaysSince) or nameof(ConditionFunctions.HoursSince)
        && call.Arguments[0] is MemberExpression { Member.Name: nameof(DealFacts.Deal), Expression: ParameterExpression { Type: var type } } && type == typeof(DealFacts)
        && Constant(call.Arguments[1]);

    private static Expression Unwrap(Expression e)
    {
        while (e is UnaryExpression { NodeType: ExpressionType.Convert, Method: null } convert && IsNumericOrNullable(convert.Type) && IsNumericOrNullable(convert.Operand.Type))
        {
            e = convert.Operand;
        }

        return e;
    }

    private static bool IsNumericOrNullable(Type type) =>
        (Nullable.GetUnderlyingType(type) ?? type) is var t && (t == typeof(double) || t == typeof(int) || t == typeof(long) || t == typeof(decimal) || t == typeof(float));

    /// <summary>Reads neither the deal's clock nor rule results: the same answer at every moment between two events.</summary>
    private static bool Constant(Expression e)
    {
        var visitor = new ClockReader();
        visitor.Visit(e);
        return !visitor.Found;
    }

    private sealed class ClockReader : ExpressionVisitor
    {
        public bool Found { get; private set; }

        protected override Expression VisitMember(MemberExpression node)
        {
            if (node.Expression is ParameterExpression { Type: var type } && type == typeof(DealFacts))
            {
                Found |= node.Member.Name is nameof(DealFacts.Deal) or nameof(DealFacts.Risks) or nameof(DealFacts.CriteriaMet);
                return node;
            }

            return base.VisitMember(node);
        }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            // The facts passed whole (not one of their members) could be read for anything.
            Found |= node.Type == typeof(DealFacts);
            return node;
        }
    }
}
