using System.Diagnostics;
using Pipelines.Checkpoints;
using Pipelines.Checkpoints.Storage;
using Pipelines.Exchanges;
using Pipelines.State.Snapshots;

namespace Pipelines.Operators;

/// <summary>
/// Keyed state split by the partitions of an exchange (<see cref="IPartitionedStateSource"/>) that moves between
/// instances with them: a key's group is its partition; at each barrier the worker writes one snapshot per partition
/// it owns (stored under the offset the source commits with the checkpoint); a <see cref="PartitionHandover"/> from
/// the source, in order with the elements, restores the partitions assigned (from the snapshot stored with the offset
/// reading resumes from) and drops, without emitting anything, the partitions lost, whose next owner restores them.
/// When the input ends (a drain: the exchange's source never ends by itself) the partitions still owned are
/// snapshotted and then dropped, before the final watermark fires their windows, so that no window is emitted with
/// part of its elements: the snapshots taken then go into every checkpoint that completes afterwards, the drained
/// run's final checkpoint included, which stores them under the offsets where the source stopped — the next owner
/// restores exactly what this worker held and reads on from there.
/// </summary>
/// <remarks>
/// A restore is loaded from the storage asynchronously (<see cref="DrainAsync"/>, which the streaming executor awaits
/// before the next message) and applied before anything else reaches the operator; the element path pays one null
/// check per batch.
/// </remarks>
internal abstract partial class KeyedStage<TKey>
{
    private PartitionedStateBinding? _partitioned;
    private Func<TKey, int>? _partitionOf;
    private StateSchema<TKey>? _partitionSchema;
    private readonly SortedSet<int> _owned = [];
    private Task<List<(int Partition, long Offset, byte[]? Snapshot, double Milliseconds)>>? _restoring;

    /// <summary>The snapshots of the partitions owned when the input ended (before they were dropped), or null before.</summary>
    private IReadOnlyDictionary<int, byte[]>? _atEnd;

    /// <summary>True when the state is split by an exchange's partitions.</summary>
    private bool Partitioned => _partitioned is not null;

    /// <summary>The partitions this worker owns now (for tests and diagnostics).</summary>
    public IReadOnlyCollection<int> OwnedPartitions => _owned;

    private void PartitionBy(PartitionedStateBinding binding)
    {
        _partitionOf = binding.Source.PartitionerFor<TKey>() ?? throw new InvalidOperationException(
            $"Operator '{Context.OperatorName}' keys by {typeof(TKey).Name}, which is not the key of the exchange before it ({binding.Source.GetType().Name}): its state cannot move with the exchange's partitions. Key the stage by the exchange's key.");
        _partitioned = binding;
    }

    /// <summary>The schema of the per-partition snapshots: the source's partition count as key groups, its partitioner as key-group function.</summary>
    private StateSchema<TKey> PartitionSchema()
    {
        if (_partitionSchema is { } schema) return schema;
        var baseSchema = _schema ?? throw new InvalidOperationException("Checkpoints are not enabled.");
        return _partitionSchema = baseSchema.WithPartitions(_partitioned!.Source.PartitionCount, _partitionOf!);
    }

    /// <summary>
    /// True when the state is split by an exchange's partitions: every result is stamped with the partition whose
    /// state produced it (<see cref="ElementOrigin.Partition"/>), so that a sink can tell which results a moved
    /// partition's next owner emits again.
    /// </summary>
    protected bool StampsResults => _partitioned is not null;

    /// <summary>Results emitted from now on come from <paramref name="partition"/>'s state (-1: unknown, a key that could not be computed).</summary>
    protected void StampPartition(int partition)
    {
        var origin = partition < 0 ? ElementOrigin.None : new ElementOrigin(partition, -1);
        foreach (var output in _outputs) output.StampFrom(origin);
    }

    /// <summary>The partition of <paramref name="key"/> (with <see cref="StampsResults"/>).</summary>
    protected int PartitionOfKey(TKey key) => _partitionOf!(key);

