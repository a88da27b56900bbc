using System.IO.Compression;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SalesWorkflow.Tests;
using static SalesWorkflow.Cli.Tests.DotnetCli;

namespace SalesWorkflow.Cli.Tests;

/// <summary>
/// What a developer and a partner do with the packages, outside the solution: pack every package at the repository's
/// version into a local feed; check what each one carries; build and run the examples of docs/embedding.md, taken
/// from the Markdown (so the guide is tested, not copied); create a plugin from the template with its defaults, and one
/// whose name has a dash, and pass their tests; load them from a relative folder into the packaged <c>salesflow</c> tool and into the embedded engine of
/// the guide's console app. Slow (several builds), so one test.
/// </summary>
public sealed partial class PackageConsumerTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("sw-packages-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    /// <summary>The one version of every package (Directory.Build.props).</summary>
    internal static string RepositoryVersion() =>
        XDocument.Load(RepoPaths.Combine("Directory.Build.props")).Descendants("Version").Single().Value;

    [Fact]
    public void Template_DefaultSdkVersion_IsThePackagesVersion()
    {
        using var template = JsonDocument.Parse(File.ReadAllText(RepoPaths.Combine("templates", "salesworkflow-plugin", ".template.config", "template.json")));

        var sdkVersion = template.RootElement.GetProperty("symbols").GetProperty("sdkVersion").GetProperty("defaultValue").GetString();

        Assert.Equal(RepositoryVersion(), sdkVersion);
    }

    [Fact]
    public async Task Packages_GuideExamplesAndTemplateDefaults_BuildRunAndLoadFromALocalFeed()
    {
        var version = RepositoryVersion();
        var feed = Path.Combine(_work, "feed");
        var configuration = typeof(PackageConsumerTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        await Dotnet(RepoPaths.Root, "pack", RepoPaths.Combine("SalesWorkflow.sln"), "-c", configuration, "--no-build", "-o", feed, "-nologo");

        // Every package carries its README, the licence, the icon and its xml docs, with a symbols package next to it.
        var packages = Directory.GetFiles(feed, "*.nupkg");
        Assert.Equal(16, packages.Length);
        foreach (var package in packages)
        {
            using var zip = ZipFile.OpenRead(package);
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            var id = Path.GetFileName(package)[..^$".{version}.nupkg".Length];
            Assert.True(entries.IsSupersetOf(["README.md", "LICENSE", "package-icon.png"]), $"{id}: {string.Join(", ", entries)}");
            Assert.True(entries.Any(e => e.EndsWith($"/{(id == "SalesWorkflow.Cli" ? "salesflow" : id)}.xml", StringComparison.Ordinal)), $"{id} has no xml docs");
            Assert.True(File.Exists(Path.ChangeExtension(package, ".snupkg")), $"{id} has no symbols package");
            var nuspec = XDocument.Load(zip.GetEntry(id + ".nuspec")!.Open());
            var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string Meta(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? string.Empty;
            Assert.Equal((version, "MIT"), (Meta("version"), Meta("license")));
            Assert.DoesNotContain("Package Description", Meta("description"), StringComparison.Ordinal);
            Assert.Contains("salesworkflow", Meta("tags"), StringComparison.Ordinal);
        }

        // A restore must take these packages, not ones an earlier pack left in the global cache under the same version.
        ForgetCachedPackages(version);
        var examples = Examples(File.ReadAllText(RepoPaths.Combine("docs", "embedding.md")));
        Assert.Equal(["console/Program.cs", "console/SalesApp.csproj", "web/Program.cs", "web/SalesWeb.csproj"], examples.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, code) in examples)
        {
            var target = Path.Combine(_work, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await File.WriteAllTextAsync(target, code);
        }

        foreach (var app in new[] { "console", "web", "partner" })
        {
            var folder = Directory.CreateDirectory(Path.Combine(_work, app)).FullName;
            await File.WriteAllTextAsync(Path.Combine(folder, "nuget.config"), $"""
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="salesworkflow-local" value="{feed}" />
                    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
                  </packageSources>
                </configuration>
                """);
        }

        // The console app, as the guide builds it: standard-b2b copied into definitions/.
        var console = Path.Combine(_work, "console");
        Directory.CreateDirectory(Path.Combine(console, "definitions"));
        File.Copy(Path.Combine(RepoPaths.Definitions, "standard-b2b.yaml"), Path.Combine(console, "definitions", "standard-b2b.yaml"));
        await Dotnet(console, "build", "-nologo");
        var first = await Dotnet(console, "run", "--no-build");
        Assert.Contains("start: Applied, stage lead", first, StringComparison.Ordinal);
        Assert.Contains("advance: Rejected (gate-failed)", first, StringComparison.Ordinal);
        Assert.Contains("checklist icp-fit", first, StringComparison.Ordinal);
        Assert.Contains("advance: Applied, stage first-contact", first, StringComparison.Ordinal);
        var again = await Dotnet(console, "run", "--no-build");
        Assert.Contains("start: Duplicate", again, StringComparison.Ordinal);

        // The web service compiles against the packages, with every shipped definition.
        var web = Path.Combine(_work, "web");
        CopyDirectory(RepoPaths.Definitions, Path.Combine(web, "definitions"));
        await Dotnet(web, "build", "-nologo");

        // The partner's first step: the template with its defaults restores and its tests pass.
        var partner = Path.Combine(_work, "partner");
        var hive = Path.Combine(_work, "hive");
        await Dotnet(partner, "new", "install", RepoPaths.Combine("templates", "salesworkflow-plugin"), "--debug:custom-hive", hive);
        await Dotnet(partner, "new", "salesworkflow-plugin", "-n", "Contoso.Discounts", "--debug:custom-hive", hive);
        Assert.Contains("Passed!", await Dotnet(partner, "test", Path.Combine("Contoso.Discounts", "tests", "Contoso.Discounts.Tests")), StringComparison.Ordinal);
        await Dotnet(partner, "publish", Path.Combine("Contoso.Discounts", "src", "Contoso.Discounts"), "-o", Path.Combine(console, "plugins", "acme"), "-nologo");

        // A name with a dash, as the plugin contract allows (customer-care): its functions' namespace drops the dash.
        await Dotnet(partner, "new", "salesworkflow-plugin", "-n", "Acme.Pricing", "--pluginName", "acme-pricing", "--debug:custom-hive", hive);
        Assert.Contains("Passed!", await Dotnet(partner, "test", Path.Combine("Acme.Pricing", "tests", "Acme.Pricing.Tests")), StringComparison.Ordinal);
        await Dotnet(partner, "publish", Path.Combine("Acme.Pricing", "src", "Acme.Pricing"), "-o", Path.Combine(console, "plugins", "acme-pricing"), "-nologo");

        // Loaded from the relative folder plugins/: by the packaged CLI tool, and by the guide's console app, which
        // refuses to start when a plugin in that folder does not load (FailOnPluginErrors).
        var tools = Path.Combine(_work, "tools");
        await Dotnet(console, "tool", "install", "SalesWorkflow.Cli", "--tool-path", tools, "--version", version);
        var list = await Run(Path.Combine(tools, "salesflow"), console, "plugins", "list", "--plugins", "plugins");
        Assert.Contains($"acme 1.0.0 (SDK {new Version(version).ToString(2)})", list, StringComparison.Ordinal);
        Assert.Contains($"credit {version}", list, StringComparison.Ordinal);
        Assert.Contains("acme-pricing 1.0.0", list, StringComparison.Ordinal);
        Assert.Contains("acmepricing.DiscountAmount(Opportunity opportunity) → decimal", list, StringComparison.Ordinal);
        var withPlugin = await Dotnet(console, "run", "--no-build");
        Assert.Contains("start: Duplicate", withPlugin, StringComparison.Ordinal);
    }

    /// <summary>The code blocks of a guide marked <c>&lt;!-- example: folder/file --&gt;</c>, by file.</summary>
    private static Dictionary<string, string> Examples(string markdown) =>
        ExampleBlock().Matches(markdown.ReplaceLineEndings("\n")).ToDictionary(m => m.Groups["path"].Value, m => m.Groups["code"].Value + "\n", StringComparer.Ordinal);

    [GeneratedRegex(@"<!-- example: (?<path>\S+) -->\n```\w*\n(?<code>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex ExampleBlock();

    private static void ForgetCachedPackages(string version)
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (!Directory.Exists(cache))
        {
            return;
        }

        foreach (var package in Directory.EnumerateDirectories(cache, "salesworkflow.*"))
        {
            var cached = Path.Combine(package, version);
            if (Directory.Exists(cached))
            {
                Directory.Delete(cached, recursive: true);
            }
        }
    }
}
