namespace SalesWorkflow.Import;

/// <summary>The engine's clock while history is replayed: time moves only when the replay moves it, and only forward.</summary>
internal sealed class ReplayClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now.ToUniversalTime();

    public void Set(DateTimeOffset moment)
    {
        if (moment < _now)
        {
            throw new InvalidOperationException("Replayed time only moves forward.");
        }

        _now = moment;
    }
}
