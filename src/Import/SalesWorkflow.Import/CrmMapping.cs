using System.Globalization;
using SalesWorkflow.Engine.Definitions;
using SalesWorkflow.Engine.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace SalesWorkflow.Import;

/// <summary>
/// How a CRM export's files, columns and values map onto a process: a <c>kind: crm-mapping</c> file (docs/import.md),
/// or one of the shipped presets (<see cref="Presets"/>). Its shape is checked by the engine's definition loader, so a
/// misspelt key or a wrong type is reported at its <c>file(line,col)</c> with a did-you-mean hint, exactly as in a
/// process file; what the import itself needs (a date format that reads, a known culture) is checked here, at its place.
/// </summary>
public sealed class CrmMapping
{
    private const string PresetPrefix = "SalesWorkflow.Import.Presets.";

    private CrmMapping(string sourcePath) => SourcePath = sourcePath;

    /// <summary>Where the mapping was read from (a file path, or <c>preset:hubspot</c>).</summary>
    public string SourcePath { get; }

    /// <summary>Which CRM the mapping is for (<c>crm:</c>), when it says.</summary>
    public string? Crm { get; private set; }

    /// <summary>The opportunities file as the mapping names it (a name, or a pattern with <c>*</c>).</summary>
    public string OpportunitiesFile => Files.Opportunities;

