using System.Globalization;
using System.Text;

namespace SalesWorkflow.Engine.Definitions;

/// <summary>Diagram formats of <see cref="ProcessDiagram"/>.</summary>
public enum DiagramFormat
{
    /// <summary>Mermaid flowchart (renders in GitHub, GitLab, many wikis).</summary>
    Mermaid = 0,

    /// <summary>Graphviz DOT.</summary>
    Dot = 1,
}

/// <summary>
/// Draws a process: every stage (with its default probability) and every transition the policy allows, with each
/// gate's exit criteria on the forward edge out of the stage.
/// </summary>
public static class ProcessDiagram
{
    /// <summary>Renders the diagram; <paramref name="languages"/> picks the name languages (default: the process's, else English).</summary>
    public static string Render(ProcessDefinition process, DiagramFormat format, IReadOnlyList<string>? languages = null)
    {
        ArgumentNullException.ThrowIfNull(process);
        languages = languages is { Count: > 0 } ? languages : process.Languages.Count > 0 ? process.Languages : ["en"];
        return format == DiagramFormat.Dot ? Dot(process, languages) : Mermaid(process, languages);
    }

    private static string Mermaid(ProcessDefinition process, IReadOnlyList<string> languages)
    {
        var b = new StringBuilder();
        b.Append("%% ").Append(process.Id).Append(" v").Append(process.Version).Append(": ").Append(Name(process.Name, languages, " / ", Escape)).Append('\n');
        b.Append("flowchart LR\n");
        foreach (var stage in process.Stages)
        {
            var label = Name(stage.Name, languages, "<br/>", Escape) + "<br/><small>" + Caption(stage) + "</small>";
            var (open, close) = stage.Kind switch
            {
                StageKind.Won => ("([\"", "\"])"),
                StageKind.Lost => ("([\"", "\"])"),
                _ => ("[\"", "\"]"),
            };
            b.Append("    ").Append(NodeId(stage.Id)).Append(open).Append(label).Append(close).Append('\n');
        }

        foreach (var t in StageTransitions.Enumerate(process))
        {
            var from = NodeId(t.From);
            var to = NodeId(t.To);
            switch (t.Kind)
            {
                case TransitionKind.Forward:
                    var gate = process.FindStage(t.From)!.ExitCriteria;
                    b.Append("    ").Append(from).Append(" ==>");
                    if (gate.Count > 0)
                    {
                        b.Append("|\"").Append(string.Join("<br/>", gate.Select(c => "✔ " + Escape(c.Id)))).Append("\"|");
                    }

                    b.Append(' ').Append(to).Append('\n');
                    break;
                case TransitionKind.Skip:
                    b.Append("    ").Append(from).Append(" -.->|skip| ").Append(to).Append('\n');
                    break;
                case TransitionKind.Back:
                    b.Append("    ").Append(from).Append(" -.->|back| ").Append(to).Append('\n');
                    break;
                case TransitionKind.Lose:
                    b.Append("    ").Append(from).Append(" -->|lose| ").Append(to).Append('\n');
                    break;
                case TransitionKind.Reopen:
                    b.Append("    ").Append(from).Append(" -.->|reopen| ").Append(to).Append('\n');
                    break;
            }
        }

        b.Append("    classDef won fill:#d4f4dd,stroke:#2e7d32\n");
        b.Append("    classDef lost fill:#fde0e0,stroke:#c62828\n");
        Classes(b, process, StageKind.Won, "won");
        Classes(b, process, StageKind.Lost, "lost");
        return b.ToString();
    }

    private static void Classes(StringBuilder b, ProcessDefinition process, StageKind kind, string className)
    {
        var ids = process.Stages.Where(s => s.Kind == kind).Select(s => NodeId(s.Id)).ToList();
        if (ids.Count > 0)
        {
            b.Append("    class ").Append(string.Join(',', ids)).Append(' ').Append(className).Append('\n');
        }
    }

    private static string Dot(ProcessDefinition process, IReadOnlyList<string> languages)
    {
        var b = new StringBuilder();
        b.Append("// ").Append(process.Id).Append(" v").Append(process.Version).Append(": ").Append(Name(process.Name, languages, " / ", static t => Diagnostics.PrintableText.Escape(t))).Append('\n');
        b.Append("digraph \"").Append(process.Id).Append("\" {\n");
        b.Append("  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Noto Sans CJK SC, sans-serif\"];\n  edge [fontname=\"sans-serif\", fontsize=10];\n");
        foreach (var stage in process.Stages)
        {
            var fill = stage.Kind switch
            {
                StageKind.Won => ", style=\"rounded,filled\", fillcolor=\"#d4f4dd\"",
                StageKind.Lost => ", style=\"rounded,filled\", fillcolor=\"#fde0e0\"",
                _ => string.Empty,
            };
            b.Append("  \"").Append(stage.Id).Append("\" [label=\"").Append(DotEscape(Name(stage.Name, languages, "\n") + "\n" + Caption(stage))).Append('"').Append(fill).Append("];\n");
        }

        foreach (var t in StageTransitions.Enumerate(process))
        {
            b.Append("  \"").Append(t.From).Append("\" -> \"").Append(t.To).Append("\" [");
            switch (t.Kind)
            {
                case TransitionKind.Forward:
                    var gate = process.FindStage(t.From)!.ExitCriteria;
                    b.Append("penwidth=2");
                    if (gate.Count > 0)
                    {
                        b.Append(", label=\"").Append(DotEscape(string.Join("\n", gate.Select(c => "✔ " + c.Id)))).Append('"');
                    }

                    break;
                case TransitionKind.Lose:
                    b.Append("label=\"lose\", color=\"#c62828\"");
                    break;
                default:
                    b.Append("label=\"").Append(t.Kind.ToString().ToLowerInvariant()).Append("\", style=dashed");
                    break;
            }

            b.Append("];\n");
        }

        b.Append("}\n");
        return b.ToString();
    }

    private static string Caption(StageDefinition stage) => stage.Kind switch
    {
        StageKind.Won => "won · p = 100%",
        StageKind.Lost => "lost",
        _ => "p = " + (stage.Probability * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%",
    };

    private static string Name(LocalizedText text, IReadOnlyList<string> languages, string separator, Func<string, string>? escape = null)
    {
        escape ??= static t => t;
        var names = languages.Select(text.Get).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).Select(escape).ToList();
        return names.Count > 0 ? string.Join(separator, names) : escape(text.Get());
    }

    private static string NodeId(string id) => id.Replace('-', '_');

    /// <summary>
    /// Text inside a quoted Mermaid label, which Mermaid reads as HTML: every character that could open a tag, end the
    /// label, start a Markdown string or a new line is written as a Mermaid entity code (<c>#60;</c>), so a name cannot
    /// inject markup or lines. (An entity such as <c>&amp;lt;</c> or <c>#60;</c> in a name shows as text.)
    /// </summary>
    private static string Escape(string text)
    {
        var b = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '"' or '<' or '>' or '`' || char.IsControl(c))
            {
                b.Append('#').Append(((int)c).ToString(CultureInfo.InvariantCulture)).Append(';');
            }
            else
            {
                b.Append(c);
            }
        }

        return b.ToString();
    }

    private static string DotEscape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
