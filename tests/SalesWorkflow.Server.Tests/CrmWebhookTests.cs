using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Import;

namespace SalesWorkflow.Server.Tests;

/// <summary>The server with a webhook of each format, on one database (docs/import.md, "Live sync").</summary>
public sealed class CrmWebhookServer : IDisposable
{
    public const string HubSpotSecret = "hubspot-client-secret";
    public const string JsonSecret = "json-signing-key";
    public const string SalesforceOrg = "00D5g000004XyZaEAK";
    public const string DynamicsKey = "dynamics-key";
    public const string ZohoToken = "zoho-token";

    private readonly string _folder = Directory.CreateTempSubdirectory("sw-crm-webhooks-").FullName;

    public CrmWebhookServer()
    {
        // The json format with HubSpot's columns and value maps: the generic envelope, for any sender.
        var generic = Path.Combine(_folder, "generic.yaml");
        File.WriteAllText(generic, CrmMapping.PresetText("hubspot")!.Replace("format: hubspot", "format: json", StringComparison.Ordinal));
        Factory = new ServerFactory(new Dictionary<string, string>
        {
            ["SalesWorkflowServer:CrmWebhooks:hubspot:Secret"] = HubSpotSecret,
            ["SalesWorkflowServer:CrmWebhooks:generic:Mapping"] = generic,
            ["SalesWorkflowServer:CrmWebhooks:generic:Secret"] = JsonSecret,
            ["SalesWorkflowServer:CrmWebhooks:salesforce:Secret"] = SalesforceOrg,
            ["SalesWorkflowServer:CrmWebhooks:dynamics:Secret"] = DynamicsKey,
            ["SalesWorkflowServer:CrmWebhooks:zoho:Secret"] = ZohoToken,
        });
    }

    public ServerFactory Factory { get; }

    public ISalesWorkflowEngine Engine => Factory.Services.GetRequiredService<ISalesWorkflowEngine>();