    /// <summary>The names of the shipped presets: <c>dynamics</c>, <c>fxiaoke</c>, <c>hubspot</c>, <c>salesforce</c>, <c>zoho</c>.</summary>
    public static IReadOnlyList<string> Presets { get; } = typeof(CrmMapping).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(PresetPrefix, StringComparison.Ordinal))
        .Select(n => n[PresetPrefix.Length..^".yaml".Length])
        .Order(StringComparer.Ordinal)
        .ToList();

    internal MappingFiles Files { get; private set; } = new();

    internal OpportunityColumns Columns { get; private set; } = new();

    /// <summary>Each opportunity column given as a list: its first name → every name it goes by, tried in order.</summary>
    internal IReadOnlyDictionary<string, IReadOnlyList<string>> ColumnAlternatives => _alternatives;

    private readonly Dictionary<string, IReadOnlyList<string>> _alternatives = new(StringComparer.Ordinal);

    private Dictionary<string, string>? _canonicalColumns;

    internal TeamColumns? TeamColumns { get; private set; }

    internal StageHistoryColumns? StageHistoryColumns { get; private set; }

    internal GoalColumns? GoalColumns { get; private set; }

    /// <summary>The goals' period values → <c>year</c>, <c>Q1</c>–<c>Q4</c> or a month <c>1</c>–<c>12</c>.</summary>
    internal IReadOnlyDictionary<string, string> GoalPeriods { get; private set; } = new Dictionary<string, string>();

    /// <summary>The goal metrics read; empty for all.</summary>
    internal IReadOnlyList<string> GoalMetrics { get; private set; } = [];

    /// <summary>Goal owners (or names) that are teams → team id.</summary>
    internal IReadOnlyDictionary<string, string> GoalTeams { get; private set; } = new Dictionary<string, string>();

    internal AccountColumns? AccountColumns { get; private set; }

    internal ProductColumns? ProductColumns { get; private set; }

    internal string Encoding { get; private set; } = "utf-8";

    internal IReadOnlyList<string> Pipelines { get; private set; } = [];

    /// <summary>CRM stage → status and process stage.</summary>
    internal IReadOnlyDictionary<string, StageMapping> Stages { get; private set; } = new Dictionary<string, StageMapping>();

    internal IReadOnlyDictionary<string, MappedValue> Statuses { get; private set; } = new Dictionary<string, MappedValue>();

    internal MappedValue? EngagedStage { get; private set; }

    internal MappedValue? LossReason { get; private set; }

    internal IReadOnlyDictionary<string, MappedValue> LossReasons { get; private set; } = new Dictionary<string, MappedValue>();

    internal IReadOnlyDictionary<string, string> Owners { get; private set; } = new Dictionary<string, string>();

    internal IReadOnlyDictionary<string, string> ProductAliases { get; private set; } = new Dictionary<string, string>();

    internal IReadOnlyDictionary<string, string> SectorAliases { get; private set; } = new Dictionary<string, string>();

    /// <summary>Custom field → (CRM value → field value), for enum fields whose values the CRM spells its own way.</summary>
    internal IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> FieldValues { get; private set; } = new Dictionary<string, IReadOnlyDictionary<string, string>>();

    internal DateOnly? UndatedStart { get; private set; }

    internal decimal AccountRevenueUnit { get; private set; } = 1;

    /// <summary>How the CRM's webhooks describe changes; null when the mapping has no <c>webhook:</c>.</summary>
    internal WebhookMapping? Webhook { get; private set; }

    /// <summary>The payload shape the CRM's webhooks have (<c>webhook.format</c>), or null when the mapping is for exports only.</summary>
    public string? WebhookFormat => Webhook?.Format;

    internal IReadOnlyList<string> DateFormats { get; private set; } = ["yyyy-MM-dd"];

    internal CultureInfo DateCulture { get; private set; } = CultureInfo.InvariantCulture;

    internal AmountFormat Amounts { get; private set; } = AmountFormat.Default;

    /// <summary>Where each key and value is, for the checks against a process (a stage it lacks is shown at its line).</summary>
    internal MappingPositions Positions { get; private set; } = new(string.Empty, null);

    /// <summary>Reads a mapping file; its diagnostics say where and what, as the definition loader's do.</summary>
    /// <param name="path">The mapping file.</param>
    /// <returns>The mapping, or null with the errors.</returns>
    public static CrmMappingResult Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (FolderFiles.RefusalToRead(Path.GetFullPath(path)) is { } refusal)
        {
            return Failed(new Diagnostic(ImportDiagnosticIds.MappingUnreadable, DiagnosticSeverity.Error, SourceSpan.StartOf(path), $"the mapping cannot be read: {refusal}", null, null));
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Failed(new Diagnostic(ImportDiagnosticIds.MappingUnreadable, DiagnosticSeverity.Error, SourceSpan.StartOf(path), $"the mapping cannot be read: {ex.Message}", null, null));
        }

        return Parse(path, text);
    }

    /// <summary>A shipped preset (<see cref="Presets"/>), as its file in the repository's <c>presets/</c> folder reads.</summary>
    /// <param name="name">The preset's name, e.g. <c>hubspot</c>.</param>
    /// <returns>The mapping, or null with an error naming the presets there are.</returns>
    public static CrmMappingResult Preset(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return PresetText(name) is { } text
            ? Parse($"preset:{name}", text)
            : Failed(new Diagnostic(ImportDiagnosticIds.UnknownPreset, DiagnosticSeverity.Error, SourceSpan.StartOf($"preset:{name}"), $"there is no preset `{name}`; the presets are {string.Join(", ", Presets)}", null, null));
    }

    /// <summary>The text of a shipped preset, to copy and edit; null when there is none of that name.</summary>
    /// <param name="name">The preset's name.</param>
    /// <returns>Its YAML.</returns>
    public static string? PresetText(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Presets.Contains(name, StringComparer.Ordinal))
        {
            return null;
        }

        using var stream = typeof(CrmMapping).Assembly.GetManifestResourceStream(PresetPrefix + name + ".yaml")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Reads a mapping from text (an upload, a preset); <paramref name="displayPath"/> names it in diagnostics.</summary>
    /// <param name="displayPath">What diagnostics call the file.</param>
    /// <param name="text">The YAML.</param>
    /// <returns>The mapping, or null with the errors.</returns>
    public static CrmMappingResult Parse(string displayPath, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(displayPath);
        ArgumentNullException.ThrowIfNull(text);

        // The engine's loader checks the shape (keys, types, limits on size, depth and aliases) in its own words.
        var set = new DefinitionLoader().LoadText(displayPath, text);
        var diagnostics = set.Diagnostics.ToList();
        if (set.HasErrors)
        {
            return new CrmMappingResult(null, diagnostics);
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        if (Scalar(root, "kind") != "crm-mapping")
        {
            return Failed(new Diagnostic(ImportDiagnosticIds.NotAMapping, DiagnosticSeverity.Error, Span(displayPath, root.Children.FirstOrDefault(c => Scalar(c.Key) == "kind").Value ?? root), $"`{displayPath}` is a {Scalar(root, "kind")} file, not a CRM mapping", "a mapping starts with `format: 1` and `kind: crm-mapping` (docs/import.md)", null));
        }

        var mapping = new CrmMapping(displayPath) { Positions = new MappingPositions(displayPath, root) };
        mapping.Read(root, diagnostics);
        return diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error) ? new CrmMappingResult(null, diagnostics) : new CrmMappingResult(mapping, diagnostics);
    }

    private void Read(YamlMappingNode root, List<Diagnostic> diagnostics)
    {
        void Error(YamlNode at, string message, string? hint = null) =>
            diagnostics.Add(new Diagnostic(ImportDiagnosticIds.MappingValue, DiagnosticSeverity.Error, Span(SourcePath, at), message, hint, null));

        Crm = Scalar(root, "crm");
        var files = (YamlMappingNode)Child(root, "files")!;
        Files = new MappingFiles
        {
            Opportunities = Scalar(files, "opportunities") ?? string.Empty,
            Teams = Scalar(files, "teams"),
            Accounts = Scalar(files, "accounts"),
            Products = Scalar(files, "products"),
            StageHistory = Scalar(files, "stageHistory"),
            Goals = Scalar(files, "goals"),
        };
        foreach (var (key, value) in Entries(files))
        {
            if (Scalar(value) is { } name && (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal)) && name.Contains('*', StringComparison.Ordinal))
            {
                Error(value, $"`files.{key}`: a pattern matches names in the import folder only, not in folders below it");
            }
        }

        var columns = (YamlMappingNode)Child(root, "columns")!;
        var opportunities = (YamlMappingNode)Child(columns, "opportunities")!;
        Columns = new OpportunityColumns
        {
            Id = Column(opportunities, "id")!,
            Stage = Column(opportunities, "stage")!,
            Owner = Column(opportunities, "owner")!,
            EngagedAt = Column(opportunities, "engagedAt")!,
            Status = Column(opportunities, "status"),
            Name = Column(opportunities, "name"),
            Team = Column(opportunities, "team"),
            Product = Column(opportunities, "product"),
            Account = Column(opportunities, "account"),
            Pipeline = Column(opportunities, "pipeline"),
            ClosedAt = Column(opportunities, "closedAt"),
            ExpectedCloseAt = Column(opportunities, "expectedCloseAt"),
            Amount = Column(opportunities, "amount"),
            ExpectedAmount = Column(opportunities, "expectedAmount"),
            LossReason = Column(opportunities, "lossReason"),
            Custom = Entries(Child(opportunities, "custom")).Select(e => new MappedValue(e.Key, ColumnNode(e.Value)!, Span(SourcePath, e.Value))).ToList(),
        };
        if (Child(columns, "teams") is YamlMappingNode teams)
        {
            TeamColumns = new TeamColumns { Owner = Scalar(teams, "owner")!, Manager = Scalar(teams, "manager"), Team = Scalar(teams, "team") };
        }

        if (Child(columns, "accounts") is YamlMappingNode accounts)
        {
            AccountColumns = new AccountColumns { Name = Scalar(accounts, "name")!, Industry = Scalar(accounts, "industry"), Employees = Scalar(accounts, "employees"), Revenue = Scalar(accounts, "revenue"), Region = Scalar(accounts, "region") };
        }

        if (Child(columns, "products") is YamlMappingNode products)
        {
            ProductColumns = new ProductColumns { Name = Scalar(products, "name")!, Price = Scalar(products, "price")! };
        }

        if (Child(columns, "stageHistory") is YamlMappingNode history)
        {
            StageHistoryColumns = new StageHistoryColumns { Deal = Column(history, "deal")!, Stage = Column(history, "stage")!, At = Column(history, "at")! };
        }

        if (Child(columns, "goals") is YamlMappingNode goalColumns)
        {
            GoalColumns = new GoalColumns
            {
                Name = Column(goalColumns, "name")!,
                Owner = Column(goalColumns, "owner")!,
                Target = Column(goalColumns, "target")!,
                Parent = Column(goalColumns, "parent"),
                Period = Column(goalColumns, "period"),
                Year = Column(goalColumns, "year"),
                From = Column(goalColumns, "from"),
                To = Column(goalColumns, "to"),
                Metric = Column(goalColumns, "metric"),
            };
            if (GoalColumns.Period is null && (GoalColumns.From is null || GoalColumns.To is null))
            {
                Error(goalColumns, "`columns.goals` must say when each goal is for: `period` (with `year`), or `from` and `to`");
            }
        }

        if (Child(root, "goals") is YamlMappingNode goals)
        {
            GoalPeriods = TextMap(Child(goals, "periods"));
            GoalMetrics = Sequence(Child(goals, "metrics")).ToList();
            GoalTeams = TextMap(Child(goals, "teams"));
        }

        if (GoalColumns?.Period is not null && GoalPeriods.Count == 0)
        {
            Error(Child(columns, "goals")!, "`columns.goals.period` names a period column, so `goals.periods` must map its values to `year`, `Q1`–`Q4` or `1`–`12`");
        }

        foreach (var (file, shape) in new[] { (Files.Teams, TeamColumns as object), (Files.Accounts, AccountColumns), (Files.Products, ProductColumns), (Files.StageHistory, StageHistoryColumns), (Files.Goals, GoalColumns) })
        {
            if (file is not null && shape is null)
            {
                Error(files, $"`{file}` is named under `files:` but `columns:` does not say which of its columns hold what");
            }
        }

        Encoding = Scalar(root, "encoding") ?? "utf-8";
        Pipelines = Sequence(Child(root, "pipelines")).ToList();
        if (Pipelines.Count > 0 && Columns.Pipeline is null)
        {
            Error(Child(root, "pipelines")!, "`pipelines:` picks rows by their pipeline, so `columns.opportunities.pipeline` must say which column holds it");
        }

        var stages = new Dictionary<string, StageMapping>(StringComparer.Ordinal);
        foreach (var (name, value) in Entries(Child(root, "stages")))
        {
            var entry = value as YamlMappingNode;
            var status = entry is null ? null : Scalar(entry, "status");
            var stage = entry is null ? null : Child(entry, "stage");
            if (status is null or "open" && stage is null && Columns.Status is null)
            {
                Error(value, $"CRM stage `{name}` is open, so it needs `stage:` (the process stage such deals are in), or `status: won` / `status: lost`");
            }

            var stageReason = entry is null ? null : Child(entry, "lossReason");
            stages[name] = new StageMapping(status, stage is null ? null : new MappedValue(name, Scalar(stage)!, Span(SourcePath, stage)), Span(SourcePath, value))
            {
                LossReason = stageReason is null ? null : new MappedValue(name, Scalar(stageReason)!, Span(SourcePath, stageReason)),
            };
        }

        Stages = stages;
        Statuses = Entries(Child(root, "statuses")).ToDictionary(e => e.Key, e => new MappedValue(e.Key, Scalar(e.Value)!, Span(SourcePath, e.Value)), StringComparer.Ordinal);
        if (Columns.Status is not null && Statuses.Count == 0)
        {
            Error(opportunities, "`columns.opportunities.status` names a status column, so `statuses:` must map each of its values to open, won or lost");
        }

        EngagedStage = Child(root, "engagedStage") is { } engaged ? new MappedValue("engagedStage", Scalar(engaged)!, Span(SourcePath, engaged)) : null;
        LossReason = Child(root, "lossReason") is { } reason ? new MappedValue("lossReason", Scalar(reason)!, Span(SourcePath, reason)) : null;
        LossReasons = Entries(Child(root, "lossReasons")).ToDictionary(e => e.Key, e => new MappedValue(e.Key, Scalar(e.Value)!, Span(SourcePath, e.Value)), StringComparer.Ordinal);
        Owners = TextMap(Child(root, "owners"));
        ProductAliases = TextMap(Child(root, "productAliases"));
        SectorAliases = TextMap(Child(root, "sectorAliases"));
        FieldValues = Entries(Child(root, "fieldValues")).ToDictionary(e => e.Key, e => (IReadOnlyDictionary<string, string>)TextMap(e.Value), StringComparer.Ordinal);
        foreach (var (field, value) in Entries(Child(root, "fieldValues")))
        {
            if (Columns.Custom.All(c => c.Key != field))
            {
                Error(value, $"`fieldValues.{field}`: no column fills `{field}` (add it under `columns.opportunities.custom`)");
            }
        }

        if (Child(root, "undatedOpenDealsStartOn") is { } undated)
        {
            // The same years as the dates of the CSV: at the edge of the calendar a time zone would fall outside .NET's dates.
            if (DateOnly.TryParseExact(Scalar(undated), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start) && start.Year is >= 1900 and <= 2999)
            {
                UndatedStart = start;
            }
            else
            {
                Error(undated, "`undatedOpenDealsStartOn` is a date (yyyy-MM-dd) between 1900 and 2999");
            }
        }

        if (Scalar(root, "accountRevenueUnit") is { } unit)
        {
            AccountRevenueUnit = decimal.Parse(unit, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        if (Child(root, "dates") is YamlMappingNode dates)
        {
            if (Child(dates, "culture") is { } culture)
            {
                try
                {
                    DateCulture = CultureInfo.GetCultureInfo(Scalar(culture)!, predefinedOnly: true);
                }
                catch (CultureNotFoundException)
                {
                    Error(culture, $"`{Scalar(culture)}` is not a culture .NET knows", "write a culture name such as `en-US`, `de-DE` or `zh-CN`");
                }
            }

            var formats = new List<string>();
            foreach (var format in Child(dates, "formats") is YamlSequenceNode list ? list.Children : [])
            {
                if (DateFormatProblem(Scalar(format) ?? string.Empty, DateCulture) is { } problem)
                {
                    Error(format, problem, "formats are .NET custom date formats: `M/d/yyyy h:mm tt`, `dd-MM-yyyy`, `yyyy.MM.dd`, `yyyy年M月d日`");
                }
                else
                {
                    formats.Add(Scalar(format)!);
                }
            }

            if (formats.Count > 0)
            {
                DateFormats = formats;
            }
        }

        if (Child(root, "webhook") is YamlMappingNode webhook)
        {
            var properties = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (property, value) in Entries(Child(webhook, "properties")))
            {
                if (CanonicalColumn(Scalar(value) ?? string.Empty) is { } column)
                {
                    properties[property] = column;
                }
                else
                {
                    Error(value, $"`webhook.properties.{property}`: `{Scalar(value)}` is not a column `columns.opportunities` reads", $"the columns are {string.Join(", ", Columns.All.Distinct(StringComparer.Ordinal))}");
                }
            }

            Webhook = new WebhookMapping(Scalar(webhook, "format")!, properties, Scalar(webhook, "eventId"));
        }

        if (Child(root, "numbers") is YamlMappingNode numbers)
        {
            var decimalSeparator = Scalar(numbers, "decimalSeparator") ?? ".";
            // Read as written: a space (or nothing) is a separator here, not a value to trim away.
            var groupNode = numbers.Children.FirstOrDefault(c => Scalar(c.Key) == "groupSeparator").Value as YamlScalarNode;
            var groupSeparator = groupNode is null ? "," : groupNode.Value ?? string.Empty;
            if (decimalSeparator is not ("." or ","))
            {
                Error(Child(numbers, "decimalSeparator")!, $"`{decimalSeparator}` is not a decimal separator: write `.` or `,`");
            }
            else if (groupSeparator is not ("" or "," or "." or " " or "\u00a0" or "'") || groupSeparator == decimalSeparator)
            {
                Error(groupNode ?? (YamlNode)numbers, $"`{groupSeparator}` cannot separate groups of digits here: write `,`, `.`, a space, `'` or nothing, and not the decimal separator");
            }
            else
            {
                Amounts = new AmountFormat(decimalSeparator, groupSeparator);
            }
        }
    }

    /// <summary>The opportunity column <paramref name="name"/> is, by its first name or one it goes by; null when none.</summary>
    internal string? CanonicalColumn(string name)
    {
        // Built on first use, once the columns are read: a webhook asks for every property of every event.
        _canonicalColumns ??= BuildCanonicalColumns();
        return _canonicalColumns.GetValueOrDefault(name);
    }

    private Dictionary<string, string> BuildCanonicalColumns()
    {
        var all = Columns.All.ToHashSet(StringComparer.Ordinal);
        var canonical = all.ToDictionary(c => c, c => c, StringComparer.Ordinal);
        foreach (var (first, names) in _alternatives.Where(a => all.Contains(a.Key)))
        {
            foreach (var name in names)
            {
                canonical.TryAdd(name, first);
            }
        }

        return canonical;
    }

    /// <summary>A column given by one name, or by the list of names it goes by (the first is the one messages use).</summary>
    private string? Column(YamlMappingNode node, string key) => ColumnNode(Child(node, key));

    private string? ColumnNode(YamlNode? node)
    {
        if (node is not YamlSequenceNode list)
        {
            return Scalar(node);
        }

        var names = list.Children.Select(Scalar).OfType<string>().Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            return null;
        }

        _alternatives[names[0]] = names;
        return names[0];
    }

    /// <summary>Null when <paramref name="format"/> reads back a date it writes; else why not.</summary>
    private static string? DateFormatProblem(string format, CultureInfo culture)
    {
        var sample = new DateTime(2018, 2, 26, 15, 4, 0, DateTimeKind.Unspecified);
        try
        {
            var written = sample.ToString(format, culture);
            return DateTime.TryParseExact(written, format, culture, DateTimeStyles.AllowWhiteSpaces, out var read) && read.Date == sample.Date
                ? null
                : $"the date format `{format}` does not give back the day it wrote (it needs a year, a month and a day: `yyyy`, `M` or `MM` or `MMM`, `d` or `dd`)";
        }
        catch (FormatException)
        {
            return $"`{format}` is not a date format";
        }
    }

    private static CrmMappingResult Failed(Diagnostic diagnostic) => new(null, [diagnostic]);

    internal static SourceSpan Span(string file, YamlNode node) =>
        new(file, (int)node.Start.Line, (int)node.Start.Column, (int)node.End.Line, (int)node.End.Column);

    internal static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode mapping && mapping.Children.FirstOrDefault(c => Scalar(c.Key) == key).Value is { } value && Scalar(value) is not "" ? value : null;

    private static string? Scalar(YamlMappingNode node, string key) => Scalar(Child(node, key));

    private static string? Scalar(YamlNode? node) => node is YamlScalarNode { Value: { } value } ? value.Trim() : null;

    private static IEnumerable<(string Key, YamlNode Value)> Entries(YamlNode? node) =>
        node is YamlMappingNode mapping ? mapping.Children.Select(c => (Scalar(c.Key) ?? string.Empty, c.Value)) : [];

    private static IEnumerable<string> Sequence(YamlNode? node) =>
        node is YamlSequenceNode list ? list.Children.Select(Scalar).OfType<string>() : [];

    private static Dictionary<string, string> TextMap(YamlNode? node) =>
        Entries(node).ToDictionary(e => e.Key, e => Scalar(e.Value) ?? string.Empty, StringComparer.Ordinal);
}

