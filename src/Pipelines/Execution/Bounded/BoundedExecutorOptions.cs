namespace Pipelines;

/// <summary>Settings of the <see cref="BoundedExecutor"/>.</summary>
public sealed class BoundedExecutorOptions
{
    /// <summary>Elements per batch (default 1024). Larger batches amortise per-batch work; results do not depend on it.</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>The clock given to sources (default <see cref="TimeProvider.System"/>).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be positive.");
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
