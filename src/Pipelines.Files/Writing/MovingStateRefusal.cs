namespace Pipelines.Files.Writing;

/// <summary>
/// The file sinks are exactly-once whenever the run stores checkpoints, and their files follow that run's checkpoints:
/// they refuse to start downstream of keyed state that moves between instances with repartition partitions
/// (<see cref="SinkCheckpointContext.AfterMovingState"/>).
/// </summary>
internal static class MovingStateRefusal
{
    /// <summary>Throws when <paramref name="context"/> says the sink's input comes from moving state.</summary>
    /// <param name="context">The run's checkpoint facts.</param>
    /// <param name="sinkName">The sink, for the message.</param>
    public static void ThrowIfAfterMovingState(SinkCheckpointContext context, string sinkName)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.AfterMovingState) return;
        throw new InvalidOperationException(
            $"File sink '{sinkName}' is exactly-once in a run that stores checkpoints, but its input comes from keyed state that moves between instances with the partitions of a repartition topic. " +
            "Its files become visible with one run's checkpoints, which a moved partition does not share: a run's recovery deletes the hidden files of checkpoints it does not restore (another instance's included), " +
            "and after a rebalance or a crash the partition's next owner would write again results the previous owner already published. " +
            "Write these results at-least-once to a sink that upserts by (key, window) (PostgresSinks.Upsert without an ExactlyOnceId, or a KafkaSink into a compacted topic keyed by them), " +
            "or key the input topic by the aggregation key, set PartitionedByKey = true on the Kafka source and drop the Repartition.");
    }
}
