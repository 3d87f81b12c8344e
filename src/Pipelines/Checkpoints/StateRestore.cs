using Microsoft.Extensions.Logging;
using Pipelines.Checkpoints.Storage;
using Pipelines.Execution;
using Pipelines.Operators;
using Pipelines.Plan;

namespace Pipelines.Checkpoints;

/// <summary>
/// A streaming run's side of checkpoints that store state: the newest complete checkpoint loaded from
/// <see cref="StreamingOptions.CheckpointStorage"/> (if any) and checked against the plan, each stateful worker
/// switched to snapshots and restored, each source switched to recording positions and resumed.
/// </summary>
internal sealed class StateRestore
{
    private readonly Pipeline _pipeline;
    private readonly StreamingOptions _options;
    private readonly LoadedCheckpoint? _loaded;

    private readonly HashSet<string> _dropped;
    private readonly IReadOnlyDictionary<string, IPartitionedStateSource> _partitionedStages;
    private readonly PartitionStateStore? _partitions;

    /// <summary>The ids of the stages (sinks included) downstream of a keyed stage whose state moves with an exchange's partitions.</summary>
    private readonly HashSet<string> _afterMovingState;

    /// <summary>The sinks (by stage id) whose results carry the partition of the moving state that produced them, with that state's exchange source.</summary>
    private readonly IReadOnlyDictionary<string, IPartitionedStateSource> _carryingPartitions;

    private StateRestore(Pipeline pipeline, StreamingOptions options, CheckpointStore store, LoadedCheckpoint? loaded, long firstCheckpoint, IReadOnlyList<StatefulOperator> stateful, HashSet<string> dropped, CancellationToken runToken,
        IReadOnlyDictionary<string, IPartitionedStateSource> partitionedStages, PartitionStateStore? partitions, IReadOnlyDictionary<IPartitionedStateSource, int> partitionedSources, HashSet<string> afterMovingState,
        IReadOnlyDictionary<string, IPartitionedStateSource>? carryingPartitions = null)
    {
        _carryingPartitions = carryingPartitions ?? new Dictionary<string, IPartitionedStateSource>();
        _partitionedStages = partitionedStages;
        _partitions = partitions;
        _afterMovingState = afterMovingState;
        _pipeline = pipeline;
        _options = options;
        _loaded = loaded;
        _dropped = dropped;
        Store = store;
        FirstCheckpoint = firstCheckpoint;
        StatefulOperators = stateful;
        Writer = new StateCheckpointWriter(store, runToken) { Partitions = partitions is null ? null : (partitions, partitionedSources) };
    }

    public CheckpointStore Store { get; }

    public StateCheckpointWriter Writer { get; }

    /// <summary>The id of the run's first checkpoint: after every one stored.</summary>
    public long FirstCheckpoint { get; }

    /// <summary>Every keyed stateful stage of the plan.</summary>
    public IReadOnlyList<StatefulOperator> StatefulOperators { get; }

