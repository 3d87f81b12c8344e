namespace Pipelines.Kafka.Tests.Support;

/// <summary>
/// Wraps a source with a typed position (through the public contract only) and records, in one ordered log
/// shared with the test's sinks, every position the executor takes at a checkpoint and every position it commits:
/// tests then prove the order of events ("a commit came after the results it covers") instead of waiting a while
/// and checking that nothing happened.
/// </summary>
internal sealed class RecordingSource<T, TPosition>(Source<T, TPosition> inner, EventLog log) : Source<T, TPosition>
    where TPosition : class
{
    public override string Name => inner.Name;

    public override bool IsBounded => inner.IsBounded;

    public override bool ProvidesEventTime => inner.ProvidesEventTime;

    public override ErrorPolicy? BadRecordPolicy => inner.BadRecordPolicy;

    private long _read;

    /// <summary>How many elements the readers have handed to the executor so far.</summary>
    public long Read => Interlocked.Read(ref _read);

    public override async ValueTask<SourceReader<T, TPosition>> OpenAsync(SourceContext context, TPosition? position, CancellationToken cancellationToken) =>
        new Reader(await inner.OpenAsync(context, position, cancellationToken), log, this);

    /// <summary>A checkpoint took this position (the barrier follows the elements read before it).</summary>
    public sealed record Captured(TPosition Position);

    /// <summary>The checkpoint of this position completed: the executor commits it.</summary>
    public sealed record Committed(TPosition Position);

    private sealed class Reader(SourceReader<T, TPosition> inner, EventLog log, RecordingSource<T, TPosition> owner) : SourceReader<T, TPosition>
    {
        public override bool CommitsDuringRun => inner.CommitsDuringRun;

        public override bool ProvidesTimestamps => inner.ProvidesTimestamps;

        public override double? FractionRead => inner.FractionRead;

        public override int TryRead(Span<T> destination) => Counted(inner.TryRead(destination));

        public override int TryRead(Span<T> destination, Span<long> timestamps) => Counted(inner.TryRead(destination, timestamps));

        private int Counted(int n)
        {
            Interlocked.Add(ref owner._read, n);
            return n;
        }

        public override bool TryTakeWatermark(out DateTimeOffset watermark) => inner.TryTakeWatermark(out watermark);

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => inner.WaitToReadAsync(cancellationToken);

        public override TPosition CapturePosition()
        {
            var position = inner.CapturePosition();
            log.Add(new Captured(position));
            return position;
        }

        public override ValueTask CommitAsync(TPosition position, CancellationToken cancellationToken)
        {
            log.Add(new Committed(position));
            return inner.CommitAsync(position, cancellationToken);
        }

        /// <summary>The end-of-run commit stays the inner reader's own.</summary>
        public override ValueTask CommitAsync(CancellationToken cancellationToken) => inner.CommitAsync(cancellationToken);

        public override ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

/// <summary>Events from several threads, in the order they happened.</summary>
internal sealed class EventLog
{
    private readonly Lock _gate = new();
    private readonly List<object> _events = [];

    public void Add(object e)
    {
        lock (_gate) _events.Add(e);
    }

    public List<object> Snapshot()
    {
        lock (_gate) return [.. _events];
    }
}
