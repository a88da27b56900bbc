using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Hosting;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Engine.StoreContract;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Plugins;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Plugins.Email.Tests;

/// <summary>Escalations e-mailed through a real SMTP server (STARTTLS, authentication) to the people the organisation file names, once.</summary>
#pragma warning disable CA1001 // The server is disposed in DisposeAsync (IAsyncLifetime), as xunit runs it.
public sealed class EmailDeliveryTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sw-email-").FullName;
    private TestSmtpServer _smtp = null!;

    private string Ledger => Path.Combine(_folder, "email-sent.log");

    public Task InitializeAsync()
    {
        _smtp = new TestSmtpServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _smtp.DisposeAsync();

    private EmailOptions Options() => new()
    {
        Host = "localhost",
        Port = _smtp.Port,
        Security = SmtpSecurity.StartTls,
        UserName = TestSmtpServer.User,
        Password = TestSmtpServer.Password,
        From = "SalesWorkflow <noreply@example.com>",
        SentLedgerPath = Ledger,
    };

    /// <summary>The plugin as a restarted host creates it: a new instance, the same ledger, trusting only the test server's certificate.</summary>
    private EmailPlugin Plugin(EmailOptions? options = null, TimeProvider? clock = null)
    {
        var thumbprint = _smtp.Certificate.Thumbprint;
        return new EmailPlugin(
            options ?? Options(),
            () => new SmtpClient { ServerCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint },
            clock ?? TimeProvider.System);
    }

    private static IProcessEventSink SinkOf(EmailPlugin plugin)
    {
        var registry = new Registry();
        plugin.Register(registry);
        return Assert.Single(registry.Sinks).Sink;
    }

    /// <summary>The shipped process (without its plugins) and organisation file, in a folder of their own.</summary>
    private string Definitions()
    {
        var definitions = Path.Combine(_folder, "definitions");
        Directory.CreateDirectory(definitions);
        File.Copy(ContractProcess.Path, Path.Combine(definitions, "standard-b2b.yaml")); // the shipped process without its plugins
        File.Copy(Path.Combine(RepoPaths.Definitions, "organisation.yaml"), Path.Combine(definitions, "organisation.yaml"));
        return definitions;
    }

    /// <summary>The engine with the plugin; the plugin reads quiet hours on the engine's fake clock.</summary>
    private StoreHarness Engine(string definitions, Func<TimeProvider, EmailPlugin> plugin)
    {
        var clock = new EnginesClock();
        var harness = new StoreHarness(new SqliteStore(_folder), definitions, services => services.AddSalesWorkflowPlugin(plugin(clock)), o => o.RunBackgroundServices = false);
        clock.Engine = harness.Clock;
        return harness;
    }

    /// <summary>The engine's clock, for a plugin made before the engine is.</summary>
    private sealed class EnginesClock : TimeProvider
    {
        public TimeProvider Engine { get; set; } = System;

        public override DateTimeOffset GetUtcNow() => Engine.GetUtcNow();
    }

    [Fact]
    public async Task AnEscalationToTheManager_IsEmailedToTheOwnersManager_OnceAcrossAFailureAndARestart()
    {
        var definitions = Definitions();
        await using (var harness = Engine(definitions, clock => Plugin(clock: clock)))
        {
            await harness.Submit(new StartTracking(harness.NextId(), "D-1", "standard-b2b")
            {
                Opportunity = new Opportunity { Name = "华东 ERP", Amount = 800_000, AccountId = "acme", OwnerId = "li-na" },
                Owner = new Owner { Id = "li-na", Team = "east", LastActiveAt = harness.Clock.GetUtcNow() },
                Contacts = [new Contact { Id = "c1", LastContactedAt = harness.Clock.GetUtcNow() }],
            });

            // Stalled 17 days: level 1 to the owner at 14, level 2 to the manager at 17. The manager's mailbox refuses
            // the first attempt.
            _smtp.RefuseTimes["manager.east@example.com"] = 1;
            for (var day = 0; day < 17; day++)
            {
                harness.Clock.Advance(TimeSpan.FromDays(1));
                await harness.Submit(new LogActivity(harness.NextId(), "D-1", new Activity { Kind = "call", ContactId = "c1" }));
                await harness.Maintenance.FireDueTimersAsync();
                await harness.Maintenance.DispatchEventsAsync();
            }
        }

        // The owner heard of her overdue triage task (2 days) and of the first level; the manager not yet.
        Assert.Equal(["li.na@example.com", "li.na@example.com"], _smtp.Messages.SelectMany(m => m.To.Mailboxes).Select(m => m.Address));
        Assert.Equal(["[SalesWorkflow] D-1：任务 triage 已逾期", "[SalesWorkflow] D-1：stalled-deal（第 1/3 级）"], _smtp.Messages.Select(m => m.Subject));

        // The host restarts with a new plugin instance on the same ledger; the outbox delivers the level-2 escalation again.
        await using (var restarted = Engine(definitions, clock => Plugin(clock: clock)))
        {
            restarted.Clock.SetUtcNow(new DateTimeOffset(2027, 3, 2, 2, 0, 0, TimeSpan.Zero)); // past any back-off, at 10:00 in Shanghai: nobody's quiet hours
            await restarted.Maintenance.DispatchEventsAsync();
            await restarted.Maintenance.DispatchEventsAsync();
        }

        var messages = _smtp.Messages.ToList();
        Assert.Equal(["li.na@example.com", "li.na@example.com", "manager.east@example.com"], messages.SelectMany(m => m.To.Mailboxes).Select(m => m.Address));
        Assert.Equal(3, messages.Select(m => m.MessageId).Distinct().Count());
        var manager = messages[2];
        Assert.StartsWith("[SalesWorkflow] D-1：", manager.Subject, StringComparison.Ordinal); // the manager reads Chinese
        Assert.Contains("商机在当前阶段停留超过14天", manager.TextBody, StringComparison.Ordinal);
        Assert.StartsWith("D-1:", manager.Headers["X-SalesWorkflow-Event-Id"]!, StringComparison.Ordinal);
        Assert.True(_smtp.Authenticated >= 2);
        Assert.Equal(0, _smtp.Failed);
    }

    [Fact]
    public async Task ARedeliveredEvent_AfterARestart_IsNotEmailedAgain_AndKeepsItsMessageId()
    {
        var escalation = Escalation("D-7:12", [new EventRecipient("manager-east", "华东经理", "manager.east@example.com", "zh"), new EventRecipient("director-liu", null, "director.liu@example.com", "en")]);

        await SinkOf(Plugin()).EmitAsync(escalation, CancellationToken.None);
        await SinkOf(Plugin()).EmitAsync(escalation, CancellationToken.None); // the outbox never heard back: redelivered to a restarted host

        var messages = _smtp.Messages.ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal(["D-7=3A12.manager-east@salesworkflow.invalid", "D-7=3A12.director-liu@salesworkflow.invalid"], messages.Select(m => m.MessageId));
        Assert.StartsWith("[SalesWorkflow] D-7: stalled-deal (level 2 of 3)", messages[1].Subject, StringComparison.Ordinal);
        Assert.Equal(2, File.ReadAllLines(Ledger).Length);
    }

    [Fact]
    public async Task APersonInQuietHours_IsWrittenToWhenTheyEnd_TheOthersAtOnce_EachOnce()
    {
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 23, 30, 0, TimeSpan.FromHours(8)));
        var escalation = Escalation("D-5:4", [
            new EventRecipient("manager-east", "华东经理", "manager.east@example.com", "zh") { QuietHours = new QuietHours(new TimeOnly(22, 0), new TimeOnly(8, 0), shanghai) },
            new EventRecipient("director-liu", null, "director.liu@example.com", "zh"),
        ]);
        var sink = SinkOf(Plugin(clock: clock));

        var deferred = await Assert.ThrowsAsync<DeliveryDeferredException>(async () => await sink.EmitAsync(escalation, CancellationToken.None));
        Assert.Equal(new DateTimeOffset(2026, 3, 3, 8, 0, 0, TimeSpan.FromHours(8)), deferred.NotBefore);
        Assert.Contains("held for 1 of 2 recipients", deferred.Message, StringComparison.Ordinal);
        Assert.Equal(["director.liu@example.com"], _smtp.Messages.SelectMany(m => m.To.Mailboxes).Select(m => m.Address));

        // Offered again at the end of the quiet hours (the outbox's retry): only the manager is written to now.
        clock.SetUtcNow(deferred.NotBefore);
        await sink.EmitAsync(escalation, CancellationToken.None);

        Assert.Equal(["director.liu@example.com", "manager.east@example.com"], _smtp.Messages.SelectMany(m => m.To.Mailboxes).Select(m => m.Address));
    }

    [Fact]
    public async Task QuietHoursNotHonoured_WhenTheOptionsSaySo()
    {
        var options = Options();
        options.HonourQuietHours = false;
        var quiet = new QuietHours(new TimeOnly(0, 0), new TimeOnly(23, 59), TimeZoneInfo.Utc);

        await SinkOf(Plugin(options)).EmitAsync(Escalation("D-6:1", [new EventRecipient("li-na", null, "li.na@example.com", "zh") { QuietHours = quiet }]), CancellationToken.None);

        Assert.Single(_smtp.Messages);
    }

    [Fact]
    public async Task ADigest_IsEmailedOncePerDay_AndSomeoneWhoTakesItGetsNoMessagePerEscalation()
    {
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var manager = new EventRecipient("manager-east", "华东经理", "manager.east@example.com", "zh") { TakesDigest = true, TimeZone = shanghai };
        var sink = (IDigestSink)SinkOf(Plugin());
        var morning = new DateTimeOffset(2026, 3, 3, 8, 30, 0, TimeSpan.FromHours(8));
        Digest DigestAt(DateTimeOffset at) => new(
            manager,
            at,
            [new DigestTask("D-2", "lead", "triage", new DateTimeOffset(2026, 3, 3, 10, 0, 0, TimeSpan.Zero))],
            [new DigestTask("D-1", "proposal", "send-proposal", new DateTimeOffset(2026, 3, 1, 1, 0, 0, TimeSpan.Zero))],
            [new DigestEscalation("D-1", "proposal", "stalled-deal", 2)]);

        await sink.SendDigestAsync(DigestAt(morning), CancellationToken.None);
        await sink.SendDigestAsync(DigestAt(morning.AddHours(2)), CancellationToken.None); // the scheduler ran twice that morning
        await sink.SendDigestAsync(DigestAt(morning.AddDays(1)), CancellationToken.None);
        await ((IProcessEventSink)sink).EmitAsync(Escalation("D-1:9", [manager]), CancellationToken.None);

        var messages = _smtp.Messages.ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal("[SalesWorkflow] 2026-03-03 每日待办：1 项逾期，1 项即将到期，1 个升级", messages[0].Subject);
        Assert.Contains("逾期: D-1（proposal）：任务 send-proposal，截止 2026-03-01 09:00 +08:00", messages[0].TextBody, StringComparison.Ordinal);
        Assert.Contains("升级: D-1（proposal）：stalled-deal，第 2 级", messages[0].TextBody, StringComparison.Ordinal);
        Assert.StartsWith("[SalesWorkflow] 2026-03-04 ", messages[1].Subject, StringComparison.Ordinal);
        Assert.Equal(2, messages.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task PeopleWithoutAnAddress_AndOtherEventTypes_AreSkipped()
    {
        var sink = SinkOf(Plugin());

        await sink.EmitAsync(Escalation("D-8:3", [new EventRecipient("nobody-known", null, null, null)]), CancellationToken.None);
        await sink.EmitAsync(Escalation("D-8:4", [new EventRecipient("li-na", null, "li.na@example.com", "zh")]) with { Type = "deal-won" }, CancellationToken.None);

        Assert.Empty(_smtp.Messages);
    }

    [Fact]
    public async Task AWrongPassword_FailsTheDelivery_SoTheOutboxRetriesIt()
    {
        var options = Options();
        options.Password = "wrong";
        var sink = SinkOf(Plugin(options));

        await Assert.ThrowsAsync<MailKit.Security.AuthenticationException>(async () => await sink.EmitAsync(Escalation("D-9:1", [new EventRecipient("li-na", null, "li.na@example.com", null)]), CancellationToken.None));

        Assert.Empty(_smtp.Messages);
        Assert.True(_smtp.Failed >= 1); // each mechanism MailKit tries is refused
    }

    [Fact]
    public void Options_ThatCannotWork_AreRefusedWithEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => new EmailPlugin(new EmailOptions { Host = "smtp.example.com", From = "not an address", Security = SmtpSecurity.None, UserName = "u", EventTypes = [] }));

        Assert.Contains("from:", error.Message, StringComparison.Ordinal);
        Assert.Contains("security:", error.Message, StringComparison.Ordinal);
        Assert.Contains("eventTypes:", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("host:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmailJson_IsRead_WithThePasswordFromTheEnvironment_AndAMisspeltKeyIsAnError()
    {
        var folder = Directory.CreateTempSubdirectory("sw-email-json-").FullName;
        var file = Path.Combine(folder, EmailPlugin.ConfigurationFile);
        Assert.Null(EmailPlugin.Load(file, _ => null));

        File.WriteAllText(Path.Combine(folder, EmailPlugin.ConfigurationFile), """{ "host": "smtp.example.com", "from": "noreply@example.com", "userName": "u", "security": "startTls" }""");
        var options = EmailPlugin.Load(file, name => name == EmailPlugin.PasswordVariable ? "from-env" : null)!;
        Assert.Equal(("smtp.example.com", 587, "from-env"), (options.Host, options.Port, options.Password));

        File.WriteAllText(Path.Combine(folder, EmailPlugin.ConfigurationFile), """{ "hots": "smtp.example.com", "from": "noreply@example.com" }""");
        var error = Assert.Throws<InvalidOperationException>(() => EmailPlugin.Load(file, _ => null));
        Assert.Contains(EmailPlugin.ConfigurationFile, error.Message, StringComparison.Ordinal);
    }

    private static ProcessEvent Escalation(string eventId, IReadOnlyList<EventRecipient> recipients) =>
        new(eventId, 12, eventId[..eventId.IndexOf(':', StringComparison.Ordinal)], "escalation-raised", DateTimeOffset.UtcNow, "standard-b2b", 1, "proposal",
            """{"escalation":"stalled-deal","level":2,"levels":3,"notify":"manager","trigger":"time-in-stage","dueAt":"2026-03-19T01:00:00+00:00","message":{"zh":"商机停滞。","en":"The deal has stalled."}}""")
        {
            Recipients = recipients,
        };

    private sealed class Registry : IPluginRegistry
    {
        public List<(string Name, IProcessEventSink Sink)> Sinks { get; } = [];

        public IPluginRegistry AddRules(params Type[] ruleTypes) => this;

        public IPluginRegistry AddFunctions(string namespaceName, Type functionsType) => this;

        public IPluginRegistry AddEnricher(IFactEnricher enricher) => this;

        public IPluginRegistry AddEventSink(string name, IProcessEventSink sink)
        {
            Sinks.Add((name, sink));
            return this;
        }
    }

    /// <summary>An SQLite database in the test's folder, shared by the harnesses of one test (a restart).</summary>
    private sealed class SqliteStore(string folder) : IStoreUnderTest
    {
        public void Configure(SalesWorkflowOptions options) => options.UseSqlite($"Data Source={Path.Combine(folder, "salesworkflow.db")}");

        public void Dispose()
        {
        }
    }
}