/// <summary>A mapping read, or the reasons it could not be.</summary>
/// <param name="Mapping">The mapping; null when there are errors.</param>
/// <param name="Diagnostics">Errors and warnings, each at its <c>file(line,col)</c>.</param>
public sealed record CrmMappingResult(CrmMapping? Mapping, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>True when the mapping could not be read.</summary>
    public bool HasErrors => Mapping is null;
}

/// <summary>The import's diagnostic codes (docs/diagnostics.md, SW4xxx).</summary>
public static class ImportDiagnosticIds
{
    /// <summary>The mapping file cannot be read (missing, a device, too large).</summary>
    public const string MappingUnreadable = "SW4001";

    /// <summary>The file is a definition of another kind.</summary>
    public const string NotAMapping = "SW4002";

    /// <summary>A value of the mapping that the import cannot use (a date format that does not read, an unknown culture).</summary>
    public const string MappingValue = "SW4003";

    /// <summary>The mapping names a stage, loss reason or custom field the process does not have.</summary>
    public const string NotInProcess = "SW4004";

    /// <summary>There is no shipped preset of that name.</summary>
    public const string UnknownPreset = "SW4005";
}

internal sealed record MappedValue(string Key, string Value, SourceSpan Span);

/// <summary>The <c>webhook:</c> of a mapping: the payload's shape, and which column each of its properties stands for.</summary>
internal sealed record WebhookMapping(string Format, IReadOnlyDictionary<string, string> Properties, string? EventIdProperty);

