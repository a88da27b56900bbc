using System.Collections.Concurrent;
using System.Globalization;
using System.Linq.Dynamic.Core;
using System.Linq.Dynamic.Core.CustomTypeProviders;
using System.Linq.Dynamic.Core.Exceptions;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.RegularExpressions;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Diagnostics;
using SalesWorkflow.Engine.Evaluation;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Expressions;

/// <summary>
/// Parses, type-checks and sandboxes conditions (System.Linq.Dynamic.Core under our own allow-list), reporting every
/// problem at its line and column inside the YAML. Produces <see cref="CheckedCondition"/>s ready for the NRules
/// compiler. Conditions are checked once when a definition is loaded.
/// </summary>
internal static partial class ConditionChecker
{
    /// <summary>Deepest expression tree accepted after parsing.</summary>
    public const int MaxTreeDepth = 64;

    private static readonly ConcurrentDictionary<ConditionScope, ParserSetup> Setups = new();

    /// <summary>
    /// What the parser needs for one scope. Root names (facts, <c>now</c>, values, namespaces and functions without
    /// overloads) are also passed as symbols, because the parser rebinds <c>it</c> to the parameter inside a lambda:
    /// without them <c>Activities.Any(a => a.At > now.AddDays(-7))</c> would look for <c>now</c> on the activity.
    /// </summary>
    private sealed record ParserSetup(ParsingConfig Config, ParameterExpression It, IDictionary<string, object> Symbols, IReadOnlySet<LambdaExpression> FunctionLambdas);

    /// <param name="source">The condition and where it is written.</param>
    /// <param name="scope">What the condition may read and call.</param>
    /// <param name="diagnostics">Where problems go.</param>
    /// <param name="undeclaredNamespaces">Function namespaces of loaded plugins the process did not declare, by namespace → plugin (for the hint).</param>
    public static CheckedCondition? Check(ConditionSource source, ConditionScope scope, DiagnosticBag diagnostics, IReadOnlyDictionary<string, string>? undeclaredNamespaces = null)
    {
        var text = source.Text;
        var scan = ConditionLexer.Scan(text);
        foreach (var problem in scan.Problems)
        {
            diagnostics.Error(problem.Code, source.SpanOf(problem.Offset, problem.Offset + problem.Length), problem.Message, problem.Hint);
        }

        if (scan.Problems.Count > 0)
        {
            return null;
        }

        var terms = new List<CheckedTerm>();
        var risks = new List<(string, int)>();
        var met = new List<(string, int)>();
        var tasks = new List<(string, int)>();
        var ok = true;
        foreach (var term in scan.Terms)
        {
            var checkedTerm = CheckTerm(source, term.Start, text[term.Start..term.End], scope, diagnostics, (risks, met, tasks), undeclaredNamespaces);
            if (checkedTerm is null)
            {
                ok = false;
            }
            else
            {
                terms.Add(checkedTerm);
            }
        }

        return ok ? new CheckedCondition { Source = source, Terms = terms, RiskReferences = risks, MetReferences = met, TaskReferences = tasks } : null;
    }

