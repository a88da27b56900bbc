using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SalesWorkflow.Server.Tests;

/// <summary>The inbox endpoint the web app's first screen reads, and how the web app's files are served.</summary>
public sealed class InboxAndWebAppTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    [Fact]
    public async Task TheInbox_HoldsTheCallersOpenDealsOnly_WithWhatBlocksEachInTheProcesssWords()
    {
        var rep = await factory.ClientFor("li-na");
        var other = await factory.ClientFor("wang-wei");
        await ServerFactory.StartDeal(rep, "inbox-1");
        await ServerFactory.StartDeal(other, "inbox-other");
        await ServerFactory.StartDeal(rep, "inbox-lost");
        var lost = await rep.PostAsJsonAsync("/api/deals/inbox-lost/lost", new { reason = "price" });
        Assert.True(lost.StatusCode == HttpStatusCode.OK, await lost.Content.ReadAsStringAsync());

        var inbox = await rep.GetFromJsonAsync<JsonElement>("/api/inbox");

        var deals = inbox.GetProperty("deals").EnumerateArray().ToList();
        Assert.Contains(deals, d => d.GetProperty("dealId").GetString() == "inbox-1");
        Assert.DoesNotContain(deals, d => d.GetProperty("dealId").GetString() is "inbox-other" or "inbox-lost");
        var deal = deals.Single(d => d.GetProperty("dealId").GetString() == "inbox-1");
        Assert.True(deal.GetProperty("blocked").GetBoolean());
        Assert.Equal("潜在客户识别", deal.GetProperty("stageName").GetProperty("zh").GetString());
        var blocker = deal.GetProperty("blockers").EnumerateArray().Single(b => b.GetProperty("id").GetString() == "contact-identified");
        Assert.Equal("At least one contact at the customer is known", blocker.GetProperty("description").GetProperty("en").GetString());
        Assert.Equal(["icp-fit", "source-recorded"], deal.GetProperty("checklist").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Equal("lead", inbox.GetProperty("stages")[0].GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await (await factory.Anonymous()).GetAsync("/api/inbox")).StatusCode);
    }

    [Fact]
    public async Task TheWebAppsFiles_AreServedWithAPolicyThatRunsNoInlineScript_AndNothingElse()
    {
        var client = await factory.Anonymous();

        var index = await client.GetAsync("/app/");
        var script = await client.GetAsync("/app/app.js");
        var words = await client.GetAsync("/app/i18n/zh.json");

        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(";", index.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", policy.Split(';').Single(d => d.Trim().StartsWith("script-src", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Equal("nosniff", index.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Equal("我的商机", (await words.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("inbox").GetString());
        Assert.DoesNotContain(".innerHTML", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var path in new[] { "/app/../appsettings.json", "/app/WebApp.cs", "/app/%2e%2e/%2e%2e/etc/passwd", "/app/nothing.js", "/app/app.js.bak", "/app/i18n/../../appsettings.json" })
        {
            // Not a file of the app: 404, or 401 where the path leaves /app/ for the API's fallback; never the file.
            var response = await client.GetAsync(path);
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized, $"{path}: {response.StatusCode}");
        }

        var noSlash = await factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).GetAsync("/app");
        Assert.Equal(HttpStatusCode.Redirect, noSlash.StatusCode);
        Assert.Equal("/app/", noSlash.Headers.Location?.ToString());
    }

    [Fact]
    public async Task EveryWordOfTheWebApp_IsInBothLanguages()
    {
        var client = await factory.Anonymous();
        var english = await client.GetFromJsonAsync<JsonElement>("/app/i18n/en.json");
        var chinese = await client.GetFromJsonAsync<JsonElement>("/app/i18n/zh.json");
        static IEnumerable<string> Keys(JsonElement e, string prefix = "") => e.EnumerateObject().SelectMany(p => p.Value.ValueKind == JsonValueKind.Object ? Keys(p.Value, prefix + p.Name + ".") : [prefix + p.Name]);

        Assert.Equal(Keys(english).Order(StringComparer.Ordinal), Keys(chinese).Order(StringComparer.Ordinal));
        var script = await client.GetStringAsync("/app/app.js");
        var used = System.Text.RegularExpressions.Regex.Matches(script, @"\bt\('([\w.]+)'").Select(m => m.Groups[1].Value).Where(k => !k.EndsWith('.')).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(used.Except(Keys(english)));
    }
}
