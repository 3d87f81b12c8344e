using System.Reactive.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Dataflow;
using Akka;
using Akka.Streams.Dsl;
using Pipelines.Benchmarks.Data;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Workloads;

/// <summary>Result of the keyed T variants: the count of one key in one 1-second window.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
public readonly record struct KeyedCount<TKey>(TKey Key, long WindowStartTicks, long Count) : IResult<KeyedCount<TKey>>
    where TKey : IComparable<TKey>
{
    public ulong Hash() => Hashing.Combine(SyntheticKeys.StableHash(Key), (ulong)WindowStartTicks, (ulong)Count);

    public int CompareTo(KeyedCount<TKey> other)
    {
        int c = WindowStartTicks.CompareTo(other.WindowStartTicks);
        if (c != 0) return c;
        c = Key.CompareTo(other.Key);
        return c != 0 ? c : Count.CompareTo(other.Count);
    }

    public override string ToString() => $"key {Key} @ {new DateTimeOffset(WindowStartTicks, TimeSpan.Zero):O}: {Count}";
}

/// <summary>The state of the keyed T variants for the peers without windows, as <see cref="TumblingCounter"/> for T.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <param name="size">Window size in ticks.</param>
internal sealed class KeyedTumblingCounter<TKey>(long size)
    where TKey : IComparable<TKey>
{
    private readonly Dictionary<TKey, long> _counts = new(SyntheticData.Keys);
    private readonly long _size = size;
    private long _start = long.MinValue;
    private long _end = long.MinValue;

    /// <summary>Adds an event; returns the results of the window it closed, or an empty array.</summary>
    public KeyedCount<TKey>[] Add(in KeyedEvent<TKey> e)
    {
        long t = e.Timestamp.UtcTicks;
        KeyedCount<TKey>[] closed = [];
        if (t >= _end)
        {
            closed = Flush();
            _start = t - (t % _size);
            _end = _start + _size;
        }
        else if (t < _start)
        {
            throw new InvalidOperationException($"KeyedTumblingCounter needs time-ordered input; got {e.Timestamp:O} in window starting {new DateTimeOffset(_start, TimeSpan.Zero):O}.");
        }

        CollectionsMarshal.GetValueRefOrAddDefault(_counts, e.Key, out _)++;
        return closed;
    }

    /// <summary>Adds a batch; returns the results of the windows it closed, or an empty array.</summary>
    public KeyedCount<TKey>[] Add(ReadOnlySpan<KeyedEvent<TKey>> batch)
    {
        List<KeyedCount<TKey>>? closed = null;
        foreach (ref readonly var e in batch)
        {
            var r = Add(e);
            if (r.Length > 0) (closed ??= []).AddRange(r);
        }

        return closed is null ? [] : [.. closed];
    }

    /// <summary>Closes the open window.</summary>
    public KeyedCount<TKey>[] Flush()
    {
        if (_counts.Count == 0) return [];
        var results = new KeyedCount<TKey>[_counts.Count];
        int i = 0;
        foreach (var (key, count) in _counts) results[i++] = new KeyedCount<TKey>(key, _start, count);
        _counts.Clear();
        return results;
    }
}

