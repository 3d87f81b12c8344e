namespace Pipelines.Kafka;

/// <summary>
/// A repartition topic's reader as an exactly-once sink after the keyed state that moves with its partitions sees
/// it: the offsets of the checkpoint the sink pre-commits (which the sink's transaction carries to the repartition
/// group, so results and positions commit together), and the reader's own state stored before that.
/// </summary>
internal interface IRepartitionOffsets : IConsumerOffsets
{
    /// <summary>Stores what the reader keeps besides the offsets (the origins already taken) at checkpoint <paramref name="checkpointId"/>, being pre-committed.</summary>
    Task StoreMarksAsync(long checkpointId, CancellationToken cancellationToken);
}

/// <summary>A repartition topic's source, from which an exactly-once sink links to the run's reader.</summary>
internal interface IRepartitionSource
{
    /// <summary>The topic's name, for errors.</summary>
    string TopicName { get; }

    /// <summary>The reader open in this run, linked to the sink <paramref name="sinkName"/>; throws when none or several are open.</summary>
    IRepartitionOffsets OffsetsForTransactions(string sinkName);
}
