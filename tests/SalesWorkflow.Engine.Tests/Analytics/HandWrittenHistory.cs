using System.Text.Json;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.Storage;

namespace SalesWorkflow.Engine.Tests.Analytics;

/// <summary>
/// A log written by hand, event by event, in days after <paramref name="origin"/>, shaped as the engine writes it
/// (process "test" v1, data serialised as the store does): for analytics tests whose every expected figure is worked
/// out in their comments.
/// </summary>
internal sealed class HandWrittenHistory(DateTimeOffset origin)
{
    public List<DealEvent> Events { get; } = [];

    public void Add(string deal, string type, double day, string stage, object data) => Events.Add(new DealEvent
    {
        Sequence = Events.Count + 1,
        EventId = $"{deal}:{Events.Count + 1}",
        DealId = deal,
        Type = type,
        At = origin.AddDays(day),
        CommandId = "c",
        ProcessId = "test",
        ProcessVersion = 1,
        Stage = stage,
        Data = JsonSerializer.SerializeToElement(data, StorageJson.DataOptions),
    });

    public void Move(string deal, double day, string from, string to, string kind = "forward") =>
        Add(deal, DealEventTypes.StageChanged, day, to, new { from, to, kind });

    /// <summary>The move to the lost stage and the loss (reason: price), as the engine records a loss.</summary>
    public void Lose(string deal, double day, string from)
    {
        Move(deal, day, from, "lost", "lose");
        Add(deal, DealEventTypes.DealLost, day, "lost", new { reason = "price", from });
    }
}