    private static CheckedTerm? CheckTerm(
        ConditionSource source,
        int offset,
        string text,
        ConditionScope scope,
        DiagnosticBag diagnostics,
        (List<(string, int)> Risks, List<(string, int)> Met, List<(string, int)> Tasks) references,
        IReadOnlyDictionary<string, string>? undeclaredNamespaces)
    {
        void Report(string code, int at, int length, string message, string? hint) =>
            diagnostics.Error(code, source.SpanOf(offset + at, offset + at + Math.Max(1, length)), message, hint);

        if (text.Length == 0)
        {
            Report(DiagnosticIds.ConditionSyntax, 0, 1, "a `&&` has nothing on one side", "remove the extra `&&`, or complete the condition");
            return null;
        }

        LambdaExpression parsed;
        var setup = Setup(scope);
        try
        {
            parsed = DynamicExpressionParser.ParseLambda(setup.Config, [setup.It], typeof(bool), text, setup.Symbols);
            parsed = Expression.Lambda(new FunctionInliner(setup.FunctionLambdas).Visit(parsed.Body), parsed.Parameters);
        }
        catch (ParseException ex)
        {
            var (code, message, hint, at, length) = Classify(ex, text, scope);
            if (code == DiagnosticIds.ConditionUnknownName && undeclaredNamespaces is not null && ConditionLexer.WordAt(text, at) is { } word && undeclaredNamespaces.TryGetValue(word, out var plugin))
            {
                (message, hint) = ($"`{word}` functions come from the plugin `{plugin}`, which the process does not use", $"list it under `plugins:` at the top of the process, e.g. `plugins: [{plugin}]`");
            }

            Report(code, at, length, message, hint);
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or OverflowException or NotSupportedException or AmbiguousMatchException)
        {
            // The parser reports some type errors (e.g. comparing a number with text) as plain exceptions.
            Report(DiagnosticIds.ConditionTypeMismatch, 0, text.Length, "this condition does not type-check: " + FirstSentence(ex.Message), "compare values of the same type: numbers with numbers, text with text in quotes");
            return null;
        }
#pragma warning disable CA1031 // The parser's own faults (IndexOutOfRange on `SelectMany()`, …) are a diagnostic, never a crash of the load.
        catch (Exception)
#pragma warning restore CA1031
        {
            Report(DiagnosticIds.ConditionSyntax, 0, text.Length, "this condition cannot be read", "check the method calls and their arguments against docs/conditions.md");
            return null;
        }

        var scopeParameter = parsed.Parameters[0];
        var problems = ConditionSandbox.Check(parsed, scope);
        foreach (var (code, message, hint, searchWord) in problems)
        {
            var word = searchWord;
            var at = word is null ? -1 : word.StartsWith('"') ? ConditionLexer.FindLiteral(text, word.Trim('"')) : ConditionLexer.FindWord(text, word);
            if (at < 0 && word is not null && word.Contains('.', StringComparison.Ordinal))
            {
                word = word[(word.LastIndexOf('.') + 1)..];
                at = ConditionLexer.FindWord(text, word);
            }
            Report(code, Math.Max(0, at), at < 0 ? text.Length : word!.Length, message, hint);
        }

        if (problems.Count > 0)
        {
            return null;
        }

        if (Depth(parsed.Body) > MaxTreeDepth)
        {
            Report(DiagnosticIds.ConditionTooDeep, 0, text.Length, $"the condition is nested more than {MaxTreeDepth} levels deep", "split it into several rules");
            return null;
        }

        // The load-time cost estimate: each lambda inside another multiplies the work by the length of a list.
        if (LambdaNesting(parsed.Body) > ConditionLimits.MaxLambdaNesting)
        {
            Report(DiagnosticIds.ConditionTooDeep, 0, text.Length, $"the condition nests lambdas more than {ConditionLimits.MaxLambdaNesting} deep (`a => … b => … c => … d => …`)", "each nested lambda multiplies the work by the length of a list; split the condition, or read a total such as `ActivityCount(\"call\")`");
            return null;
        }

        if (ConvertedLiteral(text, parsed.Body) is { } literal)
        {
            var at = ConditionLexer.FindLiteral(text, literal);
            Report(DiagnosticIds.ConditionTypeMismatch, Math.Max(0, at - 1), literal.Length + 2, $"`\"{literal}\"` is text, compared here with a value that is not", "compare like with like: `true` and numbers without quotes, text in quotes");
            return null;
        }

        foreach (var (riskId, at) in LiteralIds(nameof(ConditionFunctions.HasRisk), parsed.Body, scopeParameter, text, scope))
        {
            if (riskId is null)
            {
                Report(DiagnosticIds.ConditionForbidden, at, 7, "`HasRisk` takes the id of a risk rule as a literal text", "write `HasRisk(\"risk-id\")`");
                return null;
            }

            references.Risks.Add((riskId, offset + at));
        }

        foreach (var (criterionId, at) in LiteralIds(nameof(ConditionFunctions.Met), parsed.Body, scopeParameter, text, scope))
        {
            if (criterionId is null)
            {
                Report(DiagnosticIds.ConditionForbidden, at, 3, "`Met` takes the id of a plugin's check as a literal text", "write `Met(\"plugin.check-id\")`");
                return null;
            }

            references.Met.Add((criterionId, offset + at));
        }

        foreach (var function in (string[])[nameof(ConditionFunctions.TaskDone), nameof(ConditionFunctions.TaskOverdue)])
        {
            foreach (var (taskId, at) in LiteralIds(function, parsed.Body, scopeParameter, text, scope))
            {
                if (taskId is null)
                {
                    Report(DiagnosticIds.ConditionForbidden, at, function.Length, $"`{function}` takes the id of a stage task as a literal text", $"write `{function}(\"task-id\")`");
                    return null;
                }

                references.Tasks.Add((taskId, offset + at));
            }
        }

        try
        {
            var parameters = new Dictionary<FactDeclaration, ParameterExpression>();
            var (ruleBody, used) = ConditionRewriter.Rewrite(parsed.Body, scopeParameter, scope, d =>
                parameters.TryGetValue(d, out var p) ? p : parameters[d] = Expression.Parameter(d.ExposedType, d.Name));
            var declarations = FactDeclarations.All.Where(used.Contains).ToList();
            var facts = Expression.Parameter(typeof(DealFacts), "facts");
            Expression Source(FactDeclaration d) => Expression.Property(facts, d.Name);
            var (factsBody, _) = ConditionRewriter.Rewrite(parsed.Body, scopeParameter, scope, Source);
            return new CheckedTerm
            {
                Text = text,
                Offset = offset,
                Span = source.SpanOf(offset, offset + text.Length),
                RuleLambda = Expression.Lambda(ruleBody, declarations.Select(d => parameters[d])),
                Declarations = declarations,
                FactsLambda = Expression.Lambda<Func<DealFacts, bool>>(factsBody, facts),
                Probes = Probes(parsed.Body, scopeParameter, scope, facts, Source),
            };
        }
        catch (InvalidOperationException ex)
        {
            Report(DiagnosticIds.ConditionForbidden, 0, text.Length, ex.Message, null);
            return null;
        }
    }

