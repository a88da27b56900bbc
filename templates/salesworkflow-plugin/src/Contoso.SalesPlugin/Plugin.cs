using NRules.Fluent.Dsl;
using SalesWorkflow.Sdk.Events;
using SalesWorkflow.Sdk.Facts;
using SalesWorkflow.Sdk.Plugins;
using SalesWorkflow.Sdk.Results;

namespace Contoso.SalesPlugin;

/// <summary>
/// The plugin the engine creates (a public class with a parameterless constructor). Processes take its work in by
/// listing it: <c>plugins: [acmeplugin]</c>.
/// </summary>
public sealed class Plugin : ISalesWorkflowPlugin
{
    /// <summary>Lower-case letters and digits: prefixes every rule id and names the function namespace.</summary>
    public string Name => "acmeplugin";

    /// <inheritdoc />
    public string Version => SdkVersion.Of(typeof(Plugin).Assembly);

    /// <inheritdoc />
    public void Register(IPluginRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .AddRules(typeof(DeepDiscountRule), typeof(SponsorConfirmedRule))
            .AddFunctions("acmefunctions", typeof(Functions));

        // An event sink only when it has somewhere to write (ACMEPLUGIN_EVENTS_FILE, a dash as "_"): one JSON line per committed event.
        if (Environment.GetEnvironmentVariable(Name.ToUpperInvariant().Replace('-', '_') + "_EVENTS_FILE") is { Length: > 0 } path)
        {
            registry.AddEventSink("acmeplugin-events", new EventFileSink(path));
        }
    }
}

/// <summary>Functions YAML conditions may call as <c>acmefunctions.DiscountAmount(Opportunity)</c>; typed and pure.</summary>
public static class Functions
{
    /// <summary>The discount in money: amount × discount percent.</summary>
    public static decimal DiscountAmount(Opportunity opportunity)
    {
        ArgumentNullException.ThrowIfNull(opportunity);
        return opportunity.Amount * opportunity.DiscountPercent / 100m;
    }
}

/// <summary>A discount above 20% on an open deal is a market risk.</summary>
[Name("acmeplugin.deep-discount"), Description("Discount above 20% on an open deal.")]
public sealed class DeepDiscountRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        DealContext deal = null!;
        Opportunity opportunity = null!;
        When()
            .Match(() => deal, d => d.StageKind == "open")
            .Match(() => opportunity, o => o.DiscountPercent > 20);
        Then()
            .Yield(_ => Risks.DeepDiscount());
    }
}

/// <summary>Reports <c>acmeplugin.sponsor-confirmed</c> (read in YAML with <c>Met("acmeplugin.sponsor-confirmed")</c>).</summary>
[Name("acmeplugin.sponsor-confirmed"), Description("A champion was contacted in the last 30 days.")]
public sealed class SponsorConfirmedRule : Rule
{
    /// <inheritdoc />
    public override void Define()
    {
        DealContext deal = null!;
        Contact champion = null!;
        When()
            .Match(() => deal)
            .Match(() => champion, c => c.IsChampion && c.LastContactedAt != null && c.LastContactedAt >= deal.Now.AddDays(-30));
        Then()
            .Yield(_ => new CriterionMet("acmeplugin.sponsor-confirmed"));
    }
}

/// <summary>Risks built outside the rules: NRules actions are expression trees, which cannot hold dictionary initialisers.</summary>
public static class Risks
{
    /// <summary>The deep-discount risk, with advice in English and Chinese.</summary>
    public static RiskRaised DeepDiscount() => new("acmeplugin.deep-discount")
    {
        Category = "market",
        Severity = RiskSeverity.Medium,
        Weight = 10,
        Advice = { ["en"] = "The discount is above 20%: ask the sales director before offering more.", ["zh"] = "折扣超过20%：继续让价前请示销售总监。" },
    };
}

/// <summary>Appends each committed event as one JSON line. Called at least once per event: dedupe on EventId downstream.</summary>
internal sealed class EventFileSink(string path) : IProcessEventSink
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async ValueTask EmitAsync(ProcessEvent processEvent, CancellationToken cancellationToken)
    {
        var line = System.Text.Json.JsonSerializer.Serialize(new { processEvent.EventId, processEvent.DealId, processEvent.Type, processEvent.Stage }) + Environment.NewLine;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await File.AppendAllTextAsync(path, line, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}
