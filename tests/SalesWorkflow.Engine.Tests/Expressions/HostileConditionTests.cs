using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Tests.Expressions;

/// <summary>
/// A condition can read facts and call allowed functions — nothing else. Every one of these is rejected when the
/// definition is loaded, with an error positioned inside the condition.
/// </summary>
public sealed class HostileConditionTests
{
    public static TheoryData<string> Hostile() =>
    [
        "Opportunity.GetType().Name == \"Opportunity\"",
        "typeof(string) != null",
        "System.IO.File.Exists(\"/etc/passwd\")",
        "System.IO.File.ReadAllText(\"/etc/passwd\") != \"\"",
        "File.Delete(\"/tmp/x\") == null",
        "Environment.GetEnvironmentVariable(\"HOME\") != null",
        "Environment.Exit(1) == null",
        "System.Diagnostics.Process.Start(\"sh\") != null",
        "Process.Start(\"sh\").Id > 0",
        "Activator.CreateInstance(\"mscorlib\", \"System.Object\") != null",
        "new Opportunity().Amount > 0",
        "new { a = 1 }.a == 1",
        "DateTime.Now > now",
        "DateTimeOffset.UtcNow > now",
        "Math.Abs(-1) > 0",
        "Opportunity.Amount = 5",
        "Contacts.Any(c => c.Name = \"x\")",
        "Opportunity.Name.GetHashCode() > 0",
        "Opportunity.ToString() == \"x\"",
        "Opportunity.Equals(Opportunity)",
        "Regex.IsMatch(Opportunity.Name, \"(a+)+$\")",
        "System.Text.RegularExpressions.Regex.IsMatch(Opportunity.Name, \"(a+)+$\")",
        "Opportunity.Name.Replace(\"a\", \"b\") == \"\"",
        "\"x\".PadLeft(100000000) != \"\"",
        "Opportunity.Custom.GetText(\"x\") == \"y\"",
        "Deal.Calendar.IsBusinessDay(now.Date)",
        "Type.GetType(\"System.IO.File\") != null",
        "AppDomain.CurrentDomain != null",
        "GC.Collect() == null",
        "Convert.ToInt32(\"1\") == 1",
        "it.GetType() != null",
        "Contacts.Select(c => c.GetType()).Any()",
        "Opportunity.Competitors.GetEnumerator() != null",
        "Enumerable.Range(0, 1000000000).Count() > 0",
        "Thread.Sleep(100000) == null",
        "Task.Delay(1000).Wait(1000)",
        "@0 > 1",
        "np(Opportunity).GetType() != null",
        "Opportunity.Name.Length > 0 && " + string.Join(" && ", Enumerable.Repeat("Opportunity.Name.Length > 0", 120)),
        new string('(', 60) + "true" + new string(')', 60),
        "Opportunity.Name == \"" + new string('a', 3000) + "\"",
        "AppContext.BaseDirectory != null",
        "Opportunity.Custom != null",
        "root.Opportunity.Amount > 0",
        "Contacts.Any(c => parent != null)",
        "^.Opportunity != null",
        "Opportunity.CreatedAt < \"2026-06-30\"",
        "Deal.Calendar.TimeZone.Id == \"UTC\"",

        // Issue 15: crashes of the parser, banned aliases, text walked as a collection, nesting beyond the budget.
        "Feedback.SelectMany() != null",
        "Contacts.SelectMany(c => c.Name).Any()",
        "$.Opportunity != null",
        "~.Opportunity != null",
        "^ .Opportunity != null",
        "Deal.ProcessId.Select(x => x).Any()",
        "Opportunity.Name.Any(ch => ch == 'a')",
        "Opportunity.Name.Count() > 3",
        "Deal.ProcessId.Select(x0 => x0).All(v0 => v0 != 'a')",
        "Contacts.Any(a => Contacts.Any(b => Contacts.Any(c => Contacts.Any(d => d.Id == a.Id))))",
        "Date(\"0001-01-01\") < now",
        "Date(\"9999-12-31\") > now",
        "Opportunity.Amount < 1e999",
        "now.DayOfWeek == 99",
        "true == \"true\"",
    ];

    [Fact]
    public void Suite_HasAtLeastThirtyHostileConditions()
    {
        Assert.True(Hostile().Count >= 30);
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Load_HostileCondition_IsRejectedWithAPositionInsideTheCondition(string condition)
    {
        var set = TestProcesses.WithCriterion(condition);

        var errors = set.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.NotEmpty(errors);
        Assert.All(errors, d => Assert.StartsWith("SW20", d.Code, StringComparison.Ordinal));
        Assert.All(errors, d =>
        {
            Assert.Equal(TestProcesses.CriterionLine, d.Span.Line);
            Assert.InRange(d.Span.Column, TestProcesses.CriterionColumn, TestProcesses.CriterionColumn + 2 + (condition.Length * 2));
        });
        Assert.Null(set.Processes.Single().CheckedConditions);
    }

    [Theory]
    [InlineData("DateTime.Now > now", "DateTime.Now", "use `now`")]
    [InlineData("Opportunity.GetType().Name == \"x\"", "GetType", "reflection")]
    [InlineData("Math.Abs(-1) > 0", "Math.Abs", "use `Abs`")]
    [InlineData("Opportunity.Amount = 5", "=", "`==`")]
    public void Load_HostileCondition_PointsAtTheOffendingWordWithAHint(string condition, string word, string hint)
    {
        var set = TestProcesses.WithCriterion(condition);

        var error = set.Diagnostics.First(d => d.Severity == DiagnosticSeverity.Error);
        var offset = condition.IndexOf(word, StringComparison.Ordinal);
        Assert.Equal(TestProcesses.CriterionColumn + 1 + offset, error.Span.Column);
        Assert.Contains(hint, error.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Opportunity.Name.StartsWith(\"idea\", true, null)")] // true under C, false under tr-TR (dotless i)
    [InlineData("string.Compare(Opportunity.Name, 0, \"idea\", 0, 4, true) == 0")]
    [InlineData("string.Compare(\"a\", 0, \"B\", 0, 1) < 0")] // culture order: ordinal says otherwise
    [InlineData("Opportunity.Name.EndsWith(\"A\", true, null)")]
    [InlineData("Opportunity.Name.ToUpper(null) == \"IDEA\"")]
    public void Load_AFormOfATextMethodThatFollowsTheServersLanguage_IsRefused(string condition)
    {
        var set = TestProcesses.WithCriterion(condition);

        var error = Assert.Single(set.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Contains("depends on the server's language settings", error.Message, StringComparison.Ordinal);
        Assert.Equal(TestProcesses.CriterionLine, error.Span.Line);
    }

    [Fact]
    public void Load_LongCondition_ReportsTheDocumentedLimit()
    {
        var set = TestProcesses.WithCriterion("Opportunity.Name == \"" + new string('a', 3000) + "\"");

        Assert.Equal(DiagnosticIds.ConditionTooLong, set.Diagnostics.Single(d => d.Severity == DiagnosticSeverity.Error).Code);
    }

    [Fact]
    public void Load_DeepNesting_ReportsTheDocumentedLimit()
    {
        var set = TestProcesses.WithCriterion(new string('(', 60) + "true" + new string(')', 60));

        var error = set.Diagnostics.Single(d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(DiagnosticIds.ConditionTooDeep, error.Code);
        Assert.Equal(TestProcesses.CriterionColumn + 1 + 24, error.Span.Column);
    }
}
