using Pipelines.Checkpoints.Storage;

namespace Pipelines.Checkpoints;

/// <summary>
/// Takes the snapshots stateful workers copy at a barrier and writes each as a part of its checkpoint on the
/// thread pool, so a worker stops only for the copy. The coordinator collects the written parts when the
/// checkpoint is otherwise complete.
/// </summary>
internal sealed class StateCheckpointWriter(CheckpointStore store, CancellationToken runToken)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, List<(string Operator, Task<CheckpointPart> Write)>> _writes = [];
    private readonly Dictionary<long, List<(string Operator, IPartitionedStateSource Source, int Partition, byte[] Snapshot)>> _partitionSnapshots = [];

    /// <summary>Where the state split by exchanges' partitions goes, and the plan's index of each such source (for its position); null when the run has none.</summary>
    public (PartitionStateStore Store, IReadOnlyDictionary<IPartitionedStateSource, int> Sources)? Partitions { get; init; }
    private long _final;

    /// <summary>The final checkpoint of a drained run, set when it is requested (before any source ends); 0 before.</summary>
    public long FinalCheckpoint
    {
        get => Volatile.Read(ref _final);
        set => Volatile.Write(ref _final, value);
    }

    /// <summary>The receiver of one operator's workers.</summary>
    public ISnapshotReceiver For(string operatorId) => new Receiver(this, operatorId);

    private void Add(long checkpoint, string operatorId, int worker, byte[] snapshot)
    {
        string name = PartNames.OperatorState(operatorId, worker);
        var write = Task.Run(async () => await store.WritePartAsync(checkpoint, name, snapshot, runToken).ConfigureAwait(false));
        lock (_lock)
        {
            if (!_writes.TryGetValue(checkpoint, out var list)) _writes[checkpoint] = list = [];
            list.Add((operatorId, write));
        }
    }

    private void AddPartitions(long checkpoint, string operatorId, IPartitionedStateSource source, IReadOnlyDictionary<int, byte[]> snapshots)
    {
        lock (_lock)
        {
            if (!_partitionSnapshots.TryGetValue(checkpoint, out var list)) _partitionSnapshots[checkpoint] = list = [];
            foreach (var (partition, snapshot) in snapshots) list.Add((operatorId, source, partition, snapshot));
        }
    }

    /// <summary>
    /// Stores the per-partition snapshots of <paramref name="checkpoint"/>, each under the offset its source's position
    /// at that checkpoint gives the partition (<paramref name="positionOf"/>: the position by source index), before the
    /// checkpoint completes and the source commits that position. A partition missing from the position (no longer
    /// owned by the reader when it took it) is not stored.
    /// </summary>
    public async Task StorePartitionsAsync(long checkpoint, Func<int, object?> positionOf)
    {
        List<(string Operator, IPartitionedStateSource Source, int Partition, byte[] Snapshot)> snapshots;
        lock (_lock)
        {
            snapshots = _partitionSnapshots.Remove(checkpoint, out var list) ? list : [];
            foreach (long older in _partitionSnapshots.Keys.Where(k => k < checkpoint).ToList()) _partitionSnapshots.Remove(older);
        }

        if (snapshots.Count == 0 || Partitions is not { } partitions) return;
        var writes = new List<Task>();
        foreach (var (op, source, partition, snapshot) in snapshots)
        {
            if (!partitions.Sources.TryGetValue(source, out int index) || positionOf(index) is not { } position) continue;
            if (!source.TryGetPartitionOffset(position, partition, out long offset)) continue;
            writes.Add(Task.Run(() => partitions.Store.WriteAsync(op, source, partition, offset, checkpoint, snapshot, runToken)));
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for the parts of <paramref name="checkpoint"/> to be written and returns them per operator (every
    /// operator of <paramref name="operators"/>; one whose workers had all ended before the barrier has no part).
    /// </summary>
    public async Task<List<OperatorCheckpoint>> CompleteAsync(long checkpoint, IReadOnlyList<StatefulOperator> operators)
    {
        List<(string Operator, Task<CheckpointPart> Write)> writes;
        lock (_lock)
        {
            writes = _writes.Remove(checkpoint, out var list) ? list : [];
            foreach (long older in _writes.Keys.Where(k => k < checkpoint).ToList()) _writes.Remove(older);
        }

        await Task.WhenAll(writes.Select(w => w.Write)).ConfigureAwait(false);
        return [.. operators.Select(op => new OperatorCheckpoint(op.Id, op.Parallelism, [.. writes.Where(w => w.Operator == op.Id).Select(w => w.Write.Result).OrderBy(p => p.Name, StringComparer.Ordinal)], op.Kind, op.Name))];
    }

    private sealed class Receiver(StateCheckpointWriter writer, string operatorId) : ISnapshotReceiver
    {
        public long FinalCheckpoint => writer.FinalCheckpoint;

        public void OnSnapshot(long checkpoint, int worker, byte[] snapshot) => writer.Add(checkpoint, operatorId, worker, snapshot);

        public void OnPartitionSnapshots(long checkpoint, int worker, IPartitionedStateSource source, IReadOnlyDictionary<int, byte[]> snapshots) =>
            writer.AddPartitions(checkpoint, operatorId, source, snapshots);
    }
}
