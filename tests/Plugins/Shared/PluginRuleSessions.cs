using System.Linq.Expressions;
using System.Reflection;
using FastExpressionCompiler;
using NRules;
using NRules.Extensibility;
using NRules.Fluent;
using NRules.RuleModel;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Plugins.Testing;

/// <summary>
/// Compiles a plugin's rules and runs deals through them, for the first-party plugins' tests (linked into each test
/// project). Two factories: NRules' defaults, and the engine's settings (FastExpressionCompiler, facts identified by
/// reference), so a rule that behaves differently under the engine is caught.
/// </summary>
internal sealed class PluginRuleSessions
{
    public PluginRuleSessions(Assembly pluginAssembly)
    {
        var repository = new RuleRepository();
        repository.Load(x => x.From(pluginAssembly));
        Rules = [.. repository.GetRules()];
        Factory = repository.Compile();
        var compiler = new RuleCompiler { ExpressionCompiler = new FastCompiler() };
        compiler.FactIdentityComparerRegistry.DefaultFactIdentityComparer = ReferenceEqualityComparer.Instance;
        EngineLikeFactory = compiler.Compile(Rules);
    }

    public IReadOnlyList<IRuleDefinition> Rules { get; }

    /// <summary>NRules' defaults: <c>repository.Compile()</c>.</summary>
    public ISessionFactory Factory { get; }

    /// <summary>The engine's settings: FastExpressionCompiler and facts identified by reference.</summary>
    public ISessionFactory EngineLikeFactory { get; }

    /// <summary>Inserts each fact on its own, as the engine does, and fires.</summary>
    public static ISession Run(ISessionFactory factory, IEnumerable<object> facts)
    {
        var session = factory.CreateSession();
        foreach (var fact in facts)
        {
            session.Insert(fact);
        }

        session.Fire();
        return session;
    }

    private sealed class FastCompiler : IExpressionCompiler
    {
        public TDelegate Compile<TDelegate>(Expression<TDelegate> expression)
            where TDelegate : Delegate =>
            expression.CompileFast(ifFastFailedReturnNull: true) ?? expression.Compile();
    }
}

/// <summary>
/// A Monday-to-Friday calendar in a fixed UTC offset (no dependency on the machine's time-zone data), with optional
/// holidays and make-up workdays.
/// </summary>
internal sealed class FixedOffsetCalendar(TimeSpan offset, IReadOnlyCollection<DateOnly>? holidays = null, IReadOnlyCollection<DateOnly>? workdays = null) : IBusinessCalendar
{
    public TimeZoneInfo TimeZone { get; } = offset == TimeSpan.Zero
        ? TimeZoneInfo.Utc
        : TimeZoneInfo.CreateCustomTimeZone($"Test/UTC{offset.TotalHours:+0;-0}", offset, $"UTC{offset.TotalHours:+0;-0}", $"UTC{offset.TotalHours:+0;-0}");

    public bool IsBusinessDay(DateOnly day) =>
        workdays?.Contains(day) == true || (day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && holidays?.Contains(day) != true);

    public int BusinessDaysBetween(DateTimeOffset start, DateTimeOffset until)
    {
        var count = 0;
        for (var day = LocalDay(start).AddDays(1); day <= LocalDay(until); day = day.AddDays(1))
        {
            count += IsBusinessDay(day) ? 1 : 0;
        }

        return count;
    }

    public DateTimeOffset AddBusinessDays(DateTimeOffset start, int days)
    {
        var at = start;
        while (days > 0)
        {
            at = at.AddDays(1);
            days -= IsBusinessDay(LocalDay(at)) ? 1 : 0;
        }

        return at;
    }

    private DateOnly LocalDay(DateTimeOffset at) => DateOnly.FromDateTime(at.ToOffset(offset).DateTime);
}
