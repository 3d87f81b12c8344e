namespace Pipelines.Operators;

/// <summary>
/// Event-time timers: items due at a time, popped in (time, registration order) so that the bounded executor's
/// output order is deterministic. Stale entries are skipped by the owner (lazy deletion).
/// </summary>
internal sealed class TimerQueue<TItem>
{
    private readonly PriorityQueue<TItem, (long Time, long Sequence)> _queue = new();
    private long _sequence;

    public int Count => _queue.Count;

    public void Add(TItem item, long time) => _queue.Enqueue(item, (time, _sequence++));

    /// <summary>Pops the next item due at or before <paramref name="watermark"/>.</summary>
    public bool TryPopDue(long watermark, out TItem item, out long time)
    {
        if (_queue.TryPeek(out item!, out var priority) && priority.Time <= watermark)
        {
            _queue.Dequeue();
            time = priority.Time;
            return true;
        }

        item = default!;
        time = 0;
        return false;
    }
}
