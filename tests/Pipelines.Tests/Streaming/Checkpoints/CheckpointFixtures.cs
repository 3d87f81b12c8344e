using System.Threading.Channels;

namespace Pipelines.Tests.Streaming.Checkpoints;

/// <summary>
/// A source over a channel whose position is the number of elements it has returned, and which commits during the
/// run. At each commit it asks <see cref="Covered"/> how many of its elements the sinks have made durable, so a test
/// can check the at-least-once promise at the moment it matters.
/// </summary>
/// <param name="canCheckpoint">Whether a checkpoint may take the position, given how many elements were returned (always by default).</param>
internal sealed class CommittingSource<T>(ChannelReader<T> channel, bool commitsDuringRun = true, Func<long, bool>? failCommit = null, Func<long, bool>? canCheckpoint = null) : Source<T>
{
    private readonly Lock _gate = new();
    private readonly List<(long Position, long Covered)> _commits = [];
    private readonly ChannelReader<T> _channel = channel;
    private readonly bool _commitsDuringRun = commitsDuringRun;
    private readonly Func<long, bool>? _failCommit = failCommit;
    private readonly Func<long, bool>? _canCheckpoint = canCheckpoint;

    /// <summary>How many elements (counted from the first) are reflected in durable sink output right now.</summary>
    public Func<long>? Covered { get; set; }

    /// <summary>Positions committed during the run, each with what was durable at that moment.</summary>
    public IReadOnlyList<(long Position, long Covered)> Commits
    {
        get
        {
            lock (_gate) return _commits.ToList();
        }
    }

    /// <summary>How often the end-of-run commit was called.</summary>
    public int FinalCommits { get; private set; }

    public long Read;

    public override string Name => "committing";

    public override bool IsBounded => false;

    public override ValueTask<SourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken) => new(new Reader(this));

    private sealed class Reader(CommittingSource<T> source) : SourceReader<T, ReadCount>
    {
        public override bool CommitsDuringRun => source._commitsDuringRun;

        public override bool CanCheckpoint => source._canCheckpoint?.Invoke(Volatile.Read(ref source.Read)) ?? true;

        public override int TryRead(Span<T> destination)
        {
            int n = 0;
            while (n < destination.Length && source._channel.TryRead(out var item)) destination[n++] = item;
            Interlocked.Add(ref source.Read, n);
            return n;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => source._channel.WaitToReadAsync(cancellationToken);

        public override ReadCount CapturePosition() => new(Volatile.Read(ref source.Read));

        public override ValueTask CommitAsync(ReadCount position, CancellationToken cancellationToken)
        {
            long at = position.Elements;
            if (source._failCommit?.Invoke(at) == true) throw new IOException($"commit of {at} refused");
            long covered = source.Covered?.Invoke() ?? long.MaxValue;
            lock (source._gate) source._commits.Add((at, covered));
            return default;
        }

        public override ValueTask CommitAsync(CancellationToken cancellationToken)
        {
            source.FinalCommits++;
            return default;
        }
    }
}

/// <summary>The position of a <see cref="CommittingSource{T}"/>: how many elements it has returned.</summary>
/// <param name="Elements">Elements returned so far.</param>
internal sealed record ReadCount(long Elements);

/// <summary>A sink whose writes become durable only when it is flushed (a checkpoint) or completed.</summary>
internal sealed class FlushingSink<T>(string name = "flushing", Exception? flushError = null) : Sink<T>
{
    private readonly Lock _gate = new();
    private readonly List<T> _pending = [];
    private readonly List<T> _durable = [];
    private readonly Exception? _flushError = flushError;

    public int Flushes { get; private set; }

    public override string Name => name;

    /// <summary>A copy of what has been made durable.</summary>
    public List<T> Durable
    {
        get
        {
            lock (_gate) return _durable.ToList();
        }
    }

    public override ValueTask<SinkWriter<T>> OpenAsync(CancellationToken cancellationToken) => new(new Writer(this));

    private void MakeDurable()
    {
        lock (_gate)
        {
            _durable.AddRange(_pending);
            _pending.Clear();
        }
    }

    private sealed class Writer(FlushingSink<T> sink) : SinkWriter<T>
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<T> items, CancellationToken cancellationToken)
        {
            // Asynchronous on purpose: a flush must wait for writes still running.
            await Task.Yield();
            lock (sink._gate) sink._pending.AddRange(items.ToArray());
        }

        public override ValueTask FlushAsync(CancellationToken cancellationToken)
        {
            sink.Flushes++;
            if (sink._flushError is not null) throw sink._flushError;
            sink.MakeDurable();
            return default;
        }

        public override ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            sink.MakeDurable();
            return default;
        }
    }
}
