using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SalesWorkflow.Server.Tests;

/// <summary>The event feed (paged and live), the review and KPIs, and the health endpoints.</summary>
public sealed class FeedAndReportTests(ServerFactory factory) : IClassFixture<ServerFactory>
{
    [Fact]
    public async Task Feed_PagesWithACursor_EachEventOnce_InLogOrder()
    {
        var integration = await factory.ClientFor("crm-sync");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await ServerFactory.StartDeal(integration, $"feed-{i}", owner: new { id = "li-na", team = "east" })).StatusCode);
        }

        var seen = new List<long>();
        long cursor = 0;
        while (true)
        {
            var page = await integration.GetFromJsonAsync<JsonElement>($"/api/events?after={cursor}&limit=3");
            var events = page.GetProperty("events").EnumerateArray().ToList();
            if (events.Count == 0)
            {
                Assert.Equal(cursor, page.GetProperty("next").GetInt64());
                break;
            }

            seen.AddRange(events.Select(e => e.GetProperty("sequence").GetInt64()));
            cursor = page.GetProperty("next").GetInt64();
        }

        Assert.Equal(seen.Order(), seen);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        var all = await integration.GetFromJsonAsync<JsonElement>("/api/events?after=0&limit=1000");
        // The engine's own sweep may append events after the paging ended: compare up to where it got.
        Assert.Equal(all.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()).Where(s => s <= cursor), seen);
    }

    [Fact]
    public async Task Stream_DeliversAnEventCommittedAfterItConnected_WithItsSequenceAsTheId()
    {
        var rep = await factory.ClientFor("li-na");
        await ServerFactory.StartDeal(rep, "live-0");
        var start = (await rep.GetFromJsonAsync<JsonElement>("/api/events?after=0&limit=1000")).GetProperty("events").EnumerateArray().Last().GetProperty("sequence").GetInt64();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events/stream");
        request.Headers.Add("Last-Event-ID", start.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await rep.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));

        await ServerFactory.StartDeal(rep, "live-1");

        string? id = null, data = null;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
            else if (line.Length == 0 && data is not null)
            {
                var e = JsonDocument.Parse(data).RootElement;
                data = null;
                Assert.True(e.GetProperty("sequence").GetInt64() > start);
                if (e.GetProperty("dealId").GetString() != "live-1")
                {
                    continue; // the sweep's work on earlier deals may come first
                }

                Assert.Equal(e.GetProperty("sequence").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), id);
                Assert.True(e.GetProperty("sequence").GetInt64() > start);
                return;
            }
        }

        Assert.Fail("the stream ended without the event");
    }

    [Fact]
    public async Task Review_ForTheDirector_InJsonAndMarkdown_AndRefusedToARep()
    {
        var director = await factory.ClientFor("chen-jie");
        var rep = await factory.ClientFor("li-na");
        await ServerFactory.StartDeal(rep, "review-1");
        var year = DateTimeOffset.UtcNow.Year;

        var json = await director.GetAsync($"/api/review?period={year}");
        var markdown = await director.GetAsync($"/api/review?period={year}&format=markdown");
        var kpis = await director.GetFromJsonAsync<JsonElement>($"/api/kpis?period={year}");
        var badPeriod = await director.GetAsync("/api/review?period=last-year");
        var byRep = await rep.GetAsync($"/api/review?period={year}");

        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        var review = await json.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("all teams", review.GetProperty("scope").GetString());
        Assert.True(review.GetProperty("current").GetProperty("started").GetInt32() >= 1);
        Assert.Equal("text/markdown", markdown.Content.Headers.ContentType?.MediaType);
        // The same period's figures (the sweep may add events between the two reads, so the counts commands make).
        foreach (var figure in new[] { "started", "won", "lost", "period" })
        {
            Assert.True(JsonElement.DeepEquals(review.GetProperty("current").GetProperty(figure), kpis.GetProperty("kpis").GetProperty(figure)), figure);
        }
        Assert.Equal(HttpStatusCode.BadRequest, badPeriod.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byRep.StatusCode);
    }

    [Fact]
    public async Task Review_IsWrittenInTheLanguageAskedFor_ElseTheBrowsers_ElseTheProcesssFirst()
    {
        var director = await factory.ClientFor("chen-jie");
        var year = DateTimeOffset.UtcNow.Year;
        async Task<(HttpStatusCode Status, string Text)> Get(string query, string? acceptLanguage = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/review?period={year}&format=markdown{query}");
            if (acceptLanguage is not null)
            {
                request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);
            }

            using var response = await director.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.StartsWith($"# 销售回顾 {year}", (await Get("&language=zh")).Text, StringComparison.Ordinal);
        Assert.StartsWith($"# Sales review {year}", (await Get("&language=en", "zh-CN,zh;q=0.9")).Text, StringComparison.Ordinal);
        Assert.StartsWith($"# Sales review {year}", (await Get(string.Empty, "fr-FR, en;q=0.8, zh;q=0.5")).Text, StringComparison.Ordinal);
        Assert.StartsWith($"# 销售回顾 {year}", (await Get(string.Empty, "zh-CN,zh;q=0.9,en;q=0.8")).Text, StringComparison.Ordinal);
        Assert.StartsWith($"# 销售回顾 {year}", (await Get(string.Empty, "fr-FR")).Text, StringComparison.Ordinal); // standard-b2b: languages [zh, en]
        Assert.StartsWith($"# 销售回顾 {year}", (await Get(string.Empty, ";;q=x,,")).Text, StringComparison.Ordinal);
        var refused = await Get("&language=fr");
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("language is en or zh", refused.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_AndReadiness_AnswerWithoutCredentials()
    {
        var client = await factory.Anonymous();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        var ready = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }
}
