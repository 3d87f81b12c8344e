namespace Pipelines.Runtime;

/// <summary>Counts for one run, updated from every worker; read into a <see cref="RunSummary"/> at the end.</summary>
internal sealed class RunCounters
{
    private long _elementsRead;
    private long _lateDropped;
    private long _skipped;
    private long _deadLettered;
    private long _written;
    private long _checkpoints;

    public long ElementsRead => Volatile.Read(ref _elementsRead);

    public long LateDropped => Volatile.Read(ref _lateDropped);

    public long Skipped => Volatile.Read(ref _skipped);

    public long DeadLettered => Volatile.Read(ref _deadLettered);

    public long Written => Volatile.Read(ref _written);

    public long Checkpoints => Volatile.Read(ref _checkpoints);

    public void AddRead(long count) => Interlocked.Add(ref _elementsRead, count);

    public void AddLateDropped(long count) => Interlocked.Add(ref _lateDropped, count);

    public void AddSkipped(long count) => Interlocked.Add(ref _skipped, count);

    public void AddDeadLettered(long count) => Interlocked.Add(ref _deadLettered, count);

    public void AddWritten(long count) => Interlocked.Add(ref _written, count);

    public void AddCheckpoint() => Interlocked.Increment(ref _checkpoints);

    public RunSummary ToSummary(TimeSpan elapsed) => new()
    {
        ElementsRead = ElementsRead,
        LateElementsDropped = LateDropped,
        ElementsSkipped = Skipped,
        ElementsDeadLettered = DeadLettered,
        ResultsWritten = Written,
        CheckpointsCompleted = Checkpoints,
        Elapsed = elapsed,
    };
}
