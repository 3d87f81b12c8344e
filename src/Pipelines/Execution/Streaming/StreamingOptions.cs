namespace Pipelines;

/// <summary>Settings of the <see cref="StreamingExecutor"/>. Results never depend on them; latency, throughput and memory do.</summary>
public sealed class StreamingOptions
{
    /// <summary>
    /// Workers per keyed stage (windows, joins, process functions); keys are spread over them by hash, and each worker
    /// runs on a thread of its own (a stage with one worker runs on its producer's thread while it keeps up). The
    /// source's thread reads, hashes and routes every element, so on a machine with few cores a stage whose work per
    /// element is small (a count or a sum per key) can run faster with one worker than with two; measure your
    /// pipeline. Default: the processor count.
    /// </summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Messages (batches or control signals) each worker's input channel holds before producers wait. Default 16.</summary>
    public int ChannelCapacity { get; init; } = 16;

    /// <summary>Most elements per batch. Default 1024.</summary>
    public int MaxBatchSize { get; init; } = 1024;

    /// <summary>
    /// A sink fed by a single task (a source, or a stage with one worker, through no key exchange) runs inside that
    /// task, as Flink chains operators: its batches are method calls instead of channel messages, which saves a
    /// thread hand-off per batch (on a busy or small machine, most of a stateless pipeline's cost). The task then
    /// waits for the sink's asynchronous writes before it reads on, and that wait counts as its backpressured time.
    /// Set false to give every sink a task and a channel of its own (<see cref="ChannelCapacity"/> batches), so
    /// reading goes on while a slow sink writes. Results are the same either way. Default true.
    /// </summary>
    public bool ChainSinks { get; init; } = true;

