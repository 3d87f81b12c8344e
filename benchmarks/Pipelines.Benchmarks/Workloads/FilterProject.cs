using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Threading.Tasks.Dataflow;
using Akka.Streams.Dsl;
using Pipelines.Benchmarks.Data;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Workloads;

/// <summary>Result of F: the projected event.</summary>
public readonly record struct FOut(int Key, long Value) : IResult<FOut>
{
    public ulong Hash() => Hashing.Combine((ulong)Key, (ulong)Value);

    public int CompareTo(FOut other)
    {
        int c = Key.CompareTo(other.Key);
        return c != 0 ? c : Value.CompareTo(other.Value);
    }
}

/// <summary>F: keep events with an even value and project them to (Key, Value). Stateless; half the events pass.</summary>
public sealed class FilterProject : Workload<SynthEvent, FOut>
{
    public FilterProject()
    {
        Add(Contenders.HandLoop, static (input, output) =>
        {
            foreach (ref readonly var e in input.AsSpan())
            {
                if (e.Value % 2 == 0) output.Add(new FOut(e.Key, e.Value));
            }
        });

        Add(Contenders.Linq, static (input, output) =>
        {
            foreach (var r in input.Where(e => e.Value % 2 == 0).Select(e => new FOut(e.Key, e.Value))) output.Add(r);
        });

        Add(Contenders.Rx, static (input, output) =>
        {
            bool completed = false;
            using (Push(input).Where(e => e.Value % 2 == 0).Select(e => new FOut(e.Key, e.Value))
                       .Subscribe(r => output.Add(r), ex => throw ex, () => completed = true))
            {
                if (!completed) throw new InvalidOperationException("The Rx pipeline did not complete synchronously.");
            }
        });

        Add(Contenders.Dataflow, static async (input, output) =>
        {
            var buffer = new BufferBlock<SynthEvent>(new DataflowBlockOptions { BoundedCapacity = Peers.ElementCapacity });
            var project = new TransformBlock<SynthEvent, FOut>(e => new FOut(e.Key, e.Value), Peers.ElementBlock);
            var sink = new ActionBlock<FOut>(r => output.Add(r), Peers.ElementBlock);

            // Filtering in Dataflow is a link predicate; the rejected elements need a link with the opposite predicate,
            // or a full 'project' block would let them (and kept ones) fall through to NullTarget.
            buffer.LinkTo(project, Peers.Propagate, e => e.Value % 2 == 0);
            buffer.LinkTo(DataflowBlock.NullTarget<SynthEvent>(), e => e.Value % 2 != 0);
            project.LinkTo(sink, Peers.Propagate);
            await Peers.PostAllAsync(buffer, input);
            await sink.Completion;
        });

        Add(Contenders.DataflowBatched, static async (input, output) =>
        {
            var transform = new TransformBlock<ArraySegment<SynthEvent>, FOut[]>(FilterBatch, Peers.BatchBlock);
            var sink = new ActionBlock<FOut[]>(batch => output.AddRange(batch), Peers.BatchBlock);
            transform.LinkTo(sink, Peers.Propagate);
            await Peers.PostAllAsync(transform, Peers.Segments(input));
            await sink.Completion;
        });

        Add(Contenders.Channels, static async (input, output) =>
        {
            var events = Peers.ElementChannel<SynthEvent>();
            var results = Peers.ElementChannel<FOut>();
            var source = Task.Run(() => Peers.WriteAllAsync(events.Writer, input));
            var transform = Task.Run(async () =>
            {
                var reader = events.Reader;
                var writer = results.Writer;
                while (await reader.WaitToReadAsync())
                {
                    while (reader.TryRead(out var e))
                    {
                        if (e.Value % 2 == 0) await Peers.WriteAsync(writer, new FOut(e.Key, e.Value));
                    }
                }

                writer.Complete();
            });
            var sink = Task.Run(() => Peers.DrainAsync(results.Reader, output));
            await Task.WhenAll(source, transform, sink);
        });

        Add(Contenders.ChannelsBatched, static async (input, output) =>
        {
            var events = Peers.BatchChannel<ArraySegment<SynthEvent>>();
            var results = Peers.BatchChannel<FOut[]>();
            var source = Task.Run(() => Peers.WriteAllAsync(events.Writer, Peers.Segments(input)));
            var transform = Task.Run(async () =>
            {
                var reader = events.Reader;
                var writer = results.Writer;
                while (await reader.WaitToReadAsync())
                {
                    while (reader.TryRead(out var segment)) await Peers.WriteAsync(writer, FilterBatch(segment));
                }

                writer.Complete();
            });
            var sink = Task.Run(() => Peers.DrainAsync(results.Reader, output));
            await Task.WhenAll(source, transform, sink);
        });

        Add(Contenders.AkkaStreams, static (input, output) =>
            Source.From(input)
                .Where(e => e.Value % 2 == 0)
                .Select(e => new FOut(e.Key, e.Value))
                .RunForeach(r => output.Add(r), AkkaHost.Materializer));

        AddPipelines(static (p, input, output) =>
            p.From(input)
                .Where(e => e.Value % 2 == 0)
                .Select(e => new FOut(e.Key, e.Value))
                .To(new CollectorSink<FOut>(output)));
    }

    public override string Name => "F";

    public override string Description => "filter (Value % 2 == 0) and project to (Key, Value); 10M time-ordered synthetic events, 1,000 keys";

    protected override SynthEvent[] Generate(int events) => SyntheticData.Generate(events);

    /// <summary>A synchronous push source: Rx operators are measured, not Rx's scheduling of an enumerable.</summary>
    internal static IObservable<T> Push<T>(T[] input) => Observable.Create<T>(observer =>
    {
        foreach (var e in input) observer.OnNext(e);
        observer.OnCompleted();
        return Disposable.Empty;
    });

    private static FOut[] FilterBatch(ArraySegment<SynthEvent> segment)
    {
        var span = segment.AsSpan();
        int n = 0;
        foreach (ref readonly var e in span)
        {
            if (e.Value % 2 == 0) n++;
        }

        var batch = new FOut[n];
        n = 0;
        foreach (ref readonly var e in span)
        {
            if (e.Value % 2 == 0) batch[n++] = new FOut(e.Key, e.Value);
        }

        return batch;
    }
}
