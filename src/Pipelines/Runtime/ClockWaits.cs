namespace Pipelines.Runtime;

/// <summary>Where an operator's wait for the run's clock is reported (the streaming run's count of work in flight).</summary>
internal interface IClockWaitScope
{
    /// <summary>Before a wait on the operator's own flow: what the worker's edges hold goes out, so nothing waits unseen.</summary>
    ValueTask BeforeWaitAsync(CancellationToken cancellationToken);

    /// <summary>The operator waits for the clock to move (waits may overlap: each is counted).</summary>
    void Park();

    /// <summary>One wait ended.</summary>
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
    /// <param name="delay">How long.</param>
    /// <param name="clock">The run's clock.</param>
    /// <param name="onWorkerFlow">
    /// True when called on the worker's own flow (an operator's <c>DrainAsync</c>): what the worker's edges hold is sent
    /// first. False from calls running beside it (a <c>SelectAsync</c> call's retry), which must not touch the worker's writes.
    /// </param>
    /// <param name="cancellationToken">Stops the wait.</param>
    public static async Task Delay(TimeSpan delay, TimeProvider clock, bool onWorkerFlow, CancellationToken cancellationToken)
    {
        var scope = Current;
        if (scope is not null && onWorkerFlow) await scope.BeforeWaitAsync(cancellationToken).ConfigureAwait(false);
        var delayed = Task.Delay(delay, clock, cancellationToken);
        if (delayed.IsCompleted)
        {
            await delayed.ConfigureAwait(false);
            return;
        }

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
