namespace Pipelines.Tests.Connectors;

/// <summary>A consumer of <see cref="Sinks.AsyncEnumerable{T}"/> that stops reading stops the sources too.</summary>
public sealed class AsyncEnumerableSinkBackpressureTests
{
    private const int Total = 20_000;

    /// <summary>Counts how many elements the pipeline has pulled from it.</summary>
    private sealed class CountingSequence : IEnumerable<int>
    {
        private int _pulled;

        public int Pulled => Volatile.Read(ref _pulled);

        public IEnumerator<int> GetEnumerator()
        {
            for (int i = 0; i < Total; i++)
            {
                Interlocked.Increment(ref _pulled);
                yield return i;
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private static async Task<int> MaxAheadAsync(Func<Pipeline, Task<RunSummary>> run, int capacity)
    {
        var source = new CountingSequence();
        var p = new PipelineBuilder();
        p.From(Sources.Enumerable(source)).Where(i => i >= 0).To(Sinks.AsyncEnumerable(out IAsyncEnumerable<int> results, capacity));
        var running = run(p.Build());
        int consumed = 0, maxAhead = 0;
        await foreach (int r in results)
        {
            r.Should().Be(consumed);
            consumed++;
            maxAhead = Math.Max(maxAhead, source.Pulled - consumed);
            if (consumed % 64 == 0) await Task.Yield();
        }

        await running;
        consumed.Should().Be(Total);
        return maxAhead;
    }

    [Fact]
    public async Task Bounded_SlowConsumer_HoldsBackTheSource()
    {
        int ahead = await MaxAheadAsync(p => new BoundedExecutor(new BoundedExecutorOptions { BatchSize = 16 }).RunAsync(p), capacity: 8);
        ahead.Should().BeLessThanOrEqualTo(8 + (2 * 16));
    }

    [Fact]
    public async Task Streaming_SlowConsumer_HoldsBackTheSource()
    {
        var options = new StreamingOptions { Parallelism = 1, ChannelCapacity = 2, MaxBatchSize = 16, IdleTimeout = Timeout.InfiniteTimeSpan };
        int ahead = await MaxAheadAsync(p => new StreamingExecutor(options).RunAsync(p), capacity: 8);

        // Result buffer + source batch + the sink stage's channel + one pending batch + the batch being written.
        ahead.Should().BeLessThanOrEqualTo(8 + (16 * (1 + 2 + 1 + 1)));
    }
}
