using System.Text.Json;
using Microsoft.Data.Sqlite;
using SalesWorkflow.Engine.Events;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Engine.Tests.Runtime;

/// <summary>The event log is a contract (docs/events.md): every type the engine writes, in the shape readers rely on.</summary>
public sealed class EventContractTests
{
    private static readonly string LegacyDatabase = RepoPaths.Combine("tests", "Fixtures", "legacy-25b76f2", "salesworkflow.db");

    private static readonly string[] Declared = [.. typeof(DealEventTypes).GetFields().Select(f => (string)f.GetValue(null)!)];

    /// <summary>Types the engine writes since the legacy database was recorded (tasks tracked to done, 2026-12-04).</summary>
    private static readonly string[] NewSinceLegacy = [DealEventTypes.TaskCreated, DealEventTypes.TaskCompleted, DealEventTypes.TaskOverdue, DealEventTypes.TaskReassigned, DealEventTypes.ComplaintSlaBreached];

    /// <summary>Types only older engines wrote: read, never written now.</summary>
    private static readonly string[] LegacyOnly = [DealEventTypes.TasksCreated];

    /// <summary>Every event a database written by main at 25b76f2 holds: its type and its data as stored.</summary>
    internal static List<(string Type, string Data)> LegacyEvents()
    {
        var events = new List<(string, string)>();
        using var connection = new SqliteConnection($"Data Source={LegacyDatabase};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT type, data_json FROM events ORDER BY seq";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            events.Add((reader.GetString(0), reader.GetString(1)));
        }

        return events;
    }

    [Fact]
    public void LegacyLog_EveryStoredEvent_ReadsAsItsTypedRecordAndWritesBackByteForByte()
    {
        var events = LegacyEvents();

        Assert.Equal(Declared.Except(NewSinceLegacy).Order(StringComparer.Ordinal), events.Select(e => e.Type).Distinct().Order(StringComparer.Ordinal));
        foreach (var (type, data) in events)
        {
            var payload = DealEventCodec.Decode(type, data);
            Assert.False(payload is UnrecognizedEvent, $"{type}: {(payload as UnrecognizedEvent)?.Problem}");
            Assert.Equal(type, DealEventCodec.TypeOf(payload));
            Assert.Equal(data, DealEventCodec.Encode(payload).GetRawText());
        }
    }

    [Fact]
    public async Task LegacyLedger_ACommandSubmittedAgain_IsAnsweredWithItsStoredOutcome_AndItsIdRefusedForAnotherDeal()
    {
        // The ledger of 25b76f2 named events by sequence number only ({"dealId":"E-00",…,"eventSeqs":[19,20]}).
        var folder = Directory.CreateTempSubdirectory("sw-legacy-ledger-").FullName;
        File.Copy(LegacyDatabase, Path.Combine(folder, "salesworkflow.db"));
        var fixture = Path.GetDirectoryName(LegacyDatabase)!;
        await using var harness = new EngineHarness(Path.Combine(fixture, "standard-b2b-v2.yaml"), folder: folder);

        var again = await harness.Submit(new CompleteChecklistItem("every-10", "E-00", "anything"));
        var otherDeal = await harness.Submit(new CompleteChecklistItem("every-10", "E-01", "anything"));

        Assert.Equal((CommandStatus.Duplicate, "negotiation"), (again.Status, again.Stage));
        Assert.Equal([19L, 20L], again.Events.Select(e => e.Sequence));
        Assert.Equal(("E-00", "E-00"), (again.Events[0].DealId, again.Events[1].DealId));
        Assert.Equal("command-id-reused", otherDeal.Rejection?.Code);
    }