    /// <summary>The partition of an element's key, or -1 when its key cannot be computed (the operator applies its error policy to the element).</summary>
    protected int PartitionOfElement<T>(Func<T, TKey> keySelector, T value)
    {
        try
        {
            return PartitionOfKey(Keys.NotNull(keySelector(value)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return -1;
        }
    }

    private bool IsMine(int partition) => KeyGroups.WorkerOf(partition, PartitionSchema().MaxParallelism, _parallelism) == _worker;

    public sealed override bool AlignsHandoversOf(object source) => _partitioned is { } binding && ReferenceEquals(binding.Source, source);

    public sealed override void OnHandover(PartitionHandover handover)
    {
        if (_partitioned is not { } binding || !ReferenceEquals(handover.Source, binding.Source)) return;
        FinishRestore();
        var revoked = handover.Revoked.Where(_owned.Contains).ToList();
        if (revoked.Count > 0)
        {
            DropPartitions(revoked);

            // The results of these partitions since the last checkpoint are what their next owner emits again: a sink
            // holding them for its next commit (SinkWriter.PartitionsRevoked) drops them, in order with the results.
            var lost = new PartitionHandover(binding.Source, [], revoked);
            foreach (var output in _outputs) output.Handover(lost);
        }

        var assigned = handover.Assigned.Where(a => IsMine(a.Partition)).ToList();
        if (assigned.Count == 0) return;
        foreach (var (partition, _) in assigned) _owned.Add(partition);
        var toLoad = assigned.Where(a => a.Offset is not null).Select(a => (a.Partition, Offset: a.Offset!.Value)).ToList();
        if (toLoad.Count > 0) _restoring = LoadAsync(binding.Store, toLoad);
    }

    private async Task<List<(int Partition, long Offset, byte[]? Snapshot, double Milliseconds)>> LoadAsync(PartitionStateStore store, List<(int Partition, long Offset)> partitions)
    {
        var loaded = new List<(int, long, byte[]?, double)>(partitions.Count);
        foreach (var (partition, offset) in partitions)
        {
            long started = Stopwatch.GetTimestamp();
            byte[]? snapshot = await store.ReadAsync(_schema!.OperatorId, partition, offset, CancellationToken.None).ConfigureAwait(false);
            loaded.Add((partition, offset, snapshot, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        }

        return loaded;
    }

    /// <summary>Waits for the partitions being loaded and restores them (asynchronously, between two messages).</summary>
    public override async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        if (_restoring is { } restoring)
        {
            await restoring.WaitAsync(cancellationToken).ConfigureAwait(false);
            FinishRestore();
        }
    }

    /// <summary>Restores the partitions being loaded, waiting for them if need be; before anything else reaches the operator.</summary>
    private void FinishRestore()
    {
        if (_restoring is not { } restoring) return;
        _restoring = null;
        var loaded = restoring.GetAwaiter().GetResult();
        var schema = PartitionSchema();
        var store = _partitioned!.Store;
        foreach (var (partition, offset, snapshot, milliseconds) in loaded)
        {
            if (snapshot is null)
            {
                CheckpointLog.PartitionStateMissing(store.Logger, schema.OperatorId, partition, offset, store.ToString());
                continue;
            }

            long started = Stopwatch.GetTimestamp();
            KeyedStateSnapshot.RestoreInto(State, Timers, schema, [snapshot], group => group == partition);
            double total = milliseconds + Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var tags = new TagList { { "operator", schema.OperatorId }, { "partition", partition } };
            Diagnostics.Telemetry.PartitionRestoreDuration.Record(total, tags);
            Diagnostics.Telemetry.PartitionRestoreBytes.Record(snapshot.Length, tags);
            CheckpointLog.PartitionRestored(store.Logger, schema.OperatorId, partition, offset, snapshot.Length, total);
        }
    }

    /// <summary>Drops every key of <paramref name="partitions"/> with its state and timers, emitting nothing.</summary>
    private void DropPartitions(IReadOnlyCollection<int> partitions)
    {
        var hasher = PartitionSchema().CreateHasher();
        var dropped = new HashSet<int>();
        foreach (var (id, key) in State.Keys.Entries())
        {
            if (partitions.Contains(hasher.KeyGroupOf(key))) dropped.Add(id);
        }

        if (dropped.Count > 0)
        {
            Timers.RemoveKeys(dropped.Contains);
            foreach (var table in State.Tables)
            {
                var entries = table.Entries().Select(e => (Id: State.Keys.IndexOf(e.Key), e.Namespace)).Where(e => dropped.Contains(e.Id)).ToList();
                foreach (var (id, ns) in entries) table.Remove(id, ns);
            }
        }

        foreach (int partition in partitions) _owned.Remove(partition);
        CheckpointLog.PartitionsDropped(_partitioned!.Store.Logger, _schema!.OperatorId, string.Join(", ", partitions));
    }

    /// <summary>
    /// Hands one snapshot per partition owned (and per partition that holds keys) to the checkpoint; after the end of
    /// input, the snapshots taken then (the state is dropped, and nothing arrives any more).
    /// </summary>
    private void SnapshotPartitions(long checkpoint)
    {
        FinishRestore();
        _receiver!.OnPartitionSnapshots(checkpoint, _worker, _partitioned!.Source, _atEnd ?? WritePartitionSnapshots(out _));
    }

    /// <summary>One snapshot per partition owned and per partition that holds keys, with the watermark before the end of input; <paramref name="groups"/> lists them.</summary>
    private IReadOnlyDictionary<int, byte[]> WritePartitionSnapshots(out SortedSet<int> groups)
    {
        var schema = PartitionSchema();
        var hasher = schema.CreateHasher();
        groups = new SortedSet<int>(_owned);
        foreach (var (_, key) in State.Keys.Entries()) groups.Add(hasher.KeyGroupOf(key));
        long watermark = Watermark == Time.EventTime.MaxWatermark ? _watermarkBeforeEnd : Watermark;
        return KeyedStateSnapshot.WritePerGroup(State, Timers, watermark, schema, _worker, _parallelism, groups);
    }

    /// <summary>
    /// The input ended (a drain): the partitions still owned are snapshotted as they are — for the checkpoints that
    /// complete from now on, the final one included, so their next owner restores them exactly — and dropped instead
    /// of firing with part of their elements. A revocation in a rebalance is not snapshotted: the next owner restores
    /// the last checkpoint's snapshot and reads again from its offset.
    /// </summary>
    private void DropOwnedAtEnd()
    {
        FinishRestore();
        if (_atEnd is not null) return; // +∞ came before: what was owned then is snapshotted and dropped
        _atEnd = WritePartitionSnapshots(out var groups);
        if (groups.Count > 0) DropPartitions(groups);
    }
}
