using System.Threading.Channels;
using Pipelines.Runtime;

namespace Pipelines.Execution.Streaming;

/// <summary>
/// One worker of a stage under the streaming executor: a bounded channel in, the stage instance, and the
/// writes its output chain could not place yet. Its loop reads a message, runs the operator synchronously,
/// then waits for its own output to fit downstream before reading the next.
/// </summary>
internal sealed class StageWorker
{
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _tickInterval;

    public StageWorker(StageInstance instance, int capacity, TimeProvider timeProvider, TimeSpan tickInterval)
    {
        Instance = instance;
        _timeProvider = timeProvider;
        _tickInterval = tickInterval;
        Channel = System.Threading.Channels.Channel.CreateBounded<StageMessage>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public StageInstance Instance { get; }

    public Channel<StageMessage> Channel { get; }

    public PendingWrites Pending { get; } = new();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var op = Instance.Operator;
        var interval = op.ProcessingTimeInterval is { } wanted && wanted < _tickInterval ? wanted : _tickInterval;
        using var timer = _timeProvider.CreateTimer(_ => Channel.Writer.TryWrite(StageMessage.ForTick()), null, interval, interval);
        var reader = Channel.Reader;
        try
        {
            while (!Instance.Ended)
            {
                if (!reader.TryRead(out var message))
                {
                    if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false)) break;
                    continue;
                }

                Dispatch(message);
                if (Pending.HasPending) await Pending.FlushAsync(cancellationToken).ConfigureAwait(false);
                await op.DrainAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Pending.Discard();
            while (reader.TryRead(out var left)) (left.Batch as IPooledBatch)?.Return();
        }
    }

    private void Dispatch(in StageMessage message)
    {
        switch (message.Kind)
        {
            case MessageKind.Batch:
                try
                {
                    Instance.OnBatch(message.Port, message.Producer, message.Batch!);
                }
                finally
                {
                    ((IPooledBatch)message.Batch!).Return();
                }

                break;
            case MessageKind.Watermark:
                Instance.OnWatermark(message.Producer, message.Watermark);
                break;
            case MessageKind.Idle:
                Instance.OnIdle(message.Producer);
                break;
            case MessageKind.End:
                Instance.OnEnd(message.Producer);
                break;
            case MessageKind.Tick:
                Instance.Operator.OnProcessingTime(_timeProvider.GetUtcNow().UtcTicks);
                break;
        }
    }
}
