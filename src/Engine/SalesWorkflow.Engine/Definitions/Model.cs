using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Results;

namespace SalesWorkflow.Engine.Definitions;

// The loaded, immutable model of a process definition. Built only by the loader (internal constructors/initialisers),
// read by everyone. Every element keeps the span it came from so that later stages (condition compilation, process
// tests, explanations) can point back into the YAML.

/// <summary>Whether a deal in a stage is still open, won or lost.</summary>
public enum StageKind
{
    /// <summary>The deal is being worked.</summary>
    Open = 0,

    /// <summary>The deal is won (including after-sales stages).</summary>
    Won = 1,

    /// <summary>The deal is lost.</summary>
    Lost = 2,
}

/// <summary>The fact a custom field belongs to.</summary>
public enum FactKind
{
    /// <summary>The opportunity (deal).</summary>
    Opportunity = 0,

    /// <summary>The customer account.</summary>
    Account = 1,

    /// <summary>A contact at the customer.</summary>
    Contact = 2,
}

/// <summary>The type of a custom field.</summary>
public enum CustomFieldType
{
    /// <summary>Free text (<c>string</c> in YAML).</summary>
    Text = 0,

    /// <summary>A decimal number.</summary>
    Number = 1,

    /// <summary>True or false.</summary>
    Bool = 2,

    /// <summary>A date and time.</summary>
    Date = 3,

    /// <summary>One of a declared list of values.</summary>
    Enum = 4,
}

/// <summary>A condition as written in YAML, with where it is. Compiled by the rules layer.</summary>
public sealed class ConditionSource
{
    internal ConditionSource(string text, SourceSpan span, Func<int, (int Line, int Column)> positionOfOffset)
    {
        Text = text;
        Span = span;
        PositionOfOffset = positionOfOffset;
    }

    /// <summary>The condition text (the YAML scalar's value).</summary>
    public string Text { get; }

    /// <summary>Where the YAML scalar is.</summary>
    public SourceSpan Span { get; }

    /// <summary>Maps a 0-based offset inside <see cref="Text"/> to its line and column in the file.</summary>
    internal Func<int, (int Line, int Column)> PositionOfOffset { get; }

    /// <summary>The span of characters <paramref name="start"/>..<paramref name="end"/> of the text, in the file.</summary>
    public SourceSpan SpanOf(int start, int end)
    {
        var (line, column) = PositionOfOffset(Math.Clamp(start, 0, Text.Length));
        var (endLine, endColumn) = PositionOfOffset(Math.Clamp(Math.Max(start, end), 0, Text.Length));
        if (endLine < line || (endLine == line && endColumn < column))
        {
            (endLine, endColumn) = (line, column);
        }

        return new SourceSpan(Span.File, line, column, endLine, endColumn);
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}

/// <summary>A field the process adds to a fact type.</summary>
public sealed class CustomField
{
    /// <summary>The name used in conditions.</summary>
    public required string Id { get; init; }

    /// <summary>Which fact carries it.</summary>
    public required FactKind On { get; init; }

    /// <summary>Its type.</summary>
    public required CustomFieldType Type { get; init; }

    /// <summary>Allowed values of an enum field; empty otherwise.</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary>Display name.</summary>
    public LocalizedText Name { get; init; } = LocalizedText.Empty;

    /// <summary>What the field means.</summary>
    public LocalizedText Description { get; init; } = LocalizedText.Empty;

    /// <summary>Where it is declared.</summary>
    public required SourceSpan Span { get; init; }
}

/// <summary>A checklist item of a stage.</summary>
public sealed class ChecklistItem
{
    /// <summary>Id, unique in the stage.</summary>
    public required string Id { get; init; }

    /// <summary>What to do.</summary>
    public required LocalizedText Text { get; init; }

    /// <summary>Whether leaving the stage needs it.</summary>
    public bool Required { get; init; } = true;

