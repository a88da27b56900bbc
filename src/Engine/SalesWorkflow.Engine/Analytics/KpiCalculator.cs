using System.Globalization;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Analytics;

/// <summary>
/// Computes <see cref="PipelineKpis"/> from the event log, the only source of every figure (docs/kpis.md defines
/// each one). Pure: the same log and query always give the same figures.
/// </summary>
internal static class KpiCalculator
{
    /// <summary>The KPIs of <paramref name="period"/> from the whole log (events in sequence order), in <paramref name="timeZone"/>.</summary>
    public static PipelineKpis Compute(IEnumerable<DealEvent> events, ReportPeriod period, TimeZoneInfo timeZone, KpiFilter? filter = null) =>
        Compute(events, new KpiQuery(period) { TimeZone = timeZone, Filter = filter ?? new KpiFilter() });

    /// <summary>The KPIs <paramref name="query"/> asks for, from the whole log (events in sequence order).</summary>
    public static PipelineKpis Compute(IEnumerable<DealEvent> events, KpiQuery query) => Compute(events, [query])[0];

    /// <summary>Several queries over one log (e.g. a period and the one before it), reading the log once.</summary>
    public static IReadOnlyList<PipelineKpis> Compute(IEnumerable<DealEvent> events, IReadOnlyList<KpiQuery> queries)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(queries);
        var log = new KpiLog();
        log.AddRange(events);
        return log.Compute(queries);
    }

    /// <summary>Every query over the condensed deals: each query walks all of them, the queries side by side.</summary>
    internal static IReadOnlyList<PipelineKpis> Compute(IReadOnlyCollection<DealLog> deals, LoggedEvents events, IReadOnlyList<KpiQuery> queries)
    {
        var totals = queries.Select(query => new Totals(new Scope(query ?? throw new ArgumentException("A query is null.", nameof(queries))))).ToArray();

        // Queries share nothing but the log, which they only read: each walks the deals on its own core.
        Parallel.ForEach(totals, total =>
        {
            foreach (var history in deals)
            {
                if (DealPass.Read(history, events, total.Scope, total.Counters) is { } deal)
                {
                    total.Add(deal);
                }
            }
        });
        return [.. totals.Select(t => t.Finish())];
    }

    /// <summary>The query resolved: moments, stage order and thresholds, read once per query.</summary>
    private sealed class Scope
    {
        public Scope(KpiQuery query)
        {
            Query = query;
            Process = query.Process;
            TimeZone = query.TimeZone ?? Process?.Calendar.TimeZone ?? TimeZoneInfo.Utc;
            Start = ReportPeriod.StartOf(query.Period.From, TimeZone);
            var periodEnd = ReportPeriod.StartOf(query.Period.Until, TimeZone);
            End = query.AsOf is { } asOf && asOf < periodEnd ? asOf.AddTicks(1) : periodEnd;
            Known = query.AsOf is { } known ? known : DateTimeOffset.MaxValue;
            if (Process is not null)
            {
                Stages = Process.Stages.ToDictionary(s => s.Id, StringComparer.Ordinal);
                foreach (var stage in Process.Stages.Where(s => s.IsOpen))
                {
                    // The stall threshold: when the stage's first time-in-stage escalation first notifies.
                    var escalation = Process.Escalations.Where(x => x.TimeInStage is not null && x.Levels.Count > 0 && x.Stages.Contains(stage.Id, StringComparer.Ordinal))
                        .MinBy(x => ThresholdFrom(x, Start));
                    if (escalation is not null)
                    {
                        Thresholds[stage.Id] = escalation;
                    }
                }
            }
        }

        public KpiQuery Query { get; }

        public ProcessDefinition? Process { get; }

        public TimeZoneInfo TimeZone { get; }

        /// <summary>The period's first moment.</summary>
        public DateTimeOffset Start { get; }

        /// <summary>Just after the last moment counted: the period's end, or just after the as-of moment inside it.</summary>
        public DateTimeOffset End { get; }

        /// <summary>Events after this moment are not known.</summary>
        public DateTimeOffset Known { get; }

        public Dictionary<string, StageDefinition> Stages { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, EscalationDefinition> Thresholds { get; } = new(StringComparer.Ordinal);

        public bool InPeriod(DateTimeOffset at) => at >= Start && at < End;

        public bool IsOpenStage(string? stage) => stage is not null && (Process is null || (Stages.TryGetValue(stage, out var s) && s.IsOpen));

        public DateTimeOffset ThresholdFrom(EscalationDefinition escalation, DateTimeOffset entered) =>
            escalation.Levels[0].After.AddTo(escalation.TimeInStage!.Value.AddTo(entered, Process!.Calendar), Process.Calendar);
    }

    /// <summary>A stay in an open stage: entered, and left (null while still there).</summary>
    private sealed record Stay(string Stage, DateTimeOffset Entered, DateTimeOffset? Left);

    /// <summary>What one deal contributes, read in one pass over its events.</summary>
    private sealed class DealPass
    {
        public required string Rep { get; init; }

        public required string Team { get; init; }

        public bool StartedInPeriod { get; private set; }

        public bool OpenAtStart { get; private set; }

        public decimal AmountAtStart { get; private set; }

        public bool OpenAtEnd { get; private set; }

        public decimal AmountAtEnd { get; private set; }

        public string? StageAtEnd { get; private set; }

        public (DateTimeOffset At, decimal Amount, int Days)? WonInPeriod { get; private set; }

        public string? LostInPeriod { get; private set; }

        /// <summary>Stages entered, in order of first entry (a handful: a list beats a set).</summary>
        public List<string> Reached { get; } = new(6);

        /// <summary>Stays in open stages (null until the first one ends).</summary>
        public List<Stay>? Stays { get; private set; }

        /// <summary>Escalation notifications on the deal in the period.</summary>
        public int Escalations { get; private set; }

        private Dictionary<string, string>? _openRisks;

        private Dictionary<string, bool>? _complaintResolved;

        // Complaints: when each was first recorded and first resolved, the levels it missed, and those recorded in the period.
        private Dictionary<string, DateTimeOffset>? _complaintFirstAt;
        private Dictionary<string, DateTimeOffset>? _complaintResolvedAt;
        private HashSet<(string Id, string Level)>? _slaMissed;
        private List<string>? _periodComplaints;

        /// <summary>The open tasks with a due moment of the current stage entry, by "stage/task".</summary>
        private Dictionary<string, (string Assignee, DateTimeOffset Due)>? _openTasks;

        /// <summary>Where the sums over all deals go as the walk finds them.</summary>
        private Counters _counters = null!;

        public static DealPass? Read(DealLog history, LoggedEvents events, Scope scope, Counters counters)
        {
            var filter = scope.Query.Filter;
            if (history.StartedAt is not { } startedAt || startedAt > scope.Known ||
                (scope.Process is not null && history.Process is { } process && process != scope.Process.Id) ||
                (filter.Team is not null && history.Team != filter.Team) || (filter.Rep is not null && history.Rep != filter.Rep))
            {
                return null;
            }

            var deal = new DealPass { Rep = history.Rep, Team = history.Team, _counters = counters };
            deal.Walk(events, history.First, scope, startedAt);
            return deal;
        }

        private void Walk(LoggedEvents events, int first, Scope scope, DateTimeOffset startedAt)
        {
            StartedInPeriod = scope.InPeriod(startedAt);
            string? status = null;
            string? stage = null;
            DateTimeOffset entered = default;
            var amount = 0m;
            LoggedEvent? outcome = null;
            var atStart = false;
            var atEnd = false;
            for (var next = first; next >= 0; next = events[next].Next)
            {
                ref readonly var e = ref events[next];
                if (e.At > scope.Known)
                {
                    break;
                }

                if (!atStart && e.At >= scope.Start)
                {
                    atStart = true;
                    OpenAtStart = stage is not null && status is null or DealEventTypes.DealReopened;
                    AmountAtStart = amount;
                }

                if (!atEnd && e.At >= scope.End)
                {
                    atEnd = true;
                    TakeEnd(stage, status, amount);
                }

                var inPeriod = !atEnd && e.At >= scope.Start;
                switch (e.Kind)
                {
                    case LoggedKind.Started:
                        amount = e.Amount ?? amount;
                        stage = e.Name;
                        entered = e.At;
                        Reach(e.Name!);
                        break;
                    case LoggedKind.FactsUpdated:
                        amount = e.Amount ?? amount;
                        break;
                    case LoggedKind.StageChanged:
                        if (e.Name != stage || e.At != entered)
                        {
                            Leave(scope, stage, entered, e.At);
                        }

                        EndTasks(scope, e.At);

                        stage = e.Name;
                        entered = e.At;
                        Reach(e.Name!);
                        if (inPeriod)
                        {
                            Counters.Add(_counters.StageEntries, e.Name!);
                        }

                        break;
                    case LoggedKind.Won or LoggedKind.Lost:
                        Leave(scope, stage, entered, e.At);
                        EndTasks(scope, e.At);
                        status = e.Kind == LoggedKind.Won ? DealEventTypes.DealWon : DealEventTypes.DealLost;
                        outcome = inPeriod ? e : outcome;
                        break;
                    case LoggedKind.Reopened:
                        // The engine follows it with the stage change back into an open stage.
                        status = DealEventTypes.DealReopened;
                        stage = e.Name;
                        entered = e.At;
                        Reach(e.Name!);
                        break;
                    case LoggedKind.Blocked when inPeriod:
                        foreach (var key in e.Blocking!)
                        {
                            Counters.Add(_counters.Blocking, key);
                        }

                        break;
                    case LoggedKind.RiskRaised:
                        (_openRisks ??= new(StringComparer.Ordinal))[e.Name!] = e.Category!;
                        if (inPeriod)
                        {
                            Counters.Add(_counters.RisksRaised, e.Category!);
                        }

                        break;
                    case LoggedKind.RiskCleared:
                        _openRisks?.Remove(e.Name!);
                        break;
                    case LoggedKind.Escalation when inPeriod:
                        Counters.Add(_counters.EscalationsByLevel, e.Category!);
                        Counters.Add(_counters.EscalationsById, e.Name!);
                        Escalations++;
                        break;
                    case LoggedKind.Feedback:
                        Feedback(in e, inPeriod);
                        break;
                    case LoggedKind.SlaBreached:
                        (_slaMissed ??= []).Add((e.Name!, e.Category!));
                        break;
                    case LoggedKind.TaskCreated when e.Amount is { } dueTicks:
                        (_openTasks ??= new(StringComparer.Ordinal))[e.Name!] = (e.Category!, new DateTimeOffset((long)dueTicks, TimeSpan.Zero));
                        break;
                    case LoggedKind.TaskReassigned when _openTasks is not null && _openTasks.TryGetValue(e.Name!, out var reassigned):
                        _openTasks[e.Name!] = (e.Category!, reassigned.Due);
                        break;
                    case LoggedKind.TaskCompleted when _openTasks is not null && _openTasks.Remove(e.Name!, out var completed):
                        CountTask(scope, e.Name!, completed.Assignee, completed.Due, e.Resolved ? TaskOutcome.OnTime : TaskOutcome.Late);
                        break;
                    default:
                        break;
                }

                // The deal's outcome in the period is the last one that still stands at the period's end.
                if (inPeriod && status == DealEventTypes.DealReopened)
                {
                    outcome = null;
                }
            }

            if (!atStart)
            {
                OpenAtStart = stage is not null && status is null or DealEventTypes.DealReopened;
                AmountAtStart = amount;
            }

            if (!atEnd)
            {
                TakeEnd(stage, status, amount);
            }

            // Tasks still open when the walk stops: not done, if they came due by then.
            EndTasks(scope, scope.Known < scope.End ? scope.Known : scope.End);
            foreach (var id in _periodComplaints ?? [])
            {
                var resolvedAt = _complaintResolvedAt?.GetValueOrDefault(id);
                var hours = resolvedAt is { } done && _complaintFirstAt!.TryGetValue(id, out var recordedAt) ? (done - recordedAt).TotalHours : (double?)null;
                _counters.Complaints.Add((Rep, Team, _slaMissed?.Contains((id, "respond")) == true, _slaMissed?.Contains((id, "resolve")) == true, hours));
            }

            // A stay still going at the end of the period is measured up to it.
            if (stage is not null && status is null or DealEventTypes.DealReopened && entered < scope.End && scope.IsOpenStage(stage))
            {
                (Stays ??= []).Add(new Stay(stage, entered, null));
            }

            if (outcome is not null)
            {
                if (outcome.Value.Kind == LoggedKind.Won)
                {
                    var days = ReportPeriod.LocalDay(outcome.Value.At, scope.TimeZone).DayNumber - ReportPeriod.LocalDay(startedAt, scope.TimeZone).DayNumber;
                    WonInPeriod = (outcome.Value.At, outcome.Value.Amount ?? AmountAtEnd, days);
                }
                else
                {
                    LostInPeriod = outcome.Value.Name;
                }
            }
        }

        /// <summary>The state at the period's end (or as-of moment): events after it still feed the cohort's progress only.</summary>
        private void Reach(string stage)
        {
            if (!Reached.Contains(stage))
            {
                Reached.Add(stage);
            }
        }

        private void TakeEnd(string? stage, string? status, decimal amount)
        {
            OpenAtEnd = stage is not null && status is null or DealEventTypes.DealReopened;
            AmountAtEnd = amount;
            StageAtEnd = stage;
            if (OpenAtEnd && _openRisks is not null)
            {
                foreach (var category in _openRisks.Values)
                {
                    Counters.Add(_counters.RisksOpenAtEnd, category);
                }
            }

            _counters.ComplaintsOpenAtEnd += _complaintResolved?.Count(c => !c.Value) ?? 0;
        }

        /// <summary>The stage entry ends (or the walk stops) at <paramref name="at"/>: its open tasks that came due by then were not done.</summary>
        private void EndTasks(Scope scope, DateTimeOffset at)
        {
            if (_openTasks is not { Count: > 0 })
            {
                return;
            }

            foreach (var (key, task) in _openTasks)
            {
                if (task.Due <= at)
                {
                    CountTask(scope, key, task.Assignee, task.Due, TaskOutcome.NotDone);
                }
            }

            _openTasks.Clear();
        }

        private void CountTask(Scope scope, string key, string assignee, DateTimeOffset due, TaskOutcome outcome)
        {
            if (scope.InPeriod(due))
            {
                _counters.Tasks.Add((key[..key.IndexOf('/', StringComparison.Ordinal)], assignee, outcome));
            }
        }

        private void Leave(Scope scope, string? stage, DateTimeOffset entered, DateTimeOffset left)
        {
            if (scope.IsOpenStage(stage) && entered < scope.End)
            {
                (Stays ??= []).Add(new Stay(stage!, entered, left < scope.End ? left : null));
            }
        }

        private void Feedback(in LoggedEvent e, bool inPeriod)
        {
            var id = e.Name!;
            if (inPeriod && e.Satisfaction is { } score)
            {
                _counters.Scores.Add(score);
            }

            if (e.Complaint || (_complaintResolved?.ContainsKey(id) ?? false))
            {
                _complaintResolved ??= new(StringComparer.Ordinal);

                // A complaint counts once in the period, however often it is updated.
                if (inPeriod && e.Complaint && _counters.ComplaintsRecorded.Add((this, id)))
                {
                    (_periodComplaints ??= []).Add(id);
                }

                (_complaintFirstAt ??= new(StringComparer.Ordinal)).TryAdd(id, e.At);
                if (e.Resolved)
                {
                    (_complaintResolvedAt ??= new(StringComparer.Ordinal)).TryAdd(id, e.At);
                }

                _complaintResolved[id] = e.Resolved;
            }
        }
    }

    private enum TaskOutcome
    {
        OnTime,
        Late,
        NotDone,
    }

    /// <summary>Counts the walk adds to directly (no per-deal lists for figures that are only summed).</summary>
    private sealed class Counters
    {
        /// <summary>Each complaint recorded in the period: the deal's rep and team, the levels it missed, hours to resolve it.</summary>
        public List<(string Rep, string Team, bool RespondMissed, bool ResolveMissed, double? ResolveHours)> Complaints { get; } = [];

        /// <summary>Each task due in the period: its stage, who it was for, and how it ended.</summary>
        public List<(string Stage, string Assignee, TaskOutcome Outcome)> Tasks { get; } = [];

        public Dictionary<string, int> StageEntries { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> Blocking { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> RisksRaised { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> RisksOpenAtEnd { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> EscalationsByLevel { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> EscalationsById { get; } = new(StringComparer.Ordinal);

        public List<int> Scores { get; } = [];

        public HashSet<(DealPass Deal, string Id)> ComplaintsRecorded { get; } = [];

        public int ComplaintsOpenAtEnd { get; set; }

        public static void Add(Dictionary<string, int> counts, string key) =>
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _)++;

        public static SortedDictionary<string, int> Sorted(Dictionary<string, int> counts) => new(counts, StringComparer.Ordinal);
    }

    /// <summary>The sums over every deal in scope.</summary>
    private sealed class Totals(Scope scope)
    {
        public Scope Scope => scope;

        private readonly List<DealPass> _deals = [];

        public Counters Counters { get; } = new();

        public void Add(DealPass deal) => _deals.Add(deal);

        public PipelineKpis Finish()
        {
            var period = scope.Query.Period;
            var won = _deals.Where(d => d.WonInPeriod is not null).Select(d => (Deal: d, d.WonInPeriod!.Value.At, d.WonInPeriod.Value.Amount, d.WonInPeriod.Value.Days)).ToList();
            var lost = _deals.Where(d => d.LostInPeriod is not null).ToList();
            var open = _deals.Where(d => d.OpenAtEnd).ToList();
            // Each win's local month, found once (a period has a dozen months at most).
            var wonByMonth = new Dictionary<(int Year, int Month), decimal>();
            foreach (var w in won)
            {
                var day = ReportPeriod.LocalDay(w.At, scope.TimeZone);
                System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(wonByMonth, (day.Year, day.Month), out _) += w.Amount;
            }

            var months = new List<KeyValuePair<string, decimal>>();
            for (var month = period.From; month < period.Until; month = month.AddMonths(1))
            {
                months.Add(new(month.ToString("yyyy-MM", CultureInfo.InvariantCulture), wonByMonth.GetValueOrDefault((month.Year, month.Month))));
            }

            var winRate = won.Count + lost.Count == 0 ? (double?)null : (double)won.Count / (won.Count + lost.Count);
            var cycleMean = won.Count == 0 ? (double?)null : won.Average(w => (double)w.Days);
            var wonRevenue = won.Sum(w => w.Amount);
            var targets = Targets(wonByKey: won.Select(w => (w.Deal, w.Amount)).ToList());
            return new PipelineKpis
            {
                Period = period,
                AsOf = scope.Query.AsOf,
                Won = won.Count,
                Lost = lost.Count,
                WonRevenue = wonRevenue,
                CycleDaysMean = cycleMean,
                CycleDaysMedian = Median([.. won.Select(w => (double)w.Days)]),
                Started = _deals.Count(d => d.StartedInPeriod),
                OpenAtEnd = open.Count,
                PipelineAtEnd = open.Sum(d => d.AmountAtEnd),
                WeightedPipelineAtEnd = scope.Process is null ? null : open.Sum(d => d.AmountAtEnd * (decimal)Probability(d.StageAtEnd)),
                VelocityPerDay = winRate is { } rate && cycleMean is > 0 && won.Count > 0
                    ? Math.Round(open.Count * (decimal)rate * (wonRevenue / won.Count) / (decimal)cycleMean.Value, 2)
                    : null,
                StageEntries = Counters.Sorted(Counters.StageEntries),
                LossReasons = lost.GroupBy(l => l.LostInPeriod!, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
                WonRevenueByMonth = months,
                Targets = targets,
                Funnel = Funnel(),
                TimeInStage = TimeInStage(),
                BlockingCriteria = [.. Counters.Blocking.OrderByDescending(k => k.Value).ThenBy(k => k.Key, StringComparer.Ordinal)],
                RisksRaised = Counters.Sorted(Counters.RisksRaised),
                RisksOpenAtEnd = Counters.Sorted(Counters.RisksOpenAtEnd),
                EscalationsByLevel = Counters.Sorted(Counters.EscalationsByLevel),
                EscalationsById = Counters.Sorted(Counters.EscalationsById),
                Satisfaction = Satisfaction(),
                Complaints = ComplaintFigures(Counters.Complaints),
                ComplaintsByTeam = [.. Counters.Complaints.GroupBy(c => c.Team, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new ComplaintLine(g.Key, ComplaintFigures(g)))],
                ComplaintsByRep = [.. Counters.Complaints.GroupBy(c => c.Rep, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => new ComplaintLine(g.Key, ComplaintFigures(g)))],
                Tasks = TaskFigures(Counters.Tasks),
                TasksByStage = [.. Counters.Tasks.GroupBy(t => t.Stage, StringComparer.Ordinal)
                    .OrderBy(g => scope.Stages.TryGetValue(g.Key, out var s) ? s.Order : int.MaxValue).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => new TaskLine(g.Key, TaskFigures(g)))],
                TasksByAssignee = [.. Counters.Tasks.GroupBy(t => t.Assignee, StringComparer.Ordinal)
                    .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => new TaskLine(g.Key, TaskFigures(g)))],
                Calibration = Calibration(won.Select(w => w.Deal), lost),
                Reps = Reps(won.Select(w => (w.Deal, w.Amount, w.Days)).ToList(), lost, targets),
            };
        }

        private ComplaintKpis ComplaintFigures(IEnumerable<(string Rep, string Team, bool RespondMissed, bool ResolveMissed, double? ResolveHours)> complaints)
        {
            var all = complaints.ToList();
            var hours = all.Where(c => c.ResolveHours is not null).Select(c => c.ResolveHours!.Value).ToList();
            var policy = scope.Process?.Feedback;
            int recorded = all.Count, respondMissed = all.Count(c => c.RespondMissed), resolveMissed = all.Count(c => c.ResolveMissed);
            return new ComplaintKpis(recorded, respondMissed, resolveMissed, hours.Count, Median(hours))
            {
                RespondedWithinSla = policy?.Respond is null || recorded == 0 ? null : (double)(recorded - respondMissed) / recorded,
                ResolvedWithinSla = policy?.Resolve is null || recorded == 0 ? null : (double)(recorded - resolveMissed) / recorded,
            };
        }

        private static TaskKpis TaskFigures(IEnumerable<(string Stage, string Assignee, TaskOutcome Outcome)> tasks)
        {
            int onTime = 0, late = 0, notDone = 0;
            foreach (var task in tasks)
            {
                _ = task.Outcome switch
                {
                    TaskOutcome.OnTime => onTime++,
                    TaskOutcome.Late => late++,
                    _ => notDone++,
                };
            }

            return new TaskKpis(onTime + late + notDone, onTime, late, notDone);
        }

        private double Probability(string? stage) => stage is not null && scope.Stages.TryGetValue(stage, out var s) ? s.Probability : 0;

        private SatisfactionKpis Satisfaction()
        {
            var scores = Counters.Scores;
            return new SatisfactionKpis(
                scores.Count,
                scores.Count == 0 ? null : scores.Average(),
                scores.Count == 0 ? null : (double)scores.Count(s => s >= 4) / scores.Count,
                Counters.ComplaintsRecorded.Count,
                Counters.ComplaintsOpenAtEnd);
        }

        /// <summary>Open stages in order, then the first won stage.</summary>
        private List<StageDefinition> FunnelStages()
        {
            var stages = scope.Process!.Stages.Where(s => s.IsOpen).OrderBy(s => s.Order).ToList();
            if (scope.Process.Stages.Where(s => s.Kind == StageKind.Won).MinBy(s => s.Order) is { } firstWon)
            {
                stages.Add(firstWon);
            }

            return stages;
        }

        private List<FunnelStep> Funnel()
        {
            if (scope.Process is null)
            {
                return [];
            }

            var stages = FunnelStages();
            var cohort = _deals.Where(d => d.StartedInPeriod).ToList();

            // How far each deal got: the latest stage, in process order, that it entered (won stages count as the won step).
            var furthest = cohort.Select(d => d.Reached.Select(id => scope.Stages.TryGetValue(id, out var s) && s.Kind != StageKind.Lost ? s.Order : int.MinValue).DefaultIfEmpty(int.MinValue).Max()).ToList();
            var reached = stages.Select(s => furthest.Count(f => f >= s.Order)).ToList();
            return [.. stages.Select((s, i) => new FunnelStep(s.Id, reached[i], i + 1 < stages.Count && reached[i] > 0 ? (double)reached[i + 1] / reached[i] : null))];
        }

        private List<StageTime> TimeInStage()
        {
            if (scope.Process is null)
            {
                return [];
            }

            // One pass over the deals: for each stage a deal stayed in, its latest stay that counts and its total.
            var stages = scope.Process.Stages.Where(s => s.IsOpen).OrderBy(s => s.Order).ToList();
            var index = stages.Select((s, i) => (s.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
            var latest = stages.Select(_ => new List<double>()).ToArray();
            var cumulative = stages.Select(_ => new List<double>()).ToArray();
            var over = new int[stages.Count];
            var thresholds = stages.Select(s => scope.Thresholds.GetValueOrDefault(s.Id)).ToArray();
            var last = new Stay?[stages.Count];
            var total = new double[stages.Count];
            foreach (var deal in _deals)
            {
                if (deal.Stays is not { } stays)
                {
                    continue;
                }

                Array.Clear(last);
                Array.Clear(total);
                foreach (var stay in stays)
                {
                    if (index.TryGetValue(stay.Stage, out var i))
                    {
                        total[i] += ((stay.Left ?? scope.End) - stay.Entered).TotalDays;

                        // Counted when a stay ended in the period or was still going at its end.
                        last[i] = stay.Left is null || stay.Left >= scope.Start ? stay : last[i];
                    }
                }

                for (var i = 0; i < stages.Count; i++)
                {
                    if (last[i] is { } stay)
                    {
                        latest[i].Add(((stay.Left ?? scope.End) - stay.Entered).TotalDays);
                        cumulative[i].Add(total[i]);
                        over[i] += thresholds[i] is { } threshold && scope.ThresholdFrom(threshold, stay.Entered) <= (stay.Left ?? scope.End) ? 1 : 0;
                    }
                }
            }

            return [.. stages.Select((stage, i) =>
            {
                var threshold = thresholds[i];
                var written = threshold is null ? null : threshold.Levels[0].After.IsZero ? threshold.TimeInStage!.Value.Text : $"{threshold.TimeInStage!.Value.Text} + {threshold.Levels[0].After.Text}";
                return new StageTime(stage.Id, latest[i].Count, Median(latest[i]), P90(latest[i]), Median(cumulative[i]), P90(cumulative[i]), written, over[i]);
            })];
        }

        private List<StageCalibration> Calibration(IEnumerable<DealPass> won, List<DealPass> lost)
        {
            if (scope.Process is null)
            {
                return [];
            }

            var closed = won.Select(d => (Deal: d, Won: true)).Concat(lost.Select(d => (Deal: d, Won: false))).ToList();
            return [.. scope.Process.Stages.Where(s => s.IsOpen).OrderBy(s => s.Order).Select(s =>
            {
                var through = closed.Where(c => c.Deal.Reached.Contains(s.Id)).ToList();
                return new StageCalibration(s.Id, s.Probability, through.Count, through.Count(c => c.Won));
            })];
        }

        private List<TargetLine> Targets(List<(DealPass Deal, decimal Amount)> wonByKey)
        {
            var period = scope.Query.Period;
            var plan = scope.Process?.Targets.FirstOrDefault(t => t.Year == period.From.Year);
            if (plan is null || plan.Amount <= 0)
            {
                return [];
            }

            var (periodAmount, prorated) = PeriodAmount(plan, period);
            var factor = periodAmount / plan.Amount;
            var filter = scope.Query.Filter;
            var lines = new List<TargetLine>();
            // Won revenue and starting pipeline per team and per rep, in one pass over the deals each.
            var wonBy = new Dictionary<(bool IsTeam, string Key), decimal>();
            var pipelineBy = new Dictionary<(bool IsTeam, string Key), decimal>();
            static void AddTo(Dictionary<(bool, string), decimal> sums, DealPass deal, decimal amount)
            {
                System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(sums, (true, deal.Team), out _) += amount;
                System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(sums, (false, deal.Rep), out _) += amount;
            }

            foreach (var (deal, amount) in wonByKey)
            {
                AddTo(wonBy, deal, amount);
            }

            foreach (var deal in _deals.Where(d => d.OpenAtStart))
            {
                AddTo(pipelineBy, deal, deal.AmountAtStart);
            }

            decimal Won(bool isTeam, string key) => wonBy.GetValueOrDefault((isTeam, key));
            decimal Pipeline(bool isTeam, string key) => pipelineBy.GetValueOrDefault((isTeam, key));
            if (filter.Team is null && filter.Rep is null)
            {
                lines.Add(new TargetLine("total", string.Empty, "Total", periodAmount, wonByKey.Sum(w => w.Amount), _deals.Where(d => d.OpenAtStart).Sum(d => d.AmountAtStart), prorated));
            }

            foreach (var team in plan.Teams.Where(t => filter.Team is null || t.Key == filter.Team))
            {
                if (filter.Rep is null)
                {
                    lines.Add(new TargetLine("team", team.Key, team.Name.Get("en"), Math.Round(team.Amount * factor, 2), Won(true, team.Key), Pipeline(true, team.Key), prorated));
                }

                foreach (var rep in team.Parts.Where(r => filter.Rep is null || r.Key == filter.Rep))
                {
                    lines.Add(new TargetLine("rep", rep.Key, rep.Name.Get("en"), Math.Round(rep.Amount * factor, 2), Won(false, rep.Key), Pipeline(false, rep.Key), prorated));
                }
            }

            return lines;
        }

        private List<RepKpis> Reps(List<(DealPass Deal, decimal Amount, int Days)> won, List<DealPass> lost, List<TargetLine> targets)
        {
            var wonByRep = won.ToLookup(w => w.Deal.Rep, StringComparer.Ordinal);
            var lostByRep = lost.ToLookup(l => l.Rep, StringComparer.Ordinal);
            var targetByRep = targets.Where(t => t.Level == "rep").ToDictionary(t => t.Id, StringComparer.Ordinal);
            var teamOfTarget = scope.Process?.Targets.SelectMany(p => p.Teams.SelectMany(t => t.Parts.Select(r => (Rep: r.Key, Team: t.Key))))
                .DistinctBy(r => r.Rep).ToDictionary(r => r.Rep, r => r.Team, StringComparer.Ordinal) ?? [];
            var active = _deals.Where(d => d.WonInPeriod is not null || d.LostInPeriod is not null || d.OpenAtEnd || d.Escalations > 0).ToList();
            var reps = active.Select(d => (d.Rep, d.Team)).Concat(targetByRep.Keys.Select(r => (Rep: r, Team: teamOfTarget.GetValueOrDefault(r, string.Empty)))).DistinctBy(r => r.Item1).ToList();
            var byRep = _deals.ToLookup(d => d.Rep, StringComparer.Ordinal);
            return [.. reps.Select(r => new RepKpis(
                    r.Item1,
                    r.Item2,
                    wonByRep[r.Item1].Count(),
                    lostByRep[r.Item1].Count(),
                    wonByRep[r.Item1].Sum(w => w.Amount),
                    Median([.. wonByRep[r.Item1].Select(w => (double)w.Days)]))
                {
                    OpenAtEnd = byRep[r.Item1].Count(d => d.OpenAtEnd),
                    PipelineAtEnd = byRep[r.Item1].Where(d => d.OpenAtEnd).Sum(d => d.AmountAtEnd),
                    Target = targetByRep.TryGetValue(r.Item1, out var target) ? target.Target : null,
                    Escalations = byRep[r.Item1].Sum(d => d.Escalations),
                })
                .OrderByDescending(r => r.WonRevenue).ThenBy(r => r.Rep, StringComparer.Ordinal)];
        }
    }

    /// <summary>The plan's amount for the period: the declared month or quarter, else the sum of the declared months, else pro rata by days.</summary>
    internal static (decimal Amount, bool Prorated) PeriodAmount(TargetPlan plan, ReportPeriod period)
    {
        var months = ((period.Until.Year - period.From.Year) * 12) + period.Until.Month - period.From.Month;
        if (months == 12)
        {
            return (plan.Amount, false);
        }

        var monthKeys = Enumerable.Range(period.From.Month, months).Select(m => m.ToString(CultureInfo.InvariantCulture)).ToList();
        if (months == 3 && plan.Quarters.FirstOrDefault(q => q.Key == $"Q{((period.From.Month - 1) / 3) + 1}") is { } quarter)
        {
            return (quarter.Amount, false);
        }

        if (monthKeys.All(k => plan.Months.Any(m => m.Key == k)))
        {
            return (plan.Months.Where(m => monthKeys.Contains(m.Key)).Sum(m => m.Amount), false);
        }

        if (months == 1 && plan.Quarters.FirstOrDefault(q => q.Key == $"Q{((period.From.Month - 1) / 3) + 1}") is { } ofQuarter)
        {
            // A month of a declared quarter: its share of the quarter's days.
            var quarterFrom = new DateOnly(period.From.Year, (((period.From.Month - 1) / 3) * 3) + 1, 1);
            var quarterDays = quarterFrom.AddMonths(3).DayNumber - quarterFrom.DayNumber;
            return (Math.Round(ofQuarter.Amount * (period.Until.DayNumber - period.From.DayNumber) / quarterDays, 2), true);
        }

        var yearDays = new DateOnly(period.From.Year + 1, 1, 1).DayNumber - new DateOnly(period.From.Year, 1, 1).DayNumber;
        return (Math.Round(plan.Amount * (period.Until.DayNumber - period.From.DayNumber) / yearDays, 2), true);
    }

    internal static double? Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    /// <summary>The 90th percentile by nearest rank: the smallest value with at least 90% of the values at or below it.</summary>
    internal static double? P90(List<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        return values[(int)Math.Ceiling(0.9 * values.Count) - 1];
    }
}
