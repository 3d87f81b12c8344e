using System.Reactive.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Dataflow;
using Akka;
using Akka.Streams.Dsl;
using Pipelines.Benchmarks.Data;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Workloads;

/// <summary>Result of T: the count of one key in one 1-second window.</summary>
public readonly record struct TOut(int Key, long WindowStartTicks, long Count) : IResult<TOut>
{
    public ulong Hash() => Hashing.Combine((ulong)Key, (ulong)WindowStartTicks, (ulong)Count);

    public int CompareTo(TOut other)
    {
        int c = WindowStartTicks.CompareTo(other.WindowStartTicks);
        if (c != 0) return c;
        c = Key.CompareTo(other.Key);
        return c != 0 ? c : Count.CompareTo(other.Count);
    }

    public override string ToString() => $"key {Key} @ {new DateTimeOffset(WindowStartTicks, TimeSpan.Zero):O}: {Count}";
}

/// <summary>
/// The state of T for the peers without windows (Rx, Dataflow, Channels, Akka): one open window and a per-key
/// dictionary. The input is in time order (a monotonic watermark), so a window closes when the first event of the
/// next one arrives; out-of-order input is an error here.
/// </summary>
internal sealed class TumblingCounter
{
    public static readonly long Size = TimeSpan.TicksPerSecond;

    private readonly Dictionary<int, long> _counts = new(SyntheticData.Keys);
    private long _start = long.MinValue;
    private long _end = long.MinValue;

    /// <summary>Adds an event; returns the results of the window it closed, or an empty array.</summary>
    public TOut[] Add(in SynthEvent e)
    {
        long t = e.Timestamp.UtcTicks;
        TOut[] closed = [];
        if (t >= _end)
        {
            closed = Flush();
            _start = t - (t % Size);
            _end = _start + Size;
        }
        else if (t < _start)
        {
            throw new InvalidOperationException($"TumblingCounter needs time-ordered input; got {e.Timestamp:O} in window starting {new DateTimeOffset(_start, TimeSpan.Zero):O}.");
        }

        CollectionsMarshal.GetValueRefOrAddDefault(_counts, e.Key, out _)++;
        return closed;
    }

    /// <summary>Adds a batch; returns the results of the windows it closed, or an empty array.</summary>
    public TOut[] Add(ReadOnlySpan<SynthEvent> batch)
    {
        List<TOut>? closed = null;
        foreach (ref readonly var e in batch)
        {
            var r = Add(e);
            if (r.Length > 0) (closed ??= []).AddRange(r);
        }

        return closed is null ? [] : [.. closed];
    }

    /// <summary>Closes the open window.</summary>
    public TOut[] Flush()
    {
        if (_counts.Count == 0) return [];
        var results = new TOut[_counts.Count];
        int i = 0;
        foreach (var (key, count) in _counts) results[i++] = new TOut(key, _start, count);
        _counts.Clear();
        return results;
    }
}

