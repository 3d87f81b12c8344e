using System.Threading.Channels;

namespace Pipelines.Execution.Streaming;

/// <summary>
/// The writes of one producer task that did not fit into full channels. Operators emit synchronously; the
/// producer awaits <see cref="FlushAsync"/> before it takes more input, which is how backpressure reaches the
/// sources. Once anything is queued, later writes queue behind it, so each channel sees messages in order.
/// </summary>
/// <param name="clock">Measures the waits for room as backpressured time of the producer task (null: not measured).</param>
internal sealed class PendingWrites(Diagnostics.TaskClock? clock = null)
{
    private readonly Queue<(ChannelWriter<StageMessage> Channel, StageMessage Message)> _queue = new();

    public bool HasPending => _queue.Count > 0;

    public void Write(ChannelWriter<StageMessage> channel, in StageMessage message)
    {
        if (_queue.Count == 0 && channel.TryWrite(message)) return;
        _queue.Enqueue((channel, message));
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        while (_queue.TryPeek(out var entry))
        {
            if (!entry.Channel.TryWrite(entry.Message))
            {
                using (clock?.Backpressured()) await entry.Channel.WriteAsync(entry.Message, cancellationToken).ConfigureAwait(false);
            }

            _queue.Dequeue();
        }
    }

    /// <summary>Gives back the pooled batches of writes that will never happen (the run stopped).</summary>
    public void Discard()
    {
        while (_queue.TryDequeue(out var entry))
        {
            Runtime.BatchPool.Return(entry.Message.Batch);
        }
    }
}
