namespace Pipelines.Runtime;

/// <summary>Where an operator's wait for the run's clock is reported (the streaming run's count of work in flight).</summary>
internal interface IClockWaitScope
{
    /// <summary>The operator waits for the clock to move.</summary>
    void Park();

    /// <summary>The wait ended.</summary>
    void Unpark();
}

/// <summary>
/// Waits on the run's clock that nothing but the clock can end (a throttle's delay, a retry's back-off), reported to
/// the worker running the operator, so that a run waiting for its stages to go quiet (a scripted test clock about to
/// move: <see cref="SourceContext.WhenDownstreamIdleAsync"/>) does not wait for a wait that only the clock ends.
/// </summary>
internal static class ClockWaits
{
    private static readonly AsyncLocal<IClockWaitScope?> CurrentScope = new();

    /// <summary>The scope of the worker running on this flow (set by the worker at its start; null outside one).</summary>
    public static IClockWaitScope? Current
    {
        get => CurrentScope.Value;
        set => CurrentScope.Value = value;
    }

    /// <summary><see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/>, reported as a wait for the clock.</summary>
    public static async Task Delay(TimeSpan delay, TimeProvider clock, CancellationToken cancellationToken)
    {
        var delayed = Task.Delay(delay, clock, cancellationToken);
        if (delayed.IsCompleted)
        {
            await delayed.ConfigureAwait(false);
            return;
        }

        var scope = Current;
        scope?.Park();
        try
        {
            await delayed.ConfigureAwait(false);
        }
        finally
        {
            scope?.Unpark();
        }
    }
}