internal sealed record StageMapping(string? Status, MappedValue? Stage, SourceSpan Span)
{
    /// <summary>The loss reason of the stage's deals when their row gives none (<c>Closed Lost to Competition</c>).</summary>
    public MappedValue? LossReason { get; init; }
}

/// <summary>How amounts are written: the decimal separator, and what separates groups of three digits ("" for nothing).</summary>
internal sealed record AmountFormat(string DecimalSeparator, string GroupSeparator)
{
    public static readonly AmountFormat Default = new(".", ",");
}

/// <summary>Finds where a key of the mapping is, for diagnostics raised after reading (against a process).</summary>
internal sealed class MappingPositions(string file, YamlMappingNode? root)
{
    public SourceSpan Of(params string[] path)
    {
        YamlNode? node = root;
        foreach (var key in path)
        {
            var next = CrmMapping.Child(node, key);
            if (next is null)
            {
                break;
            }

            node = next;
        }

        return node is null ? SourceSpan.StartOf(file) : CrmMapping.Span(file, node);
    }
}

internal sealed class MappingFiles
{
    public string Opportunities { get; init; } = string.Empty;

    public string? Teams { get; init; }

    public string? Accounts { get; init; }

    public string? Products { get; init; }

    public string? StageHistory { get; init; }

    /// <summary>Every file the mapping names besides the opportunities, to keep out of its pattern's matches.</summary>
    /// <summary>Goal records read as the process's targets, or null.</summary>
    public string? Goals { get; init; }

