using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;
using SalesWorkflow.Tests;

namespace SalesWorkflow.Cli.Tests;

/// <summary>
/// The partner's path end to end, outside the solution: pack the SDK, the engine and SalesWorkflow.Sdk.Testing into
/// a local feed, create plugins from the <c>dotnet new salesworkflow-plugin</c> template, run the generated tests,
/// publish the plugins into a plugin folder, and use them from <c>salesflow</c>: <c>plugins list</c>, <c>explain</c>
/// and the demo (rules, a function, a reported check and an event sink). Two of the plugins carry different versions
/// of Json.NET as private dependencies, and a broken plugin sits next to them. Slow (a few builds), so everything
/// happens in one test; the packages get a unique version so no stale cache is ever used.
/// </summary>
public sealed class PluginTemplateTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("sw-template-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Template_PluginBuiltOutsideTheSolution_LoadsFromAFolderAndWorksInExplainAndTheDemo()
    {
        var version = "1.0.0-ci." + DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        var feed = Path.Combine(_work, "feed");
        var hive = Path.Combine(_work, "hive");
        var partner = Directory.CreateDirectory(Path.Combine(_work, "partner")).FullName;
        var plugins = Path.Combine(_work, "plugins");

        // The packages a partner would get from the registry, built from this checkout.
        var configuration = typeof(PluginTemplateTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        foreach (var project in new[] { "src/Sdk/SalesWorkflow.Sdk", "src/Engine/SalesWorkflow.Engine", "src/Sdk/SalesWorkflow.Sdk.Testing" })
        {
            await Dotnet(RepoPaths.Root, "pack", RepoPaths.Combine(project), "-c", configuration, "--no-build", "-o", feed, $"-p:PackageVersion={version}", "-nologo");
        }

        await File.WriteAllTextAsync(Path.Combine(partner, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <add key="salesworkflow-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        await Dotnet(partner, "new", "install", RepoPaths.Combine("templates", "salesworkflow-plugin"), "--debug:custom-hive", hive);
        foreach (var (name, id) in new[] { ("Contoso.Discounts", "contoso"), ("Alpha.Plugin", "alpha"), ("Beta.Plugin", "beta") })
        {
            await Dotnet(partner, "new", "salesworkflow-plugin", "-n", name, "--pluginName", id, "--sdkVersion", version, "--debug:custom-hive", hive);
        }

        // Alpha and Beta each carry their own Json.NET: 12 and 13, loaded side by side in their own load contexts.
        AddJsonDependency(Path.Combine(partner, "Alpha.Plugin"), "Alpha.Plugin", "12.0.3");
        AddJsonDependency(Path.Combine(partner, "Beta.Plugin"), "Beta.Plugin", "13.0.3");

        // The generated tests pass against the packages (SalesWorkflow.Sdk.Testing runs the real engine).
        var testOutput = await Dotnet(partner, "test", Path.Combine("Contoso.Discounts", "tests", "Contoso.Discounts.Tests"));
        Assert.Contains("Passed!", testOutput, StringComparison.Ordinal);
        foreach (var (name, id) in new[] { ("Contoso.Discounts", "contoso"), ("Alpha.Plugin", "alpha"), ("Beta.Plugin", "beta") })
        {
            await Dotnet(partner, "publish", Path.Combine(name, "src", name), "-o", Path.Combine(plugins, id), "-nologo");
        }

        Assert.True(File.Exists(Path.Combine(plugins, "alpha", "Newtonsoft.Json.dll")), "a private dependency is copied next to its plugin");
        Assert.False(File.Exists(Path.Combine(plugins, "contoso", "SalesWorkflow.Sdk.dll")), "the SDK is shared with the host, never copied");

        var (listCode, list, listError) = await CliRunner.RunAsync("plugins", "list", "--plugins", plugins);
        Assert.True(listCode == 0, list + listError);
        Assert.Contains("contoso 1.0.0 (SDK 1.0)", list, StringComparison.Ordinal);
        Assert.Contains("contoso.DiscountAmount(Opportunity opportunity) → decimal", list, StringComparison.Ordinal);
        Assert.Contains("alpha.JsonMajor(Opportunity opportunity) → int", list, StringComparison.Ordinal);

        // Explain: the plugin's rule raises its risk, its check passes a gate, its function is read, and both
        // versions of Json.NET answer in one condition.
        var process = Path.Combine(_work, "partner-process.yaml");
        await File.WriteAllTextAsync(process, PartnerProcess);
        var deal = Path.Combine(_work, "deal.yaml");
        await File.WriteAllTextAsync(deal, Deal);
        var (explainCode, explanation, explainError) = await CliRunner.RunAsync("explain", process, "--deal", deal, "--plugins", plugins);
        Assert.True(explainCode == 0, explanation + explainError);
        Assert.Contains("✔ sponsor", explanation, StringComparison.Ordinal);
        Assert.Contains("✔ private-dependencies", explanation, StringComparison.Ordinal);
        Assert.Contains("✘ discount-within-budget", explanation, StringComparison.Ordinal);
        Assert.Contains("contoso.DiscountAmount(Opportunity) = 25,000", explanation, StringComparison.Ordinal);
        Assert.Contains("contoso.deep-discount (−10)", explanation, StringComparison.Ordinal);
        Assert.Contains("Plugin checks met: alpha.sponsor-confirmed, beta.sponsor-confirmed, contoso.sponsor-confirmed", explanation, StringComparison.Ordinal);

        // A deliberately broken plugin next to the good ones: a clear diagnostic, and the others keep working.
        var withBroken = Path.Combine(_work, "with-broken");
        CopyDirectory(plugins, withBroken);
        Directory.CreateDirectory(Path.Combine(withBroken, "broken"));
        await File.WriteAllTextAsync(Path.Combine(withBroken, "broken", "broken.dll"), "not an assembly");
        var (brokenCode, brokenList, _) = await CliRunner.RunAsync("plugins", "list", "--plugins", withBroken);
        Assert.Equal(ExitCodes.Invalid, brokenCode);
        Assert.Contains("SWP001", brokenList, StringComparison.Ordinal);
        Assert.Contains("contoso 1.0.0", brokenList, StringComparison.Ordinal);
        var (stillCode, still, stillError) = await CliRunner.RunAsync("explain", process, "--deal", deal, "--plugins", withBroken);
        Assert.True(stillCode == 0, still + stillError);
        Assert.Contains("SWP001", stillError, StringComparison.Ordinal);
        Assert.Contains("contoso.deep-discount", still, StringComparison.Ordinal);

        // The demo on the shipped process with the partner's plugin listed: its rules and function join the
        // evaluations, and its event sink receives every committed event.
        var definitions = Path.Combine(_work, "definitions");
        CopyDirectory(RepoPaths.Definitions, definitions);
        var b2b = Path.Combine(definitions, "standard-b2b.yaml");
        var text = await File.ReadAllTextAsync(b2b);
        text = text.Replace("plugins: [credit, customer-care]", "plugins: [credit, customer-care, contoso]", StringComparison.Ordinal)
            .Replace("\nrisks:\n", "\nrisks:\n" + DiscountRisk, StringComparison.Ordinal);
        await File.WriteAllTextAsync(b2b, text);
        var events = Path.Combine(_work, "events.jsonl");
        var db = Path.Combine(_work, "demo.db");
        Environment.SetEnvironmentVariable("CONTOSO_EVENTS_FILE", events);
        try
        {
            var (demoCode, demo, demoError) = await CliRunner.RunAsync("demo", "--definitions", definitions, "--plugins", plugins, "--deals", "150", "--months", "2", "--db", db, "--quiet");
            Assert.True(demoCode == 0, demo + demoError);
            Assert.Contains("event deliveries to plugins' event sinks", demo, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("CONTOSO_EVENTS_FILE", null);
        }

        await using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        Assert.Equal(await Scalar(connection, "SELECT count(*) FROM events"), File.ReadAllLines(events).Length);
        Assert.True(await Scalar(connection, "SELECT count(*) FROM events WHERE evaluation_json LIKE '%\"contoso.deep-discount\"%'") > 0, "the plugin's rule raised its risk during the demo");
        Assert.True(await Scalar(connection, "SELECT count(*) FROM events WHERE evaluation_json LIKE '%\"discount-over-budget\"%'") > 0, "a YAML risk using the plugin's function fired during the demo");
    }

    private const string PartnerProcess = """
        format: 1
        kind: process
        id: partner
        version: 1
        name: Partner process
        currency: USD
        plugins: [contoso, alpha, beta]
        stages:
          - id: negotiation
            name: Negotiation
            probability: 0.8
            exitCriteria:
              - id: sponsor
                when: Met("contoso.sponsor-confirmed")
              - id: discount-within-budget
                when: contoso.DiscountAmount(Opportunity) <= 20000
              - id: private-dependencies
                when: alpha.JsonMajor(Opportunity) == 12 && beta.JsonMajor(Opportunity) == 13
          - { id: won, name: Won, kind: won, probability: 1 }
          - { id: lost, name: Lost, kind: lost, probability: 0 }
        transitions:
          lossReasons:
            - { id: price }
        """;

    private const string Deal = """
        format: 1
        kind: deal
        stage: negotiation
        now: 2026-03-02T10:00:00Z
        enteredStageAt: 2026-02-27T10:00:00Z
        opportunity: { id: d1, name: Globex renewal, amount: 100000, discountPercent: 25 }
        contacts:
          - { name: Ann, isChampion: true, lastContactedAt: 2026-02-28T10:00:00Z }
        """;

    private const string DiscountRisk = """
          - id: discount-over-budget
            name: { zh: 折让金额超预算, en: Discount over budget }
            category: market
            severity: high
            weight: 10
            when: contoso.DiscountAmount(Opportunity) > 100000

        """;

    private static void AddJsonDependency(string root, string name, string jsonVersion)
    {
        var project = Path.Combine(root, "src", name, name + ".csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace(
            "<PackageReference Include=\"NRules.Fluent\"",
            $"<PackageReference Include=\"Newtonsoft.Json\" Version=\"{jsonVersion}\" />\n    <PackageReference Include=\"NRules.Fluent\"",
            StringComparison.Ordinal));
        var plugin = Path.Combine(root, "src", name, "Plugin.cs");
        File.WriteAllText(plugin, File.ReadAllText(plugin).Replace(
            "public static class Functions\n{\n",
            "public static class Functions\n{\n    /// <summary>The major version of the Json.NET this plugin loaded.</summary>\n    public static int JsonMajor(Opportunity opportunity) => typeof(Newtonsoft.Json.JsonConvert).Assembly.GetName().Version!.Major;\n\n",
            StringComparison.Ordinal));
    }

    private static async Task<long> Scalar(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static void CopyDirectory(string from, string to) => DotnetCli.CopyDirectory(from, to);

    private static Task<string> Dotnet(string workingDirectory, params string[] args) => DotnetCli.Dotnet(workingDirectory, args);
}