    private static ParserSetup Setup(ConditionScope scope) => Setups.GetOrAdd(scope, s =>
    {
        var it = Expression.Parameter(s.ScopeType, string.Empty);
        var symbols = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var property in s.ScopeType.GetProperties())
        {
            symbols[property.Name] = Expression.Property(it, property);
        }

        var lambdas = new HashSet<LambdaExpression>();
        foreach (var group in s.ScopeType.GetMethods().Where(m => s.Methods.ContainsKey(m)).GroupBy(m => m.Name))
        {
            if (group.Count() != 1)
            {
                continue; // Overloaded functions resolve through `it`, so they work outside lambdas only.
            }

            var method = group.Single();
            var parameters = method.GetParameters().Select(p => Expression.Parameter(p.ParameterType, p.Name)).ToArray();
            var lambda = Expression.Lambda(Expression.Call(it, method, parameters), parameters);
            lambdas.Add(lambda);
            symbols[method.Name] = lambda;
        }

        return new ParserSetup(Config(s), it, symbols, lambdas);
    });

    private static ParsingConfig Config(ConditionScope scope) => new()
    {
        IsCaseSensitive = true,
        DisallowNewKeyword = true,
        AllowEqualsAndToStringMethodsOnObject = false,
        AllowNewToEvaluateAnyType = false,
        CustomTypeProvider = new ScopeTypeProvider(scope.AccessibleTypes),
        ResolveTypesBySimpleName = false,
        LoadAdditionalAssembliesFromCurrentDomainBaseDirectory = false,
        SupportEnumerationsFromSystemNamespace = false,
        DisableMemberAccessToIndexAccessorFallback = true,
        PrioritizePropertyOrFieldOverTheType = true,
        ConvertObjectToSupportComparison = false,
        NumberParseCulture = CultureInfo.InvariantCulture,
        DateTimeIsParsedAsUTC = true,
    };

    private static (string Code, string Message, string? Hint, int At, int Length) Classify(ParseException ex, string text, ConditionScope scope)
    {
        var message = ex.Message;
        var at = Math.Clamp(ex.Position, 0, Math.Max(0, text.Length - 1));
        if (NoMember().Match(message) is { Success: true } noMember)
        {
            var name = noMember.Groups[1].Value;
            var type = noMember.Groups[2].Value;
            var found = ConditionLexer.FindWord(text, name);
            var members = MembersOf(type, scope);
            if (type.StartsWith("IEnumerable", StringComparison.Ordinal))
            {
                return (DiagnosticIds.ConditionUnknownName, $"a list has no field `{name}`", name == "Count" ? "count a list with `Count()`, e.g. `Contacts.Count() > 1`" : "use a list function such as `Any(…)`, `Count()` or `Select(…)`", found >= 0 ? found : at, name.Length);
            }

            return (DiagnosticIds.ConditionUnknownName, $"`{DisplayType(type)}` has no field `{name}`",
                Suggestions.DidYouMean(name, members) ?? (members.Count > 0 ? "fields: " + string.Join(", ", members.Take(25)) : null),
                found >= 0 ? found : at, name.Length);
        }

        if (TypeNotFound().Match(message) is { Success: true } notFound)
        {
            var name = notFound.Groups[1].Value;
            var found = ConditionLexer.FindWord(text, name);
            var hint = Suggestions.DidYouMean(name, scope.RootNames)
                ?? "a condition starts from Opportunity, Account, Owner, Deal, Contacts, Activities, Approvals, Feedback, now or a function";
            return (DiagnosticIds.ConditionUnknownName, $"`{name}` is not a fact, value or function known to conditions", hint, found >= 0 ? found : at, name.Length);
        }

        if (NotAccessible().Match(message) is { Success: true } notAccessible || NoMethod().Match(message) is { Success: true } && (notAccessible = NoMethod().Match(message)).Success)
        {
            var name = notAccessible.Groups[1].Value;
            var type = notAccessible.Groups[2].Value;
            var found = ConditionLexer.FindWord(text, name);
            var position = found >= 0 ? found : at;
            var isScope = type == scope.ScopeType.Name || scope.Namespaces.ContainsKey(type.Replace("ns_", string.Empty, StringComparison.Ordinal));
            var functions = scope.Functions.Functions.Where(f => f.Name == name).ToList();
            if (isScope && functions.Count == 0)
            {
                return (DiagnosticIds.ConditionUnknownName, $"`{name}` is not a function known to conditions", Suggestions.DidYouMean(name, scope.RootNames) ?? "see docs/conditions.md for the functions", position, name.Length);
            }

            if (functions.Count > 1 && !isScope)
            {
                return (DiagnosticIds.ConditionForbidden, $"`{name}` has several forms and can only be called outside `=>` lambdas", "call it outside the lambda, or compare the element's fields inside it", position, name.Length);
            }

            if (functions.Count > 0)
            {
                return (DiagnosticIds.ConditionTypeMismatch, $"`{name}` is called with the wrong arguments", "expected " + string.Join(" or ", functions.Select(f => f.Signature)), position, name.Length);
            }

            var hint = name is "GetType" or "GetMethod" or "InvokeMember" ? "reflection is not available in conditions" : "conditions may call only the functions listed in docs/conditions.md";
            return (DiagnosticIds.ConditionForbidden, $"calling `{name}` on {DisplayType(type)} is not allowed in a condition", hint, position, name.Length);
        }

        if (message.Contains("Argument list incompatible with lambda expression", StringComparison.Ordinal))
        {
            // A function passed as a symbol was called with arguments of the wrong number or type.
            var call = FunctionCall().Matches(text)
                .Where(m => scope.Functions.Functions.Any(f => f.Name == m.Groups[1].Value))
                .OrderBy(m => Math.Abs(m.Index - at))
                .FirstOrDefault();
            if (call is not null)
            {
                var name = call.Groups[1].Value;
                var signatures = scope.Functions.Functions.Where(f => f.Name == name).Select(f => f.Signature);
                return (DiagnosticIds.ConditionTypeMismatch, $"`{name}` is called with the wrong arguments", "expected " + string.Join(" or ", signatures), call.Index, name.Length);
            }
        }

        if (message.Contains("Expression of type 'Boolean' expected", StringComparison.Ordinal))
        {
            return (DiagnosticIds.ConditionNotBoolean, "a condition must be true or false, but this is a value", "compare it with something, e.g. `Opportunity.Amount > 0`", 0, text.Length);
        }

        if (message.Contains("new operator is not allowed", StringComparison.Ordinal))
        {
            var found = ConditionLexer.FindWord(text, "new");
            return (DiagnosticIds.ConditionForbidden, "`new` is not allowed in a condition: conditions read facts, they do not create objects", null, found >= 0 ? found : at, 3);
        }

        if (Incompatible().IsMatch(message) || message.Contains("is not compatible", StringComparison.Ordinal) || message.Contains("cannot be converted", StringComparison.Ordinal))
        {
            return (DiagnosticIds.ConditionTypeMismatch, FirstSentence(message).Replace("'", "`", StringComparison.Ordinal), "compare values of the same type: numbers with numbers, text with text in quotes, dates with dates", at, 1);
        }

        return (DiagnosticIds.ConditionSyntax, "syntax error: " + FirstSentence(message).Replace("'", "`", StringComparison.Ordinal), "conditions use C# syntax: `&&`, `||`, `!`, `==`, `!=`, `<`, text in double quotes", at, 1);
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end > 0 ? message[..end] : message).TrimEnd('.');
    }

    private static string DisplayType(string type) => type.EndsWith(ConditionScope.ViewSuffix, StringComparison.Ordinal) ? type[..^ConditionScope.ViewSuffix.Length] : type switch
    {
        "Condition" => "the condition",
        "Decimal" => "decimal",
        "String" => "text",
        "Boolean" => "bool",
        "Double" => "double",
        "Int32" => "int",
        _ => type,
    };

    private static List<string> MembersOf(string typeName, ConditionScope scope)
    {
        Type[] candidates =
        [
            scope.ScopeType, .. scope.Views.Keys, typeof(Opportunity), typeof(Account), typeof(Contact), typeof(Owner),
            typeof(Activity), typeof(Approval), typeof(Feedback), typeof(Payment), typeof(DealContext), typeof(DateTimeOffset), typeof(TimeSpan), typeof(string),
        ];
        var type = candidates.FirstOrDefault(t => t.Name == typeName);
        if (type is null)
        {
            return [];
        }

        if (type == scope.ScopeType)
        {
            return [.. scope.RootNames];
        }

        return [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name is not ("Custom" or "Calendar"))
            .Select(p => p.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>The ids named by calls of a built-in taking one id (HasRisk, Met); null when the argument is not a literal.</summary>
    private static IEnumerable<(string? Id, int Offset)> LiteralIds(string function, Expression body, ParameterExpression scopeParameter, string text, ConditionScope scope)
    {
        var calls = new List<MethodCallExpression>();
        new CallCollector(c => c.Object == scopeParameter && c.Method.Name == function && scope.Methods.ContainsKey(c.Method), calls).Visit(body);
        foreach (var call in calls)
        {
            if (call.Arguments[0] is ConstantExpression { Value: string id })
            {
                var at = ConditionLexer.FindLiteral(text, id);
                yield return (id, Math.Max(0, at));
            }
            else
            {
                yield return (null, Math.Max(0, ConditionLexer.FindWord(text, function)));
            }
        }
    }

    /// <summary>
    /// The values worth showing when a term fails: maximal chains of fact fields (<c>Opportunity.DiscountPercent</c>),
    /// function calls (<c>HasApproval("discount")</c>) and the inputs of those calls, and collection sizes — never
    /// anything that depends on a lambda parameter.
    /// </summary>
    private static List<(string, Expression<Func<DealFacts, object?>>)> Probes(
        Expression body, ParameterExpression scopeParameter, ConditionScope scope, ParameterExpression facts, Func<FactDeclaration, Expression> source)
    {
        var found = new List<Expression>();
        new ProbeCollector(scopeParameter, scope.Namespaces.Values, found).Visit(body);
        var probes = new List<(string, Expression<Func<DealFacts, object?>>)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in found)
        {
            var text = ConditionPrinter.Print(node, scopeParameter);
            if (!seen.Add(text) || probes.Count >= 8)
            {
                continue;
            }

            var (rewritten, _) = ConditionRewriter.Rewrite(node, scopeParameter, scope, source);
            if (rewritten.Type.IsGenericType && rewritten.Type.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                rewritten = Expression.Call(typeof(Enumerable), nameof(Enumerable.Count), [rewritten.Type.GetGenericArguments()[0]], rewritten);
                text += ".Count()";
            }

            probes.Add((text, Expression.Lambda<Func<DealFacts, object?>>(Expression.Convert(rewritten, typeof(object)), facts)));
        }

        return probes;
    }

    /// <summary>How deep lambdas nest inside one another.</summary>
    private static int LambdaNesting(Expression expression)
    {
        var counter = new LambdaCounter();
        counter.Visit(expression);
        return counter.Deepest;
    }

    private sealed class LambdaCounter : ExpressionVisitor
    {
        private int _depth;

        public int Deepest { get; private set; }

        protected override Expression VisitLambda<T>(Expression<T> node)
        {
            Deepest = Math.Max(Deepest, ++_depth);
            Visit(node.Body);
            _depth--;
            return node;
        }
    }

    /// <summary>
    /// A text literal the parser turned into another type to make a comparison work (<c>true == "true"</c>,
    /// <c>Amount > "5"</c>): it would compare what the author did not write. Null when every literal stayed text.
    /// </summary>
    private static string? ConvertedLiteral(string text, Expression body)
    {
        var literals = ConditionLexer.StringLiterals(text);
        if (literals.Count == 0)
        {
            return null;
        }

        var texts = new StringConstants();
        texts.Visit(body);
        return literals.FirstOrDefault(l => !texts.Values.Contains(l));
    }

    private sealed class StringConstants : ExpressionVisitor
    {
        public HashSet<string> Values { get; } = new(StringComparer.Ordinal);

        protected override Expression VisitConstant(ConstantExpression node)
        {
            if (node.Value is string value)
            {
                Values.Add(value);
            }
            else if (node.Value is Enum named)
            {
                Values.Add(named.ToString()); // `now.DayOfWeek == "Friday"`: the text names the value
            }

            return node;
        }
    }

    private static int Depth(Expression expression)
    {
        var visitor = new DepthVisitor();
        visitor.Visit(expression);
        return visitor.Max;
    }

    [GeneratedRegex("No property or field '([^']+)' exists in type '([^']+)'")]
    private static partial Regex NoMember();

    [GeneratedRegex("Type '([^']+)' not found")]
    private static partial Regex TypeNotFound();

    [GeneratedRegex("Method '([^']+)' on type '([^']+)' is not accessible")]
    private static partial Regex NotAccessible();

    [GeneratedRegex("No applicable method '([^']+)' exists in type '([^']+)'")]
    private static partial Regex NoMethod();

    [GeneratedRegex(@"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")]
    private static partial Regex FunctionCall();

    [GeneratedRegex("Operator '[^']+' incompatible with operand type")]
    private static partial Regex Incompatible();

    /// <summary>Replaces the invocation of a function symbol by the call it stands for; any other invocation stays (and is rejected).</summary>
    private sealed class FunctionInliner(IReadOnlySet<LambdaExpression> functions) : ExpressionVisitor
    {
        protected override Expression VisitInvocation(InvocationExpression node)
        {
            if (node.Expression is LambdaExpression lambda && functions.Contains(lambda) && lambda.Body is MethodCallExpression call)
            {
                var arguments = node.Arguments.Select((a, i) => Visit(a)!).Select((a, i) =>
                    a.Type == call.Method.GetParameters()[i].ParameterType ? a : Expression.Convert(a, call.Method.GetParameters()[i].ParameterType));
                return Expression.Call(call.Object, call.Method, arguments);
            }

            return base.VisitInvocation(node);
        }
    }

    private sealed class ScopeTypeProvider(IReadOnlySet<Type> types) : IDynamicLinqCustomTypeProvider
    {
        private readonly HashSet<Type> _types = [.. types];

        public HashSet<Type> GetCustomTypes() => _types;

        public Dictionary<Type, List<MethodInfo>> GetExtensionMethods() => [];

        public Type? ResolveType(string typeName) => null;

        public Type? ResolveTypeBySimpleName(string simpleTypeName) => null;
    }

    private sealed class CallCollector(Func<MethodCallExpression, bool> predicate, List<MethodCallExpression> into) : ExpressionVisitor
    {
        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            if (predicate(node))
            {
                into.Add(node);
            }

            return base.VisitMethodCall(node);
        }
    }

    private sealed class ProbeCollector(ParameterExpression scope, IEnumerable<Type> namespaceTypes, List<Expression> into) : ExpressionVisitor
    {
        private readonly HashSet<Type> _namespaces = [.. namespaceTypes];

        protected override Expression VisitMember(MemberExpression node)
        {
            if (RootedAtScope(node) && !UsesLambdaParameter(node))
            {
                into.Add(node);
                return node;
            }

            return base.VisitMember(node);
        }

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            if (node.Object == scope && !UsesLambdaParameter(node))
            {
                into.Add(node);
            }

            // A plugin function (`credit.Score(Account)`): the call is worth showing, its namespace alone is not.
            if (node.Object is MemberExpression { Expression: var owner } member && owner == scope && _namespaces.Contains(member.Type))
            {
                if (!UsesLambdaParameter(node))
                {
                    into.Add(node);
                }

                foreach (var argument in node.Arguments)
                {
                    Visit(argument);
                }

                return node;
            }

            return base.VisitMethodCall(node);
        }

        private bool RootedAtScope(Expression node) => node switch
        {
            MemberExpression m when m.Expression == scope => true,
            MemberExpression m => m.Expression is not null && RootedAtScope(m.Expression),
            _ => false,
        };

        private bool UsesLambdaParameter(Expression node)
        {
            var finder = new ParameterFinder(scope);
            finder.Visit(node);
            return finder.Found;
        }
    }

    private sealed class ParameterFinder(ParameterExpression scope) : ExpressionVisitor
    {
        public bool Found { get; private set; }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            Found |= node != scope;
            return node;
        }
    }

    private sealed class DepthVisitor : ExpressionVisitor
    {
        private int _depth;

        public int Max { get; private set; }

        public override Expression? Visit(Expression? node)
        {
            _depth++;
            Max = Math.Max(Max, _depth);
            var result = _depth > MaxTreeDepth + 1 ? node : base.Visit(node);
            _depth--;
            return result;
        }
    }
}
