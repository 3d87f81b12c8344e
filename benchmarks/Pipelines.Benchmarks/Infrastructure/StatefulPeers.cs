using System.Reactive.Linq;
using System.Threading.Tasks.Dataflow;
using Akka;
using Akka.Streams.Dsl;

namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>
/// A stateful streaming operator for the peers that have no event-time windows of their own (Rx, Dataflow,
/// Channels, Akka.Streams): it takes elements in arrival order and returns the results they complete.
/// </summary>
/// <typeparam name="TIn">The element type.</typeparam>
/// <typeparam name="TOut">The result type.</typeparam>
internal interface IPeerOperator<TIn, TOut>
{
    /// <summary>Takes an element; returns the results it completed (usually none: an empty array).</summary>
    TOut[] Add(in TIn element);

    /// <summary>End of input: returns every remaining result.</summary>
    TOut[] Flush();
}

/// <summary>
/// The Rx, Dataflow, Channels and Akka.Streams contenders of a stateful workload, written once around an
/// <see cref="IPeerOperator{TIn,TOut}"/> with the same shapes as the stateless ones: source → operator → sink.
/// </summary>
internal static class StatefulPeers
{
    public static void Register<TIn, TOut>(Action<string, Func<TIn[], Collector<TOut>, Task>> add, Func<IPeerOperator<TIn, TOut>> create)
        where TOut : struct, IResult<TOut>
    {
        add(Contenders.Rx, (input, output) =>
        {
            bool completed = false;
            var results = Observable.Create<TOut>(observer =>
            {
                var op = create();
                return StatelessPeers.Push(input).Subscribe(
                    e =>
                    {
                        foreach (var r in op.Add(e)) observer.OnNext(r);
                    },
                    observer.OnError,
                    () =>
                    {
                        foreach (var r in op.Flush()) observer.OnNext(r);
                        observer.OnCompleted();
                    });
            });
            using (results.Subscribe(r => output.Add(r), ex => throw ex, () => completed = true))
            {
                if (!completed) throw new InvalidOperationException("The Rx pipeline did not complete synchronously.");
            }

            return Task.CompletedTask;
        });

        add(Contenders.Dataflow, async (input, output) =>
        {
            var op = create();
            var stage = new TransformManyBlock<TIn, TOut>(e => op.Add(e), Peers.ElementBlock);
            var sink = new ActionBlock<TOut>(r => output.Add(r), Peers.ElementBlock);
            stage.LinkTo(sink);
            await Peers.PostAllAsync(stage, input);
            await stage.Completion;

            // TransformManyBlock has no end-of-input hook: the remaining results are flushed by hand.
            foreach (var r in op.Flush()) await sink.SendAsync(r);
            sink.Complete();
            await sink.Completion;
        });

        add(Contenders.DataflowBatched, async (input, output) =>
        {
            var op = create();
            var stage = new TransformBlock<ArraySegment<TIn>, TOut[]>(segment => AddBatch(op, segment), Peers.BatchBlock);
            var sink = new ActionBlock<TOut[]>(batch => output.AddRange(batch), Peers.BatchBlock);
            stage.LinkTo(sink);
            await Peers.PostAllAsync(stage, Peers.Segments(input));
            await stage.Completion;
            await sink.SendAsync(op.Flush());
            sink.Complete();
            await sink.Completion;
        });

        add(Contenders.Channels, async (input, output) =>
        {
            var events = Peers.ElementChannel<TIn>();
            var results = Peers.ElementChannel<TOut>();
            var source = Task.Run(() => Peers.WriteAllAsync(events.Writer, input));
            var stage = Task.Run(async () =>
            {
                var op = create();
                var reader = events.Reader;
                var writer = results.Writer;
                while (await reader.WaitToReadAsync())
                {
                    while (reader.TryRead(out var e))
                    {
                        foreach (var r in op.Add(e)) await Peers.WriteAsync(writer, r);
                    }
                }

                foreach (var r in op.Flush()) await Peers.WriteAsync(writer, r);
                writer.Complete();
            });
            var sink = Task.Run(() => Peers.DrainAsync(results.Reader, output));
            await Task.WhenAll(source, stage, sink);
        });

        add(Contenders.ChannelsBatched, async (input, output) =>
        {
            var events = Peers.BatchChannel<ArraySegment<TIn>>();
            var results = Peers.BatchChannel<TOut[]>();
            var source = Task.Run(() => Peers.WriteAllAsync(events.Writer, Peers.Segments(input)));
            var stage = Task.Run(async () =>
            {
                var op = create();
                var reader = events.Reader;
                var writer = results.Writer;
                while (await reader.WaitToReadAsync())
                {
                    while (reader.TryRead(out var segment))
                    {
                        var closed = AddBatch(op, segment);
                        if (closed.Length > 0) await Peers.WriteAsync(writer, closed);
                    }
                }

                await Peers.WriteAsync(writer, op.Flush());
                writer.Complete();
            });
            var sink = Task.Run(() => Peers.DrainAsync(results.Reader, output));
            await Task.WhenAll(source, stage, sink);
        });

        add(Contenders.AkkaStreams, async (input, output) =>
        {
            // StatefulSelectMany has no end-of-stream hook, so the remaining results are flushed after completion.
            IPeerOperator<TIn, TOut>? state = null;
            await Source.From(input)
                .StatefulSelectMany<TIn, TOut, NotUsed>(() =>
                {
                    var op = state = create();
                    return e => op.Add(e);
                })
                .RunForeach(r => output.Add(r), AkkaHost.Materializer);
            foreach (var r in state!.Flush()) output.Add(r);
        });
    }

    private static TOut[] AddBatch<TIn, TOut>(IPeerOperator<TIn, TOut> op, ArraySegment<TIn> segment)
    {
        List<TOut>? closed = null;
        foreach (var e in segment.AsSpan())
        {
            var r = op.Add(e);
            if (r.Length > 0) (closed ??= []).AddRange(r);
        }

        return closed is null ? [] : [.. closed];
    }
}
