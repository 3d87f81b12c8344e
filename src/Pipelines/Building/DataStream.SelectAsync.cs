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
        return SelectAsync(selector, new SelectAsyncOptions { MaxConcurrency = maxConcurrency });
    }

    /// <summary>
    /// As <see cref="SelectAsync{TResult}(Func{T, CancellationToken, Task{TResult}}, int)"/>, with the calls shaped by
    /// <paramref name="options"/>: results as they complete (<see cref="SelectAsyncOptions.Ordered"/> false; never across
    /// a watermark), a timeout per call, and retries with a doubling delay before the error policy handles an element
    /// whose every attempt failed: <c>.SelectAsync(LookUpAsync, new SelectAsyncOptions { Ordered = false, Timeout = TimeSpan.FromSeconds(2), MaxRetries = 3 })</c>.
    /// </summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="selector">The asynchronous function; its token is cancelled when the run is, or when its attempt times out.</param>
    /// <param name="options">Concurrency, order, timeout and retries.</param>
    public DataStream<TResult> SelectAsync<TResult>(Func<T, CancellationToken, Task<TResult>> selector, SelectAsyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new DataStream<TResult>(Builder, Builder.Add(new SelectAsyncNode<T, TResult>(Builder.NextId(), Node, selector, options)));
    }

    /// <summary>
    /// Maps each element with a CPU-heavy function on up to <paramref name="parallelism"/> threads of the thread pool
    /// at once — a parse, a score, a resize — while the rest of the pipeline goes on; results in the elements' order
    /// when <paramref name="ordered"/> (the default), else as they are done (never across a watermark). Each result keeps
    /// its element's event time; a function that throws is handled by the error policy, naming the element. Worth it
    /// when a call takes well more than handing an element to another thread (tens of microseconds or more); a cheap
    /// function is faster as <see cref="Select{TResult}(Func{T, TResult})"/>. Runs as a one-worker stage on either executor, so the bound
    /// holds for the whole pipeline (as <c>SelectAsync</c>: the calls of an input batch run together).
    /// </summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="selector">The function; it must be safe to call from several threads at once.</param>
    /// <param name="parallelism">The most calls at once (1 to 1,024; <see cref="Environment.ProcessorCount"/> is a good start).</param>
    /// <param name="ordered">Whether results keep the elements' order (default true).</param>
    public DataStream<TResult> SelectParallel<TResult>(Func<T, TResult> selector, int parallelism, bool ordered = true)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(parallelism, 1024);
        var options = new SelectAsyncOptions { MaxConcurrency = parallelism, Ordered = ordered };
        return new DataStream<TResult>(Builder, Builder.Add(new SelectAsyncNode<T, TResult>(
            Builder.NextId(), Node, (value, cancellationToken) => Task.Run(() => selector(value), cancellationToken), options, "SelectParallel")));
    }
}
