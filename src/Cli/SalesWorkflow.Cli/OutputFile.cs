using System.Text;
using System.Text.RegularExpressions;
using SalesWorkflow.Engine.Definitions;

namespace SalesWorkflow.Cli;

/// <summary>
/// The rule for a file a command writes (a report, a diagram, an issues list, a JUnit file): it may replace an earlier
/// output, never the command's own input, a database, or a definition. <c>report --out d.db</c> once turned the
/// database it had just read into Markdown.
/// </summary>
internal static partial class OutputFile
{
    /// <summary>Why <paramref name="output"/> may not be written (null: it may), given the files the command reads.</summary>
    public static string? RefusalToReplace(string output, IEnumerable<string?> inputs)
    {
        var target = RealPath(output);
        if (inputs.OfType<string>().Where(i => i.Length > 0 && !i.Contains('=', StringComparison.Ordinal)).Any(i => string.Equals(RealPath(i), target, StringComparison.Ordinal)))
        {
            return "it is one of this command's inputs";
        }

        if (Directory.Exists(target))
        {
            return "it is a folder";
        }

        if (!File.Exists(target))
        {
            return null;
        }

        if (FolderFiles.RefusalToRead(target) is { } notAFile && !notAFile.StartsWith("it is empty", StringComparison.Ordinal))
        {
            return notAFile;
        }

        var head = Head(target);
        return head.StartsWith("SQLite format 3\0", StringComparison.Ordinal) ? "it is an SQLite database"
            : DefinitionFormat().IsMatch(head) && DefinitionKind().IsMatch(head) ? "it is a SalesWorkflow definition"
            : null;
    }

    private static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full; // a loop of links: compared as written
        }
    }

    private static string Head(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new byte[4096];
            var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            return Encoding.Latin1.GetString(buffer, 0, read);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    [GeneratedRegex(@"(?m)^format:\s*1\s*$")]
    private static partial Regex DefinitionFormat();

    [GeneratedRegex(@"(?m)^kind:\s*[a-z-]+\s*$")]
    private static partial Regex DefinitionKind();
}