/// <summary>T: per-key count over 1-second tumbling event-time windows; 10M time-ordered events, 1,000 keys.</summary>
public sealed class TumblingCount : Workload<SynthEvent, TOut>
{
    public TumblingCount()
    {
        Add(Contenders.HandLoop, static (input, output) =>
        {
            long size = TumblingCounter.Size;
            var counts = new Dictionary<int, long>(SyntheticData.Keys);
            long start = long.MinValue, end = long.MinValue;
            foreach (ref readonly var e in input.AsSpan())
            {
                long t = e.Timestamp.UtcTicks;
                if (t >= end)
                {
                    foreach (var (key, count) in counts) output.Add(new TOut(key, start, count));
                    counts.Clear();
                    start = t - (t % size);
                    end = start + size;
                }

                CollectionsMarshal.GetValueRefOrAddDefault(counts, e.Key, out _)++;
            }

            foreach (var (key, count) in counts) output.Add(new TOut(key, start, count));
        });

        Add(Contenders.Linq, static (input, output) =>
        {
            long size = TumblingCounter.Size;
            foreach (var (group, count) in input.CountBy(e => (e.Key, Start: e.Timestamp.UtcTicks - (e.Timestamp.UtcTicks % size))))
            {
                output.Add(new TOut(group.Key, group.Start, count));
            }
        });

        Add(Contenders.Rx, static (input, output) =>
        {
            bool completed = false;
            var counted = Observable.Create<TOut>(observer =>
            {
                var state = new TumblingCounter();
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

        Add(Contenders.RxGroupBy, static (input, output) =>
        {
            long size = TumblingCounter.Size;
            bool completed = false;
            var counted = FilterProject.Push(input)
                .GroupBy(e => (e.Key, Start: e.Timestamp.UtcTicks - (e.Timestamp.UtcTicks % size)))
                .SelectMany(group => group.Count().Select(count => new TOut(group.Key.Key, group.Key.Start, count)));
            using (counted.Subscribe(r => output.Add(r), ex => throw ex, () => completed = true))
            {
                if (!completed) throw new InvalidOperationException("The Rx pipeline did not complete synchronously.");
            }
        });

        Add(Contenders.Dataflow, static async (input, output) =>
        {
            var state = new TumblingCounter();
            var count = new TransformManyBlock<SynthEvent, TOut>(e => state.Add(e), Peers.ElementBlock);
            var sink = new ActionBlock<TOut>(r => output.Add(r), Peers.ElementBlock);
            count.LinkTo(sink);
            await Peers.PostAllAsync(count, input);
            await count.Completion;

            // TransformManyBlock has no end-of-input hook: the last window is flushed by hand.
            foreach (var r in state.Flush()) await sink.SendAsync(r);
            sink.Complete();
            await sink.Completion;
        });

        Add(Contenders.DataflowBatched, static async (input, output) =>
        {
            var state = new TumblingCounter();
            var count = new TransformBlock<ArraySegment<SynthEvent>, TOut[]>(segment => state.Add(segment.AsSpan()), Peers.BatchBlock);
            var sink = new ActionBlock<TOut[]>(batch => output.AddRange(batch), Peers.BatchBlock);
            count.LinkTo(sink);
            await Peers.PostAllAsync(count, Peers.Segments(input));
            await count.Completion;
            await sink.SendAsync(state.Flush());
            sink.Complete();
            await sink.Completion;
        });

        Add(Contenders.Channels, static async (input, output) =>
        {
            var events = Peers.ElementChannel<SynthEvent>();
            var results = Peers.ElementChannel<TOut>();
            var source = Task.Run(() => Peers.WriteAllAsync(events.Writer, input));
            var count = Task.Run(async () =>
            {
                var state = new TumblingCounter();
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

        Add(Contenders.ChannelsBatched, static async (input, output) =>
        {
            var events = Peers.BatchChannel<ArraySegment<SynthEvent>>();
            var results = Peers.BatchChannel<TOut[]>();
            var source = Task.Run(() => Peers.WriteAllAsync(events.Writer, Peers.Segments(input)));
            var count = Task.Run(async () =>
            {
                var state = new TumblingCounter();
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

        Add(Contenders.AkkaStreams, static async (input, output) =>
        {
            // GroupBy over (window, key) substreams does not scale to 10M events; a per-window dictionary does.
            // StatefulSelectMany has no end-of-stream hook, so the last open window is flushed after completion.
            TumblingCounter? state = null;
            await Source.From(input)
                .StatefulSelectMany<SynthEvent, TOut, NotUsed>(() =>
                {
                    var s = state = new TumblingCounter();
                    return e => s.Add(e);
                })
                .RunForeach(r => output.Add(r), AkkaHost.Materializer);
            foreach (var r in state!.Flush()) output.Add(r);
        });

        AddPipelines(static (p, input, output) =>
            p.From(input)
                .WithEventTime(e => e.Timestamp, Watermarks.Monotonic())
                .KeyBy(e => e.Key)
                .Window(Windows.Tumbling(TimeSpan.FromSeconds(1)))
                .Count()
                .To(new MappingCollectorSink<WindowResult<int, long>, TOut>(output, r => new TOut(r.Key, r.Window.Start.UtcTicks, r.Value))));
    }

    public override string Name => "T";

    public override string Description => "per-key count over 1 s tumbling event-time windows; 10M time-ordered synthetic events, 1,000 keys, 100 s of event time";

    protected override SynthEvent[] Generate(int events) => SyntheticData.Generate(events);

    protected override bool RepeatsAlike => true;

    protected override long TimeOf(in SynthEvent item) => item.Timestamp.UtcTicks;

    protected override SynthEvent Shift(SynthEvent item, long ticks) => item with { Timestamp = item.Timestamp.AddTicks(ticks) };
}
