namespace Pipelines.Operators;

/// <summary>
/// An operator that starts a stage: keyed state (windows, joins) or a sink. It receives the merged watermark
/// of all its inputs; <see cref="Execution.StageInstance"/> does the merging. Synchronous and single-threaded:
/// each worker owns one instance.
/// </summary>
internal abstract class StageOperator
{
    /// <summary>A batch (<c>Batch&lt;T&gt;</c> of the port's element type) arrived on input <paramref name="port"/>.</summary>
    public abstract void OnBatch(int port, object batch);

    /// <summary>The merged input watermark advanced.</summary>
    public abstract void OnWatermark(long watermark);

    /// <summary>Every input is idle.</summary>
    public virtual void OnIdle()
    {
    }

    /// <summary>Processing time passed (UTC ticks).</summary>
    public virtual void OnProcessingTime(long utcTicks)
    {
    }

    /// <summary>Every input has ended (after the final +∞ watermark).</summary>
    public abstract void OnEnd();

    /// <summary>How often this operator wants <see cref="OnProcessingTime"/>, or null.</summary>
    public virtual TimeSpan? ProcessingTimeInterval => null;

    /// <summary>Completes asynchronous work started by the synchronous calls (sink writes); cheap when there is none.</summary>
    public virtual ValueTask DrainAsync(CancellationToken cancellationToken) => default;

    /// <summary>The run failed or was cancelled: tell whoever waits on this operator's output (sink writers). Called before <see cref="DisposeAsync"/>.</summary>
    /// <param name="error">The run's error, or an <see cref="OperationCanceledException"/>.</param>
    public virtual ValueTask AbortAsync(Exception error) => default;

    /// <summary>Releases resources at the end of the run, whether it succeeded or not.</summary>
    public virtual ValueTask DisposeAsync() => default;
}
