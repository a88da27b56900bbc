using System.Globalization;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;
using Spectre.Console;

namespace SalesWorkflow.Cli.Demo;

/// <summary>
/// The summary a sales director reads after the simulated months: pipeline by stage, won and lost with loss reasons,
/// where deals were blocked, escalations by level, stage tasks done on time, complaints against their service levels,
/// after-sales care raised with no command, risks by category. Every figure comes from the engine's event log
/// and deal queries, not from the simulation's own bookkeeping.
/// </summary>
internal sealed class DemoReport
{
    private readonly Dictionary<string, int> _blockedBy = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Escalation, int Level, string Notify), int> _escalations = [];
    private readonly Dictionary<string, int> _risksByCategory = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Count, decimal Amount)> _lossReasons = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCounts> _tasksByStage = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Deal, string Feedback), ComplaintFigures> _complaints = [];
    private readonly Dictionary<string, (int Raised, int BySweep)> _care = new(StringComparer.Ordinal);
    private int _won;
    private decimal _wonAmount;
    private double _wonDays;
    private int _advancesBlocked;
    private int _overrides;
    private long _events;

    public static async Task<DemoReport> BuildAsync(ISalesWorkflowEngine engine, CancellationToken cancellationToken)
    {
        var report = new DemoReport();
        long after = 0;
        while (true)
        {
            var page = await engine.ReadEventsAsync(after, 10_000, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var e in page)
            {
                report.Add(e);
            }

            after = page[^1].Sequence;
        }

        return report;
    }

    private void Add(DealEvent e)
    {
        _events++;
        switch (e.Payload)
        {
            case AdvanceBlocked blocked:
                _advancesBlocked++;
                foreach (var failing in blocked.Failing)
                {
                    _blockedBy[failing.Criterion] = _blockedBy.GetValueOrDefault(failing.Criterion) + 1;
                }

                foreach (var item in blocked.MissingChecklist)
                {
                    var id = "checklist: " + item;
                    _blockedBy[id] = _blockedBy.GetValueOrDefault(id) + 1;
                }

                break;
            case GateOverridden:
                _overrides++;
                break;
            case TaskCreated { DueAt: not null } task:
                TasksOf(task.Stage).Created++;
                break;
            case TaskCompleted task:
                _ = task.OnTime ? TasksOf(task.Stage).OnTime++ : TasksOf(task.Stage).Late++;
                break;
            case TaskOverdue task:
                TasksOf(task.Stage).Overdue++;
                break;
            case EscalationRaised escalation:
                var key = (escalation.Escalation, escalation.Level, escalation.Notify);
                _escalations[key] = _escalations.GetValueOrDefault(key) + 1;
                break;
            case RiskRaised risk:
                _risksByCategory[risk.Category] = _risksByCategory.GetValueOrDefault(risk.Category) + 1;
                if (risk.Risk.StartsWith("customer-care.", StringComparison.Ordinal))
                {
                    var (raised, bySweep) = _care.GetValueOrDefault(risk.Risk);
                    _care[risk.Risk] = (raised + 1, bySweep + (e.CommandId.StartsWith("sweep:", StringComparison.Ordinal) ? 1 : 0));
                }

                break;
            case FeedbackRecorded { IsComplaint: true } feedback:
                var complaint = ComplaintOf(e.DealId, feedback.Id);
                complaint.Category = feedback.Category ?? complaint.Category;
                complaint.At ??= feedback.At ?? e.At;
                complaint.ResolvedAt = feedback.Resolved ? feedback.ResolvedAt ?? e.At : null;
                break;
            case ComplaintSlaBreached breach:
                _ = breach.Level == "respond" ? ComplaintOf(e.DealId, breach.Feedback).MissedRespond = true : ComplaintOf(e.DealId, breach.Feedback).MissedResolve = true;
                break;
            case DealWon won:
                _won++;
                _wonAmount += won.Amount;
                _wonDays += won.DaysOpen;
                break;
            case DealLost lost:
                var reason = lost.Reason ?? "(none)";
                var (count, amount) = _lossReasons.GetValueOrDefault(reason);
                _lossReasons[reason] = (count + 1, amount + lost.Amount);
                break;
        }
    }

    public async Task WriteAsync(IAnsiConsole console, ISalesWorkflowEngine engine, ProcessDefinition process, string language, CancellationToken cancellationToken)
    {
        var pipeline = new Table().Title("[bold]Pipeline by stage (deals still open)[/]").AddColumns("Stage", "Deals", "Amount (CNY)", "Weighted (CNY)", "Blocked", "Escalated");
        foreach (var stage in process.Stages.Where(s => s.IsOpen))
        {
            var deals = await AllAsync(engine, new DealQuery { Stage = stage.Id, Status = DealStatus.Open }, cancellationToken);
            var amount = deals.Sum(d => d.Amount);
            pipeline.AddRow(
                $"{Markup.Escape(TerminalText.Safe(stage.Name.Get(language)))} [grey]({stage.Id})[/]",
                Number(deals.Count),
                Money(amount),
                Money(amount * (decimal)stage.Probability),
                Number(deals.Count(d => d.Blocked)),
                Number(deals.Count(d => d.EscalationLevel > 0)));
        }

        console.Write(pipeline);

        var lost = _lossReasons.Values.Sum(v => v.Count);
        var outcome = new Table().Title("[bold]Won and lost[/]").AddColumns("Outcome", "Deals", "Amount (CNY)", "Share");
        outcome.AddRow("[green]won[/]", Number(_won), Money(_wonAmount), Percent(_won, _won + lost));
        foreach (var (reason, (count, amount)) in _lossReasons.OrderByDescending(l => l.Value.Count).ThenBy(l => l.Key, StringComparer.Ordinal))
        {
            var name = process.Transitions.LossReasons.FirstOrDefault(r => r.Id == reason)?.Name.Get(language) ?? reason;
            outcome.AddRow($"[red]lost[/]: {Markup.Escape(TerminalText.Safe(name))}", Number(count), Money(amount), Percent(count, _won + lost));
        }

        console.Write(outcome);
        console.MarkupLine($"Win rate [bold]{Percent(_won, _won + lost)}[/] · mean sales cycle of won deals [bold]{(_won == 0 ? 0 : _wonDays / _won).ToString("0.0", CultureInfo.InvariantCulture)} days[/]");

        var blocking = new Table().Title($"[bold]Top blocking criteria[/] ({Number(_advancesBlocked)} advances blocked at the gate, {Number(_overrides)} overridden)").AddColumns("Criterion", "Times it blocked an advance");
        foreach (var (criterion, count) in _blockedBy.OrderByDescending(b => b.Value).ThenBy(b => b.Key, StringComparer.Ordinal).Take(10))
        {
            blocking.AddRow(Markup.Escape(TerminalText.Safe(criterion)), Number(count));
        }

        console.Write(blocking);

        var escalations = new Table().Title("[bold]Escalations raised, by level[/]").AddColumns("Escalation", "Level", "Notified", "Times");
        foreach (var ((id, level, notify), count) in _escalations.OrderBy(e => e.Key.Escalation, StringComparer.Ordinal).ThenBy(e => e.Key.Level))
        {
            var name = process.Escalations.FirstOrDefault(e => e.Id == id)?.Name.Get(language) ?? id;
            escalations.AddRow(Markup.Escape(TerminalText.Safe(name)), level.ToString(CultureInfo.InvariantCulture), notify, Number(count));
        }

        console.Write(escalations);

        var tasks = new Table().Title("[bold]Stage tasks[/] (created with a due moment; came due while open: one task-overdue each)").AddColumns("Stage", "Created", "Done on time", "Done late", "Came due open");
        foreach (var stage in process.Stages.Where(s => _tasksByStage.ContainsKey(s.Id)))
        {
            var counts = _tasksByStage[stage.Id];
            tasks.AddRow($"{Markup.Escape(TerminalText.Safe(stage.Name.Get(language)))} [grey]({stage.Id})[/]", Number(counts.Created), $"{Number(counts.OnTime)} ({Percent(counts.OnTime, counts.Created)})", Number(counts.Late), Number(counts.Overdue));
        }

        console.Write(tasks);

        var feedback = process.Feedback;
        var complaints = new Table()
            .Title($"[bold]Complaints[/] (answer within {feedback.Respond?.Text ?? "—"}, resolve within {feedback.Resolve?.Text ?? "—"}; a missed level is told to {Markup.Escape(feedback.Route)})")
            .AddColumns("Category", "Complaints", "Answered in time", "Resolved in time", "Resolved", "Median hours to resolve");
        foreach (var group in _complaints.Values.GroupBy(c => c.Category).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Append(null))
        {
            var items = group?.ToList() ?? [.. _complaints.Values];
            var resolved = items.Where(c => c.ResolvedAt is not null && c.At is not null).Select(c => (c.ResolvedAt!.Value - c.At!.Value).TotalHours).Order().ToList();
            complaints.AddRow(
                group is null ? "[bold]all[/]" : Markup.Escape(TerminalText.Safe(group.Key)),
                Number(items.Count),
                feedback.Respond is null ? "—" : $"{Number(items.Count(c => !c.MissedRespond))} ({Percent(items.Count(c => !c.MissedRespond), items.Count)})",
                feedback.Resolve is null ? "—" : $"{Number(items.Count(c => !c.MissedResolve))} ({Percent(items.Count(c => !c.MissedResolve), items.Count)})",
                Number(resolved.Count),
                resolved.Count == 0 ? "—" : resolved[resolved.Count / 2].ToString("0", CultureInfo.InvariantCulture));
        }

        console.Write(complaints);

        var care = new Table().Title("[bold]After-sales care[/] (the customer-care plugin on the process's care:; raised by the nightly sweep with no command)").AddColumns("Risk", "Times raised", "By the sweep");
        foreach (var (risk, (raised, bySweep)) in _care.OrderByDescending(c => c.Value.Raised).ThenBy(c => c.Key, StringComparer.Ordinal))
        {
            care.AddRow(Markup.Escape(risk), Number(raised), $"{Number(bySweep)} ({Percent(bySweep, raised)})");
        }

        console.Write(care);

        var risks = new Table().Title("[bold]Risks raised, by category[/]").AddColumns("Category", "Times raised");
        foreach (var (category, count) in _risksByCategory.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal))
        {
            risks.AddRow(category, Number(count));
        }

        console.Write(risks);
        console.MarkupLine($"[grey]{Number(_events)} events in the log.[/]");
    }

    /// <summary>A deal worth explaining: open, blocked and escalated, else any open deal.</summary>
    public static async Task<string?> InterestingDealAsync(ISalesWorkflowEngine engine, CancellationToken cancellationToken)
    {
        var escalated = await engine.QueryAsync(new DealQuery { Status = DealStatus.Open, Blocked = true, MinEscalationLevel = 2, Limit = 1 }, cancellationToken);
        if (escalated.Count > 0)
        {
            return escalated[0].DealId;
        }

        var open = await engine.QueryAsync(new DealQuery { Status = DealStatus.Open, Limit = 1 }, cancellationToken);
        return open.Count > 0 ? open[0].DealId : null;
    }

    private static async Task<List<DealSummary>> AllAsync(ISalesWorkflowEngine engine, DealQuery query, CancellationToken cancellationToken)
    {
        var all = new List<DealSummary>();
        string? after = null;
        while (true)
        {
            var page = await engine.QueryAsync(query with { AfterDealId = after, Limit = 10_000 }, cancellationToken);
            all.AddRange(page);
            if (page.Count < 10_000)
            {
                return all;
            }

            after = page[^1].DealId;
        }
    }

    private ComplaintFigures ComplaintOf(string deal, string feedback) =>
        _complaints.TryGetValue((deal, feedback), out var figures) ? figures : _complaints[(deal, feedback)] = new ComplaintFigures();

    private sealed class ComplaintFigures
    {
        public string Category { get; set; } = "(none)";

        public DateTimeOffset? At { get; set; }

        public DateTimeOffset? ResolvedAt { get; set; }

        public bool MissedRespond { get; set; }

        public bool MissedResolve { get; set; }
    }

    private TaskCounts TasksOf(string stage) => _tasksByStage.TryGetValue(stage, out var counts) ? counts : _tasksByStage[stage] = new TaskCounts();

    private sealed class TaskCounts
    {
        public int Created { get; set; }

        public int OnTime { get; set; }

        public int Late { get; set; }

        public int Overdue { get; set; }
    }

    internal static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Money(decimal value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Percent(int part, int whole) => whole == 0 ? "-" : (100.0 * part / whole).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