    /// <summary>The restore of a run, or null when it has no checkpoint storage.</summary>
    public static async Task<StateRestore?> LoadAsync(StreamingOptions options, Pipeline pipeline, PhysicalPlan plan, ILogger logger, CancellationToken cancellationToken)
    {
        if (options.CheckpointStorage is not { } storage) return null;
        var stateful = plan.Stages.Where(s => !s.IsSink).Select(s => new StatefulOperator(s.Id.Value, s.Parallelism, ((Node)s.Node).Kind, s.Name)).ToList();
        var (partitionedStages, partitionedSources) = FindPartitioned(plan);
        if (partitionedStages.Count > 0)
        {
            // The instances share the storage: each keeps its own checkpoints apart (they are never restored: positions
            // come from the exchange's consumer group, state per partition from the shared partition snapshots).
            if (options.RestoreFrom is not null)
            {
                throw new InvalidOperationException($"Pipeline '{pipeline.Name}' keeps its keyed state per partition of an exchange (several instances share {storage}): StreamingOptions.RestoreFrom does not apply to it; each partition's state is restored by whichever instance reads the partition.");
            }

            var own = storage.Child($"instances/{Guid.NewGuid():N}") ?? throw new InvalidOperationException(
                $"Pipeline '{pipeline.Name}' keeps its keyed state per partition of an exchange, which needs a storage the instances share and that can nest (CheckpointStorage.Child); {storage} cannot. Use CheckpointStorage.Directory on a shared directory.");
            var partitions = new PartitionStateStore(storage, logger);
            return new StateRestore(pipeline, options, new CheckpointStore(own, pipeline.Name, logger), null, 1, stateful, [], cancellationToken, partitionedStages, partitions, partitionedSources,
                Downstream(plan, partitionedStages.Keys), CarryingPartitions(plan, partitionedStages));
        }

        var store = new CheckpointStore(storage, pipeline.Name, logger);
        var loaded = await store.LoadLatestAsync(cancellationToken).ConfigureAwait(false);
        CheckpointStorage source = storage;
        long latest = await store.LatestIdAsync(cancellationToken).ConfigureAwait(false);
        if (options.RestoreFrom is { } location)
        {
            var (seedStorage, seedId) = Storage.DirectoryCheckpointStorage.Parse(location)
                ?? throw new InvalidOperationException($"StreamingOptions.RestoreFrom '{location}' does not name a checkpoint: give the folder of one (chk-<id>), as Savepoint.Location reports it.");
            if (loaded is null || loaded.Manifest.CheckpointId < seedId)
            {
                loaded = await new CheckpointStore(seedStorage, pipeline.Name, logger).LoadAsync(seedId, cancellationToken).ConfigureAwait(false);
                source = seedStorage;
            }
            else
            {
                CheckpointLog.RestoreFromSuperseded(logger, pipeline.Name, location, loaded.Manifest.CheckpointId, storage.ToString());
            }

            latest = Math.Max(latest, seedId);
        }

        HashSet<string> dropped = loaded is null ? [] : Check(loaded.Manifest, plan, options, source, logger);
        return new StateRestore(pipeline, options, store, loaded, latest + 1, stateful, dropped, cancellationToken, partitionedStages, null, partitionedSources, []);
    }

    /// <summary>
    /// The keyed stages fed only by one exchange's source whose partitions carry state (by stage id), and those
    /// sources with their plan index; also a stage with several edges from it (a join of two streams split from the
    /// exchange), which gets each hand-over once, aligned across its inputs (<see cref="Execution.StageInstance.OnHandover"/>).
    /// A stage with another input (a join with a stream from elsewhere) keeps its state the usual way.
    /// </summary>
    private static (Dictionary<string, IPartitionedStateSource> Stages, Dictionary<IPartitionedStateSource, int> Sources) FindPartitioned(PhysicalPlan plan)
    {
        var stages = new Dictionary<string, IPartitionedStateSource>(StringComparer.Ordinal);
        var sources = new Dictionary<IPartitionedStateSource, int>(ReferenceEqualityComparer.Instance);
        foreach (var inputs in plan.Edges.Where(e => !e.To.IsSink).GroupBy(e => e.To))
        {
            var from = inputs.Select(e => e.Partitioning == EdgePartitioning.Hash && e.From is SourceVertex { Node.SourceObject: IPartitionedStateSource source } vertex ? (source, vertex.SourceIndex) : default).Distinct().ToList();
            if (from is not [(IPartitionedStateSource only, int index)]) continue;
            stages[inputs.Key.Id.Value] = only;
            sources[only] = index;
        }

        return (stages, sources);
    }

