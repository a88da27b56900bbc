using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;

namespace SalesWorkflow.Engine.Expressions;

/// <summary>
/// The limits every evaluation of a condition runs under (docs/conditions.md, "Limits"). Counted per evaluation of
/// one condition on one thread, and deterministic: the same condition on the same facts is stopped at the same point
/// on any machine, so a stopped condition is the same incident everywhere rather than a race against a clock.
/// </summary>
public static class ConditionLimits
{
    /// <summary>Most times one evaluation may run the body of a lambda (<c>c => …</c> in <c>Any</c>, <c>All</c>, <c>Select</c>…): 1,000,000.</summary>
    public const int MaxLambdaSteps = 1_000_000;

    /// <summary>Most characters of text one evaluation may produce (<c>string.Concat</c>, <c>+</c>, <c>ToUpper</c>…): 4,000,000.</summary>
    public const int MaxTextCharacters = 4_000_000;

    /// <summary>
    /// Most lambda steps all the conditions of one evaluation of a deal may run together (its gate, risks, escalation
    /// triggers): 4,000,000. Past it, each further condition that runs a lambda stops at once and becomes an incident,
    /// so a definition with a thousand heavy rules cannot make one evaluation take minutes.
    /// </summary>
    public const int MaxEvaluationLambdaSteps = 4_000_000;

    /// <summary>Most characters of text all the conditions of one evaluation may produce together: 16,000,000.</summary>
    public const int MaxEvaluationTextCharacters = 16_000_000;

    /// <summary>Deepest nesting of lambdas accepted when a definition loads (<c>a => … b => … c => …</c>): 3.</summary>
    public const int MaxLambdaNesting = 3;
}

/// <summary>Thrown inside a condition that went over a limit of <see cref="ConditionLimits"/>; the evaluation turns it into an incident.</summary>
internal sealed class ConditionBudgetExceededException(string message) : Exception(message);

/// <summary>
/// The running count behind <see cref="ConditionLimits"/>. Compiled conditions call it (<see cref="ConditionGuards"/>
/// puts the calls in, after the sandbox, so a condition cannot leave them out): <see cref="Start"/> when a condition
/// begins, <see cref="Step{T}"/> for each run of a lambda body, <see cref="Text"/> for each text made.
/// </summary>
internal static class ConditionBudget
{
    [ThreadStatic]
    private static int _steps;

    [ThreadStatic]
    private static long _characters;

    // What is left for the whole evaluation of a deal, while one runs on this thread (see BeginEvaluation).
    [ThreadStatic]
    private static bool _inEvaluation;

    [ThreadStatic]
    private static long _evaluationSteps;

    [ThreadStatic]
    private static long _evaluationCharacters;

    /// <summary>
    /// Starts the shared budget of one evaluation of a deal on this thread (the conditions of an evaluation run on the
    /// thread that evaluates); disposing restores what was before, so evaluations may nest.
    /// </summary>
    internal static EvaluationBudget BeginEvaluation()
    {
        var saved = new EvaluationBudget(_inEvaluation, _evaluationSteps, _evaluationCharacters);
        _inEvaluation = true;
        _evaluationSteps = ConditionLimits.MaxEvaluationLambdaSteps;
        _evaluationCharacters = ConditionLimits.MaxEvaluationTextCharacters;
        return saved;
    }

    /// <summary>The budget to restore when an evaluation ends.</summary>
    internal readonly struct EvaluationBudget(bool inEvaluation, long steps, long characters) : IDisposable
    {
        public void Dispose()
        {
            _inEvaluation = inEvaluation;
            _evaluationSteps = steps;
            _evaluationCharacters = characters;
        }
    }

    internal static readonly MethodInfo StartMethod = typeof(ConditionBudget).GetMethod(nameof(Start))!;
    internal static readonly MethodInfo StepMethod = typeof(ConditionBudget).GetMethod(nameof(Step))!;
    internal static readonly MethodInfo TextMethod = typeof(ConditionBudget).GetMethod(nameof(Text))!;
    internal static readonly MethodInfo InvariantMethod = typeof(ConditionBudget).GetMethod(nameof(Invariant))!;

    /// <summary>Resets the budget for one evaluation of a condition; always true, so it can lead an <c>&amp;&amp;</c>.</summary>
    public static bool Start()
    {
        _steps = ConditionLimits.MaxLambdaSteps;
        _characters = ConditionLimits.MaxTextCharacters;
        return true;
    }

