using Pipelines.Plan;

namespace Pipelines;

public partial class DataStream<T>
{
    /// <summary>
    /// Maps each element with an asynchronous function — a lookup, an HTTP call, a database query — with at most
    /// <paramref name="maxConcurrency"/> calls in flight across the pipeline, and results in the order of the
    /// elements, each with its element's event time (Flink's async I/O, Akka's <c>mapAsync</c>). The function gets the
    /// run's cancellation token. A call that throws (or returns a faulted task) is handled by the operator's error
    /// policy (<c>OnError</c> on the returned stream, or the pipeline's), naming the element; a call cancelled while
    /// the run is not (a timeout of its own) counts as a failure too.
    /// </summary>
    /// <remarks>
    /// The calls for the elements of one input batch run together, and the next batch is read once they have all
    /// completed: the batch size (and a source's rate) also bounds how many calls overlap. A watermark, checkpoint
    /// barrier or the end of input that comes after queued elements is passed on only once their results have been
    /// emitted, so none overtakes a result and a window downstream counts them all. Stopping or cancelling the run
    /// does not wait for calls still running (a function that ignores the token is abandoned). It runs as a stage
    /// with one worker under either executor.
    /// </remarks>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="selector">The asynchronous function.</param>
    /// <param name="maxConcurrency">The most calls in flight at once (1 to 10,000; default 8).</param>
    public DataStream<TResult> SelectAsync<TResult>(Func<T, CancellationToken, Task<TResult>> selector, int maxConcurrency = 8)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxConcurrency, 10_000);
        return new DataStream<TResult>(Builder, Builder.Add(new SelectAsyncNode<T, TResult>(Builder.NextId(), Node, selector, maxConcurrency)));
    }
}
