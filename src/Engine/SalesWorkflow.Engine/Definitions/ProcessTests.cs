using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Definitions;

/// <summary>A file of process test cases (<c>kind: process-tests</c>).</summary>
internal sealed class ProcessTestSuite
{
    public required string SourcePath { get; init; }

    public required string ProcessPath { get; init; }

    public ProcessDefinition? Process { get; init; }

    public required IReadOnlyList<ProcessTestCase> Cases { get; init; }

    public required SourceSpan Span { get; init; }
}

/// <summary>One process test: a deal and what its evaluation must show.</summary>
internal sealed class ProcessTestCase
{
    public required string Name { get; init; }

    public string Description { get; init; } = string.Empty;

    public required TestDeal Given { get; init; }

    public required TestExpectation Expect { get; init; }

    public required SourceSpan Span { get; init; }
}

/// <summary>The facts of a deal as a test gives them.</summary>
internal sealed class TestDeal
{
    public required string Stage { get; init; }

    public required DateTimeOffset Now { get; init; }

    public required DateTimeOffset EnteredStageAt { get; init; }

    public required Opportunity Opportunity { get; init; }

    public required Account Account { get; init; }

    public required Owner Owner { get; init; }

    public IReadOnlyList<Contact> Contacts { get; init; } = [];

    public IReadOnlyList<Activity> Activities { get; init; } = [];

    public IReadOnlyList<Approval> Approvals { get; init; } = [];

    public IReadOnlyList<Feedback> Feedback { get; init; } = [];

    public IReadOnlySet<string> ChecklistDone { get; init; } = new HashSet<string>();

    public IReadOnlyList<SalesWorkflow.Sdk.Facts.DealTask> Tasks { get; init; } = [];

    public IReadOnlyDictionary<string, DateTimeOffset> ConditionsSince { get; init; } = new Dictionary<string, DateTimeOffset>();
}

/// <summary>What a test expects; null members are not checked.</summary>
internal sealed class TestExpectation
{
    public bool? GatePassed { get; init; }

    public IReadOnlyList<string>? Failing { get; init; }

    public IReadOnlyList<string>? Risks { get; init; }

    public IReadOnlyList<string> Raised { get; init; } = [];

    public IReadOnlyList<string> NotRaised { get; init; } = [];

    public IReadOnlyList<(string Id, int Level)>? Escalations { get; init; }

    public double? Probability { get; init; }

    public int? Health { get; init; }

    public IReadOnlyList<string>? MissingChecklist { get; init; }
}
