using System.Net;
using System.Net.Http.Json;

namespace SalesWorkflow.Server.Tests;

/// <summary>The keys behind session cookies live in the database: a cookie one server issued is read by another on the same database (another node, or the same one after a restart).</summary>
public sealed class SessionKeyTests
{
    [Fact]
    public async Task SessionCookie_FromOneServer_IsReadByAnotherOnTheSameDatabase()
    {
        var first = new ServerFactory { DeleteFolderOnDispose = false };
        var browser = await first.Anonymous();
        var signedIn = await browser.PostAsJsonAsync("/api/session", new { userId = "li-na", password = ServerFactory.Password });
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("salesworkflow.session=", StringComparison.Ordinal)).Split(';')[0];
        first.Dispose();

        using var second = new ServerFactory(new Dictionary<string, string> { ["SalesWorkflowServer:Database"] = first.DatabasePath });
        _ = second.Server;
        var client = second.CreateClient();
        client.DefaultRequestHeaders.Add("Cookie", cookie);

        var session = await client.GetAsync("/api/session");

        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        second.Dispose();
        Directory.Delete(Path.GetDirectoryName(first.DatabasePath)!, recursive: true);
    }
}
