using System.Collections.Concurrent;

namespace Pipelines.Postgres.Tests;

public sealed record Customer(int Id, string Name, string Tier);

/// <summary>Polls a condition with a deadline: the way to wait for a live feed without sleeping as synchronization.</summary>
internal static class Eventually
{
    public static Task HoldsAsync(Func<bool> condition, string what, int timeoutMs = 30_000) => HoldsAsync(condition, () => what, timeoutMs);

    public static async Task HoldsAsync(Func<bool> condition, Func<string> what, int timeoutMs = 30_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for: {what()}");
            await Task.Delay(5);
        }
    }
}

/// <summary>Results of a run, readable while it goes on.</summary>
internal sealed class Collected<T>
{
    private readonly ConcurrentQueue<T> _items = new();

    public Sink<T> Sink => Sinks.Action<T>(_items.Enqueue);

    public int Count => _items.Count;

    public List<T> Items => [.. _items];
}

/// <summary>
/// A source wrapper that keeps the last position its reader committed — what a real application stores with its
/// checkpoint — using only the public contract.
/// </summary>
internal sealed class PositionKeeping<T, TPosition>(Source<T, TPosition> inner) : Source<T, TPosition>
    where TPosition : class
{
    private TPosition? _committed;

    public TPosition? Committed => Volatile.Read(ref _committed);

    public int Commits;

    public override string Name => inner.Name;

    public override bool IsBounded => inner.IsBounded;

    public override bool ProvidesEventTime => inner.ProvidesEventTime;

    public override async ValueTask<SourceReader<T, TPosition>> OpenAsync(SourceContext context, TPosition? position, CancellationToken cancellationToken) =>
        new Reader(this, await inner.OpenAsync(context, position, cancellationToken));

    private sealed class Reader(PositionKeeping<T, TPosition> owner, SourceReader<T, TPosition> inner) : SourceReader<T, TPosition>
    {
        public override bool ProvidesTimestamps => inner.ProvidesTimestamps;

        public override int TryRead(Span<T> destination) => inner.TryRead(destination);

        public override int TryRead(Span<T> destination, Span<long> timestamps) => inner.TryRead(destination, timestamps);

        public override bool TryTakeWatermark(out DateTimeOffset watermark) => inner.TryTakeWatermark(out watermark);

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => inner.WaitToReadAsync(cancellationToken);

        public override TPosition CapturePosition() => inner.CapturePosition();

        public override async ValueTask CommitAsync(TPosition position, CancellationToken cancellationToken)
        {
            await inner.CommitAsync(position, cancellationToken);
            Volatile.Write(ref owner._committed, position);
            Interlocked.Increment(ref owner.Commits);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