    /// <summary>Where it is declared.</summary>
    public required SourceSpan Span { get; init; }
}

/// <summary>An exit criterion: a condition a deal must meet to leave its stage forward.</summary>
public sealed class ExitCriterion
{
    /// <summary>Id; <c>alias.id</c> when it comes from a rule pack.</summary>
    public required string Id { get; init; }

    /// <summary>What it checks.</summary>
    public LocalizedText Description { get; init; } = LocalizedText.Empty;

    /// <summary>The condition.</summary>
    public required ConditionSource Condition { get; init; }

    /// <summary>The rule pack it comes from, or null.</summary>
    public string? Pack { get; init; }

    /// <summary>The alias the pack is imported under, or null.</summary>
    internal string? PackAlias { get; init; }

    /// <summary>Where it is declared (in the process, or in the pack for a reused criterion).</summary>
    public required SourceSpan Span { get; init; }
}

/// <summary>A task created when a deal enters a stage.</summary>
public sealed class StageTask
{
    /// <summary>Id, unique in the stage.</summary>
    public required string Id { get; init; }

    /// <summary>What to do.</summary>
    public required LocalizedText Title { get; init; }

    /// <summary>How long after entry it is due, or null for no due date.</summary>
    public Duration? Due { get; init; }

    /// <summary>Who does it.</summary>
    public string Assignee { get; init; } = "owner";

    /// <summary>Where it is declared.</summary>
    public required SourceSpan Span { get; init; }
}

/// <summary>One step of the sales process.</summary>
public sealed class StageDefinition
{
    /// <summary>Id.</summary>
    public required string Id { get; init; }

    /// <summary>Display name.</summary>
    public required LocalizedText Name { get; init; }

    /// <summary>What the stage is for.</summary>
    public LocalizedText Description { get; init; } = LocalizedText.Empty;

    /// <summary>0-based position in forward order.</summary>
    public required int Order { get; init; }

    /// <summary>Open, won or lost.</summary>
    public required StageKind Kind { get; init; }

    /// <summary>Default win probability, 0–1.</summary>
    public required double Probability { get; init; }

    /// <summary>Operating norms.</summary>
    public LocalizedText Norms { get; init; } = LocalizedText.Empty;

    /// <summary>Checklist items.</summary>
    public IReadOnlyList<ChecklistItem> Checklist { get; init; } = [];

    /// <summary>Exit criteria (the stage gate).</summary>
    public IReadOnlyList<ExitCriterion> ExitCriteria { get; init; } = [];

    /// <summary>Tasks created on entry.</summary>
    public IReadOnlyList<StageTask> Tasks { get; init; } = [];

    /// <summary>Whether a deal may be lost from here when the policy does not allow losing from any stage.</summary>
    public bool CanLose { get; init; }

    /// <summary>Where it is declared.</summary>
    public required SourceSpan Span { get; init; }

    /// <summary>True for an open stage.</summary>
    public bool IsOpen => Kind == StageKind.Open;
}

/// <summary>A reason a deal may be lost for.</summary>
public sealed class LossReason
{
    /// <summary>Id recorded with the loss.</summary>
    public required string Id { get; init; }

    /// <summary>Display name.</summary>
    public LocalizedText Name { get; init; } = LocalizedText.Empty;
}

/// <summary>Which stage changes the process allows.</summary>
public sealed class TransitionPolicy
{
    /// <summary>May a deal jump forward over stages.</summary>
    public bool AllowSkip { get; init; }

    /// <summary>May a deal move back to an earlier open stage.</summary>
    public bool AllowBack { get; init; } = true;

    /// <summary>May a deal be lost from any open stage.</summary>
    public bool LostFromAnyStage { get; init; } = true;

    /// <summary>May a lost deal be reopened.</summary>
    public bool AllowReopen { get; init; } = true;

    /// <summary>Advance automatically when the gate passes.</summary>
    public bool AutoAdvance { get; init; }

