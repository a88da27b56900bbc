using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Engine.Expressions;

/// <summary>
/// A fact a condition can read, under the name conditions use for it. Single facts (<c>Opportunity</c>) become one
/// NRules pattern; collections (<c>Contacts</c>) become a <c>Collect</c> aggregate of their element type.
/// </summary>
internal sealed record FactDeclaration(string Name, Type FactType, bool IsCollection, string Summary)
{
    /// <summary>The type a condition sees: the fact type, or <c>IEnumerable&lt;T&gt;</c> for a collection.</summary>
    public Type ExposedType => IsCollection ? typeof(IEnumerable<>).MakeGenericType(FactType) : FactType;
}

internal static class FactDeclarations
{
    public static readonly FactDeclaration Opportunity = new("Opportunity", typeof(Opportunity), false, "The deal.");
    public static readonly FactDeclaration Account = new("Account", typeof(Account), false, "The customer account, with credit and payment data.");
    public static readonly FactDeclaration Owner = new("Owner", typeof(Owner), false, "The sales rep who owns the deal.");
    public static readonly FactDeclaration Deal = new("Deal", typeof(DealContext), false, "Where the deal stands: `Stage`, `EnteredStageAt`, `DaysInStage`, `BusinessDaysInStage`, `ChecklistDone`, `Tasks`.");
    public static readonly FactDeclaration Contacts = new("Contacts", typeof(Contact), true, "People at the customer.");
    public static readonly FactDeclaration Activities = new("Activities", typeof(Activity), true, "What the rep did: calls, meetings, visits, e-mails, demos, proposals, contracts.");
    public static readonly FactDeclaration ActivityTotals = new("ActivityTotals", typeof(Runtime.ActivityTotals), false, "Totals over every activity logged (read through `ActivityCount`, `HasActivity`, `HasOutcome`, `LastActivityAt`, `LastContactAt`).");
    public static readonly FactDeclaration Approvals = new("Approvals", typeof(Approval), true, "Internal approvals (discount, credit…).");
    public static readonly FactDeclaration Feedback = new("Feedback", typeof(Feedback), true, "Customer feedback: satisfaction scores and complaints.");
    public static readonly FactDeclaration Risks = new("Risks", typeof(RiskRaised), true, "Risks raised so far in this evaluation (read through `HasRisk`).");
    public static readonly FactDeclaration CriteriaMet = new("CriteriaMet", typeof(CriterionMet), true, "Checks that plugins' C# rules report as met (read through `Met`).");

    /// <summary>Declarations in pattern order: single facts first (cheap alpha nodes), then aggregates.</summary>
    public static readonly IReadOnlyList<FactDeclaration> All = [Deal, Opportunity, Account, Owner, ActivityTotals, Contacts, Activities, Approvals, Feedback, Risks, CriteriaMet];

    /// <summary>Declarations a condition may name directly (Risks, CriteriaMet and ActivityTotals are reached through functions only).</summary>
    public static readonly IReadOnlyList<FactDeclaration> Visible = [Opportunity, Account, Owner, Deal, Contacts, Activities, Approvals, Feedback];

    public static FactDeclaration ForParameterType(Type type)
    {
        foreach (var declaration in All)
        {
            if (declaration.ExposedType == type)
            {
                return declaration;
            }
        }

        throw new InvalidOperationException($"No fact declaration provides {type}.");
    }

    public static FactDeclaration? ByName(string name)
    {
        foreach (var declaration in All)
        {
            if (declaration.Name == name)
            {
                return declaration;
            }
        }

        return null;
    }
}
