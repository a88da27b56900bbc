using System.CommandLine;
using SalesWorkflow.Engine.Definitions;

namespace SalesWorkflow.Cli.Commands;

/// <summary><c>salesflow graph</c>: draws a process's stages and allowed transitions as Mermaid or DOT.</summary>
internal static class GraphCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("file") { Description = "The process definition file." };
        var format = new Option<string>("--format")
        {
            Description = "mermaid (default; renders in GitHub and most wikis) or dot (Graphviz).",
            DefaultValueFactory = _ => "mermaid",
        };
        format.AcceptOnlyFromAmong("mermaid", "dot");
        var languages = new Option<string[]>("--lang")
        {
            Description = "Languages of stage names, e.g. --lang zh --lang en (default: the process's languages).",
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of the console." };
        var plugins = PluginSupport.CreateOption();
        var command = new Command("graph", "Draw the stage diagram: every transition the policy allows, each gate's criteria on its forward edge.")
        {
            file,
            format,
            languages,
            output,
            plugins,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                context.Error.WriteLine(Directory.Exists(path) ? $"salesflow: '{path}' is a folder; graph draws one process file" : $"salesflow: '{path}' does not exist");
                return ExitCodes.UsageOrIo;
            }

            var set = PluginSupport.Loader(PluginSupport.Load(parse.GetValue(plugins), context.Error)).Load([path]);
            var process = set.Processes.FirstOrDefault(p => p.SourcePath == path);
            if (set.HasErrors || process is null)
            {
                ValidateCommand.Write(context.Error, set, json: false);
                if (!set.HasErrors)
                {
                    context.Error.WriteLine($"salesflow: '{path}' is not a process definition (kind: process)");
                    return ExitCodes.UsageOrIo;
                }

                return ExitCodes.Invalid;
            }

            var diagram = ProcessDiagram.Render(
                process,
                parse.GetValue(format) == "dot" ? DiagramFormat.Dot : DiagramFormat.Mermaid,
                parse.GetValue(languages));
            var target = parse.GetValue(output);
            if (target is null)
            {
                context.Out.Write(diagram);
                return ExitCodes.Ok;
            }

            if (OutputFile.RefusalToReplace(target, [path]) is { } refusal)
            {
                context.Error.WriteLine($"salesflow: will not write the diagram over '{target}': {refusal}; choose another path");
                return ExitCodes.UsageOrIo;
            }

            try
            {
                File.WriteAllText(target, diagram);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                context.Error.WriteLine($"salesflow: cannot write '{target}': {ex.Message}");
                return ExitCodes.UsageOrIo;
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
