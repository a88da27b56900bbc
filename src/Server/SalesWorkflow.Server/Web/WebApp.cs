using System.Collections.Frozen;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace SalesWorkflow.Server.Web;

/// <summary>
/// The web app at <c>/app/</c> (docs/web.md): its static files, embedded in this assembly, served with a strict
/// Content-Security-Policy (no inline script, nothing from elsewhere), so that no text a page shows can run.
/// </summary>
internal static class WebApp
{
    private const string Prefix = "SalesWorkflow.Server.Web/";

    // Scripts only from these files. Styles inline too: Mermaid puts a <style> in the diagram's SVG (no script can run from it).
    private const string Policy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".txt"] = "text/plain; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The files, by path below <c>/app/</c>, read once: a request can name only one of these.</summary>
    /// <summary>Each file gzipped once, on first request (Mermaid's 5.5 MB are 1.5 MB so).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> Gzipped = new(StringComparer.Ordinal);

    private static readonly Lazy<FrozenDictionary<string, (byte[] Content, string Type)>> Files = new(() =>
    {
        var assembly = typeof(WebApp).Assembly;
        return assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .Where(n => ContentTypes.ContainsKey(Path.GetExtension(n)))
            .ToFrozenDictionary(
                n => n[Prefix.Length..].Replace('\\', '/'),
                n =>
                {
                    using var stream = assembly.GetManifestResourceStream(n)!;
                    using var copy = new MemoryStream();
                    stream.CopyTo(copy);
                    return (copy.ToArray(), ContentTypes[Path.GetExtension(n)]);
                },
                StringComparer.Ordinal);
    });

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        // Routing treats /app and /app/ alike: only the one without the slash is sent to the other (relative links need it).
        endpoints.MapGet("/app", (HttpContext http) => http.Request.Path.Value == "/app" ? TypedResults.Redirect("/app/") : Serve(http, null)).AllowAnonymous().ExcludeFromDescription();
        endpoints.MapGet("/app/{**path}", Serve).AllowAnonymous().ExcludeFromDescription();
    }

    private static byte[] Gzip(byte[] content)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.SmallestSize))
        {
            gzip.Write(content);
        }

        return compressed.ToArray();
    }

    private static IResult Serve(HttpContext http, string? path)
    {
        var file = string.IsNullOrEmpty(path) ? "index.html" : path;
        if (!Files.Value.TryGetValue(file, out var found))
        {
            return TypedResults.NotFound();
        }

        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        headers.CacheControl = "no-cache";
        headers.Vary = "Accept-Encoding";
        if (http.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase) && found.Content.Length > 1024)
        {
            headers.ContentEncoding = "gzip";
            return TypedResults.Bytes(Gzipped.GetOrAdd(file, _ => Gzip(found.Content)), found.Type);
        }

        return TypedResults.Bytes(found.Content, found.Type);
    }
}