    public void Dispose()
    {
        Factory.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

public sealed class CrmWebhookTests(CrmWebhookServer server) : IClassFixture<CrmWebhookServer>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    [Fact]
    public async Task GenericJson_SignedFullDeal_StartsIt_AndTheSameCallAgainChangesNothing()
    {
        var body = JsonSerializer.Serialize(new
        {
            events = new[]
            {
                new
                {
                    id = "evt-json-1",
                    deal = "json-1",
                    occurredAt = "2026-12-01T09:00:00Z",
                    properties = new Dictionary<string, string>
                    {
                        ["Deal Name"] = "Forklift fleet — Acme",
                        ["Deal Stage"] = "Qualified To Buy",
                        ["Pipeline"] = "Sales Pipeline",
                        ["Deal Owner"] = "li-na",
                        ["Create Date"] = "2026-11-20",
                        ["Close Date"] = "2027-01-31T00:00:00Z",
                        ["Amount"] = "48,000.00",
                    },
                },
            },
        });

        var first = await PostJson("generic", body);
        var answer = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("applied", answer.GetProperty("events")[0].GetProperty("outcome").GetString());
        var deal = await server.Engine.GetDealAsync("json-1");
        Assert.NotNull(deal);
        Assert.Equal("needs-analysis", deal.Stage);
        Assert.Equal(DealStatus.Open, deal.Status);
        Assert.Equal(48_000m, deal.Opportunity.Amount);
        Assert.Equal(new DateOnly(2027, 1, 31), DateOnly.FromDateTime(deal.Opportunity.ExpectedCloseDate!.Value.DateTime));

        var again = await PostJson("generic", body);
        var second = await again.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("duplicate", second.GetProperty("events")[0].GetProperty("code").GetString());
        Assert.Equal(deal.EventCount, (await server.Engine.GetDealAsync("json-1"))!.EventCount);
    }

    [Fact]
    public async Task GenericJson_RefusesABadSignature_AnOldOne_AndABodyThatIsNotJson()
    {
        var client = await server.Factory.Anonymous();
        var body = """{"events":[{"id":"evt-forged","deal":"forged-1","properties":{"Deal Stage":"Closed Won"}}]}""";

        using var forged = new HttpRequestMessage(HttpMethod.Post, "/api/crm/generic/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        forged.Headers.Add("X-SalesWorkflow-Signature", $"t={Now().ToUnixTimeSeconds()},v1={new string('0', 64)}");
        var refused = await client.SendAsync(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("does not match", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var replayed = await PostJson("generic", body, signedAt: Now().AddMinutes(-10));
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Contains("more than 5 minutes", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(await server.Engine.GetDealAsync("forged-1"));

        var broken = await PostJson("generic", """{"events":[{"id":"x",""");
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains("line 1", await broken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HubSpot_PropertyChanges_MoveAndWinTheDeal_ALateOneIsStale_AndAnUnmappedStageIsRefusedAndKept()
    {
        await StartThroughGeneric("hs-1", "Appointment Scheduled");
        var at = Now();

        var moved = await PostHubSpot(
            HubSpotEvent(9001, "hs-1", "dealstage", "contractsent", at.AddMinutes(-2)),
            HubSpotEvent(9002, "hs-1", "amount", "52000", at.AddMinutes(-2)));
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var deal = (await server.Engine.GetDealAsync("hs-1"))!;
        Assert.Equal("negotiation", deal.Stage);
        Assert.Equal(52_000m, deal.Opportunity.Amount);

        // Sent before the move, delivered after it: applying it would move the deal back.
        var late = await PostHubSpot(HubSpotEvent(9000, "hs-1", "dealstage", "qualifiedtobuy", at.AddMinutes(-3)));
        Assert.Equal("stale", (await late.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("events")[0].GetProperty("code").GetString());
        Assert.Equal("negotiation", (await server.Engine.GetDealAsync("hs-1"))!.Stage);

        var unmapped = await PostHubSpot(HubSpotEvent(9003, "hs-1", "dealstage", "custom-stage-17", at.AddMinutes(-1)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unmapped.StatusCode);
        Assert.Contains("custom-stage-17", await unmapped.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var director = await server.Factory.ClientFor("chen-jie");
        var kept = await director.GetFromJsonAsync<List<CrmEventRecord>>("/api/crm/hubspot/events?refused=true", Web);
        var record = Assert.Single(kept!, r => r.EventId == "9003");
        Assert.Equal(CrmEventOutcome.Refused, record.Outcome);
        Assert.Contains("custom-stage-17", record.Payload, StringComparison.Ordinal);
        var rep = await server.Factory.ClientFor("li-na");
        Assert.Equal(HttpStatusCode.Forbidden, (await rep.GetAsync("/api/crm/hubspot/events")).StatusCode);

        var won = await PostHubSpot(HubSpotEvent(9004, "hs-1", "dealstage", "closedwon", at));
        Assert.Equal(HttpStatusCode.OK, won.StatusCode);
        Assert.Equal(DealStatus.Won, (await server.Engine.GetDealAsync("hs-1"))!.Status);
    }

    [Fact]
    public async Task HubSpot_UnsignedCall_AndADealItDoesNotDescribeWhole_AreRefused()
    {
        var client = await server.Factory.Anonymous();
        var unsigned = await client.PostAsync("/api/crm/hubspot/webhook", new StringContent("[]", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);

        var unknown = await PostHubSpot(HubSpotEvent(9100, "hs-unknown", "dealstage", "contractsent", Now()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        var answer = (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("events")[0];
        Assert.Equal("unknown-deal", answer.GetProperty("code").GetString());
        Assert.Null(await server.Engine.GetDealAsync("hs-unknown"));

        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/crm/pipedrive/webhook", new StringContent("{}"))).StatusCode);
    }

    [Fact]
    public async Task Salesforce_OutboundMessage_FromTheOrganization_StartsTheOpportunity_AndIsAcknowledged()
    {
        var message = SalesforceMessage(CrmWebhookServer.SalesforceOrg, "04l5g00000AbCdEAAA", "0065g00000Sf0001AA", "Negotiation/Review", "75000.0");
        var client = await server.Factory.Anonymous();
        var answer = await client.PostAsync("/api/crm/salesforce/webhook", new StringContent(message, Encoding.UTF8, "text/xml"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("<Ack>true</Ack>", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var deal = (await server.Engine.GetDealAsync("0065g00000Sf0001AA"))!;
        Assert.Equal("negotiation", deal.Stage);
        Assert.Equal(75_000m, deal.Opportunity.Amount);

        var other = await client.PostAsync("/api/crm/salesforce/webhook", new StringContent(SalesforceMessage("00D000000000001AAA", "04l5g00000AbCdEBBB", "0065g00000Sf0002AA", "Closed Won", "1.0"), Encoding.UTF8, "text/xml"));
        Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
        Assert.Null(await server.Engine.GetDealAsync("0065g00000Sf0002AA"));

        // An external entity is not resolved: the message does not read, so it cannot be verified.
        var entity = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>""";
        var hostile = await client.PostAsync("/api/crm/salesforce/webhook", new StringContent(entity, Encoding.UTF8, "text/xml"));
        Assert.Equal(HttpStatusCode.Unauthorized, hostile.StatusCode);
        Assert.DoesNotContain("root:", await hostile.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dynamics_CreateThenLose_ThroughTheExecutionContext_WithTheKeyHeader()
    {
        var client = await server.Factory.Anonymous();
        var created = await PostDynamics(client, DynamicsContext("op-create-1", "Create", "Open", "Active", "2-Develop"), CrmWebhookServer.DynamicsKey);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("needs-analysis", (await server.Engine.GetDealAsync("7a6b1c2d-0000-4000-8000-000000000001"))!.Stage);

        var lost = await PostDynamics(client, DynamicsContext("op-lose-1", "Lose", "Lost", "Out-Sold", "2-Develop"), CrmWebhookServer.DynamicsKey);
        Assert.Equal(HttpStatusCode.OK, lost.StatusCode);
        var deal = (await server.Engine.GetDealAsync("7a6b1c2d-0000-4000-8000-000000000001"))!;
        Assert.Equal(DealStatus.Lost, deal.Status);
        Assert.Equal("competitor", deal.LossReason);

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostDynamics(client, DynamicsContext("op-x", "Update", "Open", "Active", "3-Propose"), "wrong-key")).StatusCode);
    }

    [Fact]
    public async Task Zoho_WorkflowWebhookParameters_WithTheToken_StartTheDeal_OnceOnly()
    {
        var client = await server.Factory.Anonymous();
        var form = new Dictionary<string, string>
        {
            ["token"] = CrmWebhookServer.ZohoToken,
            ["id"] = "zoho-4150868000000123001",
            ["Deal_Name"] = "Annual licences",
            ["Stage"] = "Proposal/Price Quote",
            ["Owner"] = "li-na",
            ["Created_Time"] = "2026-11-25T10:04:05+08:00",
            ["Closing_Date"] = "2026-12-20",
            ["Amount"] = "12000",
        };
        var first = await client.PostAsync("/api/crm/zoho/webhook", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var deal = (await server.Engine.GetDealAsync("zoho-4150868000000123001"))!;
        Assert.Equal("proposal", deal.Stage);

        var again = await client.PostAsync("/api/crm/zoho/webhook", new FormUrlEncodedContent(form));
        Assert.Equal("duplicate", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("events")[0].GetProperty("code").GetString());

        form["token"] = "guess";
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/api/crm/zoho/webhook", new FormUrlEncodedContent(form))).StatusCode);
    }

    [Fact]
    public async Task GeneratedPayloads_SignedButMangled_AreAnsweredWithAReason_NeverAServerError()
    {
        // Each body is signed after it is mangled, so that it gets past the signature to the parsers and the mapping.
        var random = new Random(20261206);
        var seeds = new[]
        {
            JsonSerializer.Serialize(new[] { HubSpotEvent(1, "hs-fuzz", "dealstage", "contractsent", Now()), HubSpotEvent(2, "hs-fuzz", "amount", "1e400", Now()) }),
            DynamicsContext("op-fuzz", "Update", "Won", "Won", "4-Close", deal: "7a6b1c2d-0000-4000-8000-0000000000f0"),
        };
        var pieces = new[] { "{", "}", "[", "]", "\"", ",", ":", "null", "-1", "99999999999999999999", "\\u0000", "\"/Date(-1)/\"", "\"9999-12-31\"", "\"<script>\"" };
        var statuses = new HashSet<HttpStatusCode>();
        for (var i = 0; i < 300; i++)
        {
            var seed = seeds[i % seeds.Length];
            var text = new StringBuilder(seed);
            for (var edits = random.Next(1, 4); edits > 0; edits--)
            {
                var at = random.Next(text.Length);
                _ = random.Next(3) switch
                {
                    0 => text.Remove(at, Math.Min(random.Next(1, 12), text.Length - at)),
                    1 => text.Insert(at, pieces[random.Next(pieces.Length)]),
                    _ => text.Replace(text[at], pieces[random.Next(pieces.Length)][0], at, 1),
                };
            }

            var response = i % seeds.Length == 0 ? await PostHubSpotBody(text.ToString()) : await PostDynamics(await server.Factory.Anonymous(), text.ToString(), CrmWebhookServer.DynamicsKey);
            statuses.Add(response.StatusCode);
            Assert.True((int)response.StatusCode is 200 or 400 or 422, $"{response.StatusCode} for {text}: {await response.Content.ReadAsStringAsync()}");
            Assert.DoesNotContain("   at ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Contains(HttpStatusCode.BadRequest, statuses);
    }

    [Theory]
    [InlineData("Mapping", "pipedrive", "the mapping does not load")]
    [InlineData("Process", "no-such-process", "name the process with Process")]
    [InlineData("Secret", "", "Secret is empty")]
    public void AWebhookThatCannotWork_StopsTheServerAtStart_WithTheReason(string key, string value, string reason)
    {
        var settings = new Dictionary<string, string> { ["SalesWorkflowServer:CrmWebhooks:hubspot:Secret"] = "s3cret", [$"SalesWorkflowServer:CrmWebhooks:hubspot:{key}"] = value };
        using var misconfigured = new ServerFactory(settings);

        var error = Assert.Throws<InvalidOperationException>(() => misconfigured.Server);
        Assert.Contains("SalesWorkflowServer:CrmWebhooks:hubspot", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    private static DateTimeOffset Now() => TimeProvider.System.GetUtcNow();

    private async Task StartThroughGeneric(string dealId, string stage)
    {
        var body = JsonSerializer.Serialize(new
        {
            id = "start-" + dealId,
            deal = dealId,
            properties = new Dictionary<string, string> { ["Deal Stage"] = stage, ["Deal Owner"] = "li-na", ["Create Date"] = "2026-11-01", ["Amount"] = "30000" },
        });
        Assert.Equal(HttpStatusCode.OK, (await PostJson("generic", body)).StatusCode);
    }

    private async Task<HttpResponseMessage> PostJson(string name, string body, DateTimeOffset? signedAt = null)
    {
        var client = await server.Factory.Anonymous();
        var t = (signedAt ?? Now()).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(CrmWebhookServer.JsonSecret), Encoding.UTF8.GetBytes(t + "." + body)));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/crm/{name}/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-SalesWorkflow-Signature", $"t={t},v1={signature}");
        return await client.SendAsync(request);
    }

    private static object HubSpotEvent(long eventId, string dealId, string property, string value, DateTimeOffset at) => new
    {
        eventId,
        subscriptionId = 177,
        portalId = 62515,
        appId = 54321,
        occurredAt = at.ToUnixTimeMilliseconds(),
        subscriptionType = "deal.propertyChange",
        attemptNumber = 0,
        objectId = dealId,
        propertyName = property,
        propertyValue = value,
        changeSource = "CRM",
    };

    /// <summary>Signed as HubSpot signs (v3): Base64 HMAC-SHA256 of method, URI, body and timestamp.</summary>
    private Task<HttpResponseMessage> PostHubSpot(params object[] events) => PostHubSpotBody(JsonSerializer.Serialize(events));

    private async Task<HttpResponseMessage> PostHubSpotBody(string body)
    {
        var client = await server.Factory.Anonymous();
        var uri = new Uri(client.BaseAddress!, "/api/crm/hubspot/webhook");
        var timestamp = Now().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(CrmWebhookServer.HubSpotSecret), Encoding.UTF8.GetBytes("POST" + uri.AbsoluteUri + body + timestamp)));
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-HubSpot-Signature-v3", signature);
        request.Headers.Add("X-HubSpot-Request-Timestamp", timestamp);
        return await client.SendAsync(request);
    }

    private static string SalesforceMessage(string organization, string notification, string opportunity, string stage, string amount) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
         <soapenv:Body>
          <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
           <OrganizationId>{organization}</OrganizationId>
           <ActionId>04k5g000000XyZaAAK</ActionId>
           <SessionId xsi:nil="true"/>
           <Notification>
            <Id>{notification}</Id>
            <sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
             <sf:Id>{opportunity}</sf:Id>
             <sf:Amount>{amount}</sf:Amount>
             <sf:CloseDate>2027-02-28</sf:CloseDate>
             <sf:CreatedDate>2026-11-03T08:15:00.000Z</sf:CreatedDate>
             <sf:Name>Line 4 retrofit</sf:Name>
             <sf:OwnerId>li-na</sf:OwnerId>
             <sf:StageName>{stage}</sf:StageName>
            </sObject>
           </Notification>
          </notifications>
         </soapenv:Body>
        </soapenv:Envelope>
        """;

    private static async Task<HttpResponseMessage> PostDynamics(HttpClient client, string context, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/crm/dynamics/webhook") { Content = new StringContent(context, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-SalesWorkflow-Key", key);
        return await client.SendAsync(request);
    }

    /// <summary>A RemoteExecutionContext as Dynamics posts it, with the opportunity's post-image.</summary>
    private static string DynamicsContext(string operation, string message, string state, string reason, string phase, string deal = "7a6b1c2d-0000-4000-8000-000000000001") => JsonSerializer.Serialize(new
    {
        BusinessUnitId = "0f1e2d3c-0000-4000-8000-000000000000",
        CorrelationId = "c0ffee00-0000-4000-8000-000000000000",
        MessageName = message,
        OperationId = operation,
        OperationCreatedOn = "/Date(1764583200000)/",
        PrimaryEntityName = "opportunity",
        PrimaryEntityId = deal,
        PostEntityImages = new[]
        {
            new
            {
                key = "PostImage",
                value = new
                {
                    LogicalName = "opportunity",
                    Id = deal,
                    Attributes = new object[]
                    {
                        new { key = "name", value = (object)"Warehouse automation" },
                        new { key = "stepname", value = (object)phase },
                        new { key = "statecode", value = (object)new { Value = state == "Open" ? 0 : state == "Won" ? 1 : 2 } },
                        new { key = "statuscode", value = (object)new { Value = 5 } },
                        new { key = "ownerid", value = (object)new { Id = "aa000000-0000-4000-8000-000000000000", LogicalName = "systemuser", Name = "li-na" } },
                        new { key = "createdon", value = (object)"/Date(1762000000000)/" },
                        new { key = "estimatedclosedate", value = (object)"/Date(1767139200000)/" },
                        new { key = "actualclosedate", value = (object)"/Date(1764583200000)/" },
                        new { key = "estimatedvalue", value = (object)new { Value = 88000.0 } },
                    },
                    FormattedValues = new[]
                    {
                        new { key = "statecode", value = state },
                        new { key = "statuscode", value = reason },
                    },
                },
            },
        },
    });
}
