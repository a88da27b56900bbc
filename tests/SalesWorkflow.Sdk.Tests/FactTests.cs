using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Sdk.Tests;

public sealed class FactTests
{
    [Fact]
    public void Equals_SameTypeAndId_AreEqualEvenWhenFieldsDiffer()
    {
        var a = new Opportunity { Id = "o-1", Amount = 10 };
        var b = new Opportunity { Id = "o-1", Amount = 99 };

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Equals_SameIdDifferentFactType_AreNotEqual()
    {
        Assert.NotEqual<Fact>(new Account { Id = "x" }, new Contact { Id = "x" });
    }

    [Fact]
    public void HashCode_ChangingAFieldAfterInsertion_KeepsIdentity()
    {
        var opportunity = new Opportunity { Id = "o-1", Amount = 10 };
        var set = new HashSet<Fact> { opportunity };

        opportunity.Amount = 20;

        Assert.Contains(opportunity, set);
    }

    [Fact]
    public void CustomFields_TypedGetters_ReturnDeclaredTypeOrAbsent()
    {
        var fields = new CustomFields()
            .Set("budgetConfirmed", true)
            .Set("requirementChanges", 3m)
            .Set("tier", "key")
            .Set("signedAt", new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.True(fields.GetBool("budgetConfirmed"));
        Assert.False(fields.GetBool("missing"));
        Assert.Equal(3m, fields.GetNumber("requirementChanges"));
        Assert.Null(fields.GetNumber("tier"));
        Assert.Equal("key", fields.GetText("tier"));
        Assert.Equal("3", fields.GetText("requirementChanges"));
        Assert.Equal(2026, fields.GetDate("signedAt")!.Value.Year);
        Assert.Equal(4, fields.Count);
    }

    [Fact]
    public void Payment_DaysLate_CountsWholeDaysAfterDueDate()
    {
        var due = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal(10, new Payment { DueAt = due, PaidAt = due.AddDays(10.5) }.DaysLate);
        Assert.Equal(0, new Payment { DueAt = due, PaidAt = due.AddDays(-2) }.DaysLate);
        Assert.Null(new Payment { DueAt = due }.DaysLate);
    }
}