    /// <summary>
    /// The sinks whose input comes from a keyed stage with partitioned state through operators that carry each
    /// element's origin (the stage stamps its results with their partition; <see cref="OriginPaths"/>), with the
    /// exchange's source, by sink stage id.
    /// </summary>
    private static Dictionary<string, IPartitionedStateSource> CarryingPartitions(PhysicalPlan plan, Dictionary<string, IPartitionedStateSource> partitionedStages)
    {
        var carrying = new Dictionary<string, IPartitionedStateSource>(StringComparer.Ordinal);
        foreach (var sink in plan.Stages.Where(s => s.IsSink))
        {
            var node = ((Node)sink.Node).Upstream.Single();
            while (node is ICarriesOrigins) node = node.Upstream.Single();
            var stage = plan.Stages.FirstOrDefault(s => ReferenceEquals(s.Node, node));
            if (stage is not null && partitionedStages.TryGetValue(stage.Id.Value, out var source)) carrying[sink.Id.Value] = source;
        }

        return carrying;
    }

    /// <summary>Every stage reached from the stages <paramref name="stageIds"/> (not those themselves), by id.</summary>
    private static HashSet<string> Downstream(PhysicalPlan plan, IEnumerable<string> stageIds)
    {
        var ids = stageIds.ToHashSet(StringComparer.Ordinal);
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<Vertex>(plan.Stages.Where(s => ids.Contains(s.Id.Value)));
        while (pending.TryPop(out var vertex))
        {
            foreach (var edge in vertex.Outputs)
            {
                if (reached.Add(edge.To.Id.Value)) pending.Push(edge.To);
            }
        }

        return reached;
    }

    /// <summary>
    /// A checkpoint of another shape than the pipeline's is refused, naming what does not match, unless
    /// <see cref="StreamingOptions.AllowNonRestoredState"/> says to drop what has nowhere to go; returns the ids
    /// of the operators whose state is dropped.
    /// </summary>
    private static HashSet<string> Check(CheckpointManifest manifest, PhysicalPlan plan, StreamingOptions options, CheckpointStorage storage, ILogger logger)
    {
        string Refuse(string why) => $"Pipeline cannot restore checkpoint {manifest.CheckpointId} from {storage}: {why} Restore into the pipeline that wrote it, give changed operators their old ids (Uid), or start with an empty storage.";
        if (manifest.MaxParallelism != options.MaxParallelism)
        {
            throw new InvalidOperationException(Refuse($"it was written with MaxParallelism {manifest.MaxParallelism}, and the options now say {options.MaxParallelism}; key groups cannot change for the life of the state."));
        }

        var dropped = new HashSet<string>(StringComparer.Ordinal);
        void Drop(string id, string what, string why)
        {
            if (!options.AllowNonRestoredState) throw new InvalidOperationException(Refuse($"{why} Set StreamingOptions.AllowNonRestoredState to drop that state and start the operator empty."));
            dropped.Add(id);
            CheckpointLog.StateNotRestored(logger, plan.Pipeline.Name, manifest.CheckpointId, what, why);
        }

        var stages = plan.Stages.Where(s => !s.IsSink).ToDictionary(s => s.Id.Value, StringComparer.Ordinal);
        foreach (var op in manifest.Operators)
        {
            if (op.Parts.Count == 0) continue;
            string written = op.Name is null ? $"'{op.Id}'" : $"'{op.Id}' ({op.Kind} '{op.Name}' when it was written)";
            if (!stages.TryGetValue(op.Id, out var stage))
            {
                Drop(op.Id, $"operator {written}", $"it holds state of operator {written}, which matches no operator of the pipeline.");
            }
            else if (op.Kind is { } kind && kind != ((Node)stage.Node).Kind)
            {
                Drop(op.Id, $"operator {written}", $"it holds state of operator {written}, and operator '{stage.Name}' with that id is a {((Node)stage.Node).Kind}.");
            }
        }

        var sources = plan.Sources.ToDictionary(s => s.Id.Value, StringComparer.Ordinal);
        foreach (var source in manifest.Sources)
        {
            if (!sources.TryGetValue(source.Id, out var vertex))
            {
                Drop(source.Id, $"source '{source.Id}'", $"it holds the position of source '{source.Id}', which matches no source of the pipeline.");
                continue;
            }

            if (source.Position is null && !source.NotOpened)
            {
                throw new InvalidOperationException(Refuse($"source '{vertex.Name}' has no position in it (a source without one cannot resume, so its input would be read twice into the restored state)."));
            }
        }

        return dropped;
    }

