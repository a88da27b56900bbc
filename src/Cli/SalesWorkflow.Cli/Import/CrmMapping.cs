using System.Globalization;
using SalesWorkflow.Engine.Definitions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace SalesWorkflow.Cli.Import;

/// <summary>
/// How a CRM export's files, columns, stage names and known quirks map onto a process (samples/maven-crm/mapping.yaml
/// documents every key). Read strictly: an unknown or misspelt key is an error with its line and column.
/// </summary>
internal sealed partial class CrmMapping
{
    public int Format { get; set; }

    public string Kind { get; set; } = string.Empty;

    public MappingFiles Files { get; set; } = new();

    public MappingColumns Columns { get; set; } = new();

    /// <summary>CRM stage name → status (open, won, lost) and, for open deals, the process stage.</summary>
    public Dictionary<string, StageMapping> Stages { get; set; } = [];

    /// <summary>The process stage a closed deal starts in on its engage date.</summary>
    public string EngagedStage { get; set; } = string.Empty;

    /// <summary>The loss reason recorded for lost deals (the CRM records none).</summary>
    public string LossReason { get; set; } = string.Empty;

    public Dictionary<string, string> ProductAliases { get; set; } = [];

    public Dictionary<string, string> SectorAliases { get; set; } = [];

    /// <summary>Start day of open deals without an engage date; null rejects them.</summary>
    public string? UndatedOpenDealsStartOn { get; set; }

    public decimal AccountRevenueUnit { get; set; } = 1;

    public DateOnly? UndatedStart => UndatedOpenDealsStartOn is null ? null : DateOnly.ParseExact(UndatedOpenDealsStartOn, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    [System.Text.RegularExpressions.GeneratedRegex("^Property '([^']*)' not found on type")]
    private static partial System.Text.RegularExpressions.Regex UnknownProperty();

    [System.Text.RegularExpressions.GeneratedRegex("^Encountered duplicate key (.*)$")]
    private static partial System.Text.RegularExpressions.Regex DuplicateKey();

    [System.Text.RegularExpressions.GeneratedRegex("^The input string '(.*)' was not in a correct format")]
    private static partial System.Text.RegularExpressions.Regex BadNumber();

    /// <summary>Reads and checks a mapping file; the errors say where (file(line,col)) and what.</summary>
    public static (CrmMapping? Mapping, IReadOnlyList<string> Errors) Load(string path)
    {
        CrmMapping mapping;
        if (FolderFiles.RefusalToRead(path) is { } refusal)
        {
            return (null, [$"{path}: error: the mapping cannot be read: {refusal}"]);
        }

        try
        {
            // A key given twice is an error, never "the last one wins" (a second `Lost:` once imported lost deals as won).
            var deserializer = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).WithDuplicateKeyChecking().Build();
            mapping = deserializer.Deserialize<CrmMapping>(File.ReadAllText(path)) ?? new CrmMapping();
        }
        catch (YamlException ex)
        {
            var reason = (ex.InnerException?.Message ?? ex.Message).Split('\n')[0];
            // YamlDotNet's own words name .NET types and parsing internals; say it in the mapping's terms.
            reason = UnknownProperty().Match(reason) is { Success: true } unknown ? $"unknown key `{unknown.Groups[1].Value}`"
                : DuplicateKey().Match(reason) is { Success: true } twice ? $"`{twice.Groups[1].Value}` is given twice; each key may appear once"
                : BadNumber().Match(reason) is { Success: true } number ? $"`{number.Groups[1].Value}` is not a number written as digits with an optional decimal point"
                : reason;
            return (null, [$"{path}({ex.Start.Line},{ex.Start.Column}): error: {reason}"]);
        }
        catch (IOException ex)
        {
            return (null, [$"{path}: error: {ex.Message}"]);
        }

        var errors = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add($"{path}: error: {message}");
            }
        }

        Require(mapping.Format == 1, "`format` must be 1");
        Require(mapping.Kind == "crm-mapping", "`kind` must be `crm-mapping`");
        Require(mapping.Files.Opportunities.Length > 0, "`files.opportunities` names the opportunities CSV");
        Require(mapping.Stages.Count > 0, "`stages` maps each CRM stage name");
        foreach (var (name, stage) in mapping.Stages)
        {
            Require(stage.Status is "open" or "won" or "lost", $"stage `{name}`: `status` is open, won or lost");
            Require(stage.Status != "open" || stage.Stage is { Length: > 0 }, $"stage `{name}`: an open stage needs `stage` (the process stage)");
        }

        Require(mapping.EngagedStage.Length > 0 || mapping.Stages.Values.All(s => s.Status == "open"), "`engagedStage` is where closed deals start");
        Require(mapping.LossReason.Length > 0 || mapping.Stages.Values.All(s => s.Status != "lost"), "`lossReason` is the reason lost deals get");
        Require(mapping.AccountRevenueUnit is > 0 and <= 1_000_000_000, "`accountRevenueUnit` must be positive and at most 1000000000");
        if (mapping.UndatedOpenDealsStartOn is { } day)
        {
            // The same years as the dates of the CSV: at the edge of the calendar a time zone would fall outside .NET's dates.
            Require(
                DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start) && start.Year is >= 1900 and <= 2999,
                "`undatedOpenDealsStartOn` is a date (yyyy-MM-dd) between 1900 and 2999");
        }

        return (errors.Count == 0 ? mapping : null, errors);
    }
}

internal sealed class StageMapping
{
    public string Status { get; set; } = string.Empty;

    public string? Stage { get; set; }
}

internal sealed class MappingFiles
{
    public string Opportunities { get; set; } = string.Empty;

    public string? Teams { get; set; }

    public string? Accounts { get; set; }

    public string? Products { get; set; }
}

internal sealed class MappingColumns
{
    public OpportunityColumns Opportunities { get; set; } = new();

    public TeamColumns Teams { get; set; } = new();

    public AccountColumns Accounts { get; set; } = new();

    public ProductColumns Products { get; set; } = new();
}

internal sealed class OpportunityColumns
{
    public string Id { get; set; } = "id";

    public string Owner { get; set; } = "owner";

    public string Product { get; set; } = "product";

    public string Account { get; set; } = "account";

    public string Stage { get; set; } = "stage";

    public string EngagedAt { get; set; } = "engaged_at";

    public string ClosedAt { get; set; } = "closed_at";

    public string Amount { get; set; } = "amount";
}

internal sealed class TeamColumns
{
    public string Owner { get; set; } = "owner";

    public string Manager { get; set; } = "manager";

    public string Team { get; set; } = "team";
}

internal sealed class AccountColumns
{
    public string Name { get; set; } = "name";

    public string Industry { get; set; } = "industry";

    public string Employees { get; set; } = "employees";

    public string Revenue { get; set; } = "revenue";

    public string Region { get; set; } = "region";
}

internal sealed class ProductColumns
{
    public string Name { get; set; } = "name";

    public string Price { get; set; } = "price";
}
