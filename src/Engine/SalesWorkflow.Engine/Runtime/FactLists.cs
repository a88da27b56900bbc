using SalesWorkflow.Sdk.Facts;

namespace SalesWorkflow.Engine.Runtime;

/// <summary>How a deal's fact lists take new items, the same in deciding and in folding the log: by id, replacing.</summary>
internal static class FactLists
{
    /// <summary>Replaces the item with the same id, or adds it; items without an id are always added.</summary>
    public static void Merge<T>(List<T> target, IEnumerable<T> items)
        where T : Fact
    {
        foreach (var item in items)
        {
            var index = item.Id.Length > 0 ? target.FindIndex(existing => existing.Id == item.Id) : -1;
            if (index >= 0)
            {
                target[index] = item;
            }
            else
            {
                target.Add(item);
            }
        }
    }
}