    /// <summary>Must a loss name one of <see cref="LossReasons"/>.</summary>
    public bool RequireLossReason { get; init; } = true;

    /// <summary>The enumerated loss reasons.</summary>
    public IReadOnlyList<LossReason> LossReasons { get; init; } = [];
}

/// <summary>One level of an escalation chain.</summary>
public sealed class EscalationLevel
{
    /// <summary>1-based level number.</summary>
    public required int Number { get; init; }

    /// <summary>Who is notified.</summary>
    public required string Notify { get; init; }

    /// <summary>How long after the trigger it fires.</summary>
    public required Duration After { get; init; }

    /// <summary>Message for this level (empty: use the escalation's message).</summary>
    public LocalizedText Message { get; init; } = LocalizedText.Empty;

    /// <summary>Where it is declared.</summary>
    public required SourceSpan Span { get; init; }
}

/// <summary>A multi-level escalation rule.</summary>
public sealed class EscalationDefinition
{
    /// <summary>Id.</summary>
    public required string Id { get; init; }

    /// <summary>Display name.</summary>
    public LocalizedText Name { get; init; } = LocalizedText.Empty;

    /// <summary>Stages where it applies.</summary>
    public required IReadOnlyList<string> Stages { get; init; }

    /// <summary>Time in stage that triggers it, or null for a condition trigger.</summary>
    public Duration? TimeInStage { get; init; }

    /// <summary>Condition that triggers it, or null for a time trigger.</summary>
    public ConditionSource? Condition { get; init; }

    /// <summary>The chain of levels, in order.</summary>
    public required IReadOnlyList<EscalationLevel> Levels { get; init; }

    /// <summary>What the notification says.</summary>
    public LocalizedText Message { get; init; } = LocalizedText.Empty;

    /// <summary>Where it is declared.</summary>
    public required SourceSpan Span { get; init; }
}

/// <summary>A rule that raises a risk on a deal.</summary>
public sealed class RiskRule
{
    /// <summary>Id; <c>alias.id</c> when it comes from a rule pack.</summary>
    public required string Id { get; init; }

    /// <summary>Display name.</summary>
    public LocalizedText Name { get; init; } = LocalizedText.Empty;

    /// <summary>Category: market, customer, team or a declared one.</summary>
    public required string Category { get; init; }

    /// <summary>Severity.</summary>
    public required RiskSeverity Severity { get; init; }

    /// <summary>Points taken off the health score.</summary>
    public required int Weight { get; init; }

    /// <summary>The condition.</summary>
    public required ConditionSource Condition { get; init; }

    /// <summary>What to do about it.</summary>
    public LocalizedText Advice { get; init; } = LocalizedText.Empty;

    /// <summary>Stages where the rule applies.</summary>
    public required IReadOnlyList<string> Stages { get; init; }

    /// <summary>The rule pack it comes from, or null.</summary>
    public string? Pack { get; init; }

    /// <summary>The alias the pack is imported under, or null.</summary>
    internal string? PackAlias { get; init; }

    /// <summary>Where it is declared.</summary>
    public required SourceSpan Span { get; init; }
}

/// <summary>A risk category.</summary>
public sealed class RiskCategoryDefinition
{
    /// <summary>Id.</summary>
    public required string Id { get; init; }

    /// <summary>Display name.</summary>
    public LocalizedText Name { get; init; } = LocalizedText.Empty;
}

/// <summary>A part of a target: a share of the parent amount or an absolute amount, resolved to an amount.</summary>
public sealed class TargetPart
{
    /// <summary>The quarter (<c>Q1</c>…), month (<c>1</c>…), team or rep id.</summary>
    public required string Key { get; init; }

    /// <summary>Display name (teams and reps).</summary>
    public LocalizedText Name { get; init; } = LocalizedText.Empty;

    /// <summary>Share of the parent as written (0–1), or null when an amount was given.</summary>
    public double? Share { get; init; }

    /// <summary>The resolved amount.</summary>
    public required decimal Amount { get; init; }

