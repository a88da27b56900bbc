using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SalesWorkflow.Server.Accounts;
using SalesWorkflow.Server.Api;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Server.Tests;

/// <summary>The processes the server runs, and validating and backtesting an uploaded version of one.</summary>
public sealed class ProcessApiTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    private static readonly string StandardB2b = File.ReadAllText(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"));

    /// <summary>Version 2 with a stricter lead gate: two contacts before first contact, where version 1 asked for one.</summary>
    private static string StricterLeadGate => Replace(RepoPaths.StandardB2bAt(3), "when: Contacts.Any()", "when: Contacts.Count() >= 2");

    private static string Replace(string text, string from, string to)
    {
        Assert.Contains(from, text, StringComparison.Ordinal);
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    private static StringContent Yaml(string text) => new(text, Encoding.UTF8, "application/yaml");

    [Fact]
    public async Task List_ShowsEachProcessWithItsVersions_ToAnyoneWhoReadsDeals()
    {
        var rep = await factory.ClientFor("li-na");

        var processes = await rep.GetFromJsonAsync<JsonElement>("/api/processes");

        var standard = processes.EnumerateArray().Single(p => p.GetProperty("id").GetString() == "standard-b2b");
        Assert.Equal(2, standard.GetProperty("latestVersion").GetInt32());
        Assert.Equal([2], standard.GetProperty("versions").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal("标准B2B销售流程", standard.GetProperty("nameZh").GetString());
        Assert.Contains(processes.EnumerateArray(), p => p.GetProperty("id").GetString() == "saas-velocity");
    }

    [Fact]
    public async Task Validate_ShowsATypoAtItsLine_AndSaysWhetherTheVersionIsFree()
    {
        var owner = await factory.ClientFor("owner-qi");
        var typo = Replace(StricterLeadGate, "    probability: 0.05", "    probabilty: 0.05");
        var line = typo[..typo.IndexOf("probabilty", StringComparison.Ordinal)].Count(c => c == '\n') + 1;

        var broken = await (await owner.PostAsync("/api/processes/validate", Yaml(typo))).Content.ReadFromJsonAsync<JsonElement>();

        Assert.False(broken.GetProperty("valid").GetBoolean());
        var diagnostic = broken.GetProperty("diagnostics").EnumerateArray().Single(d => d.GetProperty("code").GetString() == "SW1001");
        Assert.Equal(ProcessEndpoints.SingleFileName, diagnostic.GetProperty("span").GetProperty("file").GetString());
        Assert.Equal(line, diagnostic.GetProperty("span").GetProperty("line").GetInt32());
        Assert.Equal(5, diagnostic.GetProperty("span").GetProperty("column").GetInt32());
        Assert.Contains("probability", diagnostic.GetProperty("hint").GetString(), StringComparison.Ordinal);

        Assert.Equal("new", await StatusOf(owner, StricterLeadGate));
        Assert.Equal("unchanged", await StatusOf(owner, StandardB2b));
        Assert.Equal("version-taken", await StatusOf(owner, Replace(StandardB2b, "when: Contacts.Any()", "when: Contacts.Count() >= 2")));
    }

    private static async Task<string?> StatusOf(HttpClient client, string yaml)
    {
        var answer = await (await client.PostAsync("/api/processes/validate", Yaml(yaml))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(answer.GetProperty("valid").GetBoolean(), answer.ToString());
        return answer.GetProperty("processes").EnumerateArray().Single().GetProperty("status").GetString();
    }

    [Fact]
    public async Task Validate_SeveralFiles_ResolvesImportsAmongThem_AndReadsNothingFromDisk()
    {
        var owner = await factory.ClientFor("owner-qi");
        var saas = File.ReadAllText(Path.Combine(RepoPaths.Definitions, "saas-velocity.yaml"));
        var files = new Dictionary<string, string>
        {
            ["saas-velocity.yaml"] = saas,
            ["packs/bant.yaml"] = File.ReadAllText(Path.Combine(RepoPaths.Definitions, "packs", "bant.yaml")),
            ["packs/meddpicc.yaml"] = File.ReadAllText(Path.Combine(RepoPaths.Definitions, "packs", "meddpicc.yaml")),
        };

        var whole = await (await owner.PostAsJsonAsync("/api/processes/validate", new { entry = "saas-velocity.yaml", files })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(whole.GetProperty("valid").GetBoolean(), whole.ToString());
        Assert.Equal("unchanged", whole.GetProperty("processes")[0].GetProperty("status").GetString());

        // The packs exist in the server's definitions folder, but an upload is resolved among its own files only; and a
        // path out of the set, or a name that is not one, is refused without a byte of what it names.
        files.Remove("packs/meddpicc.yaml");
        files["saas-velocity.yaml"] = Replace(saas, "pack: packs/bant.yaml", "pack: /etc/passwd");
        files["..\\..\\etc\\shadow"] = "x";
        var hostile = await (await owner.PostAsJsonAsync("/api/processes/validate", new { entry = "saas-velocity.yaml", files })).Content.ReadFromJsonAsync<JsonElement>();
        var codes = hostile.GetProperty("diagnostics").EnumerateArray().Select(d => d.GetProperty("code").GetString()).ToList();
        Assert.Contains("SW1003", codes); // `/etc/passwd` is an absolute path
        Assert.Contains("SW0009", codes);
        Assert.True(codes.Contains("SW1209"), string.Join(", ", codes)); // packs/meddpicc.yaml: not among the files sent
        Assert.DoesNotContain("root:", hostile.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(RepoPaths.Definitions, hostile.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backtest_OfAStricterGate_BlocksTheRecordedMovesItWouldHaveRefused()
    {
        var rep = await factory.ClientFor("li-na");
        for (var i = 0; i < 3; i++)
        {
            await MoveToFirstContact(rep, $"bt-{i}");
        }

        var owner = await factory.ClientFor("owner-qi");
        var response = await owner.PostAsync("/api/processes/standard-b2b/backtest?sweepEvery=1d&sweepAt=00:00", Yaml(StricterLeadGate));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("standard-b2b", report.GetProperty("process").GetString());
        Assert.Equal(2, report.GetProperty("from").GetInt32());
        Assert.Equal(3, report.GetProperty("to").GetInt32());
        Assert.StartsWith("sweep every 1d at 00:00 UTC", report.GetProperty("cadence").GetString(), StringComparison.Ordinal);
        var blocked = report.GetProperty("blocked").EnumerateArray().Where(b => b.GetProperty("dealId").GetString()!.StartsWith("bt-", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, blocked.Count);
        Assert.All(blocked, b => Assert.Equal("lead", b.GetProperty("stage").GetString()));
        Assert.True(report.GetProperty("blockedByCriterion").EnumerateArray().Any(c => c.GetProperty("key").GetString() == "lead/contact-identified"), report.ToString());

        var markdown = await owner.PostAsync("/api/processes/standard-b2b/backtest?format=markdown", Yaml(StricterLeadGate));
        Assert.Equal("text/markdown", markdown.Content.Headers.ContentType?.MediaType);
        Assert.Contains("contact-identified", await markdown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task MoveToFirstContact(HttpClient rep, string dealId)
    {
        Assert.Equal(HttpStatusCode.OK, (await ServerFactory.StartDeal(rep, dealId)).StatusCode);
        await rep.PostAsync($"/api/deals/{dealId}/checklist/icp-fit", null);
        await rep.PostAsync($"/api/deals/{dealId}/checklist/source-recorded", null);
        await rep.PutAsJsonAsync($"/api/deals/{dealId}/facts", new { contacts = new[] { new { id = "c1", name = "Wang", lastContactedAt = "2026-12-01T09:00:00Z" } } });
        var advanced = await rep.PostAsJsonAsync($"/api/deals/{dealId}/advance", new { });
        Assert.True(advanced.StatusCode == HttpStatusCode.OK, await advanced.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/api/processes/nope/backtest", "application/yaml", "standard", HttpStatusCode.NotFound, "unknown-process")]
    [InlineData("/api/processes/standard-b2b/backtest?from=9", "application/yaml", "stricter", HttpStatusCode.NotFound, "unknown-version")]
    [InlineData("/api/processes/standard-b2b/backtest", "application/yaml", "typo", HttpStatusCode.UnprocessableEntity, "invalid-definition")]
    [InlineData("/api/processes/saas-velocity/backtest", "application/yaml", "stricter", HttpStatusCode.UnprocessableEntity, "process-mismatch")]
    [InlineData("/api/processes/standard-b2b/backtest?sweepEvery=2x", "application/yaml", "stricter", HttpStatusCode.BadRequest, "invalid-request")]
    [InlineData("/api/processes/standard-b2b/backtest?timersAt=25:00", "application/yaml", "stricter", HttpStatusCode.BadRequest, "invalid-request")]
    [InlineData("/api/processes/standard-b2b/backtest?format=pdf", "application/yaml", "stricter", HttpStatusCode.BadRequest, "invalid-request")]
    [InlineData("/api/processes/standard-b2b/backtest", "text/plain", "stricter", HttpStatusCode.UnsupportedMediaType, "unsupported-media-type")]
    [InlineData("/api/processes/validate", "application/json", "{\"files\": {\"a.yaml\": ", HttpStatusCode.BadRequest, "invalid-request")]
    [InlineData("/api/processes/validate", "application/json", "{\"files\": {}}", HttpStatusCode.BadRequest, "invalid-request")]
    [InlineData("/api/processes/validate", "application/json", "{\"files\": {\"a.yaml\": \"x\", \"b.yaml\": \"y\"}}", HttpStatusCode.BadRequest, "invalid-request")]
    public async Task BadUploads_AreProblemsWithTheirCode(string path, string contentType, string body, HttpStatusCode status, string code)
    {
        var owner = await factory.ClientFor("owner-qi");
        var text = body switch
        {
            "standard" => StandardB2b,
            "stricter" => StricterLeadGate,
            "typo" => Replace(StricterLeadGate, "kind: open", "kind: opne"),
            _ => body,
        };

        var response = await owner.PostAsync(path, new StringContent(text, Encoding.UTF8, contentType));

        Assert.Equal(status, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.DoesNotContain("   at ", problem.ToString(), StringComparison.Ordinal);
        if (code == "invalid-definition")
        {
            Assert.Contains(problem.GetProperty("diagnostics").EnumerateArray(), d => d.GetProperty("code").GetString() == "SW1005");
        }
    }

    [Fact]
    public async Task YamlThatIsNotUtf8_IsABadRequest()
    {
        var owner = await factory.ClientFor("owner-qi");
        var content = new ByteArrayContent([0x66, 0x6f, 0xff, 0xfe, 0x0a]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/yaml");

        var response = await owner.PostAsync("/api/processes/validate", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("UTF-8", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("li-na")]
    [InlineData("zhao-min")]
    [InlineData("crm-sync")]
    public async Task OnlyProcessOwnersAndDirectors_ValidateAndBacktest(string userId)
    {
        var client = await factory.ClientFor(userId);

        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/api/processes/validate", Yaml(StricterLeadGate))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/api/processes/standard-b2b/backtest", Yaml(StricterLeadGate))).StatusCode);
        var director = await factory.ClientFor("chen-jie");
        Assert.Equal(HttpStatusCode.OK, (await director.PostAsync("/api/processes/validate", Yaml(StricterLeadGate))).StatusCode);
    }

    [Fact]
    public async Task ASecondBacktest_WaitsForTheFirst_ThenIsToldToRetry()
    {
        var owner = await factory.ClientFor("owner-qi");
        var gate = factory.Services.GetRequiredService<BacktestGate>();
        var wait = gate.Wait;
        await gate.Slot.WaitAsync();
        try
        {
            gate.Wait = TimeSpan.FromMilliseconds(200);
            var response = await owner.PostAsync("/api/processes/standard-b2b/backtest", Yaml(StricterLeadGate));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Equal("backtest-busy", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }
        finally
        {
            gate.Wait = wait;
            gate.Slot.Release();
        }

        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsync("/api/processes/standard-b2b/backtest", Yaml(StricterLeadGate))).StatusCode);
    }
}
