using System.Threading.Channels;

namespace Pipelines.Execution.Streaming;

/// <summary>
/// The inputs of one stage worker whose producers may write to its channel now. A worker that aligns checkpoint
/// barriers closes the gate of an input that has passed a barrier the others have not (once it holds
/// <see cref="StreamingOptions.MaxAlignmentBuffer"/> of its messages), and opens it when the barrier is aligned:
/// the input's producer then waits (backpressure) instead of the worker buffering its messages without limit.
/// Only the worker closes and opens; producers read.
/// </summary>
/// <param name="inputs">How many inputs (producer workers) feed the worker.</param>
internal sealed class InputGates(int inputs)
{
    private readonly TaskCompletionSource?[] _closed = new TaskCompletionSource?[inputs];

    public bool IsOpen(int input) => Volatile.Read(ref _closed[input]) is null;

    /// <summary>Completes when the gate of <paramref name="input"/> is open.</summary>
    public Task WhenOpen(int input) => Volatile.Read(ref _closed[input])?.Task ?? Task.CompletedTask;

    public void Close(int input)
    {
        if (Volatile.Read(ref _closed[input]) is null) Volatile.Write(ref _closed[input], new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    public void Open(int input) => Interlocked.Exchange(ref _closed[input], null)?.TrySetResult();

    /// <summary>The writer producer <paramref name="input"/> uses: it takes nothing while the input's gate is closed.</summary>
    public ChannelWriter<StageMessage> WriterFor(ChannelWriter<StageMessage> channel, int input) => new GatedWriter(channel, this, input);

    /// <summary>
    /// A producer's view of a worker's channel: <see cref="TryWrite"/> refuses while its gate is closed (the write
    /// waits in the producer's <see cref="PendingWrites"/>), and <see cref="WaitToWriteAsync"/> waits for the gate,
    /// then for room.
    /// </summary>
    private sealed class GatedWriter(ChannelWriter<StageMessage> channel, InputGates gates, int input) : ChannelWriter<StageMessage>
    {
        public override bool TryWrite(StageMessage item) => gates.IsOpen(input) && channel.TryWrite(item);

        public override async ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                var open = gates.WhenOpen(input);
                if (!open.IsCompleted) await open.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (!await channel.WaitToWriteAsync(cancellationToken).ConfigureAwait(false)) return false;
                if (gates.IsOpen(input)) return true;
            }
        }

        public override bool TryComplete(Exception? error = null) => channel.TryComplete(error);
    }
}
