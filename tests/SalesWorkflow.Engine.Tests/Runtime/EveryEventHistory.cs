using Microsoft.Extensions.Time.Testing;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>
/// A history recorded through a real engine in which every event type the engine writes occurs at least once: starts,
/// facts updates, activities, feedback and complaints, checklist items, refused and overridden gates, wins, losses,
/// reopenings, tasks created, completed, reassigned and overdue, risks raised and cleared, escalation levels fired by timers, a version migration. It wrote the
/// committed legacy database (tests/Fixtures/legacy-25b76f2) with main as of 25b76f2, and it keeps checking that the
/// current engine still writes every type.
/// </summary>
internal static class EveryEventHistory
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);

    /// <summary>A definitions folder holding standard-b2b versions 1 and 2 (2 differs in its discount criterion).</summary>
    public static string WriteDefinitions(string folder)
    {
        var definitions = Path.Combine(folder, "definitions");
        Directory.CreateDirectory(definitions);
        // The shipped process has complaint service levels, so the unanswered complaints miss them.
        File.WriteAllText(Path.Combine(definitions, "standard-b2b-v1.yaml"), RepoPaths.StandardB2bAt(1));
        File.WriteAllText(Path.Combine(definitions, "standard-b2b-v2.yaml"), RepoPaths.StandardB2bAt(2)
            .Replace("Opportunity.DiscountPercent <= 10", "Opportunity.DiscountPercent <= 12", StringComparison.Ordinal));
        return definitions;
    }

    public static async Task RecordAsync(ISalesWorkflowEngine engine, ISalesWorkflowMaintenance maintenance, FakeTimeProvider clock)
    {
        var commands = 0;
        string Id() => $"every-{++commands}";
        async Task<CommandResult> Submit(DealCommand command, bool mayBeRefused = false)
        {
            var result = await engine.SubmitAsync(command);
            Assert.True(mayBeRefused || result.Status != CommandStatus.Rejected, $"{command.GetType().Name} on {command.DealId} refused: {result.Rejection?.Message}");
            return result;
        }

        for (var d = 0; d < 12; d++)
        {
            var deal = $"E-{d:00}";
            var (owner, team) = d % 3 == 0 ? ("wang-fang", "south") : ("li-na", "east");
            await Submit(new StartTracking(Id(), deal, "standard-b2b")
            {
                Version = 1,
                Opportunity = new Opportunity
                {
                    Name = d == 5 ? "华东 <Pilot> \"quoted\"" : deal,
                    Amount = 100_000 + (d * 25_000),
                    Currency = "CNY",
                    AccountId = "acme",
                    OwnerId = owner,
                    Source = "referral",
                    Competitors = d % 2 == 0 ? ["globex"] : [],
                    ExpectedCloseDate = Start.AddDays(40),
                },
                Account = new Account { Id = "acme", Name = "Acme", Industry = "manufacturing", CreditRating = "A", Employees = 1200 },
                Owner = new Owner { Id = owner, Name = owner, Team = team, OpenDeals = d == 7 ? 60 : 5, LastActiveAt = clock.GetUtcNow() },
                Contacts = [new Contact { Id = "c1", Name = "Wang", Role = "CTO", IsDecisionMaker = d != 4, LastContactedAt = clock.GetUtcNow() }],
            });
            clock.Advance(TimeSpan.FromHours(3));
            await Submit(new RequestAdvance(Id(), deal), mayBeRefused: true); // refused and recorded: the lead checklist is not done
            await Submit(new CompleteChecklistItem(Id(), deal, "icp-fit"));
            await Submit(new CompleteChecklistItem(Id(), deal, "source-recorded"));
            await Submit(new RequestAdvance(Id(), deal));
            await Submit(new LogActivity(Id(), deal, new Activity { Kind = "call", Outcome = "connected", ContactId = "c1", Notes = "intro call" }));
            clock.Advance(TimeSpan.FromHours(5));
            await Submit(new UpsertFacts(Id(), deal)
            {
                Opportunity = new Opportunity { Name = deal, Amount = 90_000 + (d * 30_000), AccountId = "acme", OwnerId = owner, DiscountPercent = d % 5 == 0 ? 25 : 5, Competitors = ["globex", "initech"] },
                Approvals = d % 4 == 3 ? [new Approval { Id = "a1", Kind = "discount", Granted = true, By = "zhang-wei", At = clock.GetUtcNow() }] : [],
            });
            // Tasks of first contact: one done, one reassigned next to an ad hoc one; the rest come due while time passes.
            if (d % 4 == 1)
            {
                await Submit(new CompleteTask(Id(), deal, "schedule-meeting") { Note = "meeting booked for Tuesday" });
            }
            else if (d % 4 == 3)
            {
                await Submit(new ReassignTask(Id(), deal, "schedule-meeting", "zhang-wei") { Note = "li-na is on leave" });
                await Submit(new CreateTask(Id(), deal, "send-references", "Send two customer references") { DueAt = clock.GetUtcNow().AddDays(2) });
            }

            switch (d % 4)
            {
                case 0:
                    foreach (var stage in new[] { "needs-analysis", "proposal", "negotiation", "after-sales" })
                    {
                        await Submit(new OverrideGate(Id(), deal, "customer signed early", "zhang-wei") { ToStage = stage });
                        clock.Advance(TimeSpan.FromHours(1));
                    }

                    await Submit(new RecordFeedback(Id(), deal, new Feedback { Id = $"f-{d}", Satisfaction = 2 + (d % 4), IsComplaint = d % 8 == 0, Text = "slow onboarding" }));
                    break;
                case 1:
                    await Submit(new CloseLost(Id(), deal, d % 8 == 1 ? "price" : "competitor") { Note = "went with globex" });
                    break;
                case 2:
                    await Submit(new CloseLost(Id(), deal, "no-budget"));
                    clock.Advance(TimeSpan.FromDays(2));
                    await Submit(new Reopen(Id(), deal) { Note = "budget found" });
                    break;
                default:
                    await Submit(new OverrideGate(Id(), deal, "workshop held", "zhang-wei"));
                    await Submit(new MigrateVersion(Id(), deal, 2));
                    break;
            }

            clock.Advance(TimeSpan.FromHours(2));
        }

        // Time passes: stalled deals escalate level by level, conditions (no customer contact) start and fire.
        for (var day = 0; day < 30; day++)
        {
            clock.Advance(TimeSpan.FromDays(1));
            await maintenance.SweepAsync();
            await maintenance.FireDueTimersAsync();
        }

        await Submit(new LogActivity(Id(), "E-02", new Activity { Kind = "meeting", Outcome = "demo", ContactId = "c1" }));
        await Submit(new UpsertFacts(Id(), "E-02") { Contacts = [new Contact { Id = "c1", Name = "Wang", Role = "CTO", IsDecisionMaker = true, LastContactedAt = clock.GetUtcNow() }] });
        await Submit(new CloseWon(Id(), "E-03"), mayBeRefused: true);
    }
}
