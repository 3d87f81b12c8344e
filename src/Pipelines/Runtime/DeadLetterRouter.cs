using System.Collections.Concurrent;

namespace Pipelines.Runtime;

/// <summary>
/// Collects dead letters from every worker of a run; the executor drains them into the dead-letter sink
/// between batches. Dead letters are exceptional, so a queue shared by all workers is enough.
/// </summary>
internal sealed class DeadLetterRouter
{
    private readonly ConcurrentQueue<DeadLetter> _queue = new();

    public bool IsEmpty => _queue.IsEmpty;

    public void Publish(DeadLetter letter) => _queue.Enqueue(letter);

    public int DrainInto(List<DeadLetter> destination)
    {
        int n = 0;
        while (_queue.TryDequeue(out var letter))
        {
            destination.Add(letter);
            n++;
        }

        return n;
    }
}