/// <summary>
/// T with another key type: per-key count over tumbling event-time windows (1 s: 100 events per key per window, as
/// T; or shorter) of the same 10M time-ordered events and 1,000 keys as T, each key mapped to
/// <typeparamref name="TKey"/>. Same contenders and checks as T.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
public abstract class KeyedTumblingCount<TKey> : Workload<KeyedEvent<TKey>, KeyedCount<TKey>>
    where TKey : IComparable<TKey>
{
    /// <summary>Registers the contenders.</summary>
    /// <param name="window">The window size; null for T's 1 s.</param>
    protected KeyedTumblingCount(TimeSpan? window = null)
    {
        long size = window?.Ticks ?? TumblingCounter.Size;
        var pipelinesWindow = TimeSpan.FromTicks(size);
        Add(Contenders.HandLoop, (input, output) =>
        {
            var counts = new Dictionary<TKey, long>(SyntheticData.Keys);
            long start = long.MinValue, end = long.MinValue;
            foreach (ref readonly var e in input.AsSpan())
            {
                long t = e.Timestamp.UtcTicks;
                if (t >= end)
                {
                    foreach (var (key, count) in counts) output.Add(new KeyedCount<TKey>(key, start, count));
                    counts.Clear();
                    start = t - (t % size);
                    end = start + size;
                }

                CollectionsMarshal.GetValueRefOrAddDefault(counts, e.Key, out _)++;
            }

            foreach (var (key, count) in counts) output.Add(new KeyedCount<TKey>(key, start, count));
        });

        Add(Contenders.Linq, (input, output) =>
        {
            foreach (var (group, count) in input.CountBy(e => (e.Key, Start: e.Timestamp.UtcTicks - (e.Timestamp.UtcTicks % size))))
            {
                output.Add(new KeyedCount<TKey>(group.Key, group.Start, count));
            }
        });

        Add(Contenders.Rx, (input, output) =>
        {
            bool completed = false;
            var counted = Observable.Create<KeyedCount<TKey>>(observer =>
            {
                var state = new KeyedTumblingCounter<TKey>(size);
                return FilterProject.Push(input).Subscribe(
                    e =>
                    {
                        foreach (var r in state.Add(e)) observer.OnNext(r);
                    },
                    observer.OnError,
                    () =>
                    {
                        foreach (var r in state.Flush()) observer.OnNext(r);
                        observer.OnCompleted();
                    });
            });
            using (counted.Subscribe(r => output.Add(r), ex => throw ex, () => completed = true))
            {
                if (!completed) throw new InvalidOperationException("The Rx pipeline did not complete synchronously.");
            }
        });

        Add(Contenders.RxGroupBy, (input, output) =>
        {
            bool completed = false;
            var counted = FilterProject.Push(input)
                .GroupBy(e => (e.Key, Start: e.Timestamp.UtcTicks - (e.Timestamp.UtcTicks % size)))
                .SelectMany(group => group.Count().Select(count => new KeyedCount<TKey>(group.Key.Key, group.Key.Start, count)));
            using (counted.Subscribe(r => output.Add(r), ex => throw ex, () => completed = true))
            {
                if (!completed) throw new InvalidOperationException("The Rx pipeline did not complete synchronously.");
            }
        });

        Add(Contenders.Dataflow, async (input, output) =>
        {
            var state = new KeyedTumblingCounter<TKey>(size);
            var count = new TransformManyBlock<KeyedEvent<TKey>, KeyedCount<TKey>>(e => state.Add(e), Peers.ElementBlock);
            var sink = new ActionBlock<KeyedCount<TKey>>(r => output.Add(r), Peers.ElementBlock);
            count.LinkTo(sink);
            await Peers.PostAllAsync(count, input);
            await count.Completion;

            // TransformManyBlock has no end-of-input hook: the last window is flushed by hand.
            foreach (var r in state.Flush()) await sink.SendAsync(r);
            sink.Complete();
            await sink.Completion;
        });

        Add(Contenders.DataflowBatched, async (input, output) =>
        {
            var state = new KeyedTumblingCounter<TKey>(size);
            var count = new TransformBlock<ArraySegment<KeyedEvent<TKey>>, KeyedCount<TKey>[]>(segment => state.Add(segment.AsSpan()), Peers.BatchBlock);
            var sink = new ActionBlock<KeyedCount<TKey>[]>(batch => output.AddRange(batch), Peers.BatchBlock);
            count.LinkTo(sink);
            await Peers.PostAllAsync(count, Peers.Segments(input));
            await count.Completion;
            await sink.SendAsync(state.Flush());
            sink.Complete();
            await sink.Completion;
        });

        Add(Contenders.Channels, async (input, output) =>
        {
            var events = Peers.ElementChannel<KeyedEvent<TKey>>();
            var results = Peers.ElementChannel<KeyedCount<TKey>>();
            var source = Task.Run(() => Peers.WriteAllAsync(events.Writer, input));
            var count = Task.Run(async () =>
            {
                var state = new KeyedTumblingCounter<TKey>(size);
                var reader = events.Reader;
                var writer = results.Writer;
                while (await reader.WaitToReadAsync())
                {
                    while (reader.TryRead(out var e))
                    {
                        foreach (var r in state.Add(e)) await Peers.WriteAsync(writer, r);
                    }
                }

                foreach (var r in state.Flush()) await Peers.WriteAsync(writer, r);
                writer.Complete();
            });
            var sink = Task.Run(() => Peers.DrainAsync(results.Reader, output));
            await Task.WhenAll(source, count, sink);
        });

        Add(Contenders.ChannelsBatched, async (input, output) =>
        {
            var events = Peers.BatchChannel<ArraySegment<KeyedEvent<TKey>>>();
            var results = Peers.BatchChannel<KeyedCount<TKey>[]>();
            var source = Task.Run(() => Peers.WriteAllAsync(events.Writer, Peers.Segments(input)));
            var count = Task.Run(async () =>
            {
                var state = new KeyedTumblingCounter<TKey>(size);
                var reader = events.Reader;
                var writer = results.Writer;
                while (await reader.WaitToReadAsync())
                {
                    while (reader.TryRead(out var segment))
                    {
                        var closed = state.Add(segment.AsSpan());
                        if (closed.Length > 0) await Peers.WriteAsync(writer, closed);
                    }
                }

                await Peers.WriteAsync(writer, state.Flush());
                writer.Complete();
            });
            var sink = Task.Run(() => Peers.DrainAsync(results.Reader, output));
            await Task.WhenAll(source, count, sink);
        });

        Add(Contenders.AkkaStreams, async (input, output) =>
        {
            KeyedTumblingCounter<TKey>? state = null;
            await Source.From(input)
                .StatefulSelectMany<KeyedEvent<TKey>, KeyedCount<TKey>, NotUsed>(() =>
                {
                    var s = state = new KeyedTumblingCounter<TKey>(size);
                    return e => s.Add(e);
                })
                .RunForeach(r => output.Add(r), AkkaHost.Materializer);
            foreach (var r in state!.Flush()) output.Add(r);
        });

        AddPipelines((p, input, output) =>
            p.From(input)
                .WithEventTime(e => e.Timestamp, Watermarks.Monotonic())
                .KeyBy(e => e.Key)
                .Window(Windows.Tumbling(pipelinesWindow))
                .Count()
                .To(new MappingCollectorSink<WindowResult<TKey, long>, KeyedCount<TKey>>(output, r => new KeyedCount<TKey>(r.Key, r.Window.Start.UtcTicks, r.Value))));
    }

    /// <summary>The key of synthetic key <c>k</c>.</summary>
    /// <param name="key">0 … 999.</param>
    protected abstract TKey Map(int key);

    protected override KeyedEvent<TKey>[] Generate(int events) => SyntheticKeys.Generate(events, Map);
}

