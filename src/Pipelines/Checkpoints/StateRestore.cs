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

    private StateRestore(Pipeline pipeline, StreamingOptions options, CheckpointStore store, LoadedCheckpoint? loaded, long firstCheckpoint, IReadOnlyList<(string, int)> stateful, CancellationToken runToken)
    {
        _pipeline = pipeline;
        _options = options;
        _loaded = loaded;
        Store = store;
        FirstCheckpoint = firstCheckpoint;
        StatefulOperators = stateful;
        Writer = new StateCheckpointWriter(store, runToken);
    }

    public CheckpointStore Store { get; }

    public StateCheckpointWriter Writer { get; }

    /// <summary>The id of the run's first checkpoint: after every one stored.</summary>
    public long FirstCheckpoint { get; }

    /// <summary>Every keyed stateful stage of the plan (id, parallelism).</summary>
    public IReadOnlyList<(string Id, int Parallelism)> StatefulOperators { get; }

    /// <summary>The restore of a run, or null when it has no checkpoint storage.</summary>
    public static async Task<StateRestore?> LoadAsync(StreamingOptions options, Pipeline pipeline, PhysicalPlan plan, ILogger logger, CancellationToken cancellationToken)
    {
        if (options.CheckpointStorage is not { } storage) return null;
        var store = new CheckpointStore(storage, pipeline.Name, logger);
        var loaded = await store.LoadLatestAsync(cancellationToken).ConfigureAwait(false);
        long first = await store.LatestIdAsync(cancellationToken).ConfigureAwait(false) + 1;
        var stateful = plan.Stages.Where(s => !s.IsSink).Select(s => (s.Id.Value, s.Parallelism)).ToList();
        if (loaded is not null) Check(loaded.Manifest, plan, options, storage);
        return new StateRestore(pipeline, options, store, loaded, first, stateful, cancellationToken);
    }

    /// <summary>A checkpoint of another shape than the pipeline's is refused, naming what does not match.</summary>
    private static void Check(CheckpointManifest manifest, PhysicalPlan plan, StreamingOptions options, CheckpointStorage storage)
    {
        string Refuse(string why) => $"Pipeline cannot restore checkpoint {manifest.CheckpointId} from {storage}: {why} Restore into the pipeline that wrote it, give changed operators their old ids (Uid), or start with an empty storage.";
        if (manifest.MaxParallelism != options.MaxParallelism)
        {
            throw new InvalidOperationException(Refuse($"it was written with MaxParallelism {manifest.MaxParallelism}, and the options now say {options.MaxParallelism}; key groups cannot change for the life of the state."));
        }

        var stages = plan.Stages.Where(s => !s.IsSink).ToDictionary(s => s.Id.Value, StringComparer.Ordinal);
        foreach (var op in manifest.Operators)
        {
            if (op.Parts.Count > 0 && !stages.ContainsKey(op.Id))
            {
                throw new InvalidOperationException(Refuse($"it holds state of operator '{op.Id}', which the pipeline no longer has."));
            }
        }

        var sources = plan.Sources.ToDictionary(s => s.Id.Value, StringComparer.Ordinal);
        foreach (var source in manifest.Sources)
        {
            if (!sources.TryGetValue(source.Id, out var vertex)) throw new InvalidOperationException(Refuse($"it holds the position of source '{source.Id}', which the pipeline no longer has."));
            if (source.Position is null)
            {
                throw new InvalidOperationException(Refuse($"source '{vertex.Name}' has no position in it (a source without one cannot resume, so its input would be read twice into the restored state)."));
            }
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
            await sink.RecoverAsync(RestoredCheckpoint, cancellationToken).ConfigureAwait(false);
            committing(sink);
        }

        if (op is not ICheckpointedStage stateful) return;
        string id = stage.Id.Value;
        stateful.EnableCheckpoints(_pipeline.StateSerializers, id, _options.MaxParallelism, worker, stage.Parallelism, Writer.For(id));
        if (_loaded?.Manifest.Operators.FirstOrDefault(o => o.Id == id) is { } saved)
        {
            stateful.Restore([.. saved.Parts.Select(p => (ReadOnlyMemory<byte>)_loaded.Parts[p.Name])]);
        }
    }

    /// <summary>Makes a source record its position at barriers, and resumes it where the checkpoint left it.</summary>
    public void Source(SourceVertex source, SourceRunner runner)
    {
        runner.StorePositions(_pipeline.StateSerializers.JsonOptions);
        if (_loaded?.Manifest.Sources.FirstOrDefault(s => s.Id == source.Id.Value) is { Position: { } position }) runner.ResumeAt(position);
    }
}
