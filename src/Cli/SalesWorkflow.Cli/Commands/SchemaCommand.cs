using System.CommandLine;
using SalesWorkflow.Engine.Definitions;

namespace SalesWorkflow.Cli.Commands;

/// <summary><c>salesflow schema</c>: prints or writes the JSON Schemas of the definition format.</summary>
internal static class SchemaCommand
{
    public static Command Create(CliContext context)
    {
        var kind = new Option<string?>("--kind") { Description = "Print the schema of one kind: process, rule-pack or process-tests." };
        kind.AcceptOnlyFromAmong([.. DefinitionSchemas.Kinds]);
        var output = new Option<string?>("--out") { Description = "Write every schema into this folder (the repository keeps them in schema/)." };
        var check = new Option<bool>("--check") { Description = "With --out: exit 1 if the files there are not up to date." };
        var command = new Command("schema", "Print or write the JSON Schemas that editors use to complete and check definition files.")
        {
            kind,
            output,
            check,
        };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(output);
            if (folder is null)
            {
                context.Out.Write(DefinitionSchemas.For(parse.GetValue(kind) ?? "process"));
                return ExitCodes.Ok;
            }

            var stale = new List<string>();
            foreach (var k in DefinitionSchemas.Kinds)
            {
                var path = Path.Combine(folder, DefinitionSchemas.FileName(k));
                var expected = DefinitionSchemas.For(k);
                if (parse.GetValue(check))
                {
                    if (FolderFiles.RefusalToRead(path) is not null || File.ReadAllText(path) != expected)
                    {
                        stale.Add(path);
                    }

                    continue;
                }

                // Replacing a link would write wherever it points; a pipe would block; the rest is every output's rule.
                if ((new FileInfo(path).LinkTarget is not null ? "it is a link" : OutputFile.RefusalToReplace(path, [])) is { } refusal)
                {
                    context.Error.WriteLine($"salesflow: will not write the schema over '{path}': {refusal}; remove it first");
                    return ExitCodes.UsageOrIo;
                }

                try
                {
                    Directory.CreateDirectory(folder);
                    File.WriteAllText(path, expected);
                    context.Out.WriteLine($"wrote {path}");
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    context.Error.WriteLine($"salesflow: cannot write '{path}': {ex.Message}");
                    return ExitCodes.UsageOrIo;
                }
            }

            foreach (var path in stale)
            {
                context.Error.WriteLine($"{path} is out of date: run 'salesflow schema --out {folder}'");
            }

            return stale.Count > 0 ? ExitCodes.Invalid : ExitCodes.Ok;
        });
        return command;
    }
}
