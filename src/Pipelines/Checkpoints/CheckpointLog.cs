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
}