    /// <summary>Breakdown below this part (reps of a team).</summary>
    public IReadOnlyList<TargetPart> Parts { get; init; } = [];

    /// <summary>Where it is declared.</summary>
    public required SourceSpan Span { get; init; }
}

/// <summary>A yearly revenue target and its breakdown by period, team and rep.</summary>
public sealed class TargetPlan
{
    /// <summary>The year.</summary>
    public required int Year { get; init; }

    /// <summary>The yearly amount.</summary>
    public required decimal Amount { get; init; }

    /// <summary>Quarterly breakdown (empty when not given).</summary>
    public IReadOnlyList<TargetPart> Quarters { get; init; } = [];

    /// <summary>Monthly breakdown (empty when not given).</summary>
    public IReadOnlyList<TargetPart> Months { get; init; } = [];

    /// <summary>Team breakdown with reps.</summary>
    public IReadOnlyList<TargetPart> Teams { get; init; } = [];

    /// <summary>Where it is declared.</summary>
    public required SourceSpan Span { get; init; }
}

/// <summary>A rule pack imported under an alias.</summary>
public sealed class PackImport
{
    /// <summary>The alias that prefixes the pack's ids.</summary>
    public required string Alias { get; init; }

    /// <summary>The resolved pack.</summary>
    public required RulePack Pack { get; init; }

    /// <summary>Whether the pack's risks apply.</summary>
    public bool ImportRisks { get; init; } = true;

    /// <summary>Stages where the pack's risks apply, as written (empty: every open stage).</summary>
    internal IReadOnlyList<(string Id, SourceSpan Span)> RiskStages { get; init; } = [];
}

/// <summary>Reusable criteria, risks and fields (e.g. BANT, MEDDPICC).</summary>
public sealed class RulePack
{
    /// <summary>Id.</summary>
    public required string Id { get; init; }

    /// <summary>Version.</summary>
    public required int Version { get; init; }

    /// <summary>Display name.</summary>
    public required LocalizedText Name { get; init; }

    /// <summary>What the pack checks.</summary>
    public LocalizedText Description { get; init; } = LocalizedText.Empty;

    /// <summary>Packs this pack imports.</summary>
    public IReadOnlyList<PackImport> Imports { get; init; } = [];

    /// <summary>Fields the pack's conditions need.</summary>
    public IReadOnlyList<CustomField> Fields { get; init; } = [];

    /// <summary>Reusable criteria, with ids local to the pack.</summary>
    public IReadOnlyList<ExitCriterion> Criteria { get; init; } = [];

    /// <summary>Risk rules, with ids local to the pack.</summary>
    public IReadOnlyList<RiskRule> Risks { get; init; } = [];

    /// <summary>Risk categories the pack declares.</summary>
    public IReadOnlyList<RiskCategoryDefinition> RiskCategories { get; init; } = [];

    /// <summary>The file it was loaded from.</summary>
    public required string SourcePath { get; init; }

    /// <summary>Where it is declared.</summary>
    public required SourceSpan Span { get; init; }
}

/// <summary>
/// A loaded, validated sales process: stages, gates, transition policy, escalations, risks, targets and fields, with
/// the items of imported rule packs merged in under their aliases. Immutable and safe to share between threads.
/// </summary>
public sealed class ProcessDefinition
{
    /// <summary>Process id.</summary>
    public required string Id { get; init; }

    /// <summary>Process version.</summary>
    public required int Version { get; init; }

    /// <summary>Display name.</summary>
    public required LocalizedText Name { get; init; }

    /// <summary>What the process is for.</summary>
    public LocalizedText Description { get; init; } = LocalizedText.Empty;

    /// <summary>Languages every text is expected in.</summary>
    public IReadOnlyList<string> Languages { get; init; } = [];

    /// <summary>Currency of amounts.</summary>
    public required string Currency { get; init; }

    /// <summary>Process owner.</summary>
    public string? Owner { get; init; }

