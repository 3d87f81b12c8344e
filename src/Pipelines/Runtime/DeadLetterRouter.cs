using System.Threading.Channels;

namespace Pipelines.Runtime;

/// <summary>
/// Collects dead letters from every worker of a run; the executor moves them into the dead-letter sink.
/// Dead letters are exceptional, so one unbounded queue shared by all workers is enough.
/// </summary>
internal sealed class DeadLetterRouter
{
    private readonly Channel<DeadLetter> _queue = Channel.CreateUnbounded<DeadLetter>(new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<DeadLetter> Reader => _queue.Reader;

    public void Publish(DeadLetter letter) => _queue.Writer.TryWrite(letter);

    /// <summary>No more dead letters will come.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    public int DrainInto(List<DeadLetter> destination)
    {
        int n = 0;
        while (_queue.Reader.TryRead(out var letter))
        {
            destination.Add(letter);
            n++;
        }

        return n;
    }
}