    /// <summary>Counts one run of a lambda body, whose value passes through.</summary>
    public static T Step<T>(T value)
    {
        if (--_steps < 0)
        {
            // Invariant: an incident reads the same on every server (its text is part of the evaluation).
            throw new ConditionBudgetExceededException(string.Create(
                CultureInfo.InvariantCulture,
                $"the condition went over its budget of {ConditionLimits.MaxLambdaSteps:N0} lambda steps (lambdas nested over long lists); see docs/conditions.md#limits"));
        }

        if (_inEvaluation && --_evaluationSteps < 0)
        {
            throw new ConditionBudgetExceededException(string.Create(
                CultureInfo.InvariantCulture,
                $"the deal's evaluation went over its budget of {ConditionLimits.MaxEvaluationLambdaSteps:N0} lambda steps for all its conditions together (many rules with lambdas over long lists); see docs/conditions.md#limits"));
        }

        return value;
    }

    /// <summary>Counts the characters of a text the condition made, which passes through.</summary>
    public static string? Text(string? value)
    {
        if (value is not null && (_characters -= value.Length) < 0)
        {
            throw new ConditionBudgetExceededException(string.Create(
                CultureInfo.InvariantCulture,
                $"the condition went over its budget of {ConditionLimits.MaxTextCharacters:N0} characters of text; see docs/conditions.md#limits"));
        }

        if (value is not null && _inEvaluation && (_evaluationCharacters -= value.Length) < 0)
        {
            throw new ConditionBudgetExceededException(string.Create(
                CultureInfo.InvariantCulture,
                $"the deal's evaluation went over its budget of {ConditionLimits.MaxEvaluationTextCharacters:N0} characters of text for all its conditions together; see docs/conditions.md#limits"));
        }

        return value;
    }

    /// <summary>A value as text the same way on every server: numbers and dates in the invariant culture.</summary>
    public static string? Invariant(object? value) =>
        value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value?.ToString();
}

