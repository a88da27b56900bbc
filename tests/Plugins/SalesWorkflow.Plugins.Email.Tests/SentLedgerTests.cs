using Microsoft.Extensions.Time.Testing;

namespace SalesWorkflow.Plugins.Email.Tests;

/// <summary>The sent ledger remembers each message for its retention, across restarts, and forgets older ones so that it does not grow without bound.</summary>
public sealed class SentLedgerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sw-ledger-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Opened_ItDropsWhatIsOlderThanTheRetention_KeepsTheRest_AndDatesAnOlderLedgersLines()
    {
        var path = Path.Combine(_folder, "email-sent.log");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 1, 0, 0, TimeSpan.Zero));
        File.WriteAllText(path, "D-0:1\tli-na\n"); // a ledger written before lines carried a time
        var ledger = new SentLedger(path, clock, TimeSpan.FromDays(30));
        ledger.Record("D-1:4", "li-na");
        clock.Advance(TimeSpan.FromDays(20));
        ledger.Record("D-2:7", "manager-east");

        // 31 days after the first record: it is forgotten, the second (11 days old) is not; the undated line was dated
        // when the ledger was first opened, so it goes with the first.
        clock.Advance(TimeSpan.FromDays(11));
        var reopened = new SentLedger(path, clock, TimeSpan.FromDays(30));

        Assert.False(reopened.Contains("D-1:4", "li-na"));
        Assert.False(reopened.Contains("D-0:1", "li-na"));
        Assert.True(reopened.Contains("D-2:7", "manager-east"));
        var line = Assert.Single(File.ReadAllLines(path));
        Assert.StartsWith("D-2:7\tmanager-east\t", line, StringComparison.Ordinal);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Opened_WithNothingToForget_LeavesTheFileAsItIs()
    {
        var path = Path.Combine(_folder, "email-sent.log");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 1, 0, 0, TimeSpan.Zero));
        new SentLedger(path, clock, TimeSpan.FromDays(30)).Record("D-1:4", "li-na");
        var before = File.GetLastWriteTimeUtc(path);
        var text = File.ReadAllText(path);

        var reopened = new SentLedger(path, clock, TimeSpan.FromDays(30));

        Assert.True(reopened.Contains("D-1:4", "li-na"));
        Assert.Equal(text, File.ReadAllText(path));
        Assert.Equal(before, File.GetLastWriteTimeUtc(path));
    }
}
