using Pipelines.Checkpoints;
using Pipelines.Checkpoints.Serialization;
using Pipelines.State.Snapshots;

namespace Pipelines.Operators;

/// <summary>
/// Checkpoints of a keyed stage: how each state table is written (declared by the operator with
/// <see cref="CheckpointStateAs"/>), the snapshot taken at a barrier (a copy of the state, timers and watermark,
/// handed to the run to write asynchronously; the barrier then passes at once), and the restore before the first
/// element.
/// </summary>
internal abstract partial class KeyedStage<TKey> : ICheckpointedStage
{
    private readonly List<(string Table, Func<StateSerializerRegistry, string, object> Codec)> _stateCodecs = [];
    private StateSchema<TKey>? _schema;
    private ISnapshotReceiver? _receiver;
    private int _worker;
    private int _parallelism = 1;

    /// <summary>Declares how checkpoints write table <paramref name="table"/>: a <c>StateCodec</c> of its value type, made from the pipeline's serializers and the operator's name (for errors).</summary>
    protected void CheckpointStateAs(string table, Func<StateSerializerRegistry, string, object> codec) => _stateCodecs.Add((table, codec));

    /// <inheritdoc />
    public void EnableCheckpoints(StateSerializerRegistry serializers, string operatorId, int maxParallelism, int worker, int parallelism, ISnapshotReceiver receiver, Checkpoints.Storage.PartitionedStateBinding? partitioned = null)
    {
        KeyGroups.Validate(maxParallelism, parallelism);
        string name = Context.OperatorName;
        Pipelines.State.KeyComparers.RefuseWithCheckpoints(State.Comparer, name);
        var codecs = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var table in State.Tables)
        {
            int declared = _stateCodecs.FindLastIndex(c => c.Table == table.Name);
            if (declared < 0)
            {
                throw new InvalidOperationException(
                    $"Operator '{name}' ({GetType().Name.Split('`')[0]}) keeps state '{table.Name}' that checkpoints cannot write yet: the operator declares no codec for it. "
                    + "Run this pipeline without StreamingOptions.CheckpointStorage (barriers then wait until the operator's state is emitted, and sources commit their positions then), "
                    + "or leave this operator out of pipelines that store checkpoints.");
            }

            codecs[table.Name] = _stateCodecs[declared].Codec(serializers, name);
        }

        _schema = new StateSchema<TKey>(operatorId, serializers.Require<TKey>(name, "key"), maxParallelism, codecs);
        (_worker, _parallelism, _receiver) = (worker, parallelism, receiver);
        if (partitioned is not null) PartitionBy(partitioned);
    }

    /// <inheritdoc />
    public void Restore(IReadOnlyList<ReadOnlyMemory<byte>> snapshots)
    {
        var schema = _schema ?? throw new InvalidOperationException("EnableCheckpoints comes before Restore.");
        long watermark = KeyedStateSnapshot.Restore(State, Timers, schema, snapshots, KeyGroups.RangeOf(_worker, schema.MaxParallelism, _parallelism));
        if (watermark > Watermark) Watermark = watermark;

        // What a final checkpoint records and what results at the end are stamped after, also when no watermark
        // beyond the restored one comes before the end.
        if (watermark != Time.EventTime.MaxWatermark && watermark > _watermarkBeforeEnd) _watermarkBeforeEnd = watermark;
    }

    /// <summary>True when the run stores checkpoints: barriers snapshot the state instead of waiting for it to be emitted.</summary>
    protected bool SnapshotsEnabled => _receiver is not null;

    /// <summary>
    /// The snapshot of this worker now (for tests and the barrier). After the end of input the watermark is +∞; the
    /// snapshot keeps the last one before it, so a run restored after a drained stop accepts new input instead of
    /// dropping it all as late.
    /// </summary>
    public byte[] Snapshot() => KeyedStateSnapshot.Write(State, Timers, Watermark == Time.EventTime.MaxWatermark ? _watermarkBeforeEnd : Watermark,
        _schema ?? throw new InvalidOperationException("Checkpoints are not enabled."), _worker, _parallelism);

    /// <summary>The last watermark below +∞ (what a final checkpoint records).</summary>
    private long _watermarkBeforeEnd = Time.EventTime.MinWatermark;

    /// <summary>The last watermark below +∞ the operator received (−∞ in a bounded run, whose watermark only moves at the end).</summary>
    protected long WatermarkBeforeEnd => _watermarkBeforeEnd;

    /// <summary>Every input ended and the operator emitted what it emits at the end: the final checkpoint of a drained run, if any, takes its snapshot now.</summary>
    private void SnapshotAtEnd()
    {
        if (_receiver is not { FinalCheckpoint: > 0 } receiver) return;
        if (Partitioned) SnapshotPartitions(receiver.FinalCheckpoint);
        else receiver.OnSnapshot(receiver.FinalCheckpoint, _worker, Snapshot());
    }

    protected sealed override bool SnapshotAtBarrier(long checkpoint)
    {
        if (_receiver is null) return false;
        if (Partitioned) SnapshotPartitions(checkpoint);
        else _receiver.OnSnapshot(checkpoint, _worker, Snapshot());
        return true;
    }
}
