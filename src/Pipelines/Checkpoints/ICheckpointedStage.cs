using Pipelines.Checkpoints.Serialization;

namespace Pipelines.Checkpoints;

/// <summary>A stage worker whose state checkpoints store and restore (every keyed stateful operator).</summary>
internal interface ICheckpointedStage
{
    /// <summary>
    /// Turns on snapshots at barriers, sent to <paramref name="receiver"/>. Checks that every state type can be
    /// serialized, failing with an error that names the operator and the type.
    /// </summary>
    /// <remarks>
    /// <c>partitioned</c> is set when the stage reads an exchange whose partitions carry its state between instances:
    /// snapshots and restores then go per partition.
    /// </remarks>
    void EnableCheckpoints(StateSerializerRegistry serializers, string operatorId, int maxParallelism, int worker, int parallelism, ISnapshotReceiver receiver, Storage.PartitionedStateBinding? partitioned = null);

    /// <summary>Restores the key groups this worker owns from the snapshots of every worker of the checkpoint.</summary>
    void Restore(IReadOnlyList<ReadOnlyMemory<byte>> snapshots);
}

/// <summary>Takes the snapshots stage workers copy at a barrier, to write them asynchronously.</summary>
internal interface ISnapshotReceiver
{
    /// <summary>
    /// The final checkpoint of a drained run: a worker snapshots its state for it once every input has ended, after
    /// what it emits at the end and before its end goes downstream. 0 when there is none (yet).
    /// </summary>
    long FinalCheckpoint { get; }

    /// <summary>Worker <paramref name="worker"/> snapshotted its state for checkpoint <paramref name="checkpoint"/>.</summary>
    void OnSnapshot(long checkpoint, int worker, byte[] snapshot);

    /// <summary>
    /// Worker <paramref name="worker"/> of a stage whose state is split by an exchange's partitions snapshotted each
    /// partition it owns for <paramref name="checkpoint"/>: stored under the offset the source commits with it.
    /// </summary>
    void OnPartitionSnapshots(long checkpoint, int worker, IPartitionedStateSource source, IReadOnlyDictionary<int, byte[]> snapshots) =>
        throw new NotSupportedException("This receiver does not take snapshots per partition.");
}