/// <summary>T keyed by sparse <see cref="long"/> keys.</summary>
public sealed class TumblingCountLong : KeyedTumblingCount<long>
{
    public override string Name => "TLong";

    public override string Description => "T keyed by sparse long keys (beyond the int range)";

    protected override long Map(int key) => SyntheticKeys.Long(key);
}

/// <summary>T keyed by <see cref="string"/> keys.</summary>
public sealed class TumblingCountString : KeyedTumblingCount<string>
{
    public override string Name => "TString";

    public override string Description => "T keyed by string keys (\"customer-000042\"; one string instance per key)";

    protected override string Map(int key) => SyntheticKeys.String(key);
}

/// <summary>T keyed by <see cref="Guid"/> keys.</summary>
public sealed class TumblingCountGuid : KeyedTumblingCount<Guid>
{
    public override string Name => "TGuid";

    public override string Description => "T keyed by Guid keys";

    protected override Guid Map(int key) => SyntheticKeys.Guid(key);
}

/// <summary>T keyed by a record class (a string and an int, value equality).</summary>
public sealed class TumblingCountRecord : KeyedTumblingCount<AccountKey>
{
    public override string Name => "TRecord";

    public override string Description => "T keyed by a record class AccountKey(string Region, int Account)";

    protected override AccountKey Map(int key) => SyntheticKeys.Record(key);
}

/// <summary>
/// Window size of the short-window variants: 100 ms, so each key has 10 events per window (T's 1 s windows hold
/// 100 per key) and ten times as many windows per key.
/// </summary>
internal static class ShortWindow
{
    public static readonly TimeSpan Size = TimeSpan.FromMilliseconds(100);
}

/// <summary>T with 100 ms windows: 10 events per key per window (<see cref="int"/> keys, as T).</summary>
public sealed class TumblingCount10 : KeyedTumblingCount<int>
{
    public TumblingCount10()
        : base(ShortWindow.Size)
    {
    }

    public override string Name => "T10";

    public override string Description => "T with 100 ms windows: 10 events per key per window (int keys)";

    protected override int Map(int key) => key;
}

/// <summary>TLong with 100 ms windows: 10 events per key per window.</summary>
public sealed class TumblingCountLong10 : KeyedTumblingCount<long>
{
    public TumblingCountLong10()
        : base(ShortWindow.Size)
    {
    }

    public override string Name => "TLong10";

    public override string Description => "TLong with 100 ms windows: 10 events per key per window";

    protected override long Map(int key) => SyntheticKeys.Long(key);
}

/// <summary>TString with 100 ms windows: 10 events per key per window.</summary>
public sealed class TumblingCountString10 : KeyedTumblingCount<string>
{
    public TumblingCountString10()
        : base(ShortWindow.Size)
    {
    }

    public override string Name => "TString10";

    public override string Description => "TString with 100 ms windows: 10 events per key per window";

    protected override string Map(int key) => SyntheticKeys.String(key);
}

/// <summary>TGuid with 100 ms windows: 10 events per key per window.</summary>
public sealed class TumblingCountGuid10 : KeyedTumblingCount<Guid>
{
    public TumblingCountGuid10()
        : base(ShortWindow.Size)
    {
    }

    public override string Name => "TGuid10";

    public override string Description => "TGuid with 100 ms windows: 10 events per key per window";

    protected override Guid Map(int key) => SyntheticKeys.Guid(key);
}
