using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Cli.Demo;

/// <summary>What the simulation is asked to do.</summary>
/// <remarks>
/// <see cref="Worker"/> of <see cref="Workers"/>: with several worker processes (<c>demo --workers</c>) each one works
/// every <see cref="Workers"/>-th deal, drawing the same random numbers as a single process would, so the same deals
/// arrive with the same facts. Outcomes differ a little from a single process: a worker counts only its own deals in
/// a rep's workload.
/// </remarks>
internal sealed record SimulationSettings(int Deals, int Months, int Seed, string ProcessId, DateTimeOffset Start, int Worker = 0, int Workers = 1);

/// <summary>Counters the simulation keeps while it runs (the report itself reads the engine's event log).</summary>
internal sealed class SimulationProgress
{
    private long _commands;
    private long _rejected;

    public int Day { get; set; }

    public int Days { get; set; }

    public int DealsStarted { get; set; }

    public long Commands => Interlocked.Read(ref _commands);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long TimersFired { get; set; }

    public long SweepChanges { get; set; }

    public void CountCommand(bool rejected)
    {
        Interlocked.Increment(ref _commands);
        if (rejected)
        {
            Interlocked.Increment(ref _rejected);
        }
    }
}

/// <summary>
/// A deterministic sales pipeline driven through the engine: deals arrive every business day, sales reps of the
/// standard-b2b targets work them stage by stage (activities, checklists, facts the gates need), ask to advance —
/// sometimes too early —, win, lose, stall and come back, get complaints after the sale. The simulated clock moves
/// day by day so escalation timers fire and the nightly sweep catches time-dependent risks. Same seed, same run:
/// each deal draws from its own random sequence and sees the reps' workload as it was that morning, so working the
/// deals of a day in parallel (as a real sales team does) leaves the outcome independent of thread timing.
/// </summary>
internal sealed class PipelineSimulation(ISalesWorkflowEngine engine, ISalesWorkflowMaintenance maintenance, SimulatedClock clock, SimulationSettings settings)
{
    private static readonly (string Id, string Team, double Diligence)[] Reps =
    [
        ("zhang-wei", "east", 0.85), ("li-na", "east", 0.7), ("wang-fang", "east", 0.55),
        ("chen-jie", "south", 0.8), ("liu-yang", "south", 0.6), ("zhao-lei", "north", 0.75), ("sun-li", "north", 0.5),
    ];

    private static readonly string[] Industries = ["manufacturing", "retail", "logistics", "healthcare", "finance", "energy", "education", "telecom"];
    private static readonly string[] Cities = ["Shanghai", "Hangzhou", "Suzhou", "Shenzhen", "Guangzhou", "Beijing", "Tianjin", "Nanjing"];
    private static readonly string[] Products = ["ERP", "CRM", "MES", "WMS", "BI platform", "HR suite", "IoT gateway", "data lake"];
    private static readonly string[] Competitors = ["BigCorp", "Yonyou-like", "Kingdee-like", "GlobalSoft"];
    private static readonly string[] ComplaintCategories = ["delivery", "quality", "service"];

    private readonly Random _random = new(settings.Seed);
    private readonly List<SimDeal> _deals = [];
    private readonly Dictionary<string, int> _openByRep = Reps.ToDictionary(r => r.Id, _ => 0);
    private Dictionary<string, int> _openByRepThisMorning = Reps.ToDictionary(r => r.Id, _ => 0);

    public SimulationProgress Progress { get; } = new();

    private double _owed;

    /// <summary>Simulated days of the run.</summary>
    public int Days => (int)(settings.Start.AddMonths(settings.Months) - settings.Start).TotalDays;

    public async Task RunAsync(Action<SimulationProgress> report, CancellationToken cancellationToken)
    {
        for (var day = 0; day < Days; day++)
        {
            await WorkDayAsync(day, cancellationToken);
            await FireTimersAsync(day, 8, cancellationToken);
            await SweepAsync(day, cancellationToken);
            await FireTimersAsync(day, 9, cancellationToken);
            report(Progress);
        }
    }

