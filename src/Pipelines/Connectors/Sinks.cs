using System.Threading.Channels;
using Pipelines.Connectors;

namespace Pipelines;

/// <summary>Factories for the sinks in the core package.</summary>
public static class Sinks
{
    /// <summary>
    /// Adds every result to <paramref name="collection"/> (under a lock on it). The collection takes one run's
    /// results: a run is refused while another run writes into it, and while it still holds an earlier run's
    /// results (clear it to run the pipeline again). Streams of one run may share it.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="collection">The collection to fill.</param>
    public static Sink<T> Collection<T>(ICollection<T> collection)
    {
        ArgumentNullException.ThrowIfNull(collection);
        return new CollectionSink<T>(collection);
    }

    /// <summary>Calls <paramref name="action"/> for every result, one call at a time, also across runs that overlap.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="action">What to do with a result; exceptions follow the pipeline's <see cref="ErrorPolicy"/>.</param>
    /// <param name="name">A name for errors and metrics.</param>
    public static Sink<T> Action<T>(Action<T> action, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        return new ActionSink<T>(action, name ?? $"Action<{Runtime.TypeNames.Of<T>()}>");
    }

    /// <summary>Awaits <paramref name="action"/> for every result, one at a time (also across runs that overlap); its duration is the backpressure.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="action">What to do with a result; exceptions follow the pipeline's <see cref="ErrorPolicy"/>.</param>
    /// <param name="name">A name for errors and metrics.</param>
    public static Sink<T> Action<T>(Func<T, CancellationToken, ValueTask> action, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        return new AsyncActionSink<T>(action, name ?? $"AsyncAction<{Runtime.TypeNames.Of<T>()}>");
    }

    /// <summary>Writes every result to a channel, waiting while it is full.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="writer">The channel.</param>
    /// <param name="completeAtEnd">
    /// Complete the channel when the pipeline's input ends, or with the run's error when it fails or is cancelled
    /// (the reader's <c>ReadAllAsync</c> throws it). Such a sink serves one run: a second run, at the same
    /// time or after the channel was completed, is refused. With false any number of runs may write, and the
    /// channel is never completed by them.
    /// </param>
    /// <param name="name">A name for errors and metrics.</param>
    public static Sink<T> Channel<T>(ChannelWriter<T> writer, bool completeAtEnd = true, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return new ChannelSink<T>(writer, completeAtEnd, name ?? $"Channel<{Runtime.TypeNames.Of<T>()}>");
    }

    /// <summary>
    /// Hands the results of one run to an <c>await foreach</c> consumer. The results pass through a bounded
    /// buffer of <paramref name="capacity"/> elements: when it is full the sink waits, so a slow consumer slows
    /// the whole pipeline down (backpressure). The sequence ends at the end of the pipeline's input (or after
    /// <see cref="PipelineRun.StopAsync"/> with draining) and throws the run's error when the run fails
    /// (<see cref="PipelineExecutionException"/>) or is cancelled (<see cref="OperationCanceledException"/>).
    /// Start the run, then consume: <c>var run = executor.RunAsync(p.Build()); await foreach (var r in results) …; await run;</c>.
    /// A consumer that stops before the end should cancel the run, which otherwise waits for room forever.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="results">The results, for one consumer and one run.</param>
    /// <param name="capacity">Results buffered between the pipeline and the consumer (default 64).</param>
    /// <param name="name">A name for errors and metrics.</param>
    public static Sink<T> AsyncEnumerable<T>(out IAsyncEnumerable<T> results, int capacity = 64, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        var sink = new AsyncEnumerableSink<T>(capacity, name ?? $"AsyncEnumerable<{Runtime.TypeNames.Of<T>()}>");
        results = sink.Results;
        return sink;
    }
}