/// <summary>
/// Rewrites a condition, after the sandbox accepted it and it was mapped onto the facts, so that it runs within
/// <see cref="ConditionLimits"/> and gives the same answer on any server: each lambda body is counted, each text made
/// is counted, integer arithmetic is checked (an overflow is an incident, not a wrong answer), and text operations
/// that would follow the server's culture use the invariant culture or ordinal comparison.
/// </summary>
internal sealed class ConditionGuards : ExpressionVisitor
{
    private static readonly MethodInfo ToUpperInvariant = typeof(string).GetMethod(nameof(string.ToUpperInvariant), Type.EmptyTypes)!;
    private static readonly MethodInfo ToLowerInvariant = typeof(string).GetMethod(nameof(string.ToLowerInvariant), Type.EmptyTypes)!;
    private static readonly MethodInfo CompareOrdinal = typeof(string).GetMethod(nameof(string.CompareOrdinal), [typeof(string), typeof(string)])!;
    private static readonly MethodInfo CompareWith = typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string), typeof(StringComparison)])!;
    private static readonly MethodInfo StartsWithOrdinal = typeof(string).GetMethod(nameof(string.StartsWith), [typeof(string), typeof(StringComparison)])!;
    private static readonly MethodInfo EndsWithOrdinal = typeof(string).GetMethod(nameof(string.EndsWith), [typeof(string), typeof(StringComparison)])!;
    private static readonly MethodInfo ConcatTwo = typeof(string).GetMethod(nameof(string.Concat), [typeof(string), typeof(string)])!;
    private static readonly MethodInfo ConcatThree = typeof(string).GetMethod(nameof(string.Concat), [typeof(string), typeof(string), typeof(string)])!;

    private static readonly HashSet<Type> IntegerTypes = [typeof(int), typeof(long), typeof(short), typeof(byte), typeof(uint), typeof(ulong), typeof(ushort), typeof(sbyte)];

    private ConditionGuards()
    {
    }

    /// <summary>
    /// The condition (or a value an explanation reads) as it is compiled: guarded, starting its budget first. Applied
    /// where conditions are compiled, after every analysis of their shape (time monotony, node sharing) is done.
    /// </summary>
    public static TLambda Guard<TLambda>(TLambda lambda)
        where TLambda : LambdaExpression
    {
        var guarded = new ConditionGuards().Visit(lambda.Body);
        var start = Expression.Call(ConditionBudget.StartMethod);
        Expression body = guarded.Type == typeof(bool)
            ? Expression.AndAlso(start, guarded)
            : Expression.Condition(start, guarded, Expression.Default(guarded.Type));
        return (TLambda)Expression.Lambda(lambda.Type, body, lambda.Parameters);
    }

    protected override Expression VisitLambda<T>(Expression<T> node)
    {
        var body = Visit(node.Body);
        return node.Update(Expression.Call(ConditionBudget.StepMethod.MakeGenericMethod(body.Type), body), node.Parameters);
    }

    protected override Expression VisitBinary(BinaryExpression node)
    {
        var left = Visit(node.Left);
        var right = Visit(node.Right);
        if (node.Method is null && IntegerTypes.Contains(Nullable.GetUnderlyingType(node.Type) ?? node.Type))
        {
            switch (node.NodeType)
            {
                case ExpressionType.Add:
                    return Expression.AddChecked(left, right);
                case ExpressionType.Subtract:
                    return Expression.SubtractChecked(left, right);
                case ExpressionType.Multiply:
                    return Expression.MultiplyChecked(left, right);
            }
        }

        return node.Update(left, VisitAndConvert(node.Conversion, nameof(VisitBinary)), right);
    }

    protected override Expression VisitUnary(UnaryExpression node)
    {
        var operand = Visit(node.Operand);
        var integer = IntegerTypes.Contains(Nullable.GetUnderlyingType(node.Type) ?? node.Type);
        return node.NodeType switch
        {
            // 0 - x rather than NegateChecked: FastExpressionCompiler (the rules' compiler) emits NegateChecked unchecked.
            ExpressionType.Negate when node.Method is null && integer => Expression.SubtractChecked(Zero(operand.Type), operand),
            ExpressionType.Convert when node.Method is null && integer && operand.Type != node.Type => Expression.ConvertChecked(operand, node.Type),
            _ => node.Update(operand),
        };
    }

    protected override Expression VisitMethodCall(MethodCallExpression node)
    {
        var target = Visit(node.Object);
        var arguments = node.Arguments.Select(a => Visit(a)!).ToList();
        var method = node.Method;
        Expression call = (method.DeclaringType == typeof(string), method.Name, arguments.Count) switch
        {
            (true, nameof(string.ToUpper), 0) => Expression.Call(target, ToUpperInvariant),
            (true, nameof(string.ToLower), 0) => Expression.Call(target, ToLowerInvariant),
            (true, nameof(string.Compare), 2) => Expression.Call(CompareOrdinal, arguments),
            (true, nameof(string.Compare), 3) when arguments[2].Type == typeof(bool) => Expression.Call(
                CompareWith,
                arguments[0],
                arguments[1],
                Expression.Condition(arguments[2], Expression.Constant(StringComparison.OrdinalIgnoreCase), Expression.Constant(StringComparison.Ordinal))),
            (true, nameof(string.StartsWith), 1) when arguments[0].Type == typeof(string) => Expression.Call(target, StartsWithOrdinal, arguments[0], Expression.Constant(StringComparison.Ordinal)),
            (true, nameof(string.EndsWith), 1) when arguments[0].Type == typeof(string) => Expression.Call(target, EndsWithOrdinal, arguments[0], Expression.Constant(StringComparison.Ordinal)),
            (true, nameof(string.Concat), 2 or 3) when method.GetParameters().All(p => p.ParameterType == typeof(object)) =>
                Expression.Call(arguments.Count == 2 ? ConcatTwo : ConcatThree, arguments.Select(AsInvariantText)),
            _ => node.Update(target, arguments),
        };

        return call.Type == typeof(string) ? Expression.Call(ConditionBudget.TextMethod, call) : call;
    }

    private static ConstantExpression Zero(Type type) =>
        Expression.Constant(Convert.ChangeType(0, Nullable.GetUnderlyingType(type) ?? type, CultureInfo.InvariantCulture), type);

    /// <summary>An argument the parser boxed for <c>string.Concat(object, …)</c>, as invariant text.</summary>
    private static Expression AsInvariantText(Expression argument)
    {
        var value = argument is UnaryExpression { NodeType: ExpressionType.Convert } boxed && boxed.Type == typeof(object) ? boxed.Operand : argument;
        return value.Type == typeof(string) ? value : Expression.Call(ConditionBudget.InvariantMethod, Expression.Convert(value, typeof(object)));
    }
}
