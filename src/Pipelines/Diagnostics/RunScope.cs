using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Pipelines.Diagnostics;

/// <summary>
/// The observable life of one run: an activity (<c>pipeline.run</c>) from start to end, start/stop/failure
/// logs, and the run's registration with the observable instruments.
/// </summary>
internal sealed class RunScope : IDisposable
{
    private readonly ILogger _logger;
    private readonly Activity? _activity;

    public RunScope(Pipeline pipeline, string executor, TimeProvider timeProvider, ILogger logger)
    {
        _logger = logger;
        Telemetry = new RunTelemetry(pipeline.Name, executor, timeProvider);
        _activity = Diagnostics.Telemetry.ActivitySource.StartActivity("pipeline.run", ActivityKind.Internal);
        _activity?.SetTag("pipeline", pipeline.Name);
        _activity?.SetTag("executor", executor);
        Diagnostics.Telemetry.Register(Telemetry);
        Log.RunStarted(logger, pipeline.Name, executor);
    }

    public RunTelemetry Telemetry { get; }

    public void Completed(RunSummary summary)
    {
        _activity?.SetTag("elements.read", summary.ElementsRead);
        _activity?.SetTag("results.written", summary.ResultsWritten);
        _activity?.SetTag("elements.late_dropped", summary.LateElementsDropped);
        _activity?.SetStatus(ActivityStatusCode.Ok);
        Log.RunCompleted(_logger, Telemetry.Pipeline, Telemetry.Executor, (long)summary.Elapsed.TotalMilliseconds, summary.ElementsRead,
            summary.ResultsWritten, summary.LateElementsDropped, summary.ElementsSkipped, summary.ElementsDeadLettered);
    }

    public void Failed(Exception exception)
    {
        if (exception is OperationCanceledException)
        {
            _activity?.SetTag("cancelled", true);
            Log.RunCancelled(_logger, Telemetry.Pipeline, Telemetry.Executor);
            return;
        }

        _activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        _activity?.AddException(exception);
        Log.RunFailed(_logger, exception, Telemetry.Pipeline, Telemetry.Executor);
    }

    public void Dispose()
    {
        Diagnostics.Telemetry.Unregister(Telemetry);
        _activity?.Dispose();
    }
}
