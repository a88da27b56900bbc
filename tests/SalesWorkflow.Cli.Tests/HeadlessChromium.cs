using System.Diagnostics;
using System.Text.Json;

namespace SalesWorkflow.Cli.Tests;

/// <summary>
/// Debian's Chromium, headless, for looking at the HTML report the way a reader's browser lays it out. `.ci/run`
/// installs it; without it the tests that need it are reported as skipped, with the reason.
/// </summary>
internal static class HeadlessChromium
{
    private static readonly JsonSerializerOptions CaseInsensitive = new() { PropertyNameCaseInsensitive = true };

    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    public static string? Path { get; } = Environment.GetEnvironmentVariable("SW_TEST_CHROMIUM") is { Length: > 0 } configured ? configured : Candidates.FirstOrDefault(File.Exists);

    public static string? WhyUnavailable => Path is null ? "no Chromium (install Debian's `chromium`, as .ci/run does, or set SW_TEST_CHROMIUM)" : null;

    /// <summary>
    /// Opens <paramref name="html"/> with a measuring script appended, lets Chromium lay it out, and returns what the
    /// script measured of every chart: its rendered box and each bar's rendered width and value.
    /// </summary>
    public static async Task<List<ChartLayout>> MeasureChartsAsync(string html, string folder)
    {
        const string Probe = """
            <script>
            const charts = [...document.querySelectorAll('svg')].map(svg => {
              const box = svg.getBoundingClientRect();
              const bars = [...svg.querySelectorAll('rect.bar')].map(r => ({ width: r.getBoundingClientRect().width, value: parseFloat(r.dataset.value) }));
              const visible = getComputedStyle(svg).display !== 'none' && getComputedStyle(svg).visibility !== 'hidden';
              return { id: svg.id, width: box.width, height: box.height, visible, bars };
            });
            const out = document.createElement('pre');
            out.id = 'probe';
            out.textContent = JSON.stringify(charts);
            document.body.appendChild(out);
            </script>
            """;
        var page = System.IO.Path.Combine(folder, "probe.html");
        await File.WriteAllTextAsync(page, html.Replace("</body>", Probe + "</body>", StringComparison.Ordinal));
        var dom = await RunAsync(folder, "--dump-dom", new Uri(page).AbsoluteUri);
        var start = dom.IndexOf("<pre id=\"probe\">", StringComparison.Ordinal);
        Assert.True(start >= 0, "Chromium's DOM has no probe output:\n" + dom[..Math.Min(2000, dom.Length)]);
        var json = System.Net.WebUtility.HtmlDecode(dom[(start + "<pre id=\"probe\">".Length)..dom.IndexOf("</pre>", start, StringComparison.Ordinal)]);
        return JsonSerializer.Deserialize<List<ChartLayout>>(json, CaseInsensitive)!;
    }

    /// <summary>A PNG of the page as Chromium draws it.</summary>
    public static async Task<byte[]> ScreenshotAsync(string htmlFile, string folder)
    {
        var png = System.IO.Path.Combine(folder, "screenshot.png");
        await RunAsync(folder, $"--screenshot={png}", "--window-size=1100,2400", new Uri(htmlFile).AbsoluteUri);
        return await File.ReadAllBytesAsync(png);
    }

    private static async Task<string> RunAsync(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path ?? throw new InvalidOperationException(WhyUnavailable))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // No network at all (the report must need none), no first-run or background traffic, a fresh profile.
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            $"--user-data-dir={System.IO.Path.Combine(folder, "profile")}",
        }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {await error}");
        return await output;
    }
}

/// <summary>One chart as laid out by the browser.</summary>
internal sealed record ChartLayout(string Id, double Width, double Height, bool Visible, List<BarLayout> Bars);

/// <summary>One bar: its rendered width and the value it stands for.</summary>
internal sealed record BarLayout(double Width, double Value);

/// <summary>A fact that needs Chromium: skipped with the reason when there is none.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    private string? _skip;

    public override string? Skip
    {
        get => _skip ?? HeadlessChromium.WhyUnavailable;
        set => _skip = value;
    }
}
