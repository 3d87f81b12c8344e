using Microsoft.Extensions.Logging;

namespace Pipelines.Checkpoints;

/// <summary>Log messages of checkpoint storage and restore (source-generated).</summary>
internal static partial class CheckpointLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline}: checkpoint {Checkpoint} in {Storage} is skipped because {Reason}; restoring from an earlier one")]
    public static partial void CheckpointSkipped(ILogger logger, string pipeline, long checkpoint, string storage, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Pipeline {Pipeline} restores checkpoint {Checkpoint} from {Storage}")]
    public static partial void Restoring(ILogger logger, string pipeline, long checkpoint, string storage);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Pipeline {Pipeline} could not delete old checkpoint {Checkpoint} from {Storage}; the next completed checkpoint tries again")]
    public static partial void PruneFailed(ILogger logger, Exception exception, string pipeline, long checkpoint, string storage);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline} drops the state of {What} from checkpoint {Checkpoint} (AllowNonRestoredState): {Reason}")]
    public static partial void StateNotRestored(ILogger logger, string pipeline, long checkpoint, string what, string reason);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information,
        Message = "Pipeline {Pipeline} restores its newer checkpoint {Checkpoint} from {Storage} instead of RestoreFrom {Location}")]
    public static partial void RestoreFromSuperseded(ILogger logger, string pipeline, string location, long checkpoint, string storage);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline}: checkpoint {Checkpoint} could not be written to {Storage} and is aborted ({Failures} in a row, {Tolerable} tolerated); the next checkpoint commits what it covered")]
    public static partial void CheckpointAborted(ILogger logger, Exception exception, string pipeline, long checkpoint, string storage, int failures, int tolerable);

    [LoggerMessage(EventId = 107, Level = LogLevel.Error,
        Message = "Pipeline {Pipeline}: sink {Sink} could not commit checkpoint {Checkpoint}, which is stored; a run restored from it commits what the sink staged for it")]
    public static partial void SinkCommitFailed(ILogger logger, Exception exception, string pipeline, long checkpoint, string sink);

    [LoggerMessage(EventId = 108, Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline} stored checkpoint {Checkpoint} in {Storage} but could not look for old checkpoints to delete; the next completed checkpoint tries again")]
    public static partial void PruneListingFailed(ILogger logger, Exception exception, string pipeline, long checkpoint, string storage);

    [LoggerMessage(EventId = 109, Level = LogLevel.Information,
        Message = "Pipeline {Pipeline}: every source has finished; the final checkpoint follows checkpoint {InFlight}, still in flight, and the sinks complete once it is stored")]
    public static partial void FinalCheckpointWaits(ILogger logger, string pipeline, long inFlight);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information,
        Message = "Operator {Operator} restored the state of partition {Partition} at offset {Offset} ({Bytes} bytes, {Milliseconds:0.#} ms)")]
    public static partial void PartitionRestored(ILogger logger, string @operator, int partition, long offset, int bytes, double milliseconds);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning,
        Message = "Operator {Operator} found no state for partition {Partition} at offset {Offset} in {Storage}: the partition starts empty. Its state was written elsewhere (another storage), or deleted")]
    public static partial void PartitionStateMissing(ILogger logger, string @operator, int partition, long offset, string storage);

    [LoggerMessage(EventId = 112, Level = LogLevel.Information,
        Message = "Operator {Operator} handed partitions {Partitions} over: their state is dropped without being emitted; their next owner restores it")]
    public static partial void PartitionsDropped(ILogger logger, string @operator, string partitions);
}