    /// <summary>
    /// How long a source may hold a partial batch hoping for more elements when none is available right now.
    /// Default zero: a partial batch goes downstream as soon as the source would wait.
    /// </summary>
    public TimeSpan Linger { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Most time between watermark emissions while a source is busy (it also emits whenever it would wait).
    /// Default 1 ms.
    /// </summary>
    public TimeSpan WatermarkInterval { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// After this long without elements a source is idle: it stops holding back the watermark of the stages it
    /// feeds until it sends again. <see cref="Timeout.InfiniteTimeSpan"/> disables it. Default 5 seconds.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a run whose sources commit during the run (<see cref="SourceReader{T, TPosition}.CommitsDuringRun"/>, for
    /// example Kafka) takes a checkpoint: a barrier flows behind the elements read so far, and the sources commit
    /// their position once every result derived from those elements has reached the sinks. A windowed stage lets
    /// the barrier pass once the windows open when it arrived have fired and been dropped, so a checkpoint
    /// completes about one window length (plus allowed lateness) after it starts. At most one checkpoint is in
    /// flight. <see cref="Timeout.InfiniteTimeSpan"/> disables checkpoints: sources then commit only when the run
    /// ends or drains. Default 5 seconds.
    /// </summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Where checkpoints store the run's state, so a restarted run resumes from the last completed checkpoint; null
    /// (the default): checkpoints only commit source positions, and state is rebuilt by reading again. With a
    /// storage, every <see cref="CheckpointInterval"/> each stateful worker copies its state (keys, windows, join
    /// buffers, process-function state, timers, watermark) at the barrier and lets the barrier pass at once; the
    /// copies are written asynchronously, then a manifest with every source's position. <c>Start</c>/<c>RunAsync</c>
    /// restore from the newest complete checkpoint there: state, timers, watermarks and source positions (sources
    /// must have positions: <see cref="Source{T, TPosition}"/>). Give each pipeline its own storage.
    /// </summary>
    public CheckpointStorage? CheckpointStorage { get; init; }

    /// <summary>
    /// With a <see cref="CheckpointStorage"/>: the number of key groups keyed state is split into, the most workers a
    /// keyed stage can have when restoring. Fixed for the life of the state. Default 128.
    /// </summary>
    public int MaxParallelism { get; init; } = State.Snapshots.KeyGroups.DefaultMaxParallelism;

    /// <summary>
    /// With a <see cref="CheckpointStorage"/>: a checkpoint or savepoint to start from, by its location
    /// (<see cref="Savepoint.Location"/>: the <c>chk-…</c> folder of a <see cref="Pipelines.CheckpointStorage.Directory"/>
    /// storage, this pipeline's or another's). It is restored unless <see cref="CheckpointStorage"/> holds a newer
    /// completed checkpoint (a restart after a crash resumes where the run was, not from the savepoint again); new
    /// checkpoints go to <see cref="CheckpointStorage"/>, numbered after both. A missing or damaged checkpoint there
    /// fails the start (there is no earlier one to fall back to). Null (the default): the newest completed checkpoint
    /// of <see cref="CheckpointStorage"/>.
    /// </summary>
    public string? RestoreFrom { get; init; }

    /// <summary>
    /// Restore from a checkpoint even when some of its state has no operator to go to (Flink's
    /// <c>allowNonRestoredState</c>): an operator id that matches no operator of the pipeline, an id now used by an
    /// operator of another kind (a window where a join was), or a source the pipeline no longer has. That state is
    /// dropped, with a warning naming it. False (the default): such a checkpoint is refused, naming the operator.
    /// State of the right operator but another type (a key or accumulator type changed) is always refused.
    /// </summary>
    public bool AllowNonRestoredState { get; init; }

    /// <summary>
    /// How many checkpoints in a row may fail to be written to the <see cref="CheckpointStorage"/> (Flink's
    /// <c>tolerableCheckpointFailureNumber</c>) before the run fails. A tolerated failure is logged as a warning and
    /// the checkpoint is aborted: nothing is committed for it, sources do not commit its positions, and two-phase
    /// sinks keep what they pre-committed for it, which the next completed checkpoint commits
    /// (<see cref="SinkWriter{T}.AbortCheckpointAsync"/>). A completed checkpoint resets the count. A savepoint that
    /// fails always fails its stop. Default 0: the first failed write fails the run, which a restart then resumes
    /// from the last completed checkpoint.
    /// </summary>
    public int TolerableCheckpointFailures { get; init; }

    /// <summary>
    /// With a <see cref="CheckpointStorage"/>: the most messages a stage worker holds from an input that has passed a
    /// checkpoint barrier while it waits for its other inputs to pass it too (barrier alignment). When an input holds
    /// this many, the worker stops taking its messages, so its producer waits (backpressure) instead of the worker
    /// buffering without limit; the inputs still behind the barrier are read as before. A worker then holds at most
    /// this many messages per input plus what its channel holds (<see cref="ChannelCapacity"/>). Default 0: an input
    /// is stopped as soon as it passes the barrier (Flink's aligned checkpoints).
    /// </summary>
    public int MaxAlignmentBuffer { get; init; }

    /// <summary>The clock for linger, watermark intervals, idleness and early triggers (default <see cref="TimeProvider.System"/>).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where start, stop, failure and (rate-limited) late-drop messages go; none when null.</summary>
    public Microsoft.Extensions.Logging.ILogger? Logger { get; init; }

    internal void Validate()
    {
        if (Parallelism <= 0) throw new ArgumentOutOfRangeException(nameof(Parallelism), Parallelism, "Parallelism must be positive.");
        if (ChannelCapacity <= 0) throw new ArgumentOutOfRangeException(nameof(ChannelCapacity), ChannelCapacity, "ChannelCapacity must be positive.");
        if (MaxBatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, "MaxBatchSize must be positive.");
        if (Linger < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Linger), Linger, "Linger must be zero or positive.");
        if (WatermarkInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(WatermarkInterval), WatermarkInterval, "WatermarkInterval must be positive.");
        if (IdleTimeout <= TimeSpan.Zero && IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(IdleTimeout), IdleTimeout, "IdleTimeout must be positive, or Timeout.InfiniteTimeSpan to disable idleness.");
        }

        if (CheckpointInterval <= TimeSpan.Zero && CheckpointInterval != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(CheckpointInterval), CheckpointInterval, "CheckpointInterval must be positive, or Timeout.InfiniteTimeSpan to commit only when the run ends.");
        }

        if (TolerableCheckpointFailures < 0) throw new ArgumentOutOfRangeException(nameof(TolerableCheckpointFailures), TolerableCheckpointFailures, "TolerableCheckpointFailures must be zero or positive.");
        if (MaxAlignmentBuffer < 0) throw new ArgumentOutOfRangeException(nameof(MaxAlignmentBuffer), MaxAlignmentBuffer, "MaxAlignmentBuffer must be zero or positive.");
        if (RestoreFrom is not null && CheckpointStorage is null)
        {
            throw new ArgumentException("RestoreFrom needs a CheckpointStorage: the restored run writes its own checkpoints there.", nameof(RestoreFrom));
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (CheckpointStorage is not null)
        {
            if (MaxParallelism < 1 || MaxParallelism > State.Snapshots.KeyGroups.MaxMaxParallelism)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxParallelism), MaxParallelism, $"MaxParallelism must be between 1 and {State.Snapshots.KeyGroups.MaxMaxParallelism}.");
            }

            if (Parallelism > MaxParallelism) throw new ArgumentOutOfRangeException(nameof(Parallelism), Parallelism, $"With a CheckpointStorage, Parallelism cannot exceed MaxParallelism ({MaxParallelism}).");
        }
    }
}