    /// <summary>Business-day calendar.</summary>
    public BusinessCalendar Calendar { get; init; } = BusinessCalendar.Default;

    /// <summary>Imported rule packs.</summary>
    public IReadOnlyList<PackImport> Imports { get; init; } = [];

    /// <summary>
    /// Names of the plugins the process uses (<c>plugins:</c>): only their C# rules join its stages, only their
    /// functions and results are visible to its conditions, and only their enrichers add facts to its deals.
    /// </summary>
    public IReadOnlyList<string> Plugins { get; init; } = [];

    /// <summary>Custom fields, including those of imported packs.</summary>
    public IReadOnlyList<CustomField> Fields { get; init; } = [];

    /// <summary>Stages in forward order.</summary>
    public required IReadOnlyList<StageDefinition> Stages { get; init; }

    /// <summary>Transition policy.</summary>
    public TransitionPolicy Transitions { get; init; } = new();

    /// <summary>Escalations.</summary>
    public IReadOnlyList<EscalationDefinition> Escalations { get; init; } = [];

    /// <summary>Risk categories: the built-in ones and declared ones.</summary>
    public IReadOnlyList<RiskCategoryDefinition> RiskCategories { get; init; } = [];

    /// <summary>Risk rules, including imported ones (ids prefixed with the pack alias).</summary>
    public IReadOnlyList<RiskRule> Risks { get; init; } = [];

    /// <summary>Revenue targets.</summary>
    public IReadOnlyList<TargetPlan> Targets { get; init; } = [];

    /// <summary>How complaints are handled: who handles them and their service levels.</summary>
    public FeedbackPolicy Feedback { get; init; } = FeedbackPolicy.None;

    /// <summary>The after-sales care owed to a won customer (<c>care:</c>).</summary>
    public CarePolicy Care { get; init; } = CarePolicy.None;

    /// <summary>The file it was loaded from.</summary>
    public required string SourcePath { get; init; }

    /// <summary>
    /// SHA-256 of the process's meaning (stages, rules, policies, targets and imported pack content), independent
    /// of comments and formatting; a changed hash with an unchanged version is an error when deals already run on it.
    /// </summary>
    public required string ContentHash { get; init; }

    /// <summary>Where it is declared.</summary>
    public required SourceSpan Span { get; init; }

    /// <summary>Conditions after parsing, type checking and the sandbox; set by the loader when all of them passed.</summary>
    internal IReadOnlyDictionary<ConditionSource, Expressions.CheckedCondition>? CheckedConditions { get; set; }

    /// <summary>True when some condition reads tasks (<c>TaskDone</c>, <c>TaskOverdue</c>): a task coming due then re-evaluates its deal at once.</summary>
    internal bool ConditionsReadTasks => _conditionsReadTasks ??= CheckedConditions?.Values.Any(c => c.TaskReferences.Count > 0) == true;

    private bool? _conditionsReadTasks;

    /// <summary>Every role the process names (escalation levels' <c>notify</c>, tasks' <c>assignee</c>), where it names it: checked against the organisation.</summary>
    internal List<(string Role, SourceSpan Span)> RoleReferences { get; } = [];

    /// <summary>The loaded plugins the process declared (a view of the loader's catalog); their C# rules are compiled with it.</summary>
    internal SalesWorkflow.Engine.Plugins.PluginCatalog LoadedPlugins { get; set; } = SalesWorkflow.Engine.Plugins.PluginCatalog.Empty;

    /// <summary>The stage with this id, or null.</summary>
    public StageDefinition? FindStage(string id)
    {
        foreach (var stage in Stages)
        {
            if (stage.Id == id)
            {
                return stage;
            }
        }

        return null;
    }

    /// <summary>The first open stage: where new deals start.</summary>
    public StageDefinition InitialStage => Stages.FirstOrDefault(s => s.IsOpen) ?? Stages[0];

