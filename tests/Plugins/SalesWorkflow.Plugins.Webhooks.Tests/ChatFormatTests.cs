using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SalesWorkflow.Sdk.Events;

namespace SalesWorkflow.Plugins.Webhooks.Tests;

/// <summary>
/// Chat webhooks: the bodies WeCom, DingTalk, Feishu, Slack and Teams take, their signatures (checked here the way
/// each tool's documentation computes them, not with the plugin's code), their in-body refusals, and what must never
/// leak from a URL that is itself a credential.
/// </summary>
public sealed class ChatFormatTests : IDisposable
{
    private readonly string _directory = TestData.TempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static ProcessEvent Escalation(string dealId = "deal-42", string message = "客户超过10天没有联系") => new(
        "deal-42:9",
        1009,
        dealId,
        "escalation-raised",
        new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8)),
        "standard-b2b",
        2,
        "needs-analysis",
        $$$"""{"escalation":"no-customer-contact","level":1,"levels":3,"trigger":"condition","dueAt":"2026-03-02T09:00:00+08:00","message":{"zh":"{{{message}}}","en":"No customer contact for 10 days"}}""")
    {
        Recipients = [new EventRecipient("wang-fang", "王芳", "wang.fang@example.com", "zh")],
    };

    private static WebhookOptions Chat(Uri url, WebhookFormat format, string? secret = null, string? language = null) => new()
    {
        Endpoints = [new WebhookEndpoint { Url = url, Format = format, Secret = secret, Language = language }],
        RetryBaseDelay = TimeSpan.Zero,
    };

    private static JsonElement Body(ReceivedRequest request) => JsonDocument.Parse(request.Body).RootElement;

    [Fact]
    public async Task WeCom_PostsATextMessage_InChinese_NamingWhoItIsFor()
    {
        await using var receiver = WebhookReceiver.Start(new Reply(200, """{"errcode":0,"errmsg":"ok"}"""));

        await TestData.Sink(Chat(receiver.Url, WebhookFormat.WeCom), TestData.Clock()).DeliverAsync(Escalation());

        var body = Body(Assert.Single(receiver.Requests));
        Assert.Equal("text", body.GetProperty("msgtype").GetString());
        var content = body.GetProperty("text").GetProperty("content").GetString()!;
        Assert.StartsWith("deal-42：no-customer-contact（第 1/3 级）\n\n客户超过10天没有联系\n", content, StringComparison.Ordinal);
        Assert.Contains("应于: 2026-03-02 09:00 +08:00", content, StringComparison.Ordinal);
        Assert.Contains("通知对象: 王芳", content, StringComparison.Ordinal);
        Assert.EndsWith("事件 deal-42:9", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DingTalk_SignsEachRequestInTheUrl_AsItsDocumentationComputesIt()
    {
        await using var receiver = WebhookReceiver.Start(new Reply(200, """{"errcode":0,"errmsg":"ok"}"""));
        var url = new Uri(receiver.Url, "?access_token=robot-token");

        await TestData.Sink(Chat(url, WebhookFormat.DingTalk, secret: "SEC-dingtalk"), TestData.Clock()).DeliverAsync(Escalation());

        var request = Assert.Single(receiver.Requests);
        var query = System.Web.HttpUtility.ParseQueryString(request.Query);
        Assert.Equal("robot-token", query["access_token"]);
        var timestamp = query["timestamp"]!;
        Assert.Equal(TestData.Start.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), timestamp);

        // hmac_sha256(key = secret, message = timestamp + "\n" + secret), Base64; ParseQueryString has undone the URL encoding.
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes("SEC-dingtalk"), Encoding.UTF8.GetBytes(timestamp + "\nSEC-dingtalk")));
        Assert.Equal(expected, query["sign"]);
        Assert.Equal("text", Body(request).GetProperty("msgtype").GetString());
    }

    [Fact]
    public async Task Feishu_SignsInTheBody_AndPostsARichTextPostInTheEndpointsLanguage()
    {
        await using var receiver = WebhookReceiver.Start(new Reply(200, """{"code":0,"msg":"success","data":{}}"""));

        await TestData.Sink(Chat(receiver.Url, WebhookFormat.Feishu, secret: "feishu-secret", language: "en"), TestData.Clock()).DeliverAsync(Escalation());

        var body = Body(Assert.Single(receiver.Requests));
        var timestamp = body.GetProperty("timestamp").GetString()!;
        Assert.Equal(TestData.StartUnixSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), timestamp);

        // hmac_sha256(key = timestamp + "\n" + secret, message = nothing), Base64.
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(timestamp + "\nfeishu-secret"), Array.Empty<byte>()));
        Assert.Equal(expected, body.GetProperty("sign").GetString());
        Assert.Equal("post", body.GetProperty("msg_type").GetString());
        var post = body.GetProperty("content").GetProperty("post").GetProperty("en_us");
        Assert.Equal("deal-42: no-customer-contact (level 1 of 3)", post.GetProperty("title").GetString());
        var paragraphs = post.GetProperty("content").EnumerateArray().Select(p => p[0].GetProperty("text").GetString()).ToList();
        Assert.Equal("No customer contact for 10 days", paragraphs[0]);
        Assert.Contains("For: 王芳", paragraphs);
        Assert.All(post.GetProperty("content").EnumerateArray(), p => Assert.Equal("text", p[0].GetProperty("tag").GetString()));
    }

    [Fact]
    public async Task Slack_EscapesWhatItWouldReadAsALinkOrAMention()
    {
        await using var receiver = WebhookReceiver.Start(new Reply(200, "ok"));

        await TestData.Sink(Chat(receiver.Url, WebhookFormat.Slack), TestData.Clock()).DeliverAsync(Escalation(dealId: "<https://evil.example|open> & <!channel>"));

        var text = Body(Assert.Single(receiver.Requests)).GetProperty("text").GetString()!;
        Assert.StartsWith("*&lt;https://evil.example|open&gt; &amp; &lt;!channel&gt;: no-customer-contact (level 1 of 3)*\nNo customer contact for 10 days", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Teams_PostsAnAdaptiveCardOfTextRuns_WhichDoNotReadMarkdown()
    {
        await using var receiver = WebhookReceiver.Start(new Reply(202));

        await TestData.Sink(Chat(receiver.Url, WebhookFormat.Teams), TestData.Clock()).DeliverAsync(Escalation(dealId: "[click](https://evil.example)"));

        var body = Body(Assert.Single(receiver.Requests));
        Assert.Equal("message", body.GetProperty("type").GetString());
        var attachment = Assert.Single(body.GetProperty("attachments").EnumerateArray());
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        var card = attachment.GetProperty("content");
        Assert.Equal(("AdaptiveCard", "1.4"), (card.GetProperty("type").GetString(), card.GetProperty("version").GetString()));
        var blocks = card.GetProperty("body").EnumerateArray().ToList();
        Assert.All(blocks, b => Assert.Equal("RichTextBlock", b.GetProperty("type").GetString()));
        var title = blocks[0].GetProperty("inlines")[0];
        Assert.Equal(("TextRun", "[click](https://evil.example): no-customer-contact (level 1 of 3)", "Bolder"), (title.GetProperty("type").GetString(), title.GetProperty("text").GetString(), title.GetProperty("weight").GetString()));
    }

    [Theory]
    [InlineData(WebhookFormat.WeCom, """{"errcode":93000,"errmsg":"invalid webhook url"}""", "code 93000 invalid webhook url")]
    [InlineData(WebhookFormat.DingTalk, """{"errcode":310000,"errmsg":"sign not match"}""", "code 310000 sign not match")]
    [InlineData(WebhookFormat.Feishu, """{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}""", "code 19021 sign match fail")]
    [InlineData(WebhookFormat.WeCom, "<html>gateway</html>", "the answer has no result code")]
    public async Task ARefusalInA200Answer_IsAFailedDelivery_NotRetried_AndDeadLettered(WebhookFormat format, string answer, string expected)
    {
        await using var receiver = WebhookReceiver.Start(new Reply(200, answer));
        var options = Chat(new Uri(receiver.Url, "?key=SECRET-KEY"), format, secret: format == WebhookFormat.WeCom ? null : "SEC-x");
        options.DeadLetterPath = Path.Combine(_directory, "dead.jsonl");

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => TestData.Sink(options, TestData.Clock()).DeliverAsync(Escalation()));

        Assert.Single(receiver.Requests);
        Assert.Contains($"{format} refused the message ({expected}", error.Message, StringComparison.Ordinal);
        Assert.Contains("not retried", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET-KEY", error.Message, StringComparison.Ordinal);
        var deadLetter = await File.ReadAllTextAsync(options.DeadLetterPath);
        Assert.Contains("deal-42:9", deadLetter, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET-KEY", deadLetter, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(WebhookFormat.WeCom, """{"errcode":45009,"errmsg":"api freq out of limit"}""", """{"errcode":0,"errmsg":"ok"}""")]
    [InlineData(WebhookFormat.DingTalk, """{"errcode":410100,"errmsg":"send too fast"}""", """{"errcode":0,"errmsg":"ok"}""")]
    [InlineData(WebhookFormat.Feishu, """{"code":11232,"msg":"frequency limited"}""", """{"StatusCode":0,"StatusMessage":"success"}""")]
    public async Task ARateLimitInA200Answer_IsRetried(WebhookFormat format, string limited, string ok)
    {
        await using var receiver = WebhookReceiver.Start(new Reply(200, limited), new Reply(200, ok));

        await TestData.Sink(Chat(receiver.Url, format), TestData.Clock()).DeliverAsync(Escalation());

        Assert.Equal(2, receiver.Requests.Count);
    }

    [Fact]
    public async Task AChatEndpoint_GetsOnlyTheEventsMeantForPeople_UnlessToldOtherwise()
    {
        await using var receiver = WebhookReceiver.Start(new Reply(200, "ok"));
        var sink = TestData.Sink(Chat(receiver.Url, WebhookFormat.Slack), TestData.Clock());

        await sink.DeliverAsync(TestData.Event("deal-won"));
        await sink.DeliverAsync(TestData.Event("stage-changed"));
        await sink.DeliverAsync(Escalation());
        await sink.DeliverAsync(TestData.Event("task-overdue", """{"taskId":"triage","dueAt":"2026-03-04T18:00:00+08:00"}"""));

        Assert.Equal(2, receiver.Requests.Count);
        Assert.Contains("task triage is overdue", Body(receiver.Requests[1]).GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AChatEndpointsName_DoesNotCarryItsUrlsCredential_ButTellsTwoRobotsApart()
    {
        var options = new WebhookOptions
        {
            Endpoints =
            [
                new WebhookEndpoint { Url = new Uri("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET-ONE"), Format = WebhookFormat.WeCom },
                new WebhookEndpoint { Url = new Uri("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET-TWO"), Format = WebhookFormat.WeCom },
                new WebhookEndpoint { Url = new Uri("https://hooks.slack.com/services/T000/B000/SECRET-THREE"), Format = WebhookFormat.Slack },
            ],
        };
        var registry = new RecordingRegistry();

        new WebhooksPlugin(options, TestData.Clock()).Register(registry);

        var names = registry.Sinks.Select(s => s.Name).ToList();
        Assert.Equal(3, names.Distinct().Count());
        Assert.All(names, n => Assert.DoesNotContain("SECRET", n, StringComparison.Ordinal));
        Assert.Matches("^webhooks:wecom:qyapi.weixin.qq.com:[0-9a-f]{8}$", names[0]);
        Assert.Matches("^webhooks:slack:hooks.slack.com:[0-9a-f]{8}$", names[2]);
    }

    [Fact]
    public async Task WeCom_AMessageOverItsLimit_IsCutToWhatItTakes()
    {
        await using var receiver = WebhookReceiver.Start(new Reply(200, """{"errcode":0,"errmsg":"ok"}"""));

        await TestData.Sink(Chat(receiver.Url, WebhookFormat.WeCom), TestData.Clock()).DeliverAsync(Escalation(message: new string('延', 3000)));

        var content = Body(Assert.Single(receiver.Requests)).GetProperty("text").GetProperty("content").GetString()!;
        Assert.InRange(Encoding.UTF8.GetByteCount(content), 1900, 2048);
        Assert.EndsWith("…", content, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(WebhookFormat.WeCom, "secret", null, "Endpoints[0].Secret: WeCom signs nothing")]
    [InlineData(WebhookFormat.Slack, "secret", null, "Endpoints[0].Secret: Slack signs nothing")]
    [InlineData(WebhookFormat.Feishu, null, "fr", "Endpoints[0].Language: `fr` is not a language chat messages are written in")]
    [InlineData(WebhookFormat.Raw, null, "zh", "Endpoints[0].Language: only chat formats write text")]
    [InlineData((WebhookFormat)42, null, null, "Endpoints[0].Format: `42` is not a format")]
    public void Options_ThatDoNotFitTheFormat_AreRefused(WebhookFormat format, string? secret, string? language, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => new WebhooksPlugin(Chat(new Uri("https://hooks.example.com/x"), format, secret, language)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WebhooksJson_NamesTheFormatInAnyCase_AndRefusesANumber()
    {
        File.WriteAllText(Path.Combine(_directory, "webhooks.json"), """{ "endpoints": [ { "url": "https://oapi.dingtalk.com/robot/send?access_token=t", "format": "dingtalk", "secret": "SEC" } ] }""");
        var registry = new RecordingRegistry();
        new WebhooksPlugin(_directory, _ => null, TestData.Clock(), new HttpClient()).Register(registry);
        Assert.StartsWith("webhooks:dingtalk:oapi.dingtalk.com:", Assert.Single(registry.Sinks).Name, StringComparison.Ordinal);
        Assert.True(((WebhookSink)registry.Sinks[0].Sink).IsSigned);

        File.WriteAllText(Path.Combine(_directory, "webhooks.json"), """{ "endpoints": [ { "url": "https://oapi.dingtalk.com/robot/send", "format": 2 } ] }""");
        var error = Assert.Throws<InvalidOperationException>(() => new WebhooksPlugin(_directory, _ => null, TestData.Clock(), new HttpClient()).Register(new RecordingRegistry()));
        Assert.Contains("format", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AChatEndpointThatIsDown_IsRetriedAndThenFails_LikeARawOne()
    {
        await using var receiver = WebhookReceiver.Start(new Reply((int)HttpStatusCode.ServiceUnavailable));
        var options = Chat(receiver.Url, WebhookFormat.Teams);
        options.RetryAttempts = 2;

        await Assert.ThrowsAsync<HttpRequestException>(() => TestData.Sink(options, TestData.Clock()).DeliverAsync(Escalation()));

        Assert.Equal(3, receiver.Requests.Count);
    }
}
