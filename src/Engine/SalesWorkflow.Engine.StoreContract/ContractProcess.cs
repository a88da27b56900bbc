namespace SalesWorkflow.Engine.StoreContract;

/// <summary>
/// The process the contract runs: the shipped standard B2B process (definitions/standard-b2b.yaml, embedded), with its
/// two plugin uses taken out, so that a store's tests need no plugin. What the contract checks is storage, not rules.
/// </summary>
public static class ContractProcess
{
    private static readonly Lazy<string> LazyPath = new(Write);

    /// <summary>The process id the contract's deals run on.</summary>
    public const string Id = "standard-b2b";

    /// <summary>A file holding the process, written once per test run to a temporary folder.</summary>
    public static string Path => LazyPath.Value;

    private static string Write()
    {
        using var stream = typeof(ContractProcess).Assembly.GetManifestResourceStream("standard-b2b.yaml")
            ?? throw new InvalidOperationException("The contract process is not embedded in SalesWorkflow.Engine.StoreContract.");
        using var reader = new StreamReader(stream);
        var yaml = reader.ReadToEnd();
        yaml = Replace(yaml, "plugins: [credit, customer-care]\n", string.Empty);
        yaml = Replace(yaml, "when: Opportunity.Amount < 1000000 || Met(\"credit.cleared\")", "when: Opportunity.Amount < 1000000 || Account.CreditRating == \"A\"");
        var folder = Directory.CreateTempSubdirectory("sw-store-contract-").FullName;
        var path = System.IO.Path.Combine(folder, "standard-b2b.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    // Exact, so that a change to the shipped process that these edits no longer fit fails here, by name.
    private static string Replace(string yaml, string text, string with) =>
        yaml.Contains(text, StringComparison.Ordinal)
            ? yaml.Replace(text, with, StringComparison.Ordinal)
            : throw new InvalidOperationException($"The contract process no longer holds '{text.Trim()}'; update ContractProcess to the shipped definition.");
}