    /// <inheritdoc />
    public override string ToString() => $"{Id} v{Version}";
}

/// <summary>
/// How a process handles complaints (<c>feedback:</c>): the role that handles them, and the service levels for
/// answering and resolving one, counted from when it was recorded on the process calendar. A complaint that misses a
/// level fires <c>complaint-sla-breached</c> once, to the route's people.
/// </summary>
public sealed class FeedbackPolicy
{
    /// <summary>No service levels; complaints go to the owner.</summary>
    public static FeedbackPolicy None { get; } = new();

    /// <summary>The role that handles complaints (default <c>owner</c>); a complaint's own <c>assignedTo</c> comes first.</summary>
    public string Route { get; init; } = "owner";

    /// <summary>How long until the customer must have been answered, or null for no such level.</summary>
    public Duration? Respond { get; init; }

    /// <summary>How long until the complaint must be resolved, or null for no such level.</summary>
    public Duration? Resolve { get; init; }

    /// <summary>True when the policy is the default (nothing declared).</summary>
    public bool IsNone => Route == "owner" && Respond is null && Resolve is null;
}

/// <summary>
/// The after-sales care a process owes a won customer (<c>care:</c>): how soon after the win the customer is visited,
/// how often a customer of each account tier is touched, and the days the customer is greeted for (holidays on fixed
/// dates, yearly days, the anniversary of the win). Without <c>care:</c>: a visit within 30 days, a check-in every 90
/// days, no greeting days. The customer-care plugin reads it as <see cref="SalesWorkflow.Sdk.Facts.DealContext.Care"/>.
/// </summary>
public sealed class CarePolicy
{
    /// <summary>The account custom field whose value picks the check-in cadence of <see cref="CheckInByTier"/>.</summary>
    public const string TierField = "tier";

    private Dictionary<string, CarePlan>? _plans;

    private CarePlan? _plan;

    /// <summary>Nothing declared: the defaults.</summary>
    public static CarePolicy None { get; } = new() { IsNone = true };

    /// <summary>True when the process declares no <c>care:</c>.</summary>
    public bool IsNone { get; init; }

    /// <summary>How soon after the win the customer is visited.</summary>
    public CareInterval FollowUpVisit { get; init; } = CarePlan.Default.FollowUpVisit;

    /// <summary>The longest a customer may go without a touch, unless its tier says otherwise.</summary>
    public CareInterval CheckIn { get; init; } = CarePlan.Default.CheckIn;

    /// <summary>The check-in cadence per value of the account's <c>tier</c> field.</summary>
    public IReadOnlyDictionary<string, CareInterval> CheckInByTier { get; init; } = new Dictionary<string, CareInterval>(StringComparer.Ordinal);

    /// <summary>How long before a greeting day its greeting is due.</summary>
    public CareInterval GreetingLead { get; init; } = CarePlan.Default.GreetingLead;

    /// <summary>The days the customer is greeted for.</summary>
    public IReadOnlyList<CareOccasion> Occasions { get; init; } = [];

    /// <summary>The plan for a deal of this account: the cadence of its tier, or the default one.</summary>
    public CarePlan For(Account? account)
    {
        if (IsNone)
        {
            return CarePlan.Default;
        }

        // Built once per policy and tier: an evaluation must not allocate a plan per deal. A race builds an equal plan twice.
        var plan = _plan ??= Plan(CheckIn);
        if (CheckInByTier.Count == 0 || account?.Custom.GetText(TierField) is not { } tier || !CheckInByTier.ContainsKey(tier))
        {
            return plan;
        }

        var plans = _plans ??= CheckInByTier.ToDictionary(p => p.Key, p => Plan(p.Value), StringComparer.Ordinal);
        return plans[tier];
    }

    private CarePlan Plan(CareInterval checkIn) => new()
    {
        FollowUpVisit = FollowUpVisit,
        CheckIn = checkIn,
        GreetingLead = GreetingLead,
        Occasions = Occasions,
    };
}
