using Microsoft.Extensions.Logging;

namespace Pipelines.Diagnostics;

/// <summary>The library's log messages (source-generated, no allocation when the level is off).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Pipeline {Pipeline} started on the {Executor} executor")]
    public static partial void RunStarted(ILogger logger, string pipeline, string executor);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "Pipeline {Pipeline} finished on the {Executor} executor in {ElapsedMs} ms: {ElementsRead} read, {ResultsWritten} written, {LateDropped} late dropped, {Skipped} skipped, {DeadLettered} dead-lettered")]
    public static partial void RunCompleted(ILogger logger, string pipeline, string executor, long elapsedMs, long elementsRead, long resultsWritten, long lateDropped, long skipped, long deadLettered);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Pipeline {Pipeline} failed on the {Executor} executor")]
    public static partial void RunFailed(ILogger logger, Exception exception, string pipeline, string executor);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Pipeline {Pipeline} was cancelled on the {Executor} executor")]
    public static partial void RunCancelled(ILogger logger, string pipeline, string executor);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
        Message = "Operator {Operator} of pipeline {Pipeline} dropped {Count} element(s) later than the allowed lateness (latest event time {EventTime}); connect LateElements() to keep them")]
    public static partial void LateDropped(ILogger logger, string pipeline, string @operator, long count, string eventTime);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Pipeline {Pipeline} completed checkpoint {Checkpoint}: {Sources} source position(s) committed {ElapsedMs} ms after it started")]
    public static partial void CheckpointCompleted(ILogger logger, string pipeline, long checkpoint, int sources, long elapsedMs);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline} could not commit checkpoint {Checkpoint} of source {Source}; the next checkpoint tries again, and elements since the last commit may be read again after a restart")]
    public static partial void CheckpointCommitFailed(ILogger logger, Exception exception, string pipeline, long checkpoint, string source);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline}: keyed operator {Operator} reads source {Source}, whose input is split among the pipeline's instances by something other than this operator's key. With several instances, each computes partial results for the same key unless the input is already partitioned by it: repartition by the key first (Repartition in Pipelines.Kafka), or run one instance")]
    public static partial void KeyedAfterSplitInput(ILogger logger, string pipeline, string @operator, string source);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline}: keyed operator {Operator} reads exchanges {Sources}, whose partitions are assigned to the pipeline's instances independently of each other. With several instances, a key's elements from one input and from the other can reach different instances, and the operator misses what it should have joined or grouped together: send both inputs through one exchange (one Repartition for both: Repartition(leftKey, right, rightKey) in Pipelines.Kafka), or run one instance")]
    public static partial void KeyedAcrossExchanges(ILogger logger, string pipeline, string @operator, string sources);
}
