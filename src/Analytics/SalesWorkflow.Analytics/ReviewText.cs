using System.Globalization;
using System.Resources;
using SalesWorkflow.Engine.Definitions;

namespace SalesWorkflow.Analytics;

/// <summary>
/// The review report's words in one language, from the resource files (Resources/ReviewText*.resx), with the number
/// formats of that language; team names from the process in that language.
/// </summary>
internal sealed class ReviewText
{
    /// <summary>The languages the report is written in; the first is the neutral resources'.</summary>
    public static readonly IReadOnlyList<string> Languages = ["en", "zh"];

    private static readonly ResourceManager Resources = new("SalesWorkflow.Analytics.Resources.ReviewText", typeof(ReviewText).Assembly);

    private readonly ProcessDefinition? _process;

    private ReviewText(string language, ProcessDefinition? process)
    {
        Language = language;
        _process = process;
        // zh-CN for its number formats; its resources fall back to the zh ones.
        Culture = CultureInfo.GetCultureInfo(language == "zh" ? "zh-CN" : "en-US");
    }

    /// <summary>The language, as <see cref="Languages"/> names it.</summary>
    public string Language { get; }

    public CultureInfo Culture { get; }

    /// <summary>The text of <paramref name="key"/>; a key missing from the resources is a bug, not a blank.</summary>
    public string this[string key] => Resources.GetString(key, Culture) ?? throw new InvalidOperationException($"The review report has no text `{key}`.");

    public string Format(string key, params object[] values) => string.Format(Culture, this[key], values);

    /// <summary>
    /// The language a report is written in: <paramref name="language"/> when given (<c>zh-CN</c> counts as <c>zh</c>),
    /// else the process's first language the report has, else English.
    /// </summary>
    /// <exception cref="ArgumentException">The report is not written in <paramref name="language"/>.</exception>
    public static ReviewText For(string? language, ProcessDefinition? process)
    {
        if (language is not null)
        {
            return new ReviewText(Supported(language) ?? throw new ArgumentException($"The review report is written in {string.Join(" and ", Languages)}, not `{language}`.", nameof(language)), process);
        }

        var first = process?.Languages.Select(Supported).FirstOrDefault(l => l is not null);
        return new ReviewText(first ?? "en", process);
    }

    /// <summary>The report language <paramref name="language"/> names (<c>zh</c>, <c>zh-CN</c>, <c>EN</c>), or null.</summary>
    public static string? Supported(string language)
    {
        var primary = language.Split('-', 2)[0].ToLowerInvariant();
        return Languages.Contains(primary, StringComparer.Ordinal) ? primary : null;
    }

    /// <summary>The scope <see cref="PeriodReview.Compute"/> wrote ("all teams", "team east", "rep li-na") in this language.</summary>
    public string Scope(string scope) => scope switch
    {
        "all teams" => this["ScopeAll"],
        _ when scope.StartsWith("team ", StringComparison.Ordinal) => Format("ScopeTeam", scope[5..]),
        _ when scope.StartsWith("rep ", StringComparison.Ordinal) => Format("ScopeRep", scope[4..]),
        _ => scope,
    };

    /// <summary>A target line's level (total, team, rep) in this language.</summary>
    public string Level(string level) => level switch
    {
        "total" => this["LevelTotal"],
        "team" => this["LevelTeam"],
        "rep" => this["LevelRep"],
        _ => level,
    };

    /// <summary>A team's name in this language, from the process's targets; <paramref name="written"/> when the process does not name it.</summary>
    public string TeamName(string id, string written) =>
        _process?.Targets.SelectMany(t => t.Teams).LastOrDefault(t => t.Key == id && !t.Name.IsEmpty) is { } team ? team.Name.Get(Language) : written;

    /// <summary>A stage's name in this language, from the process; the id where the process does not name it.</summary>
    public string Stage(string id) => _process?.FindStage(id) is { Name.IsEmpty: false } stage ? stage.Name.Get(Language) : id;

    /// <summary>A loss reason's name in this language, from the process; the id where the process does not name it.</summary>
    public string LossReason(string id) =>
        _process?.Transitions.LossReasons.FirstOrDefault(r => r.Id == id) is { Name.IsEmpty: false } reason ? reason.Name.Get(Language) : id;

    /// <summary>The process's title in this language: its name, id and version.</summary>
    public string ProcessTitle(string written) => _process is { } p ? $"{p.Name.Get(Language)} ({p.Id} v{p.Version})" : written;
}
