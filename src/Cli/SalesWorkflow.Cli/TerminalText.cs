using System.Text;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Cli;

/// <summary>
/// What salesflow writes to a terminal passes through here: text that came from outside (deal names from a CRM, a
/// definition's lines, a database's errors) cannot recolour, retitle, clear or overwrite the terminal. Line breaks and
/// tabs pass; every other control character is shown as a <c>\u001b</c>-style escape (<see cref="PrintableText"/>).
/// </summary>
internal static class TerminalText
{
    /// <summary>One value on one line: line breaks are escaped too.</summary>
    public static string Safe(string? text) => PrintableText.Escape(text);

    /// <summary>
    /// The colours salesflow may use: none when the output is redirected (a file, a pipe, a CI log) or when
    /// <c>NO_COLOR</c> is set to anything (https://no-color.org), otherwise what the terminal supports.
    /// </summary>
    public static Spectre.Console.ColorSystemSupport Colours(bool redirected, string? noColor) =>
        redirected || !string.IsNullOrEmpty(noColor) ? Spectre.Console.ColorSystemSupport.NoColors : Spectre.Console.ColorSystemSupport.Detect;

    /// <summary>A writer that escapes control characters other than line breaks and tabs.</summary>
    public static TextWriter SafeWriter(TextWriter inner) => inner is SafeTextWriter ? inner : new SafeTextWriter(inner);

    private sealed class SafeTextWriter(TextWriter inner) : TextWriter(inner.FormatProvider)
    {
        public override Encoding Encoding => inner.Encoding;

        public override string NewLine
        {
            get => inner.NewLine;
#pragma warning disable CS8765 // TextWriter.NewLine's setter takes null as "the default"; so does the inner writer's.
            set => inner.NewLine = value;
#pragma warning restore CS8765
        }

        public override void Write(char value)
        {
            if (PrintableText.NeedsEscape(value, keepLineBreaks: true))
            {
                inner.Write(PrintableText.Escape(value.ToString()));
            }
            else
            {
                inner.Write(value);
            }
        }

        public override void Write(string? value) => inner.Write(PrintableText.Escape(value, keepLineBreaks: true));

        public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

        public override void WriteLine(string? value) => inner.WriteLine(PrintableText.Escape(value, keepLineBreaks: true));

        public override Task WriteAsync(string? value) => inner.WriteAsync(PrintableText.Escape(value, keepLineBreaks: true));

        public override Task WriteLineAsync(string? value) => inner.WriteLineAsync(PrintableText.Escape(value, keepLineBreaks: true));

        public override Task WriteAsync(char value) => inner.WriteAsync(PrintableText.Escape(value.ToString(), keepLineBreaks: true));

        public override Task WriteLineAsync() => inner.WriteLineAsync();

        public override void Flush() => inner.Flush();

        public override Task FlushAsync() => inner.FlushAsync();

        protected override void Dispose(bool disposing)
        {
            // The inner writer (the console, a test's StringWriter) belongs to the caller: only this wrapper is disposed.
            base.Dispose(disposing);
        }
    }
}