    [Fact]
    public void Catalogue_NamesEveryTypeTheCodecKnows_AndDocsEventsMdDescribesEach()
    {
        var docs = File.ReadAllText(RepoPaths.Combine("docs", "events.md"));

        Assert.Equal(Declared.Order(StringComparer.Ordinal), DealEventCodec.TypeNames.Order(StringComparer.Ordinal));
        Assert.All(Declared, type => Assert.Contains($"### `{type}`", docs, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("deal-teleported", "{\"to\":\"mars\"}", "not an event type")]
    [InlineData("deal-won", "{\"amount\":\"a lot\"}", "does not have the shape")]
    [InlineData("deal-won", "[1,2]", "does not have the shape")]
    [InlineData("risk-raised", "null", "not a JSON object")]
    public void Decode_UnknownTypeOrForeignShape_IsUnrecognizedNotAnException(string type, string data, string problem)
    {
        var payload = Assert.IsType<UnrecognizedEvent>(DealEventCodec.Decode(type, data));

        Assert.Equal(type, payload.Type);
        Assert.Contains(problem, payload.Problem, StringComparison.Ordinal);
        Assert.IsType<UnrecognizedEvent>(DealEventCodec.Decode(type, JsonDocument.Parse(data).RootElement));
    }

    [Fact]
    public void Decode_OlderEscalationShape_WithoutStageEnteredAt_ReadsWithNull()
    {
        // Escalations written before 5f02041 did not record when the deal entered its stage.
        const string data = "{\"escalation\":\"stalled-deal\",\"level\":1,\"levels\":3,\"notify\":\"owner\",\"trigger\":\"time-in-stage\",\"dueAt\":\"2026-03-16T01:00:00+00:00\",\"message\":{\"en\":\"Stalled\"}}";

        var payload = Assert.IsType<EscalationRaised>(DealEventCodec.Decode(DealEventTypes.EscalationRaised, data));

        Assert.Null(payload.StageEnteredAt);
        Assert.Equal("Stalled", payload.Message["en"]);
        Assert.Equal(data, DealEventCodec.Encode(payload).GetRawText());
    }

    [Fact]
    public void Payload_SerialisedAsTheBaseType_CarriesItsStoredTypeName()
    {
        DealEventPayload payload = new DealWon("after-sales", "negotiation", 90_000m, 12.5);

        var json = JsonSerializer.Serialize(payload);

        Assert.StartsWith("{\"$type\":\"deal-won\"", json, StringComparison.Ordinal);
        Assert.Equal(payload, JsonSerializer.Deserialize<DealEventPayload>(json));
    }

    [Fact]
    public async Task EveryEventHistory_WritesEveryEventType_AndTheProjectionFoldsEachDealToTheEnginesState()
    {
        var folder = Directory.CreateTempSubdirectory("sw-every-event-").FullName;
        var definitions = EveryEventHistory.WriteDefinitions(folder);
        await using (var harness = new EngineHarness(definitions, folder: folder))
        {
            await EveryEventHistory.RecordAsync(harness.Engine, harness.Maintenance, harness.Clock);
            var events = await harness.Engine.ReadEventsAsync(0, 100_000);
            Assert.Equal(string.Empty, string.Join(", ", Declared.Except(LegacyOnly).Where(t => events.All(e => e.Type != t))));
            Assert.DoesNotContain(events, e => LegacyOnly.Contains(e.Type));
            Assert.DoesNotContain(events, e => e.Payload is UnrecognizedEvent);

            foreach (var deal in events.Select(e => e.DealId).Distinct())
            {
                var projection = new DealProjection();
                foreach (var e in events.Where(e => e.DealId == deal))
                {
                    projection.Apply(e);
                }

                var state = (await harness.Engine.GetDealAsync(deal))!;
                Assert.Equal((state.Stage, state.Status, state.EnteredStageAt, state.LossReason, state.ProcessVersion, state.EventCount),
                    (projection.Stage, projection.Status, projection.EnteredStageAt, projection.LossReason, projection.ProcessVersion, projection.EventCount));
                Assert.Equal((state.Opportunity.Name, state.Opportunity.Amount, state.Owner.Team), (projection.Opportunity!.Name, projection.Opportunity.Amount, projection.Owner!.Team));
                Assert.Equal(state.Contacts.Select(c => (c.Id, c.LastContactedAt)), projection.Contacts.Select(c => (c.Id, c.LastContactedAt)));
                Assert.Equal(state.Activities.Select(a => (a.Id, a.At)), projection.Activities.Select(a => (a.Id, a.At)));
                Assert.Equal(state.Approvals.Select(a => a.Id), projection.Approvals.Select(a => a.Id));
                Assert.Equal(state.Feedback.Select(f => (f.Id, f.Satisfaction)), projection.Feedback.Select(f => (f.Id, f.Satisfaction)));
                Assert.Equal(state.ChecklistDone.Order(StringComparer.Ordinal), projection.ChecklistDone.Order(StringComparer.Ordinal));
                Assert.Equal(state.Tasks, projection.Tasks, TaskComparer.Instance);
                Assert.Equal(state.LastEvaluation.Risks.Select(r => r.Id).Order(StringComparer.Ordinal), projection.OpenRisks.Order(StringComparer.Ordinal));
            }
        }

        // Run once with SW_WRITE_LEGACY_FIXTURE=<folder> to keep the database this engine wrote (tests/Fixtures/).
        if (Environment.GetEnvironmentVariable("SW_WRITE_LEGACY_FIXTURE") is { Length: > 0 } target)
        {
            KeepDatabase(folder, definitions, target);
        }
    }

    private static void KeepDatabase(string folder, string definitions, string target)
    {
        SqliteConnection.ClearAllPools();
        var source = Path.Combine(folder, "salesworkflow.db");
        using (var connection = new SqliteConnection($"Data Source={source}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE; VACUUM;";
            command.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        Directory.CreateDirectory(target);
        File.Copy(source, Path.Combine(target, "salesworkflow.db"), overwrite: true);
        foreach (var file in Directory.GetFiles(definitions))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
    }

    /// <summary>Tasks compare by value (their titles are dictionaries, which records compare by reference).</summary>
    private sealed class TaskComparer : IEqualityComparer<SalesWorkflow.Sdk.Facts.DealTask>
    {
        public static readonly TaskComparer Instance = new();

        public bool Equals(SalesWorkflow.Sdk.Facts.DealTask? x, SalesWorkflow.Sdk.Facts.DealTask? y) =>
            x is not null && y is not null && (x with { Title = y.Title }) == y && x.Title.OrderBy(p => p.Key).SequenceEqual(y.Title.OrderBy(p => p.Key));

        public int GetHashCode(SalesWorkflow.Sdk.Facts.DealTask obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