    /// <summary>The files besides the opportunities: a pattern of the opportunities file does not match them.</summary>
    public IEnumerable<string> Others => new[] { Teams, Accounts, Products, StageHistory, Goals }.OfType<string>();
}

internal sealed class OpportunityColumns
{
    public string Id { get; init; } = string.Empty;

    public string Stage { get; init; } = string.Empty;

    public string Owner { get; init; } = string.Empty;

    public string EngagedAt { get; init; } = string.Empty;

    public string? Status { get; init; }

    public string? Name { get; init; }

    public string? Team { get; init; }

    public string? Product { get; init; }

    public string? Account { get; init; }

    public string? Pipeline { get; init; }

    public string? ClosedAt { get; init; }

    public string? ExpectedCloseAt { get; init; }

    public string? Amount { get; init; }

    public string? ExpectedAmount { get; init; }

    public string? LossReason { get; init; }

    /// <summary>Custom field id → column.</summary>
    public IReadOnlyList<MappedValue> Custom { get; init; } = [];

    /// <summary>The columns without which no row can be read: the header must have them.</summary>
    public IEnumerable<string> Required => new[] { Id, Stage, Owner, EngagedAt, Status }.OfType<string>();

    /// <summary>Every column the mapping reads.</summary>
    public IEnumerable<string> All => new[] { Id, Stage, Owner, EngagedAt, Status, Name, Team, Product, Account, Pipeline, ClosedAt, ExpectedCloseAt, Amount, ExpectedAmount, LossReason }
        .Concat(Custom.Select(c => c.Value)).OfType<string>();
}

internal sealed class GoalColumns
{
    public required string Name { get; init; }

    public required string Owner { get; init; }

    public required string Target { get; init; }

    public string? Parent { get; init; }

    public string? Period { get; init; }

    public string? Year { get; init; }

    public string? From { get; init; }

    public string? To { get; init; }

    public string? Metric { get; init; }
}

internal sealed class StageHistoryColumns
{
    public string Deal { get; init; } = string.Empty;

    public string Stage { get; init; } = string.Empty;

    public string At { get; init; } = string.Empty;
}

internal sealed class TeamColumns
{
    public string Owner { get; init; } = string.Empty;

    public string? Manager { get; init; }

    public string? Team { get; init; }
}

internal sealed class AccountColumns
{
    public string Name { get; init; } = string.Empty;

    public string? Industry { get; init; }

    public string? Employees { get; init; }

    public string? Revenue { get; init; }

    public string? Region { get; init; }
}

internal sealed class ProductColumns
{
    public string Name { get; init; } = string.Empty;

    public string Price { get; init; } = string.Empty;
}
