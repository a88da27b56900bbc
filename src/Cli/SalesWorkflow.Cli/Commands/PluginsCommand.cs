using System.CommandLine;
using System.Text.Json;
using SalesWorkflow.Engine.Plugins;

namespace SalesWorkflow.Cli.Commands;

/// <summary><c>salesflow plugins list</c>: what was loaded (rules, functions, enrichers, sinks) and why anything was not.</summary>
internal static class PluginsCommand
{
    public static Command Create(CliContext context)
    {
        var plugins = PluginSupport.CreateOption();
        var format = new Option<string>("--format") { Description = "text (default) or json.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var list = new Command("list", "List the loaded plugins and what each adds; exit 1 when a plugin could not be loaded.")
        {
            plugins,
            format,
        };
        list.SetAction(parse =>
        {
            var catalog = PluginCatalog.Load(PluginSupport.BuiltIn(), parse.GetValue(plugins) ?? []);
            if (parse.GetValue(format) == "json")
            {
                context.Out.WriteLine(JsonSerializer.Serialize(
                    new
                    {
                        plugins = catalog.Plugins.Select(p => new { p.Name, p.Version, sdkVersion = p.SdkVersion.ToString(2), p.Source, p.Rules, p.Functions, p.Enrichers, p.Sinks }),
                        diagnostics = catalog.Diagnostics,
                    },
                    JsonOptions));
            }
            else
            {
                Write(context.Out, catalog);
            }

            return catalog.Diagnostics.Count > 0 ? ExitCodes.Invalid : ExitCodes.Ok;
        });
        return new Command("plugins", "Plugins: C# rules, condition functions, fact enrichers and event sinks from partners.") { list };
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static void Write(TextWriter output, PluginCatalog catalog)
    {
        foreach (var plugin in catalog.Plugins)
        {
            output.WriteLine($"{plugin.Name} {plugin.Version} (SDK {plugin.SdkVersion.ToString(2)}) — {plugin.Source}");
            Section(output, "rules", plugin.Rules);
            Section(output, "functions", plugin.Functions);
            Section(output, "enrichers", plugin.Enrichers);
            Section(output, "event sinks", plugin.Sinks);
            output.WriteLine();
        }

        foreach (var diagnostic in catalog.Diagnostics)
        {
            output.WriteLine($"not loaded: {diagnostic}");
        }

        output.WriteLine($"{ValidateCommand.Plural(catalog.Plugins.Count, "plugin")} loaded, {catalog.Diagnostics.Count} not loaded.");
    }

    private static void Section(TextWriter output, string title, IReadOnlyList<string> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        output.WriteLine($"  {title}:");
        foreach (var item in items)
        {
            output.WriteLine($"    {item}");
        }
    }
}
