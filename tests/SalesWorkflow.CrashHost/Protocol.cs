using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.CrashHost;

/// <summary>The commands of the crash host's line protocol; the test builds the same commands to retry them.</summary>
public static class Protocol
{
    public static DealCommand Command(string[] fields, DateTimeOffset now) => fields[1] switch
    {
        "start" => new StartTracking(fields[2], fields[3], "standard-b2b")
        {
            Opportunity = new Opportunity { Name = "Deal " + fields[3], Amount = 250_000, AccountId = "acme", OwnerId = "li-na" },
            Account = new Account { Id = "acme", Industry = "manufacturing" },
            Owner = new Owner { Id = "li-na", OpenDeals = 5, LastActiveAt = now },
            Contacts = [new Contact { Id = "c1", Name = "Wang", LastContactedAt = now }],
        },
        "activity" => new LogActivity(fields[2], fields[3], new Activity { Id = fields[4], Kind = "call", At = now, Outcome = "positive", ContactId = "c1" }),
        "tick" => new CompleteChecklistItem(fields[2], fields[3], fields[4]),
        "advance" => new RequestAdvance(fields[2], fields[3]),
        "complete" => new CompleteTask(fields[2], fields[3], fields[4]),
        _ => throw new FormatException($"Unknown command '{fields[1]}'."),
    };
}

/// <summary>A clock the driving test moves; never backwards, even if lines arrive out of order.</summary>
public sealed class ForwardClock : TimeProvider
{
    private long _ticks = DateTimeOffset.UnixEpoch.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void MoveTo(DateTimeOffset moment)
    {
        long current;
        while ((current = Interlocked.Read(ref _ticks)) < moment.UtcTicks && Interlocked.CompareExchange(ref _ticks, moment.UtcTicks, current) != current)
        {
        }
    }
}
