namespace Pipelines.Benchmarks.Infrastructure;

/// <summary>Contender names; they are also the benchmark method names, so reports can be joined on them.</summary>
public static class Contenders
{
    public const string HandLoop = nameof(HandLoop);
    public const string Linq = nameof(Linq);
    public const string Rx = nameof(Rx);
    public const string RxGroupBy = nameof(RxGroupBy);
    public const string Dataflow = nameof(Dataflow);
    public const string DataflowBatched = nameof(DataflowBatched);
    public const string Channels = nameof(Channels);
    public const string ChannelsBatched = nameof(ChannelsBatched);
    public const string AkkaStreams = nameof(AkkaStreams);
    public const string PipelinesBounded = nameof(PipelinesBounded);
    public const string PipelinesStreamingP1 = nameof(PipelinesStreamingP1);
    public const string PipelinesStreamingP2 = nameof(PipelinesStreamingP2);

    /// <summary>Every contender, in report order.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        HandLoop, Linq, Rx, RxGroupBy, Dataflow, DataflowBatched, Channels, ChannelsBatched, AkkaStreams,
        PipelinesBounded, PipelinesStreamingP1, PipelinesStreamingP2,
    ];

    /// <summary>Short descriptions for the report.</summary>
    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        [HandLoop] = "hand-written loop over the array (the floor, and the reference output)",
        [Linq] = "LINQ-to-objects",
        [Rx] = "System.Reactive: a synchronous push loop into Rx operators (windowed workloads: a custom operator around the same per-window state as the other peers)",
        [RxGroupBy] = "System.Reactive as it is usually written for a keyed window count: GroupBy (key, window start), then Count per group (T only)",
        [Dataflow] = "TPL Dataflow, one message per element, bounded blocks (source → transform → sink)",
        [DataflowBatched] = "TPL Dataflow, one message per 1,024-element array segment",
        [Channels] = "System.Threading.Channels, one write per element, bounded (source task → transform task → sink task)",
        [ChannelsBatched] = "System.Threading.Channels, one write per 1,024-element array segment",
        [AkkaStreams] = "Akka.Streams (fused graph; windowed workloads: StatefulSelectMany around the per-window state)",
        [PipelinesBounded] = "Pipelines BoundedExecutor (batch job on the calling task)",
        [PipelinesStreamingP1] = "Pipelines StreamingExecutor, Parallelism = 1",
        [PipelinesStreamingP2] = "Pipelines StreamingExecutor, Parallelism = 2",
    };
}
