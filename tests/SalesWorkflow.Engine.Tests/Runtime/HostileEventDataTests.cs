using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>
/// Event data is input: a database another program wrote, an older version's file, a damaged row. Reading it never
/// throws, and what reads is safe to use: no null where a record declares none.
/// </summary>
public sealed class HostileEventDataTests
{
    private static readonly List<(string Type, string Data)> Legacy = EventContractTests.LegacyEvents();

    // What a mutation puts in place of one value of the stored JSON (null: the member is removed).
    private static readonly string?[] Replacements =
    [
        null, "null", "0", "-1", "1e300", "\"\"", "\"x\"", "true", "[]", "{}", "[null]", "[1]", "{\"text\":1}",
        "{\"date\":\"9999-99-99\"}", "{\"number\":\"3\"}", "{\"bool\":true,\"text\":\"y\"}", "\"9999-99-99T00:00:00Z\"",
    ];

    [Theory]
    [InlineData("{\"opportunity\":{\"custom\":{\"budget\":{\"number\":\"lots\"}}},\"process\":\"p\",\"version\":1,\"stage\":\"lead\"}")]
    [InlineData("{\"opportunity\":{\"custom\":{\"budget\":{\"date\":\"yesterday\"}}},\"process\":\"p\",\"version\":1,\"stage\":\"lead\"}")]
    [InlineData("{\"opportunity\":{\"custom\":{\"budget\":[1,2]}},\"process\":\"p\",\"version\":1,\"stage\":\"lead\"}")]
    [InlineData("{\"opportunity\":{\"custom\":{\"budget\":{\"text\":\"a\",\"bool\":true}}},\"process\":\"p\",\"version\":1,\"stage\":\"lead\"}")]
    [InlineData("{\"opportunity\":{\"custom\":{\"budget\":{}}},\"process\":\"p\",\"version\":1,\"stage\":\"lead\"}")]
    [InlineData("{\"contacts\":[null],\"process\":\"p\",\"version\":1,\"stage\":\"lead\"}")]
    public void Decode_CustomFieldsOrListsThatDoNotRead_IsUnrecognized(string data)
    {
        var payload = Assert.IsType<UnrecognizedEvent>(DealEventCodec.Decode(DealEventTypes.TrackingStarted, data));

        Assert.Contains("does not have the shape of a tracking-started event", payload.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_NullTextsInAListAnOlderEngineWrote_AreLeftOut_NotAFailure()
    {
        var started = Assert.IsType<TrackingStarted>(DealEventCodec.Decode(DealEventTypes.TrackingStarted,
            "{\"process\":\"p\",\"version\":1,\"stage\":\"lead\",\"opportunity\":{\"name\":\"n\",\"competitors\":[\"X\",null]}}"));

        Assert.Equal(["X"], started.Opportunity!.Competitors);
    }

    [Fact]
    public void Decode_NullWhereTheRecordDeclaresNone_ReadsAsEmpty()
    {
        var started = Assert.IsType<TrackingStarted>(DealEventCodec.Decode(DealEventTypes.TrackingStarted,
            "{\"process\":null,\"version\":1,\"stage\":\"lead\",\"contacts\":null,\"opportunity\":{\"name\":null,\"competitors\":null,\"custom\":null}}"));
        var blocked = Assert.IsType<AdvanceBlocked>(DealEventCodec.Decode(DealEventTypes.AdvanceBlocked, "{\"from\":\"a\",\"to\":\"b\",\"failing\":null}"));

        Assert.Equal((string.Empty, 0, string.Empty, 0, 0), (started.Process, started.Contacts.Count, started.Opportunity!.Name, started.Opportunity.Competitors.Count, started.Opportunity.Custom.Count));
        Assert.Equal((0, 0), (blocked.Failing.Count, blocked.MissingChecklist.Count));
    }

    [Fact]
    public void Decode_EveryLegacyEventWithOneValueReplacedOrRemoved_NeverThrows_AndWhatReadsFoldsAndWritesBack()
    {
        // Generated: a stored event of every type, one of its values (at any depth) replaced by a value of another
        // kind or removed. CsCheck shrinks a failure to the smallest such case.
        var gen = Gen.Select(Gen.Int[0, Legacy.Count - 1], Gen.Int[0, 10_000], Gen.Int[0, Replacements.Length - 1]);
        gen.Sample((eventIndex, position, replacement) =>
        {
            var (type, data) = Legacy[eventIndex];
            var mutated = Mutate(data, position, Replacements[replacement]);
            var payload = DealEventCodec.Decode(type, mutated);
            var kpiPayload = DealEventCodec.DecodeForKpis(type, mutated);
            Assert.NotNull(kpiPayload);
            if (payload is UnrecognizedEvent)
            {
                return;
            }

            _ = DealEventCodec.Encode(payload).GetRawText();
            var projection = new DealProjection();
            projection.Apply(Event(type, "{\"process\":\"p\",\"version\":1,\"stage\":\"lead\",\"opportunity\":{\"name\":\"n\"},\"owner\":{\"id\":\"o\"}}", 1, DealEventTypes.TrackingStarted));
            projection.Apply(Event(type, mutated, 2));
            _ = projection.Snapshot();
        }, iter: 3_000);
    }

    [Fact]
    public void DealEvent_CopiedWithOtherData_ReadsThePayloadOfTheNewData_AndEqualityIgnoresWhetherItWasRead()
    {
        var won = Event(DealEventTypes.DealWon, "{\"stage\":\"won\",\"from\":\"negotiation\",\"amount\":10,\"daysOpen\":3}", 1);
        var sameUnread = Event(DealEventTypes.DealWon, "{\"stage\":\"won\",\"from\":\"negotiation\",\"amount\":10,\"daysOpen\":3}", 1);
        _ = won.Payload;

        var copy = won with { Data = JsonDocument.Parse("{\"stage\":\"won\",\"from\":\"proposal\",\"amount\":99,\"daysOpen\":3}").RootElement };

        Assert.Equal((99m, "proposal"), (((DealWon)copy.Payload).Amount, ((DealWon)copy.Payload).From));
        Assert.Equal(won, sameUnread);
        Assert.Equal(won.GetHashCode(), sameUnread.GetHashCode());
        Assert.NotEqual(won, copy);
    }

    private static DealEvent Event(string type, string data, int n, string? asType = null) => new()
    {
        Sequence = n,
        EventId = $"d:{n}",
        DealId = "d",
        Type = asType ?? type,
        At = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).AddDays(n),
        CommandId = $"c{n}",
        ProcessId = "p",
        ProcessVersion = 1,
        Stage = "lead",
        Data = JsonDocument.Parse(data).RootElement,
    };

    /// <summary>The JSON with its value number <paramref name="position"/> (in document order, modulo the count) replaced or removed.</summary>
    private static string Mutate(string json, int position, string? replacement)
    {
        var root = JsonNode.Parse(json)!;
        var values = new List<(JsonNode? Parent, string? Name, int Index)>();
        Collect(root, values);
        if (values.Count == 0)
        {
            return json;
        }

        var (parent, name, index) = values[position % values.Count];
        var value = replacement is null ? null : JsonNode.Parse(replacement);
        switch (parent)
        {
            case JsonObject obj when replacement is null:
                obj.Remove(name!);
                break;
            case JsonObject obj:
                obj[name!] = value;
                break;
            case JsonArray array when replacement is null:
                array.RemoveAt(index);
                break;
            case JsonArray array:
                array[index] = value;
                break;
        }

        return root.ToJsonString();
    }

    private static void Collect(JsonNode node, List<(JsonNode? Parent, string? Name, int Index)> values)
    {
        if (node is JsonObject obj)
        {
            foreach (var (name, child) in obj.ToList())
            {
                values.Add((obj, name, 0));
                if (child is not null)
                {
                    Collect(child, values);
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                values.Add((array, null, i));
                if (array[i] is { } child)
                {
                    Collect(child, values);
                }
            }
        }
    }
}
