using Microsoft.Extensions.Time.Testing;
using Pipelines.Tests.TestSupport;

namespace Pipelines.Tests.Checkpoints.Upgrades;

/// <summary>Where an <see cref="EventSource"/> resumes: the index of the next element.</summary>
public sealed record EventPosition(int Next);

/// <summary>
/// A bounded source over a fixed list that resumes at an index. It reads no further than <see cref="Limit"/> (waiting
/// for it to grow), and with a fake clock advances it by a second every <c>tick</c> elements, then waits (a second
/// of real time at most) for <c>settled</c> to change, so each tick's checkpoint ends before the next is triggered.
/// </summary>
internal sealed class EventSource(IReadOnlyList<Ev> data, FakeTimeProvider? clock = null, int tick = 0, Func<int>? settled = null) : Source<Ev, EventPosition>
{
    private readonly IReadOnlyList<Ev> _data = data;
    private readonly FakeTimeProvider? _clock = clock;
    private readonly int _tick = tick;
    private readonly Func<int>? _settled = settled;
    private int _limit = int.MaxValue;
    private int _read;
    private TaskCompletionSource _more = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override string Name => "events";

    public override bool IsBounded => true;

    /// <summary>Where the last open resumed (−1 before it opened).</summary>
    public int Opened { get; private set; } = -1;

    /// <summary>The index of the next element the reader returns.</summary>
    public int Read => Volatile.Read(ref _read);

    /// <summary>Elements (by index) the source may return; raising it wakes the reader.</summary>
    public int Limit
    {
        get => Volatile.Read(ref _limit);
        set
        {
            Volatile.Write(ref _limit, value);
            Interlocked.Exchange(ref _more, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    /// <summary>Every position the reader was asked for, in order: with the checkpoint whose barrier it was taken for, or null outside a barrier.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(long? Checkpoint, int Next)> Captures { get; } = new();

    /// <summary>When set, opening waits for it (a source still connecting), as long as the run lets it.</summary>
    public Task? OpensAfter { get; init; }

    public override async ValueTask<SourceReader<Ev, EventPosition>> OpenAsync(SourceContext context, EventPosition? position, CancellationToken cancellationToken)
    {
        if (OpensAfter is { } opening) await opening.WaitAsync(cancellationToken);
        Opened = position?.Next ?? 0;
        Volatile.Write(ref _read, Opened);
        return new Reader(this);
    }

    private sealed class Reader(EventSource source) : SourceReader<Ev, EventPosition>
    {
        private int _awaitAbove = -1;

        public override bool CommitsDuringRun => false;

        public override EventPosition CapturePosition()
        {
            source.Captures.Enqueue((null, source.Read));
            return new(source.Read);
        }

        public override EventPosition CapturePosition(long checkpointId)
        {
            source.Captures.Enqueue((checkpointId, source.Read));
            return new(source.Read);
        }

        public override ValueTask CommitAsync(EventPosition position, CancellationToken cancellationToken) => default;

        public override int TryRead(Span<Ev> destination)
        {
            if (_awaitAbove >= 0) return 0;
            int n = 0, next = source.Read;
            while (n < Math.Min(destination.Length, 5) && next < source._data.Count && next < source.Limit)
            {
                destination[n++] = source._data[next++];
                if (source._clock is { } clock && source._tick > 0 && next % source._tick == 0)
                {
                    _awaitAbove = source._settled?.Invoke() ?? -1;
                    Volatile.Write(ref source._read, next);
                    clock.Advance(TimeSpan.FromSeconds(1));
                    return n;
                }
            }

            Volatile.Write(ref source._read, next);
            return n;
        }

        public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
        {
            if (_awaitAbove >= 0)
            {
                var until = DateTime.UtcNow.AddSeconds(1);
                while (source._settled!() <= _awaitAbove && DateTime.UtcNow < until) await Task.Delay(1, cancellationToken);
                _awaitAbove = -1;
            }

            while (source.Read < source._data.Count && source.Read >= source.Limit)
            {
                var more = Volatile.Read(ref source._more).Task;
                if (source.Read < source.Limit) break;
                await more.WaitAsync(cancellationToken);
            }

            return source.Read < source._data.Count;
        }
    }
}

/// <summary>Checkpoints in a directory whose manifest publications fail when <see cref="FailPublish"/> says so (by attempt, from 1).</summary>
internal sealed class FailingStorage(string path, Func<int, bool> failPublish) : CheckpointStorage
{
    private readonly CheckpointStorage _inner = Directory(path);
    private int _attempts;

    public Func<int, bool> FailPublish { get; } = failPublish;

    /// <summary>Manifest publications tried so far.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    public override string ToString() => "failing " + _inner;

    public override string LocationOf(long checkpointId) => _inner.LocationOf(checkpointId);

    protected internal override ValueTask WritePartAsync(long checkpointId, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        _inner.WritePartAsync(checkpointId, name, content, cancellationToken);

    protected internal override ValueTask<byte[]?> ReadPartAsync(long checkpointId, string name, CancellationToken cancellationToken) =>
        _inner.ReadPartAsync(checkpointId, name, cancellationToken);

    protected internal override ValueTask PublishManifestAsync(long checkpointId, ReadOnlyMemory<byte> manifest, CancellationToken cancellationToken)
    {
        int attempt = Interlocked.Increment(ref _attempts);
        if (FailPublish(attempt)) throw new IOException($"disk full (injected) at checkpoint {checkpointId}");
        return _inner.PublishManifestAsync(checkpointId, manifest, cancellationToken);
    }

    protected internal override ValueTask<byte[]?> ReadManifestAsync(long checkpointId, CancellationToken cancellationToken) =>
        _inner.ReadManifestAsync(checkpointId, cancellationToken);

    protected internal override ValueTask<IReadOnlyList<long>> ListCheckpointsAsync(CancellationToken cancellationToken) =>
        _inner.ListCheckpointsAsync(cancellationToken);

    protected internal override ValueTask DeleteCheckpointAsync(long checkpointId, CancellationToken cancellationToken) =>
        _inner.DeleteCheckpointAsync(checkpointId, cancellationToken);
}

/// <summary>Waits for a condition of a running pipeline, failing when the run ends first or after 30 seconds.</summary>
internal static class Wait
{
    public static async Task UntilAsync(Func<bool> condition, PipelineRun run, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (run.Completion.IsCompleted) await run.Completion; // its error, if it failed
            if (run.Completion.IsCompleted || DateTime.UtcNow > until) throw new TimeoutException($"The run did not reach: {what}.");
            await Task.Delay(5);
        }
    }
}

/// <summary>The events and the windowed pipeline the upgrade tests run, in its versions.</summary>
internal static class Orders
{
    /// <summary>Events of 30 keys over 10 minutes, disordered by up to 2 seconds, with values 1..9.</summary>
    public static List<Ev> Events(int seed, int count = 3000)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => Ev.At("k" + random.Next(30), (i * 0.2) + random.NextDouble() * 2, random.Next(1, 10)))];
    }

