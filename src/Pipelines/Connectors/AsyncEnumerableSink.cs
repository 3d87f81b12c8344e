using System.Threading.Channels;

namespace Pipelines.Connectors;

/// <summary>
/// Hands results to one <c>await foreach</c> consumer through a bounded channel: a full channel makes the sink
/// wait, so a slow consumer slows the pipeline down. The channel completes at end of input and faults with the
/// run's error when the run fails or is cancelled. Serves a single run.
/// </summary>
internal sealed class AsyncEnumerableSink<T>(int capacity, string name) : Sink<T>
{
    private readonly Channel<T> _channel = System.Threading.Channels.Channel.CreateBounded<T>(
        new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    private int _opened;

    public override string Name => name;

    /// <summary>The results, for one consumer.</summary>
    public IAsyncEnumerable<T> Results => new ResultStream(_channel.Reader);

    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _opened, 1) != 0)
        {
            throw new InvalidOperationException(
                $"Sink '{name}' serves a single run and its results were already handed out; call Sinks.AsyncEnumerable again for another run.");
        }

        return new(new Writer(_channel.Writer));
    }

    /// <summary>The run ended before opening this sink: the consumer's enumeration ends with the run's error.</summary>
    public override void OnRunEndedUnopened(Exception error)
    {
        if (Interlocked.Exchange(ref _opened, 1) == 0) _channel.Writer.TryComplete(error);
    }

    private sealed class Writer(ChannelWriter<T> channel) : SinkWriter<T>
    {
        private bool _finished;

        public override ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
        {
            var span = items.Span;
            for (int i = 0; i < span.Length; i++)
            {
                if (!channel.TryWrite(span[i])) return WriteSlowAsync(items, i, cancellationToken);
            }

            return default;
        }

        private async ValueTask WriteSlowAsync(ReadOnlyMemory<T> items, int from, CancellationToken cancellationToken)
        {
            for (int i = from; i < items.Length; i++)
            {
                await channel.WriteAsync(items.Span[i], cancellationToken).ConfigureAwait(false);
            }
        }

        public override ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            _finished = true;
            channel.TryComplete();
            return default;
        }

        public override ValueTask AbortAsync(Exception error)
        {
            _finished = true;
            channel.TryComplete(error);
            return default;
        }

        public override ValueTask DisposeAsync()
        {
            // Opened but neither completed nor aborted: the run ended while being set up.
            if (!_finished) channel.TryComplete(new PipelineExecutionException("The pipeline run ended before the end of its input."));
            return base.DisposeAsync();
        }
    }

    /// <summary>Enumerates the channel; the consumer's cancellation token stops waiting, not the run.</summary>
    private sealed class ResultStream(ChannelReader<T> reader) : IAsyncEnumerable<T>
    {
        public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
            reader.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
    }
}
