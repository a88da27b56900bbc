namespace SalesWorkflow.Cli.Demo;

/// <summary>The engine's clock during a simulation: time moves only when the simulation moves it.</summary>
internal sealed class SimulatedClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now.ToUniversalTime();

    public void Set(DateTimeOffset moment)
    {
        if (moment < _now)
        {
            throw new InvalidOperationException("Simulated time only moves forward.");
        }

        _now = moment;
    }
}
