using System.Text.Json;
using SalesWorkflow.Engine.Analytics;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Tests.Analytics;

/// <summary>
/// The process-aware KPIs (targets, funnel, time in stage, weighted pipeline, velocity, blocking criteria, risks,
/// escalations, satisfaction, calibration) against a brute-force recount over a generated model of each deal, and
/// "as of" against the same log cut at that moment. The model is kept apart from the events, so the recount does
/// not share the calculator's reading of the log.
/// </summary>
public sealed class ProcessKpiTests
{
    private static readonly JsonSerializerOptions CamelCase = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private const string ProcessYaml = """
        format: 1
        kind: process
        id: kpi
        version: 1
        name: KPI test
        currency: CNY
        calendar: { timeZone: Asia/Shanghai }
        stages:
          - { id: a, name: A, probability: 0.1 }
          - { id: b, name: B, probability: 0.3 }
          - { id: c, name: C, probability: 0.6 }
          - { id: won, name: Won, kind: won }
          - { id: after, name: After-sales, kind: won }
          - { id: lost, name: Lost, kind: lost }
        transitions:
          requireLossReason: false
        escalations:
          - id: stalled
            stages: [a, b, c]
            trigger: { timeInStage: 10d }
            levels:
              - { notify: owner, after: 2d }
              - { notify: manager, after: 5d }
        targets:
          - year: 2017
            amount: 100_000_000
            quarters: { Q1: 20%, Q2: 30%, Q3: 25%, Q4: 25% }
            teams:
              - id: east
                share: 50%
                reps:
                  - { id: east-rep0, share: 50% }
                  - { id: east-rep1, share: 50% }
              - id: south
                share: 30%
                reps:
                  - { id: south-rep0, share: 100% }
              - id: north
                share: 20%
                reps:
                  - { id: north-rep0, share: 100% }

        """;

    private static readonly string[] OpenStages = ["a", "b", "c"];

    private static readonly Dictionary<string, int> Order = new() { ["a"] = 1, ["b"] = 2, ["c"] = 3, ["won"] = 4, ["after"] = 5, ["lost"] = 6 };

    private static readonly Dictionary<string, double> Probability = new() { ["a"] = 0.1, ["b"] = 0.3, ["c"] = 0.6, ["won"] = 1, ["after"] = 1, ["lost"] = 0 };

    private static readonly Lazy<ProcessDefinition> Process = new(() =>
    {
        var set = TestProcesses.Load(ProcessYaml);
        Assert.False(set.HasErrors, string.Join("\n", set.Diagnostics));
        return set.Processes.Single();
    });

    /// <summary>What the generator did to one deal, in its own terms.</summary>
    private sealed class Model(string id, string team, string rep, DateTimeOffset start)
    {
        public string Id { get; } = id;

        public string Team { get; } = team;

        public string Rep { get; } = rep;

        public DateTimeOffset Start { get; } = start;

        public List<(DateTimeOffset At, decimal Amount)> Amounts { get; } = [];

        public List<(DateTimeOffset At, string Stage)> Stages { get; } = [];

        public List<(DateTimeOffset At, string Type, decimal Amount, string? Reason)> Outcomes { get; } = [];

        public List<(string Id, string Category, DateTimeOffset Raised, DateTimeOffset? Cleared)> Risks { get; } = [];

        public List<(DateTimeOffset At, int Level, string Notify)> Escalations { get; } = [];

        public List<(DateTimeOffset At, string Id, int? Score, bool Complaint, bool Resolved)> Feedback { get; } = [];

        public List<(DateTimeOffset At, string From, string[] Criteria)> Blocked { get; } = [];
    }

