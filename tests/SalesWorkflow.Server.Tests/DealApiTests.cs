using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SalesWorkflow.Server.Tests;

/// <summary>Working a deal over HTTP: commands, refusals with their criteria, retries with an idempotency key, and the actor on every event.</summary>
public sealed class DealApiTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    [Fact]
    public async Task RepStartsADeal_LogsWork_AndTheGateDecidesTheAdvance()
    {
        var rep = await factory.ClientFor("li-na");

        var started = await ServerFactory.StartDeal(rep, "flow-1");
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var body = await started.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("applied", body.GetProperty("status").GetString());
        Assert.Equal("lead", body.GetProperty("stage").GetString());

        var refused = await rep.PostAsJsonAsync("/api/deals/flow-1/advance", new { });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("gate-failed", problem.GetProperty("code").GetString());
        Assert.Equal("urn:salesworkflow:problem:gate-failed", problem.GetProperty("type").GetString());
        Assert.Contains("icp-fit", problem.GetProperty("missingChecklist").EnumerateArray().Select(e => e.GetString()));
        // Where the failing term is, without where the server's files are.
        var span = problem.GetProperty("failingCriteria")[0].GetProperty("failingTermSpan");
        Assert.Equal("standard-b2b.yaml", Path.GetFileName(span.GetProperty("file").GetString()));
        Assert.False(Path.IsPathRooted(span.GetProperty("file").GetString()), span.GetProperty("file").GetString());
        Assert.True(span.GetProperty("line").GetInt32() > 0);

        foreach (var item in new[] { "icp-fit", "source-recorded" })
        {
            Assert.Equal(HttpStatusCode.OK, (await rep.PostAsync($"/api/deals/flow-1/checklist/{item}", null)).StatusCode);
        }

        var contact = await rep.PutAsJsonAsync("/api/deals/flow-1/facts", new { contacts = new[] { new { id = "c1", name = "Wang", lastContactedAt = DateTimeOffset.UtcNow } } });
        Assert.Equal(HttpStatusCode.OK, contact.StatusCode);
        var advanced = await rep.PostAsJsonAsync("/api/deals/flow-1/advance", new { });
        var advancedBody = await advanced.Content.ReadAsStringAsync();
        Assert.True(advanced.StatusCode == HttpStatusCode.OK, advancedBody);

        var history = await rep.GetFromJsonAsync<JsonElement>("/api/deals/flow-1/history");
        // Every event a request wrote names the rep; the engine's own (a sweep, a timer) name nobody.
        foreach (var e in history.EnumerateArray())
        {
            var actor = e.TryGetProperty("actor", out var a) ? a.GetString() : null;
            Assert.Equal(e.GetProperty("commandId").GetString()!.StartsWith("api:", StringComparison.Ordinal) ? "li-na" : null, actor);
        }

        Assert.True(history.EnumerateArray().Count(e => e.GetProperty("commandId").GetString()!.StartsWith("api:", StringComparison.Ordinal)) >= 6);
        Assert.Contains(history.EnumerateArray(), e => e.GetProperty("type").GetString() == "stage-changed");
    }

    [Fact]
    public async Task Tasks_AreCreatedCompletedAndReassignedOverHttp_AndAnotherTeamsAreOutOfReach()
    {
        var rep = await factory.ClientFor("li-na");
        var otherTeam = await factory.ClientFor("wang-wei");
        await ServerFactory.StartDeal(rep, "task-1");

        var created = await rep.PostAsJsonAsync("/api/deals/task-1/tasks", new { taskId = "send-references", title = "Send two references", dueAt = DateTimeOffset.UtcNow.AddDays(2) });
        var reassigned = await rep.PostAsJsonAsync("/api/deals/task-1/tasks/send-references/reassign", new { assignTo = "zhang-wei", note = "he knows the customer" });
        var completed = await rep.PostAsJsonAsync("/api/deals/task-1/tasks/triage/complete", new { note = "qualified" });
        var again = await rep.PostAsJsonAsync("/api/deals/task-1/tasks/triage/complete", new { });
        var unknown = await rep.PostAsync("/api/deals/task-1/tasks/no-such-task/complete", null);
        var stranger = await otherTeam.PostAsync("/api/deals/task-1/tasks/send-references/complete", null);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (created.StatusCode, reassigned.StatusCode, completed.StatusCode));
        Assert.Equal("task-done", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal("unknown-task", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
        var deal = await rep.GetFromJsonAsync<JsonElement>("/api/deals/task-1");
        var tasks = deal.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("id").GetString()!);
        Assert.True(tasks["triage"].TryGetProperty("completedAt", out _));
        Assert.Equal("li-na", tasks["triage"].GetProperty("completedBy").GetString());
        Assert.Equal("zhang-wei", tasks["send-references"].GetProperty("assignedTo").GetString());
        var history = await rep.GetFromJsonAsync<JsonElement>("/api/deals/task-1/history");
        Assert.Equal(["task-created", "task-created", "task-reassigned", "task-completed"], history.EnumerateArray().Select(e => e.GetProperty("type").GetString()!).Where(t => t.StartsWith("task-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SameIdempotencyKey_GivesTheOriginalOutcome_AndIsAppliedOnce()
    {
        var rep = await factory.ClientFor("li-na");
        await ServerFactory.StartDeal(rep, "idem-1");

        async Task<HttpResponseMessage> Log()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/deals/idem-1/activities")
            {
                Content = JsonContent.Create(new { id = "a1", kind = "call", at = DateTimeOffset.UtcNow }),
            };
            request.Headers.Add("Idempotency-Key", "call-42");
            return await rep.SendAsync(request);
        }

        var first = await Log();
        var second = await Log();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        var a = await first.Content.ReadFromJsonAsync<JsonElement>();
        var b = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(a.GetProperty("commandId").GetString(), b.GetProperty("commandId").GetString());
        Assert.Equal("duplicate", b.GetProperty("status").GetString());
        var deal = await rep.GetFromJsonAsync<JsonElement>("/api/deals/idem-1");
        Assert.Equal(1, deal.GetProperty("activities").GetArrayLength());
    }

    [Fact]
    public async Task OverrideGate_IsRefusedToARep_AndRecordsTheApproverWhoMadeIt()
    {
        var rep = await factory.ClientFor("li-na");
        var approver = await factory.ClientFor("sun-li");
        await ServerFactory.StartDeal(rep, "ovr-1");

        var byRep = await rep.PostAsJsonAsync("/api/deals/ovr-1/override", new { reason = "CEO asked" });
        var byApprover = await approver.PostAsJsonAsync("/api/deals/ovr-1/override", new { reason = "CEO asked" });

        Assert.Equal(HttpStatusCode.Forbidden, byRep.StatusCode);
        Assert.Equal("forbidden", (await byRep.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, byApprover.StatusCode);
        var history = await rep.GetFromJsonAsync<JsonElement>("/api/deals/ovr-1/history");
        var overridden = history.EnumerateArray().Single(e => e.GetProperty("type").GetString() == "gate-overridden");
        Assert.Equal("sun-li", overridden.GetProperty("actor").GetString());
        Assert.Equal("sun-li", overridden.GetProperty("data").GetProperty("approver").GetString());
    }

    [Fact]
    public async Task PreferReturnMinimal_LeavesTheEvaluationOut()
    {
        var rep = await factory.ClientFor("li-na");
        await ServerFactory.StartDeal(rep, "min-1");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/deals/min-1/activities") { Content = JsonContent.Create(new { id = "a1", kind = "call" }) };
        request.Headers.Add("Prefer", "return=minimal");

        var response = await rep.SendAsync(request);
        var full = await rep.PostAsJsonAsync("/api/deals/min-1/activities", new { id = "a2", kind = "call" });

        Assert.Equal("return=minimal", response.Headers.GetValues("Preference-Applied").Single());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(body.TryGetProperty("evaluation", out _));
        Assert.Equal("activity-logged", body.GetProperty("events")[0].GetProperty("type").GetString());
        Assert.True((await full.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("evaluation", out _));
    }

    [Fact]
    public async Task Explanation_SpeaksTheLanguageAsked()
    {
        var rep = await factory.ClientFor("li-na");
        await ServerFactory.StartDeal(rep, "why-1");

        var english = await rep.GetFromJsonAsync<JsonElement>("/api/deals/why-1/explanation?language=en");
        var chinese = await rep.GetFromJsonAsync<JsonElement>("/api/deals/why-1/explanation?language=zh");

        Assert.Contains("Stage: ", english.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("阶段：", chinese.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("lead", english.GetProperty("evaluation").GetProperty("stage").GetString());
    }
}