    /// <summary>
    /// The office hours of one day (the start is 09:00 local): leads arrive until 11:00, reps work their deals from
    /// 11:00. Arrivals stop in the last fifth so late deals can progress. Timers fire at 17:00 and the sweep runs at
    /// 18:00 (<see cref="FireTimersAsync"/>, <see cref="SweepAsync"/>).
    /// </summary>
    public async Task WorkDayAsync(int day, CancellationToken cancellationToken)
    {
        var days = Days;
        var businessDays = Enumerable.Range(0, days).Count(d => settings.Start.AddDays(d).DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday));
        var arrivalsPerDay = (double)settings.Deals / Math.Max(1, businessDays * 0.8);
        Progress.Days = days;
        var morning = settings.Start.AddDays(day);
        Progress.Day = day + 1;
        if (morning.DayOfWeek is (DayOfWeek.Saturday or DayOfWeek.Sunday))
        {
            return;
        }

        _owed += day < days * 0.8 ? arrivalsPerDay : 0;
        for (var arrival = 0; _owed >= 1 && Progress.DealsStarted < settings.Deals; arrival++)
        {
            _owed--;
            clock.Set(morning.AddSeconds(Math.Min(arrival * 30, 7199)));
            await StartDealAsync(cancellationToken);
        }

        clock.Set(morning.AddHours(2));
        _openByRepThisMorning = new Dictionary<string, int>(_openByRep);
        var working = _deals.Where(d => !d.Closed || d.AfterSales).ToList();
        await Parallel.ForEachAsync(working, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, (deal, ct) => new ValueTask(WorkAsync(deal, day, ct)));
    }

    /// <summary>Fires the escalation timers due at <paramref name="hoursAfterStart"/> hours into <paramref name="day"/> (several workers share them).</summary>
    public async Task FireTimersAsync(int day, int hoursAfterStart, CancellationToken cancellationToken)
    {
        clock.Set(settings.Start.AddDays(day).AddHours(hoursAfterStart));
        Progress.TimersFired += await maintenance.FireDueTimersAsync(cancellationToken);
    }

    /// <summary>The nightly re-evaluation of open deals.</summary>
    public async Task SweepAsync(int day, CancellationToken cancellationToken)
    {
        clock.Set(settings.Start.AddDays(day).AddHours(9));
        Progress.SweepChanges += await maintenance.SweepAsync(cancellationToken);
    }

    private async Task<CommandResult> SubmitAsync(SimDeal deal, DealCommand command, CancellationToken cancellationToken)
    {
        var result = await engine.SubmitAsync(command, cancellationToken);
        Progress.CountCommand(result.Status == CommandStatus.Rejected);
        if (result.Stage is { } stage)
        {
            deal.Stage = stage;
        }

        return result;
    }

    private void ChangeOpenDeals(string rep, int change)
    {
        lock (_openByRep)
        {
            _openByRep[rep] += change;
        }
    }

    private static string NextId(SimDeal deal) => $"{deal.Id}:{++deal.Commands}";

    private Owner OwnerOf(SimDeal deal) => new()
    {
        Id = deal.Rep,
        Name = deal.Rep,
        Team = Reps.First(r => r.Id == deal.Rep).Team,
        ManagerId = "manager-" + Reps.First(r => r.Id == deal.Rep).Team,
        OpenDeals = _openByRepThisMorning[deal.Rep],
        LastActiveAt = clock.GetUtcNow(),
    };

    private async Task StartDealAsync(CancellationToken cancellationToken)
    {
        var index = ++Progress.DealsStarted;
        var rep = Reps[_random.Next(Reps.Length)];
        var industry = Industries[_random.Next(Industries.Length)];
        var deal = new SimDeal
        {
            Id = $"D-{index:00000}",
            Rep = rep.Id,
            Diligence = rep.Diligence,
            Quality = Math.Clamp((_random.NextDouble() + _random.NextDouble()) / 2 + (rep.Diligence - 0.65) / 3, 0.05, 0.98),
            Competitor = _random.NextDouble() < 0.35,
            Amount = Math.Round((decimal)Math.Exp(13.2 + (_random.NextDouble() * 2.4)) / 1000) * 1000,
            Random = new Random(_random.Next()),
        };

        // Another worker's deal: drawn all the same (so every worker sees the random sequence a single process would),
        // then left to that worker.
        var mine = (index - 1) % settings.Workers == settings.Worker;
        if (mine)
        {
            _deals.Add(deal);
            ChangeOpenDeals(deal.Rep, +1);
        }

        var account = new Account
        {
            Id = "A-" + index.ToString("00000", System.Globalization.CultureInfo.InvariantCulture),
            Name = $"{Cities[_random.Next(Cities.Length)]} {industry} group {index}",
            Industry = industry,
            Region = Reps.First(r => r.Id == deal.Rep).Team,
            Employees = 50 + _random.Next(5000),
            OverdueAmount = _random.NextDouble() < 0.1 ? 10_000 + _random.Next(200_000) : 0,
            CreditRating = _random.NextDouble() < 0.05 ? "C" : "A",
        };
        var start = new StartTracking(NextId(deal), deal.Id, settings.ProcessId)
        {
            Opportunity = new Opportunity
            {
                Name = $"{account.Name} {Products[_random.Next(Products.Length)]}",
                Amount = deal.Amount,
                Currency = "CNY",
                AccountId = account.Id,
                OwnerId = deal.Rep,
                Source = _random.NextDouble() < 0.5 ? "inbound" : "outbound",
                Competitors = deal.Competitor ? [Competitors[_random.Next(Competitors.Length)]] : [],
            },
            Account = account,
            Owner = OwnerOf(deal),
            Contacts = _random.NextDouble() < 0.85 ? [new Contact { Id = deal.Id + "-c1", Name = "Contact 1", Role = "user", LastContactedAt = clock.GetUtcNow() }] : [],
        };
        if (!mine)
        {
            return;
        }

        await SubmitAsync(deal, start, cancellationToken);
        deal.StageStarted = Progress.Day;
    }

    private async Task WorkAsync(SimDeal deal, int day, CancellationToken cancellationToken)
    {
        if (deal.AfterSales)
        {
            await AfterSalesAsync(deal, day, cancellationToken);
            return;
        }

        if (deal.DarkUntil > day)
        {
            return;
        }

        if (deal.DarkUntil > 0)
        {
            // Back from silence: half of these deals are gone by now.
            deal.DarkUntil = 0;
            if (deal.Random.NextDouble() < 0.5)
            {
                await LoseAsync(deal, "no-decision", "went silent", cancellationToken);
                return;
            }
        }

        if (deal.Random.NextDouble() > 0.35 + (0.5 * deal.Diligence))
        {
            return;
        }

        // A small daily chance to lose the deal, higher for weak deals and late stages.
        if (deal.Random.NextDouble() < (1 - deal.Quality) * 0.025)
        {
            await LoseAsync(deal, LossReason(deal), "lost during " + deal.Stage, cancellationToken);
            return;
        }

        if (deal.StepsDone == 0 && deal.Stage != "lead" && deal.Random.NextDouble() < 0.07)
        {
            deal.DarkUntil = day + 12 + deal.Random.Next(24);
            return;
        }

        var steps = Steps(deal);
        if (deal.StepsDone < steps.Count)
        {
            await steps[deal.StepsDone](cancellationToken);
            deal.StepsDone++;
            if (deal.StepsDone == steps.Count / 2 && deal.Random.NextDouble() < 0.15)
            {
                await AdvanceAsync(deal, cancellationToken);
            }

            return;
        }

        await AdvanceAsync(deal, cancellationToken);
    }

    private async Task AdvanceAsync(SimDeal deal, CancellationToken cancellationToken)
    {
        var result = await SubmitAsync(deal, deal.Stage == "negotiation" ? new CloseWon(NextId(deal), deal.Id) : new RequestAdvance(NextId(deal), deal.Id), cancellationToken);
        if (result.Status == CommandStatus.Applied)
        {
            deal.StepsDone = 0;
            deal.Blocks = 0;
            deal.Retry = false;
            deal.StageStarted = Progress.Day;
            if (result.Stage == "after-sales")
            {
                deal.Closed = true;
                deal.AfterSales = true;
                deal.WonDay = Progress.Day;
                // Most reps visit within the 30 days the follow-up task gives them; some never do.
                deal.VisitDay = deal.Random.NextDouble() < 0.65 ? 5 + deal.Random.Next(30) : int.MaxValue;
                ChangeOpenDeals(deal.Rep, -1);
            }

            return;
        }

        if (result.Rejection?.Code != "gate-failed" || deal.StepsDone < Steps(deal).Count)
        {
            return;
        }

        // Blocked at the gate after all the work: fix what failed, or give up after a few tries.
        deal.Blocks++;
        if (deal.Blocks >= 3 || deal.Random.NextDouble() > deal.Quality + 0.3)
        {
            await LoseAsync(deal, LossReason(deal), "could not meet the gate: " + string.Join(", ", result.Rejection.FailingCriteria.Select(c => c.Id)), cancellationToken);
            return;
        }

        deal.Retry = true;
        deal.StepsDone = 0;
    }

    private async Task LoseAsync(SimDeal deal, string reason, string note, CancellationToken cancellationToken)
    {
        await SubmitAsync(deal, new CloseLost(NextId(deal), deal.Id, reason) { Note = note }, cancellationToken);
        deal.Closed = true;
        ChangeOpenDeals(deal.Rep, -1);
    }

    private static string LossReason(SimDeal deal)
    {
        var roll = deal.Random.NextDouble();
        if (deal.Competitor)
        {
            return roll < 0.45 ? "competitor" : roll < 0.8 ? "price" : "no-decision";
        }

        return roll switch
        {
            < 0.25 => "no-budget",
            < 0.5 => "no-decision",
            < 0.65 => "timing",
            < 0.8 => "requirements-mismatch",
            < 0.9 => "relationship",
            _ => "other",
        };
    }

    /// <summary>Succeeds with the deal's quality, more likely on a retry after a blocked gate.</summary>
    private static bool Succeeds(SimDeal deal, double bonus = 0) => deal.Random.NextDouble() < Math.Min(0.97, deal.Quality + bonus + (deal.Retry ? 0.35 : 0));

    private List<Func<CancellationToken, Task>> Steps(SimDeal deal)
    {
        Task Activity(string kind, string outcome = "positive", CancellationToken ct = default) =>
            SubmitAsync(deal, new LogActivity(NextId(deal), deal.Id, new Activity { Id = $"{deal.Id}-a{deal.Commands}", Kind = kind, At = clock.GetUtcNow(), Outcome = outcome, ContactId = deal.Id + "-c1" }), ct);

        Task Tick(string item, CancellationToken ct) => SubmitAsync(deal, new CompleteChecklistItem(NextId(deal), deal.Id, item), ct);

        Task Complete(string task, CancellationToken ct) => SubmitAsync(deal, new CompleteTask(NextId(deal), deal.Id, task) { Actor = deal.Rep }, ct);

        Task Facts(Action<Opportunity> change, CancellationToken ct, IReadOnlyList<Contact>? contacts = null, IReadOnlyList<Approval>? approvals = null) =>
            UpdateAsync(deal, change, contacts, approvals, ct);

        return deal.Stage switch
        {
            "lead" =>
            [
                ct => Complete("triage", ct),
                ct => Tick("icp-fit", ct),
                ct => Activity("call", ct: ct),
                ct => Tick("source-recorded", ct),
                ct => Facts(_ => { }, ct, [new Contact { Id = deal.Id + "-c1", Name = "Contact 1", Role = "user", LastContactedAt = clock.GetUtcNow() }]),
            ],
            "first-contact" =>
            [
                ct => Complete("schedule-meeting", ct),
                ct => Activity(deal.Random.NextDouble() < 0.5 ? "meeting" : "visit", ct: ct),
                ct => Facts(_ => { }, ct, Succeeds(deal, 0.25) ? [new Contact { Id = deal.Id + "-dm", Name = "Decision maker", Role = "economic-buyer", IsDecisionMaker = true, LastContactedAt = clock.GetUtcNow() }] : []),
                ct => Tick("meeting-notes", ct),
                ct => Activity("email", ct: ct),
            ],
            "needs-analysis" =>
            [
                ct => Activity("meeting", ct: ct),
                ct => Facts(o =>
                {
                    o.Custom.Set("budgetConfirmed", Succeeds(deal, 0.2));
                    o.Custom.Set("needsDocumented", Succeeds(deal, 0.35));
                    o.ExpectedCloseDate = clock.GetUtcNow().AddDays(30 + deal.Random.Next(90));
                }, ct),
                ct => Tick("stakeholder-interviews", ct),
                ct => Tick("success-criteria", ct),
            ],
            "proposal" =>
            [
                ct => Activity("proposal-sent", Succeeds(deal, 0.15) ? "acknowledged" : "neutral", ct),
                ct => Complete("follow-up-proposal", ct),
                ct => Facts(o =>
                {
                    o.DiscountPercent = deal.Competitor ? 12 + deal.Random.Next(14) : deal.Random.Next(11);
                    o.Custom.Set("requirementChanges", (decimal)deal.Random.Next(deal.Quality < 0.4 ? 5 : 3));
                }, ct),
                ct => Facts(_ => { }, ct, approvals: Succeeds(deal, 0.3) ? [new Approval { Id = deal.Id + "-discount", Kind = "discount", Granted = true, By = "manager", At = clock.GetUtcNow() }] : []),
                ct => Tick("solution-review", ct),
                ct => Tick("pricing-sheet", ct),
                ct => Activity("call", ct: ct),
            ],
            "negotiation" =>
            [
                ct => Activity("meeting", ct: ct),
                ct => Facts(o => o.Custom.Set("paymentTermsAgreed", Succeeds(deal, 0.35)), ct,
                    approvals: deal.Amount >= 1_000_000 && Succeeds(deal, 0.3) ? [new Approval { Id = deal.Id + "-credit", Kind = "credit", Granted = true, By = "finance", At = clock.GetUtcNow() }] : []),
                ct => Tick("legal-review", ct),
                ct => Activity(Succeeds(deal, 0.2) ? "contract-signed" : "contract-sent", ct: ct),
                ct => Tick("handover-plan", ct),
            ],
            _ => [],
        };
    }

    private async Task UpdateAsync(SimDeal deal, Action<Opportunity> change, IReadOnlyList<Contact>? contacts, IReadOnlyList<Approval>? approvals, CancellationToken cancellationToken)
    {
        var current = (await engine.GetDealAsync(deal.Id, cancellationToken))!.Opportunity;
        change(current);
        await SubmitAsync(deal, new UpsertFacts(NextId(deal), deal.Id)
        {
            Opportunity = current,
            Owner = OwnerOf(deal),
            Contacts = contacts ?? [],
            Approvals = approvals ?? [],
        }, cancellationToken);
    }

    private async Task AfterSalesAsync(SimDeal deal, int day, CancellationToken cancellationToken)
    {
        var since = day - deal.WonDay;
        if (since == 3)
        {
            await SubmitAsync(deal, new CompleteChecklistItem(NextId(deal), deal.Id, "kickoff"), cancellationToken);
            await SubmitAsync(deal, new CompleteTask(NextId(deal), deal.Id, "kickoff-meeting") { Actor = deal.Rep }, cancellationToken);
        }
        else if (since == 8 && deal.Random.NextDouble() < 0.15)
        {
            // A complaint: most are answered at once, the rest two days later, past the 24 hours customer service has.
            deal.ComplaintOpen = true;
            deal.ComplaintResolveDay = day + 1 + deal.Random.Next(7);
            deal.ComplaintAt = clock.GetUtcNow();
            deal.ComplaintCategory = ComplaintCategories[deal.Random.Next(ComplaintCategories.Length)];
            deal.ComplaintAnsweredAt = deal.Random.NextDouble() < deal.Diligence ? deal.ComplaintAt : null;
            deal.ComplaintAnswerDay = day + 2;
            await SubmitAsync(deal, new RecordFeedback(NextId(deal), deal.Id, Complaint(deal, resolvedAt: null)), cancellationToken);
        }
        else if (deal.ComplaintOpen && day >= deal.ComplaintResolveDay)
        {
            deal.ComplaintOpen = false;
            deal.ComplaintAnsweredAt ??= clock.GetUtcNow();
            await SubmitAsync(deal, new RecordFeedback(NextId(deal), deal.Id, Complaint(deal, resolvedAt: clock.GetUtcNow())), cancellationToken);
        }
        else if (deal.ComplaintOpen && deal.ComplaintAnsweredAt is null && day >= deal.ComplaintAnswerDay)
        {
            deal.ComplaintAnsweredAt = clock.GetUtcNow();
            await SubmitAsync(deal, new RecordFeedback(NextId(deal), deal.Id, Complaint(deal, resolvedAt: null)), cancellationToken);
        }
        else if (since == deal.VisitDay)
        {
            await SubmitAsync(deal, new LogActivity(NextId(deal), deal.Id, new Activity { Id = $"{deal.Id}-visit", Kind = "visit", At = clock.GetUtcNow(), Outcome = "positive", ContactId = deal.Id + "-c1" }), cancellationToken);
            await SubmitAsync(deal, new CompleteTask(NextId(deal), deal.Id, "follow-up-visit") { Actor = deal.Rep, Note = "visited the customer" }, cancellationToken);
        }
        else if (since == 30)
        {
            var score = Math.Clamp((int)Math.Round(2 + (deal.Quality * 3.5)), 1, 5);
            await SubmitAsync(deal, new RecordFeedback(NextId(deal), deal.Id, new Feedback { Id = deal.Id + "-survey", Satisfaction = score, Text = "Quarterly survey" }), cancellationToken);
            await SubmitAsync(deal, new CompleteChecklistItem(NextId(deal), deal.Id, "satisfaction-survey"), cancellationToken);
        }
        else if (since > 30 && since % 7 == 0 && deal.Random.NextDouble() < deal.Diligence)
        {
            await WorkTheCareRemindersAsync(deal, cancellationToken);
        }
    }

    /// <summary>
    /// The rep's weekly look at a customer won more than a month ago: whatever the customer-care plugin raised (on the
    /// process's <c>care:</c>, by the sweep alone) gets done: the check-in call, the holiday or anniversary greeting.
    /// </summary>
    private async Task WorkTheCareRemindersAsync(SimDeal deal, CancellationToken cancellationToken)
    {
        if (await engine.GetDealAsync(deal.Id, cancellationToken) is not { } state)
        {
            return;
        }

        var risks = state.LastEvaluation.Risks.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var now = clock.GetUtcNow();
        if (risks.Contains("customer-care.check-in-overdue"))
        {
            await SubmitAsync(deal, new LogActivity(NextId(deal), deal.Id, new Activity { Id = $"{deal.Id}-check-in-{now:yyyyMMdd}", Kind = "call", At = now, Outcome = "positive", ContactId = deal.Id + "-c1" }), cancellationToken);
        }

        if (risks.Contains("customer-care.holiday-greeting-due"))
        {
            await SubmitAsync(deal, new LogActivity(NextId(deal), deal.Id, new Activity { Id = $"{deal.Id}-greeting-{now:yyyyMMdd}", Kind = "greeting", At = now, ContactId = deal.Id + "-c1" }), cancellationToken);
        }
    }

    private static Feedback Complaint(SimDeal deal, DateTimeOffset? resolvedAt) => new()
    {
        Id = deal.Id + "-complaint",
        At = deal.ComplaintAt,
        IsComplaint = true,
        Category = deal.ComplaintCategory,
        Satisfaction = resolvedAt is null ? 2 : 3,
        RespondedAt = deal.ComplaintAnsweredAt,
        Resolved = resolvedAt is not null,
        ResolvedAt = resolvedAt,
        Text = "Delivery is late",
    };

    private sealed class SimDeal
    {
        public required string Id { get; init; }

        public required string Rep { get; init; }

        public required double Diligence { get; init; }

        public required double Quality { get; init; }

        public required bool Competitor { get; init; }

        public required decimal Amount { get; init; }

        public string Stage { get; set; } = "lead";

        public int StepsDone { get; set; }

        public int Blocks { get; set; }

        public bool Retry { get; set; }

        public int StageStarted { get; set; }

        public int DarkUntil { get; set; }

        public bool Closed { get; set; }

        public bool AfterSales { get; set; }

        public int WonDay { get; set; }

        /// <summary>Days after the win when the rep visits the customer (never: int.MaxValue).</summary>
        public int VisitDay { get; set; } = int.MaxValue;

        public bool ComplaintOpen { get; set; }

        public int ComplaintResolveDay { get; set; }

        public DateTimeOffset ComplaintAt { get; set; }

        public string ComplaintCategory { get; set; } = "delivery";

        public DateTimeOffset? ComplaintAnsweredAt { get; set; }

        public int ComplaintAnswerDay { get; set; }

        public int Commands { get; set; }

        /// <summary>The deal's own random sequence, so its story does not depend on which thread works it.</summary>
        public required Random Random { get; init; }
    }
}
