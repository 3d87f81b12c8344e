using Microsoft.Extensions.Logging;

namespace Pipelines.Hosting;

/// <summary>The hosting layer's log messages (category <c>Pipelines.Hosting</c>); the run's own messages come from the core under <c>Pipelines</c>.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Pipeline {Pipeline} could not be started")]
    public static partial void StartFailed(ILogger logger, Exception exception, string pipeline);

    [LoggerMessage(EventId = 102, Level = LogLevel.Critical, Message = "Pipeline {Pipeline} failed ({Error}); stopping the application with exit code {ExitCode}")]
    public static partial void FailedStoppingHost(ILogger logger, string pipeline, string error, int exitCode);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Pipeline {Pipeline} failed ({Error}); the application keeps running because StopHostOnFailure is off")]
    public static partial void FailedHostKeepsRunning(ILogger logger, string pipeline, string error);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Pipeline {Pipeline} ended: all its sources completed")]
    public static partial void Completed(ILogger logger, string pipeline);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Pipeline {Pipeline} is draining: flushing open windows to the sinks before the host stops")]
    public static partial void Draining(ILogger logger, string pipeline);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Pipeline {Pipeline} did not drain in time; stopping it without draining (open windows are discarded)")]
    public static partial void DrainTimedOut(ILogger logger, string pipeline);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Pipeline {Pipeline} did not stop within {WaitMs} ms of being cancelled; the host goes on stopping without it")]
    public static partial void AbortTimedOut(ILogger logger, string pipeline, long waitMs);

    [LoggerMessage(EventId = 108, Level = LogLevel.Error, Message = "A StateChanged handler of pipeline {Pipeline} threw on the change from {Previous} to {Current}; the pipeline goes on, and so do the other handlers")]
    public static partial void StateHandlerFailed(ILogger logger, Exception exception, string pipeline, PipelineState previous, PipelineState current);
}
