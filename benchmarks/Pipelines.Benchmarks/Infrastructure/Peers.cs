using System.Threading.Channels;
using System.Threading.Tasks.Dataflow;
using Akka.Actor;
using Akka.Streams;

namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>Shared settings and plumbing of the peer contenders, so every workload uses them the same way.</summary>
internal static class Peers
{
    /// <summary>Elements per message for the batched Dataflow and Channels contenders (as Pipelines' default batch).</summary>
    public const int BatchSize = 1024;

    /// <summary>Capacity, in elements, of the per-element Dataflow blocks and channels.</summary>
    public const int ElementCapacity = 1024;

    /// <summary>Capacity, in messages, of the batched Dataflow blocks and channels (as Pipelines' default channel capacity).</summary>
    public const int BatchCapacity = 16;

    public static ExecutionDataflowBlockOptions ElementBlock => new() { BoundedCapacity = ElementCapacity, SingleProducerConstrained = true };

    public static ExecutionDataflowBlockOptions BatchBlock => new() { BoundedCapacity = BatchCapacity, SingleProducerConstrained = true };

    public static DataflowLinkOptions Propagate { get; } = new() { PropagateCompletion = true };

    public static Channel<T> ElementChannel<T>() => Channel.CreateBounded<T>(new BoundedChannelOptions(ElementCapacity)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    public static Channel<T> BatchChannel<T>() => Channel.CreateBounded<T>(new BoundedChannelOptions(BatchCapacity)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>Splits the input into segments of <see cref="BatchSize"/> (no copy).</summary>
    public static IEnumerable<ArraySegment<T>> Segments<T>(T[] input)
    {
        for (int i = 0; i < input.Length; i += BatchSize)
        {
            yield return new ArraySegment<T>(input, i, Math.Min(BatchSize, input.Length - i));
        }
    }

    /// <summary>Offers every element to a block: Post while it has room, else await SendAsync. Then completes it.</summary>
    public static async Task PostAllAsync<T>(ITargetBlock<T> target, IEnumerable<T> items)
    {
        foreach (var item in items)
        {
            if (!target.Post(item) && !await target.SendAsync(item).ConfigureAwait(false))
            {
                throw new InvalidOperationException("A Dataflow block declined an element.");
            }
        }

        target.Complete();
    }

    /// <summary>Writes every element: TryWrite while there is room, else await WriteAsync. Then completes the channel.</summary>
    public static async Task WriteAllAsync<T>(ChannelWriter<T> writer, IEnumerable<T> items)
    {
        try
        {
            foreach (var item in items)
            {
                if (!writer.TryWrite(item)) await writer.WriteAsync(item).ConfigureAwait(false);
            }

            writer.Complete();
        }
        catch (Exception ex)
        {
            writer.TryComplete(ex);
            throw;
        }
    }

    /// <summary>Writes one element: TryWrite, else await WriteAsync.</summary>
    public static ValueTask WriteAsync<T>(ChannelWriter<T> writer, T item) => writer.TryWrite(item) ? default : writer.WriteAsync(item);

    /// <summary>Reads a channel to its end into a collector.</summary>
    public static async Task DrainAsync<T>(ChannelReader<T> reader, Collector<T> collector)
        where T : struct, IResult<T>
    {
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item)) collector.Add(item);
        }
    }

    /// <summary>Reads a channel of result arrays to its end into a collector.</summary>
    public static async Task DrainAsync<T>(ChannelReader<T[]> reader, Collector<T> collector)
        where T : struct, IResult<T>
    {
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var items)) collector.AddRange(items);
        }
    }
}

/// <summary>One Akka actor system per process, shared by all Akka.Streams runs.</summary>
internal static class AkkaHost
{
    private static readonly Lazy<(ActorSystem System, IMaterializer Materializer)> Instance = new(() =>
    {
        var system = ActorSystem.Create("benchmarks", "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING\nakka.log-dead-letters = off");
        return (system, system.Materializer());
    });

    public static IMaterializer Materializer => Instance.Value.Materializer;

    public static void Shutdown()
    {
        if (Instance.IsValueCreated) Instance.Value.System.Terminate().Wait(TimeSpan.FromSeconds(10));
    }
}
