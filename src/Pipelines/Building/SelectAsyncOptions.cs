namespace Pipelines;

/// <summary>
/// How <see cref="DataStream{T}.SelectAsync{TResult}(Func{T, CancellationToken, Task{TResult}}, SelectAsyncOptions)"/>
/// calls its function: how many calls at once, whether results keep the input order, a timeout per call and retries.
/// Timeouts and retry delays use the run's clock (the executor options' <see cref="TimeProvider"/>).
/// </summary>
public sealed record SelectAsyncOptions
{
    /// <summary>The most calls in flight at once (1 to 10,000; default 8).</summary>
    public int MaxConcurrency { get; init; } = 8;

    /// <summary>
    /// True (the default): results in the order of the elements. False: each result as soon as its call completes
    /// (Flink's unordered async I/O), so a slow call does not hold back the others — but never across a watermark:
    /// the results of the elements before a watermark are all emitted before it, and no element after it is called
    /// before it has passed, so no result becomes late downstream.
    /// </summary>
    public bool Ordered { get; init; } = true;

    /// <summary>
    /// The longest one call may take (null, the default: no limit). A call that takes longer has its token cancelled
    /// and fails with a <see cref="TimeoutException"/> — retried when retries are left, then handled by the error policy.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>How many times a failed (or timed-out) call is tried again before the error policy handles the element (default 0).</summary>
    public int MaxRetries { get; init; }

    /// <summary>
    /// The wait before the first retry, doubling for each further one up to <see cref="MaxRetryDelay"/> (default
    /// 100 ms; zero retries at once).
    /// </summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The longest wait between two attempts: the doubling delay stops growing there (default 30 s), so a large
    /// <see cref="MaxRetries"/> retries every <see cref="MaxRetryDelay"/> for as long as it takes. From zero to 49 days.
    /// </summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait the run's clock can schedule (what <c>Task.Delay</c> accepts).</summary>
    private static readonly TimeSpan LongestDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    internal void Validate()
    {
        if (MaxConcurrency is < 1 or > 10_000) throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, "SelectAsync's MaxConcurrency must be from 1 to 10,000.");
        if (Timeout is { } t && t <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Timeout), t, "SelectAsync's Timeout must be positive (or null for none).");
        if (MaxRetries < 0) throw new ArgumentOutOfRangeException(nameof(MaxRetries), MaxRetries, "SelectAsync's MaxRetries must be zero or more.");
        if (RetryDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RetryDelay), RetryDelay, "SelectAsync's RetryDelay must be zero or more.");
        if (MaxRetryDelay < TimeSpan.Zero || MaxRetryDelay > LongestDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRetryDelay), MaxRetryDelay, "SelectAsync's MaxRetryDelay must be from zero to 49 days (the longest delay the run's clock can wait).");
        }
    }
}
