using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using SalesWorkflow.Server.Accounts;

namespace SalesWorkflow.Server.Security;

/// <summary>
/// Data Protection's key ring in the SalesWorkflow database (<c>server_keys</c>): one ring for every node, kept across
/// restarts. The keys are stored as Data Protection writes them (not encrypted at rest): whoever can read the database
/// can already read and change every deal.
/// </summary>
internal sealed class DatabaseKeyRepository(AccountStore accounts) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() => [.. accounts.ReadProtectionKeys().Select(xml => XElement.Parse(xml))];

    public void StoreElement(XElement element, string friendlyName) =>
        accounts.StoreProtectionKey(friendlyName + ":" + Guid.NewGuid().ToString("N"), element.ToString(SaveOptions.DisableFormatting));
}