    private static (List<DealEvent> Events, List<Model> Deals) History(int seed, int count)
    {
        var random = new Random(seed);
        var origin = new DateTimeOffset(2016, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var raw = new List<(DateTimeOffset At, long Order, string Deal, string Type, string Stage, object Data)>();
        var models = new List<Model>();
        long order = 0;
        for (var d = 0; d < count; d++)
        {
            var team = random.Next(3) switch { 0 => "east", 1 => "south", _ => "north" };
            var deal = new Model($"D{d}", team, $"{team}-rep{random.Next(3)}", origin.AddMinutes(random.Next(0, 560 * 24 * 60)));
            var stage = "a";
            var at = deal.Start;
            var amount = random.Next(1, 500) * 1000m;
            void Add(string type, object data) => raw.Add((at, ++order, deal.Id, type, stage, data));
            deal.Amounts.Add((at, amount));
            deal.Stages.Add((at, stage));
            Add(DealEventTypes.TrackingStarted, new { process = "kpi", stage, opportunity = new { amount }, owner = new { id = deal.Rep, team = deal.Team } });
            var closed = false;
            var feedbackIds = 0;
            for (var step = random.Next(2, 14); step > 0; step--)
            {
                at = at.AddHours(random.Next(1, 24 * 20));
                var roll = random.Next(100);
                if (closed)
                {
                    if (roll < 40 && deal.Outcomes[^1].Type == DealEventTypes.DealLost)
                    {
                        // Reopened into an open stage: the engine records the reopening, then the stage change.
                        var back = OpenStages[random.Next(3)];
                        Add(DealEventTypes.DealReopened, new { to = back });
                        deal.Outcomes.Add((at, DealEventTypes.DealReopened, 0, null));
                        stage = back;
                        deal.Stages.Add((at, stage));
                        Add(DealEventTypes.StageChanged, new { from = "lost", to = back, kind = "reopen" });
                        closed = false;
                    }
                    else if (roll < 60 && stage == "won")
                    {
                        stage = "after";
                        deal.Stages.Add((at, stage));
                        Add(DealEventTypes.StageChanged, new { from = "won", to = "after", kind = "forward" });
                    }

                    continue;
                }

                if (roll < 30)
                {
                    // Forward, sometimes skipping a stage; from c, a win.
                    var next = stage switch { "a" => random.Next(4) == 0 ? "c" : "b", "b" => "c", _ => "won" };
                    if (next == "won")
                    {
                        stage = "won";
                        deal.Stages.Add((at, stage));
                        Add(DealEventTypes.StageChanged, new { from = "c", to = "won", kind = "win" });
                        var value = amount + (random.Next(-5, 5) * 100m);
                        Add(DealEventTypes.DealWon, new { stage = "won", amount = value });
                        deal.Outcomes.Add((at, DealEventTypes.DealWon, value, null));
                        closed = true;
                    }
                    else
                    {
                        var from = stage;
                        stage = next;
                        deal.Stages.Add((at, stage));
                        Add(DealEventTypes.StageChanged, new { from, to = next, kind = "forward" });
                    }
                }
                else if (roll < 38 && stage != "a")
                {
                    var from = stage;
                    stage = stage == "c" ? "b" : "a";
                    deal.Stages.Add((at, stage));
                    Add(DealEventTypes.StageChanged, new { from, to = stage, kind = "back" });
                }
                else if (roll < 46)
                {
                    var from = stage;
                    var reason = random.Next(2) == 0 ? "price" : "timing";
                    stage = "lost";
                    deal.Stages.Add((at, stage));
                    Add(DealEventTypes.StageChanged, new { from, to = "lost", kind = "lose" });
                    Add(DealEventTypes.DealLost, new { reason, from, amount });
                    deal.Outcomes.Add((at, DealEventTypes.DealLost, amount, reason));
                    closed = true;
                }
                else if (roll < 54)
                {
                    amount = random.Next(1, 500) * 1000m;
                    deal.Amounts.Add((at, amount));
                    Add(DealEventTypes.FactsUpdated, new { opportunity = new { amount } });
                }
                else if (roll < 64)
                {
                    var open = deal.Risks.FindIndex(r => r.Cleared is null);
                    if (open >= 0 && random.Next(2) == 0)
                    {
                        deal.Risks[open] = deal.Risks[open] with { Cleared = at };
                        Add(DealEventTypes.RiskCleared, new { risk = deal.Risks[open].Id, category = deal.Risks[open].Category });
                    }
                    else
                    {
                        var risk = (Id: $"risk{deal.Risks.Count}", Category: random.Next(3) switch { 0 => "market", 1 => "customer", _ => "team" });
                        deal.Risks.Add((risk.Id, risk.Category, at, null));
                        Add(DealEventTypes.RiskRaised, new { risk = risk.Id, category = risk.Category, severity = "high", weight = 10 });
                    }
                }
                else if (roll < 72)
                {
                    var level = random.Next(1, 3);
                    var notify = level == 1 ? "owner" : "manager";
                    deal.Escalations.Add((at, level, notify));
                    Add(DealEventTypes.EscalationRaised, new { escalation = "stalled", level, notify, trigger = "time-in-stage" });
                }
                else if (roll < 84)
                {
                    // New feedback, or a complaint of this deal answered.
                    var unresolved = deal.Feedback.FindLastIndex(f => f.Complaint && !f.Resolved);
                    var (id, score, complaint, resolved) = unresolved >= 0 && random.Next(2) == 0
                        ? (deal.Feedback[unresolved].Id, (int?)null, true, true)
                        : ($"f{feedbackIds++}", random.Next(3) == 0 ? null : random.Next(1, 6), random.Next(4) == 0, false);
                    deal.Feedback.Add((at, id, score, complaint, resolved));
                    Add(DealEventTypes.FeedbackRecorded, new { id, satisfaction = score, isComplaint = complaint, resolved });
                }
                else
                {
                    var criteria = random.Next(3) == 0 ? new[] { "budget", "champion" } : [random.Next(2) == 0 ? "budget" : "champion"];
                    deal.Blocked.Add((at, stage, criteria));
                    Add(DealEventTypes.AdvanceBlocked, new { from = stage, to = "x", failing = criteria.Select(c => new { criterion = c }), missingChecklist = Array.Empty<string>() });
                }
            }

            models.Add(deal);
        }

        var events = raw.OrderBy(r => r.At).ThenBy(r => r.Order).Select((r, i) => new DealEvent
        {
            Sequence = i + 1,
            EventId = $"{r.Deal}:{r.Order}",
            DealId = r.Deal,
            Type = r.Type,
            At = r.At,
            CommandId = "c",
            ProcessId = "kpi",
            ProcessVersion = 1,
            Stage = r.Stage,
            Data = JsonSerializer.SerializeToElement(r.Data, CamelCase),
        }).ToList();
        return (events, models);
    }

    private static DateOnly Local(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, Shanghai).DateTime);

