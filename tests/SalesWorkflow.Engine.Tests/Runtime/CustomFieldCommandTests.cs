using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>Commands set only the custom fields the process declares, with values of their type (as process tests: SW3005).</summary>
public sealed class CustomFieldCommandTests
{
    [Fact]
    public async Task UpsertFacts_DeclaredFieldsOfTheirType_AreStoredAndRead()
    {
        await using var harness = new EngineHarness();
        await harness.Start("d1");
        var opportunity = new Opportunity { Name = "Deal d1", Amount = 500_000, AccountId = "acme", OwnerId = "li-na" };
        opportunity.Custom.Set("budgetConfirmed", true).Set("requirementChanges", 3m);

        var result = await harness.Submit(new UpsertFacts(harness.NextId(), "d1") { Opportunity = opportunity });

        Assert.Equal(CommandStatus.Applied, result.Status);
        var state = await harness.Engine.GetDealAsync("d1");
        Assert.Equal((true, 3m), (state!.Opportunity.Custom.GetBool("budgetConfirmed"), state.Opportunity.Custom.GetNumber("requirementChanges")));
    }

    [Theory]
    [InlineData("budgetConfirmd", "SW3005: Opportunity sets the custom field 'budgetConfirmd', which standard-b2b v2 does not declare (fields:); did you mean `budgetConfirmed`?")]
    [InlineData("budgetConfirmed", "SW3005: Opportunity's custom field 'budgetConfirmed' is bool; expected true or false (Set(id, bool)), found 'yes'.")]
    public async Task UpsertFacts_UndeclaredOrMistypedField_IsRefusedAndNothingChanges(string field, string message)
    {
        await using var harness = new EngineHarness();
        await harness.Start("d1");
        var before = await harness.Engine.GetHistoryAsync("d1");
        var opportunity = new Opportunity { Name = "Deal d1", Amount = 1, AccountId = "acme", OwnerId = "li-na" };
        opportunity.Custom.Set(field, "yes");

        var result = await harness.Submit(new UpsertFacts(harness.NextId(), "d1") { Opportunity = opportunity });

        Assert.Equal(CommandStatus.Rejected, result.Status);
        Assert.Equal(("invalid-custom-field", message), (result.Rejection!.Code, result.Rejection.Message));
        Assert.Equal(500_000, (await harness.Engine.GetDealAsync("d1"))!.Opportunity.Amount);
        Assert.Equal(before.Count, (await harness.Engine.GetHistoryAsync("d1")).Count);
    }

    [Fact]
    public async Task StartTracking_ContactWithAnUndeclaredField_IsRefused()
    {
        await using var harness = new EngineHarness();
        var contact = new Contact { Id = "c1", Name = "Wang" };
        contact.Custom.Set("wechat", "wang-lei");

        var result = await harness.Submit(new StartTracking(harness.NextId(), "d1", "standard-b2b")
        {
            Opportunity = new Opportunity { Name = "Deal d1", Amount = 1 },
            Contacts = [contact],
        });

        Assert.Equal(CommandStatus.Rejected, result.Status);
        Assert.StartsWith("SW3005: Contact 'c1' sets the custom field 'wechat', which standard-b2b v2 does not declare", result.Rejection!.Message, StringComparison.Ordinal);
        Assert.Null(await harness.Engine.GetDealAsync("d1"));
    }
}
