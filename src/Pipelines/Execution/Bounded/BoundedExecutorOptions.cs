namespace Pipelines;

/// <summary>Settings of the <see cref="BoundedExecutor"/>.</summary>
public sealed class BoundedExecutorOptions
{
    /// <summary>Elements per batch (default 1024). Larger batches amortise per-batch work. The results do not depend on it; the order in which a sink sees elements that were split and merged again (fan-out then Union) can.</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>The clock given to sources (default <see cref="TimeProvider.System"/>).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where start, stop, failure and (rate-limited) late-drop messages go; none when null.</summary>
    public Microsoft.Extensions.Logging.ILogger? Logger { get; init; }

    /// <summary>Receives <see cref="RunProgress"/> during the run (at most every <see cref="ProgressInterval"/>) and once at the end.</summary>
    public IProgress<RunProgress>? Progress { get; init; }

    /// <summary>Least time between two progress reports (default 100 ms).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    internal void Validate()
    {
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be positive.");
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (ProgressInterval < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ProgressInterval), ProgressInterval, "ProgressInterval must be zero or positive.");
    }
}
