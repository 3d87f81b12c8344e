using System.Threading.Channels;
using Pipelines.Connectors;

namespace Pipelines;

/// <summary>Factories for the sources in the core package.</summary>
public static class Sources
{
    /// <summary>A bounded source over an in-memory sequence; arrays and lists are read without an enumerator.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="items">The elements, enumerated once per run.</param>
    /// <param name="name">A name for errors and metrics.</param>
    public static Source<T> Enumerable<T>(IEnumerable<T> items, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new EnumerableSource<T>(items, name ?? $"Enumerable<{Runtime.TypeNames.Of<T>()}>");
    }

    /// <summary>A source over an async sequence; unbounded unless <paramref name="isBounded"/> says it ends.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="items">
    /// The elements; enumerated once per run with the run's cancellation token (runs at the same time enumerate it
    /// each on its own, which splits a sequence that has one consumer, such as a channel's <c>ReadAllAsync</c>).
    /// </param>
    /// <param name="name">A name for errors and metrics.</param>
    /// <param name="isBounded">True when the sequence is known to end, so the bounded executor accepts it.</param>
    public static Source<T> AsyncEnumerable<T>(IAsyncEnumerable<T> items, string? name = null, bool isBounded = false)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new AsyncEnumerableSource<T>(items, name ?? $"AsyncEnumerable<{Runtime.TypeNames.Of<T>()}>", isBounded);
    }

    /// <summary>
    /// An unbounded source reading a channel until its writer completes it. One run reads it at a time (a channel
    /// hands each element to one reader): a run while another reads it is refused, a run after a stopped one reads
    /// what is left, and a run after one that read the channel to its end is refused.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="reader">The channel to read; the pipeline should be its only reader.</param>
    /// <param name="name">A name for errors and metrics.</param>
    public static Source<T> Channel<T>(ChannelReader<T> reader, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new ChannelSource<T>(reader, name ?? $"Channel<{Runtime.TypeNames.Of<T>()}>");
    }
}