    /// <summary>
    /// Sums per key and 30-second window. <paramref name="version"/> 2 adds a stateless filter before the window and
    /// writes through another projection; <paramref name="windowUid"/> null leaves the ids derived.
    /// </summary>
    public static Pipeline Sums(Source<Ev> source, Sink<(string, DateTimeOffset, long)> sink, int version = 1, string? windowUid = "sums-per-key", string name = "orders")
    {
        var p = new PipelineBuilder(name);
        var events = p.From(source);
        if (windowUid is not null) events = events.Uid("events");
        events = events.WithEventTime(e => e.Time, Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(2)));
        if (version >= 2) events = events.Where(e => e.Value > 0);
        var sums = events.KeyBy(e => e.Key).Window(Windows.Tumbling(TimeSpan.FromSeconds(30))).Sum(e => (long)e.Value);
        if (windowUid is not null) sums = sums.Uid(windowUid);
        if (version >= 2) sums.Select(r => (Key: r.Key, Start: r.Window.Start, Sum: r.Value)).Select(r => (r.Key, r.Start, r.Sum)).To(sink);
        else sums.Select(r => (r.Key, r.Window.Start, r.Value)).To(sink);
        return p.Build();
    }

    /// <summary>What an uninterrupted run writes.</summary>
    public static async Task<List<(string, DateTimeOffset, long)>> ExpectedAsync(List<Ev> events)
    {
        var expected = new List<(string, DateTimeOffset, long)>();
        await new BoundedExecutor().RunAsync(Sums(Sources.Enumerable(events), Sinks.Collection(expected)));
        return expected;
    }
}
