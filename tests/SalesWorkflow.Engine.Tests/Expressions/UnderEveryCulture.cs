using System.Globalization;

namespace SalesWorkflow.Engine.Tests.Expressions;

/// <summary>Runs the same work under several cultures (the thread's culture restored after), for "same answer everywhere" tests.</summary>
internal static class UnderEveryCulture
{
    public static List<T> Run<T>(IEnumerable<string> cultures, Func<T> work)
    {
        var answers = new List<T>();
        var saved = CultureInfo.CurrentCulture;
        try
        {
            foreach (var culture in cultures)
            {
                CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
                answers.Add(work());
            }
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }

        return answers;
    }
}
