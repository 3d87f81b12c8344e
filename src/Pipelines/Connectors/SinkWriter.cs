namespace Pipelines;

/// <summary>Writes results for one run. Backpressure is the time <see cref="WriteAsync"/> takes.</summary>
/// <typeparam name="T">The element type.</typeparam>
public abstract class SinkWriter<T> : IAsyncDisposable
{
    /// <summary>
    /// The synchronous fast path: writes as many leading items as it can without waiting and returns how many
    /// (all of them for sinks that never wait, such as in-memory collections or counters). The executor copies
    /// the rest and passes it to <see cref="WriteAsync"/>. The default writes nothing and returns 0, so every batch
    /// goes through <see cref="WriteAsync"/>; overriding it saves that copy. <paramref name="items"/> is valid only
    /// during the call.
    /// </summary>
    /// <param name="items">The results, in order.</param>
    /// <returns>How many leading items were written.</returns>
    public virtual int TryWrite(ReadOnlySpan<T> items) => 0;

    /// <summary>Writes a batch. <paramref name="items"/> stays valid until the returned task completes.</summary>
    /// <param name="items">The results, in order.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public abstract ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken);

    /// <summary>
    /// A checkpoint: make every item written so far durable, or hand it to where it cannot be lost (wait for
    /// outstanding deliveries, finish open files), before the sources commit the positions it came from. Called by
    /// the streaming executor only when a source commits during the run (<see cref="SourceReader{T, TPosition}.CommitsDuringRun"/>),
    /// after every earlier write has completed. The default does nothing, which is right for writers that hand items
    /// on synchronously. An exception fails the run.
    /// </summary>
    /// <param name="cancellationToken">Cancels the flush.</param>
    public virtual ValueTask FlushAsync(CancellationToken cancellationToken) => default;

    /// <summary>End of input: flush and finish. Not called when the run fails or is cancelled.</summary>
    /// <param name="cancellationToken">Cancels completion.</param>
    public virtual ValueTask CompleteAsync(CancellationToken cancellationToken) => default;

    /// <summary>
    /// The run failed or was cancelled, so <see cref="CompleteAsync"/> will not be called: a writer that hands
    /// results on (a channel, an observer, an async stream) passes <paramref name="error"/> to its consumers so
    /// they do not wait for an end that never comes. Called at most once, before <see cref="DisposeAsync"/>, and
    /// never after <see cref="CompleteAsync"/> has started; what it throws is ignored.
    /// </summary>
    /// <param name="error">The run's error (a <see cref="PipelineExecutionException"/>), or an <see cref="OperationCanceledException"/> when it was cancelled.</param>
    public virtual ValueTask AbortAsync(Exception error) => default;

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return default;
    }
}
