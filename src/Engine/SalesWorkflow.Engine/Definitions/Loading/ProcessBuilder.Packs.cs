using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Definitions.Yaml;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Definitions.Loading;

// ProcessBuilder, part: Pack resolution: the `imports:` of a process, and items referenced from a pack (`pack: id`).
internal sealed partial class ProcessBuilder
{
    private List<PackImport> BuildImports()
    {
        var imports = new List<PackImport>();
        var aliases = new Dictionary<string, SourceSpan>(StringComparer.Ordinal);
        foreach (var item in _read.Mappings(_root, "imports"))
        {
            var path = _read.Scalar(item, "pack");
            var alias = _read.Scalar(item, "as");
            if (path is null || alias is null)
            {
                continue;
            }

            if (!aliases.TryAdd(alias.Value, alias.Span))
            {
                _diagnostics.Error(
                    DiagnosticIds.DuplicateId,
                    alias.Span,
                    $"the import alias `{alias.Value}` is used twice",
                    $"the first is at line {aliases[alias.Value].Line}; give each import its own alias");
                continue;
            }

            var directory = Path.GetDirectoryName(_file.FullPath)!;
            var full = Path.GetFullPath(Path.Combine(directory, path.Value));
            var display = LoadSession.DisplayPathOf(_file.DisplayPath, path.Value);
            if (!_session.MayRead(path.Value, full, path.Span))
            {
                continue;
            }

            if (!_session.Exists(full))
            {
                _diagnostics.Error(
                    DiagnosticIds.ImportNotFound,
                    path.Span,
                    $"the rule pack `{path.Value}` does not exist (looked for `{display}`)",
                    Suggestions.DidYouMean(Path.GetFileName(full), LoadSession.SiblingYamlFiles(full)) ?? "paths are relative to the importing file");
                continue;
            }

            var pack = _session.LoadPack(display, full, path.Span);
            if (pack is null)
            {
                continue;
            }

            imports.Add(new PackImport
            {
                Alias = alias.Value,
                Pack = pack,
                ImportRisks = _read.Bool(item, "risks", true),
                RiskStages = [.. _read.Scalars(item, "stages").Select(s => (s.Value, s.Span))],
            });
        }

        return imports;
    }

    private (T Item, PackImport Import)? ResolvePackItem<T>(YamlScalar reference, List<PackImport> imports, Func<RulePack, IReadOnlyList<T>> items, string what)
        where T : class
    {
        var dot = reference.Value.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            _diagnostics.Error(
                DiagnosticIds.UnknownPackItem,
                reference.Span,
                $"`use: {reference.Value}` must name an imported {what} as `alias.id`",
                imports.Count > 0 ? $"for example `use: {imports[0].Alias}.{reference.Value}`" : "import a rule pack under `imports:` first");
            return null;
        }

        var alias = reference.Value[..dot];
        var itemId = reference.Value[(dot + 1)..];
        var import = imports.Find(i => i.Alias == alias);
        if (import is null)
        {
            _diagnostics.Error(
                DiagnosticIds.UnknownPackItem,
                reference.Span,
                $"no rule pack is imported as `{alias}`",
                Suggestions.DidYouMean(alias, imports.Select(i => i.Alias)) ?? "import the pack under `imports:` with `as: " + alias + "`");
            return null;
        }

        var found = items(import.Pack).FirstOrDefault(i => IdOf(i) == itemId);
        if (found is null)
        {
            _diagnostics.Error(
                DiagnosticIds.UnknownPackItem,
                reference.Span,
                $"the rule pack `{import.Pack.Id}` has no {what} `{itemId}`",
                Suggestions.DidYouMean(itemId, items(import.Pack).Select(IdOf)));
            return null;
        }

        return (found, import);
    }

    private static string IdOf<T>(T item) => item switch
    {
        ExitCriterion c => c.Id,
        RiskRule r => r.Id,
        _ => string.Empty,
    };

    private IEnumerable<RiskRule> ImportedRisks(List<PackImport> imports, List<StageDefinition> stages, List<RiskCategoryDefinition> categories)
    {
        foreach (var import in imports.Where(i => i.ImportRisks))
        {
            var stageIds = import.RiskStages.Count == 0 ? OpenStages(stages) : [];
            foreach (var (stageId, span) in import.RiskStages)
            {
                if (CheckStageReference(stageId, span, stages))
                {
                    stageIds.Add(stageId);
                }
            }

            foreach (var risk in import.Pack.Risks)
            {
                _ = categories;
                yield return new RiskRule
                {
                    Id = import.Alias + "." + risk.Id,
                    Name = risk.Name,
                    Category = risk.Category,
                    Severity = risk.Severity,
                    Weight = risk.Weight,
                    Condition = risk.Condition,
                    Advice = risk.Advice,
                    Stages = stageIds,
                    Pack = import.Pack.Id,
                    PackAlias = import.Alias,
                    Span = risk.Span,
                };
            }
        }
    }
}