    private static DateTimeOffset Midnight(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), Shanghai.GetUtcOffset(day.ToDateTime(TimeOnly.MinValue)));

    private static double? Median(List<double> values) => values.Count == 0 ? null :
        values.Order().ToList() is var sorted && sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;

    private static double? P90(List<double> values) => values.Count == 0 ? null : values.Order().ElementAt((int)Math.Ceiling(values.Count * 0.9) - 1);

    /// <summary>True when the deal is open just before <paramref name="moment"/>: started, and no outcome standing.</summary>
    private static bool OpenBefore(Model deal, DateTimeOffset moment) =>
        deal.Start < moment && deal.Outcomes.LastOrDefault(o => o.At < moment) is var last && (last == default || last.Type == DealEventTypes.DealReopened);

    private static T LastBefore<T>(List<(DateTimeOffset At, T Value)> timeline, DateTimeOffset moment) => timeline.Last(x => x.At < moment).Value;

    [Theory]
    [InlineData(11, "2017-Q2")]
    [InlineData(12, "2017-Q4")]
    [InlineData(13, "2017-05")]
    [InlineData(14, "2017")]
    public void ProcessKpis_EqualABruteForceRecount(int seed, string periodText)
    {
        var (events, deals) = History(seed, 500);
        Assert.True(ReportPeriod.TryParse(periodText, out var period));
        var start = Midnight(period.From);
        var end = Midnight(period.Until);
        bool InPeriod(DateTimeOffset at) => Local(at) >= period.From && Local(at) < period.Until;
        foreach (var filter in new[] { new KpiFilter(), new KpiFilter(Team: "east"), new KpiFilter(Rep: "south-rep0") })
        {
            var kpis = KpiCalculator.Compute(events, new KpiQuery(period) { Process = Process.Value, Filter = filter });
            var scoped = deals.Where(d => (filter.Team is null || d.Team == filter.Team) && (filter.Rep is null || d.Rep == filter.Rep)).ToList();

            // Outcomes standing at the period's end that happened in it.
            var closed = scoped.Select(d => (Deal: d, Outcome: d.Outcomes.LastOrDefault(o => o.At < end)))
                .Where(x => x.Outcome != default && x.Outcome.Type != DealEventTypes.DealReopened && InPeriod(x.Outcome.At)).ToList();
            var won = closed.Where(c => c.Outcome.Type == DealEventTypes.DealWon).ToList();
            var lost = closed.Where(c => c.Outcome.Type == DealEventTypes.DealLost).ToList();
            var openAtEnd = scoped.Where(d => OpenBefore(d, end)).ToList();
            Assert.Equal((won.Count, lost.Count), (kpis.Won, kpis.Lost));

            // Weighted pipeline and velocity.
            Assert.Equal(openAtEnd.Sum(d => LastBefore(d.Amounts, end) * (decimal)Probability[LastBefore(d.Stages, end)]), kpis.WeightedPipelineAtEnd);
            var cycle = won.Select(w => (double)(Local(w.Outcome.At).DayNumber - Local(w.Deal.Start).DayNumber)).ToList();
            decimal? velocity = won.Count == 0 || cycle.Average() <= 0 ? null
                : Math.Round(openAtEnd.Count * ((decimal)won.Count / closed.Count) * (won.Sum(w => w.Outcome.Amount) / won.Count) / (decimal)cycle.Average(), 2);
            Assert.Equal(velocity.HasValue, kpis.VelocityPerDay.HasValue);
            if (velocity is { } v)
            {
                // The calculator divides by the rate as a double: equal to the cent or so.
                Assert.InRange(kpis.VelocityPerDay!.Value, v - 0.05m, v + 0.05m);
            }

            // Cohort funnel: deals started in the period, how far each got (skips count as reached).
            var cohort = scoped.Where(d => InPeriod(d.Start)).ToList();
            var furthest = cohort.Select(d => d.Stages.Where(s => s.Stage != "lost").Max(s => Order[s.Stage])).ToList();
            var steps = new[] { "a", "b", "c", "won" };
            var reached = steps.Select(s => furthest.Count(f => f >= Order[s])).ToList();
            Assert.Equal(steps, kpis.Funnel.Select(f => f.Stage));
            Assert.Equal(reached, kpis.Funnel.Select(f => f.Reached));
            Assert.Equal(reached.Count(r => r > 0) - (reached[^1] > 0 ? 1 : 0), kpis.Funnel.Count(f => f.ConversionToNext is not null));

            // Time in stage: the stays of each deal, from its stage timeline; ongoing ones measured to the end.
            foreach (var stage in OpenStages)
            {
                var latest = new List<double>();
                var total = new List<double>();
                var over = 0;
                foreach (var deal in scoped)
                {
                    var stays = new List<(DateTimeOffset In, DateTimeOffset Out)>();
                    for (var i = 0; i < deal.Stages.Count; i++)
                    {
                        if (deal.Stages[i].Stage == stage && deal.Stages[i].At < end)
                        {
                            var left = i + 1 < deal.Stages.Count ? deal.Stages[i + 1].At : DateTimeOffset.MaxValue;
                            stays.Add((deal.Stages[i].At, left < end ? left : end));
                        }
                    }

                    var relevant = stays.Where(s => s.Out >= start).ToList();
                    if (relevant.Count == 0)
                    {
                        continue;
                    }

                    latest.Add((relevant[^1].Out - relevant[^1].In).TotalDays);
                    total.Add(stays.Sum(s => (s.Out - s.In).TotalDays));
                    over += relevant[^1].In.AddDays(12) <= relevant[^1].Out ? 1 : 0;
                }

                var figures = kpis.TimeInStage.Single(t => t.Stage == stage);
                Assert.Equal((latest.Count, Median(latest), P90(latest), Median(total), P90(total), over, "10d + 2d"),
                    (figures.Deals, figures.LatestP50, figures.LatestP90, figures.CumulativeP50, figures.CumulativeP90, figures.OverThreshold, figures.Threshold));
            }

            // Blocking criteria, risks, escalations.
            var blocking = scoped.SelectMany(d => d.Blocked.Where(b => InPeriod(b.At)).SelectMany(b => b.Criteria.Select(c => $"{b.From}/{c}")))
                .GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(blocking, kpis.BlockingCriteria.ToDictionary(k => k.Key, k => k.Value));
            Assert.Equal(scoped.SelectMany(d => d.Risks.Where(r => InPeriod(r.Raised))).GroupBy(r => r.Category).ToDictionary(g => g.Key, g => g.Count()), kpis.RisksRaised);
            Assert.Equal(
                openAtEnd.SelectMany(d => d.Risks.Where(r => r.Raised < end && (r.Cleared is null || r.Cleared >= end))).GroupBy(r => r.Category).ToDictionary(g => g.Key, g => g.Count()),
                kpis.RisksOpenAtEnd);
            Assert.Equal(scoped.SelectMany(d => d.Escalations.Where(x => InPeriod(x.At))).GroupBy(x => $"L{x.Level} {x.Notify}").ToDictionary(g => g.Key, g => g.Count()), kpis.EscalationsByLevel);

            // Satisfaction.
            var scores = scoped.SelectMany(d => d.Feedback.Where(f => InPeriod(f.At) && f.Score is not null).Select(f => (double)f.Score!.Value)).ToList();
            var complaintsOpen = scoped.Sum(d => d.Feedback.Where(f => f.At < end && f.Complaint).GroupBy(f => f.Id).Count(g => !g.Last().Resolved));
            Assert.Equal(
                (scores.Count, scores.Count == 0 ? (double?)null : scores.Average(), scores.Count == 0 ? (double?)null : (double)scores.Count(s => s >= 4) / scores.Count,
                    scoped.Sum(d => d.Feedback.Where(f => InPeriod(f.At) && f.Complaint).Select(f => f.Id).Distinct().Count()), complaintsOpen),
                (kpis.Satisfaction.Scored, kpis.Satisfaction.Mean, kpis.Satisfaction.SatisfiedShare, kpis.Satisfaction.Complaints, kpis.Satisfaction.ComplaintsOpenAtEnd));

            // Calibration: of the deals closed in the period that had been in a stage, how many were won.
            foreach (var stage in OpenStages)
            {
                var through = closed.Where(c => c.Deal.Stages.Any(s => s.Stage == stage)).ToList();
                var row = kpis.Calibration.Single(c => c.Stage == stage);
                Assert.Equal((Probability[stage], through.Count, through.Count(c => c.Outcome.Type == DealEventTypes.DealWon)), (row.Declared, row.Closed, row.Won));
            }

            // Targets: the period's part of the plan, broken down by team and rep; coverage from the pipeline at the start.
            var months = ((period.Until.Year - period.From.Year) * 12) + period.Until.Month - period.From.Month;
            var quarterShare = new[] { 0.20m, 0.30m, 0.25m, 0.25m }[(period.From.Month - 1) / 3];
            var periodTarget = months switch
            {
                12 => 100_000_000m,
                3 => 100_000_000m * quarterShare,
                _ => Math.Round(100_000_000m * quarterShare * (period.Until.DayNumber - period.From.DayNumber) / (period.From.AddMonths(3 - ((period.From.Month - 1) % 3)).DayNumber - new DateOnly(period.From.Year, (((period.From.Month - 1) / 3) * 3) + 1, 1).DayNumber), 2),
            };
            var shares = new Dictionary<string, decimal> { ["east"] = 0.5m, ["south"] = 0.3m, ["north"] = 0.2m, ["east-rep0"] = 0.25m, ["east-rep1"] = 0.25m, ["south-rep0"] = 0.3m, ["north-rep0"] = 0.2m };
            foreach (var line in kpis.Targets)
            {
                bool Mine(Model d) => line.Level switch { "team" => d.Team == line.Id, "rep" => d.Rep == line.Id, _ => true };
                Assert.Equal(line.Level == "total" ? periodTarget : Math.Round(periodTarget * shares[line.Id], 2), line.Target);
                Assert.Equal(won.Where(w => Mine(w.Deal)).Sum(w => w.Outcome.Amount), line.Won);
                Assert.Equal(scoped.Where(d => Mine(d) && OpenBefore(d, start)).Sum(d => LastBefore(d.Amounts, start)), line.PipelineAtStart);
                Assert.Equal(months == 1, line.Prorated);
            }

            var expectedLines = filter switch
            {
                { Team: "east" } => new[] { "team:east", "rep:east-rep0", "rep:east-rep1" },
                { Rep: "south-rep0" } => ["rep:south-rep0"],
                _ => ["total:", "team:east", "rep:east-rep0", "rep:east-rep1", "team:south", "rep:south-rep0", "team:north", "rep:north-rep0"],
            };
            Assert.Equal(expectedLines, kpis.Targets.Select(t => $"{t.Level}:{t.Id}"));
            Assert.Equal(kpis.WonRevenue, kpis.Reps.Sum(r => r.WonRevenue));
            Assert.Equal(kpis.Targets.Where(t => t.Level == "rep").ToDictionary(t => t.Id, t => (decimal?)t.Target), kpis.Reps.Where(r => r.Target is not null).ToDictionary(r => r.Rep, r => r.Target));
        }
    }

    [Theory]
    [InlineData(21, "2017-Q3", "2017-08-14T10:30:00+08:00")]
    [InlineData(22, "2017", "2017-03-01T00:00:00+08:00")]
    [InlineData(23, "2017-Q1", "2017-06-30T12:00:00+08:00")]
    public void AsOf_EqualsTheLogCutAtThatMoment(int seed, string periodText, string asOfText)
    {
        var (events, _) = History(seed, 400);
        Assert.True(ReportPeriod.TryParse(periodText, out var period));
        var asOf = DateTimeOffset.Parse(asOfText, System.Globalization.CultureInfo.InvariantCulture);
        var options = Indented;
        var cut = KpiCalculator.Compute(events.Where(e => e.At <= asOf), new KpiQuery(period) { Process = Process.Value });
        var asOfKpis = KpiCalculator.Compute(events, new KpiQuery(period) { Process = Process.Value, AsOf = asOf });
        Assert.Equal(asOf, asOfKpis.AsOf);

        // Inside the period, "as of" ends the period at that moment. Only stays still going are measured differently:
        // to the as-of moment, where the cut log can only measure them to the period's end.
        var inside = asOf < Midnight(period.Until);
        Assert.Equal(
            JsonSerializer.Serialize(inside ? cut with { AsOf = asOf, TimeInStage = [] } : cut with { AsOf = asOf }, options),
            JsonSerializer.Serialize(inside ? asOfKpis with { TimeInStage = [] } : asOfKpis, options));

        // And inside the period the whole log knows more than the cut one (some deal moved after the as-of moment).
        Assert.True(!inside || JsonSerializer.Serialize(KpiCalculator.Compute(events, new KpiQuery(period) { Process = Process.Value }), options) !=
            JsonSerializer.Serialize(asOfKpis with { AsOf = null }, options));
    }
}
