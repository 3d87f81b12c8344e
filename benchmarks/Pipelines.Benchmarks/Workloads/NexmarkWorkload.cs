using Pipelines.Benchmarks.Data;
using Pipelines.Benchmarks.Infrastructure;

namespace Pipelines.Benchmarks.Workloads;

/// <summary>A workload over the NEXMark generator's events (rather than the synthetic ones).</summary>
public interface INexmarkWorkload : IWorkload;

/// <summary>A NEXMark query over the generator's events (in arrival order, 10% delayed by up to 3 s).</summary>
/// <typeparam name="TOut">The result type.</typeparam>
public abstract class NexmarkWorkload<TOut> : Workload<NexmarkEvent, TOut>, INexmarkWorkload
    where TOut : struct, IResult<TOut>
{
    /// <summary>The generator settings.</summary>
    protected static NexmarkConfig Config => NexmarkConfig.Default;

    /// <summary>The watermark strategy of the streaming contenders: out-of-orderness bounded by the largest delay.</summary>
    protected static WatermarkStrategy Watermark => Watermarks.BoundedOutOfOrderness(Config.MaxDelay);

    /// <summary>Start of the window of <paramref name="size"/> ticks that holds <paramref name="time"/> (aligned to the Unix epoch).</summary>
    protected static long WindowStart(DateTimeOffset time, long size)
    {
        long t = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long r = t % size;
        if (r < 0) r += size;
        return time.UtcTicks - r;
    }

    /// <summary>The events as a timestamped Pipelines stream.</summary>
    protected static DataStream<NexmarkEvent> Events(PipelineBuilder p, Source<NexmarkEvent> input) =>
        p.From(input).WithEventTime((in e) => e.Time, Watermark);

    /// <summary>The bids as a timestamped Pipelines stream.</summary>
    protected static DataStream<Bid> Bids(PipelineBuilder p, Source<NexmarkEvent> input) =>
        Events(p, input).Where((in e) => e.Kind == EventKind.Bid).Select((in e) => e.Bid);

    protected override NexmarkEvent[] Generate(int events) => NexmarkGenerator.Generate(events, Config);

    protected override long TimeOf(in NexmarkEvent item) => item.Time.UtcTicks;

    protected override NexmarkEvent Shift(NexmarkEvent item, long ticks) => item.Kind switch
    {
        EventKind.Bid => item with { Time = item.Time.AddTicks(ticks), Bid = item.Bid with { DateTime = item.Bid.DateTime.AddTicks(ticks) } },
        EventKind.Person => item with { Time = item.Time.AddTicks(ticks), Person = item.Person! with { DateTime = item.Person.DateTime.AddTicks(ticks) } },
        _ => item with
        {
            Time = item.Time.AddTicks(ticks),
            Auction = item.Auction! with { DateTime = item.Auction.DateTime.AddTicks(ticks), Expires = item.Auction.Expires.AddTicks(ticks) },
        },
    };
}