    /// <summary>
    /// A run whose keyed state moves with an exchange's partitions keeps its own checkpoints apart from the other
    /// instances' (<c>instances/&lt;id&gt;</c>), and never restores them: they are deleted when the run ends. Best effort:
    /// what cannot be deleted is logged and left.
    /// </summary>
    public async Task DeleteOwnCheckpointsAsync()
    {
        if (_partitions is null) return;
        try
        {
            foreach (long id in await Store.Storage.ListCheckpointsAsync(CancellationToken.None).ConfigureAwait(false))
            {
                await Store.Storage.DeleteCheckpointAsync(id, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            CheckpointLog.PruneFailed(_partitions.Logger, ex, _pipeline.Name, 0, Store.Storage.ToString());
        }
    }

    /// <summary>The checkpoint the run resumes from, or null.</summary>
    public long? RestoredCheckpoint => _loaded?.Manifest.CheckpointId;

    /// <summary>
    /// Switches a stateful worker to snapshots at barriers and restores its key groups; a sink's writer commits after
    /// each stored checkpoint (registered with <paramref name="committing"/>) and recovers first.
    /// </summary>
    public async ValueTask StageAsync(StageVertex stage, int worker, StageOperator op, Action<ICommittingSink> committing, CancellationToken cancellationToken)
    {
        if (op is IStateOutsideCheckpoints outside)
        {
            throw new InvalidOperationException(
                $"Operator '{stage.Name}' keeps {outside.StateDescription}, which checkpoints cannot write yet: a run restored from " +
                "StreamingOptions.CheckpointStorage would start it over. Run this pipeline without a CheckpointStorage, or leave the operator out of pipelines that store checkpoints.");
        }

        if (op is ICommittingSink sink)
        {
            var context = new SinkCheckpointContext(RestoredCheckpoint, _options.CheckpointInterval, _options.TolerableCheckpointFailures, _afterMovingState.Contains(stage.Id.Value),
                _carryingPartitions.GetValueOrDefault(stage.Id.Value));
            await sink.RecoverAsync(context, cancellationToken).ConfigureAwait(false);
            committing(sink);
        }

        if (op is not ICheckpointedStage stateful) return;
        string id = stage.Id.Value;
        var partitioned = _partitions is not null && _partitionedStages.TryGetValue(id, out var exchange) ? new PartitionedStateBinding(exchange, _partitions) : null;
        stateful.EnableCheckpoints(_pipeline.StateSerializers, id, _options.MaxParallelism, worker, stage.Parallelism, Writer.For(id), partitioned);
        if (!_dropped.Contains(id) && _loaded?.Manifest.Operators.FirstOrDefault(o => o.Id == id) is { } saved)
        {
            stateful.Restore([.. saved.Parts.Select(p => (ReadOnlyMemory<byte>)_loaded.Parts[p.Name])]);
        }
    }

    /// <summary>Makes a source record its position at barriers, and resumes it where the checkpoint left it.</summary>
    public void Source(SourceVertex source, SourceRunner runner)
    {
        runner.StorePositions(_pipeline.StateSerializers.JsonOptions, restored: _partitions is null);
        if (_partitions is not null && source.Node.SourceObject is IPartitionedStateSource exchange && _partitionedStages.Values.Contains(exchange))
        {
            runner.KeepsPartitionedState = true;
            runner.PartitionStore = _partitions;
        }
        if (_loaded?.Manifest.Sources.FirstOrDefault(s => s.Id == source.Id.Value) is { Position: { } position }) runner.ResumeAt(position);
    }
}
