namespace SalesWorkflow.Sdk.Facts;

/// <summary>A person at the customer. Conditions read them as <c>Contacts</c>.</summary>
public class Contact : Fact
{
    /// <summary>Name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Role in the buying process, such as <c>economic-buyer</c>, <c>champion</c>, <c>user</c>.</summary>
    public string Role { get; set; } = string.Empty;

    /// <summary>Whether the contact makes the decision.</summary>
    public bool IsDecisionMaker { get; set; }

    /// <summary>Whether the contact sells for us inside the customer.</summary>
    public bool IsChampion { get; set; }

    /// <summary>Last time we spoke, if ever.</summary>
    public DateTimeOffset? LastContactedAt { get; set; }

    /// <summary>Custom fields declared by the process.</summary>
    public CustomFields Custom { get; set; } = new();
}

/// <summary>The sales rep who owns the deal. Conditions read it as <c>Owner</c>.</summary>
public class Owner : Fact
{
    /// <summary>Name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Team id.</summary>
    public string Team { get; set; } = string.Empty;

    /// <summary>The rep's manager.</summary>
    public string ManagerId { get; set; } = string.Empty;

    /// <summary>Open deals the rep owns.</summary>
    public int OpenDeals { get; set; }

    /// <summary>Last time the rep logged anything.</summary>
    public DateTimeOffset? LastActiveAt { get; set; }
}
