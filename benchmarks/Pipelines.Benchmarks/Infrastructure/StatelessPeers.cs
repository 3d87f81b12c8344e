using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Threading.Tasks.Dataflow;
using Akka.Streams.Dsl;

namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>
/// The LINQ, Rx, Dataflow, Channels and Akka.Streams contenders of a stateless filter-and-map workload, written
/// once with the same shapes as workload F: source → filter/map stage → sink, bounded, per element or batched.
/// </summary>
internal static class StatelessPeers
{
    public static void Register<TIn, TOut>(Action<string, Func<TIn[], Collector<TOut>, Task>> add, Func<TIn, bool> keep, Func<TIn, TOut> map)
        where TOut : struct, IResult<TOut>
    {
        add(Contenders.Linq, (input, output) =>
        {
            foreach (var r in input.Where(keep).Select(map)) output.Add(r);
            return Task.CompletedTask;
        });

        add(Contenders.Rx, (input, output) =>
        {
            bool completed = false;
            using (Push(input).Where(keep).Select(map).Subscribe(r => output.Add(r), ex => throw ex, () => completed = true))
            {
                if (!completed) throw new InvalidOperationException("The Rx pipeline did not complete synchronously.");
            }

            return Task.CompletedTask;
        });

        add(Contenders.Dataflow, async (input, output) =>
        {
            var buffer = new BufferBlock<TIn>(new DataflowBlockOptions { BoundedCapacity = Peers.ElementCapacity });
            var transform = new TransformBlock<TIn, TOut>(map, Peers.ElementBlock);
            var sink = new ActionBlock<TOut>(r => output.Add(r), Peers.ElementBlock);
            buffer.LinkTo(transform, Peers.Propagate, e => keep(e));
            buffer.LinkTo(DataflowBlock.NullTarget<TIn>(), e => !keep(e));
            transform.LinkTo(sink, Peers.Propagate);
            await Peers.PostAllAsync(buffer, input);
            await sink.Completion;
        });

        add(Contenders.DataflowBatched, async (input, output) =>
        {
            var transform = new TransformBlock<ArraySegment<TIn>, TOut[]>(segment => Batch(segment, keep, map), Peers.BatchBlock);
            var sink = new ActionBlock<TOut[]>(batch => output.AddRange(batch), Peers.BatchBlock);
            transform.LinkTo(sink, Peers.Propagate);
            await Peers.PostAllAsync(transform, Peers.Segments(input));
            await sink.Completion;
        });

        add(Contenders.Channels, async (input, output) =>
        {
            var events = Peers.ElementChannel<TIn>();
            var results = Peers.ElementChannel<TOut>();
            var source = Task.Run(() => Peers.WriteAllAsync(events.Writer, input));
            var transform = Task.Run(async () =>
            {
                var reader = events.Reader;
                var writer = results.Writer;
                while (await reader.WaitToReadAsync())
                {
                    while (reader.TryRead(out var e))
                    {
                        if (keep(e)) await Peers.WriteAsync(writer, map(e));
                    }
                }

                writer.Complete();
            });
            var sink = Task.Run(() => Peers.DrainAsync(results.Reader, output));
            await Task.WhenAll(source, transform, sink);
        });

        add(Contenders.ChannelsBatched, async (input, output) =>
        {
            var events = Peers.BatchChannel<ArraySegment<TIn>>();
            var results = Peers.BatchChannel<TOut[]>();
            var source = Task.Run(() => Peers.WriteAllAsync(events.Writer, Peers.Segments(input)));
            var transform = Task.Run(async () =>
            {
                var reader = events.Reader;
                var writer = results.Writer;
                while (await reader.WaitToReadAsync())
                {
                    while (reader.TryRead(out var segment)) await Peers.WriteAsync(writer, Batch(segment, keep, map));
                }

                writer.Complete();
            });
            var sink = Task.Run(() => Peers.DrainAsync(results.Reader, output));
            await Task.WhenAll(source, transform, sink);
        });

        add(Contenders.AkkaStreams, (input, output) =>
            Source.From(input).Where(e => keep(e)).Select(map).RunForeach(r => output.Add(r), AkkaHost.Materializer));
    }

    /// <summary>A synchronous push source: Rx operators are measured, not Rx's scheduling of an enumerable.</summary>
    public static IObservable<T> Push<T>(T[] input) => Observable.Create<T>(observer =>
    {
        foreach (var e in input) observer.OnNext(e);
        observer.OnCompleted();
        return Disposable.Empty;
    });

    private static TOut[] Batch<TIn, TOut>(ArraySegment<TIn> segment, Func<TIn, bool> keep, Func<TIn, TOut> map)
    {
        var span = segment.AsSpan();
        var buffer = new List<TOut>(span.Length);
        foreach (var e in span)
        {
            if (keep(e)) buffer.Add(map(e));
        }

        return [.. buffer];
    }
}
