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
}
