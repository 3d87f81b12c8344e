namespace Pipelines;

/// <summary>Writes results for one run. Backpressure is the time <see cref="WriteAsync"/> takes.</summary>
/// <typeparam name="T">The element type.</typeparam>
public abstract class SinkWriter<T> : IAsyncDisposable
{
    /// <summary>Writes a batch. <paramref name="items"/> stays valid until the returned task completes.</summary>
    /// <param name="items">The results, in order.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public abstract ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken);

    /// <summary>End of input: flush and finish. Not called when the run fails or is cancelled.</summary>
    /// <param name="cancellationToken">Cancels completion.</param>
    public virtual ValueTask CompleteAsync(CancellationToken cancellationToken) => default;

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return default;
    }
}
