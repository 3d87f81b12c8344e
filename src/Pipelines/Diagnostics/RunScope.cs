using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Pipelines.Diagnostics;

/// <summary>
/// The observable life of one run: an activity (<c>pipeline.run</c>) from start to end, start/stop/failure
/// logs, and the run's registration with the observable instruments and with <see cref="PipelineMonitor"/>.
/// </summary>
internal sealed class RunScope : IDisposable
{
    private readonly ILogger _logger;
    private readonly Activity? _activity;

    /// <param name="pipeline">The pipeline being run.</param>
    /// <param name="executor"><c>streaming</c> or <c>bounded</c>.</param>
    /// <param name="timeProvider">The run's clock.</param>
    /// <param name="logger">Where start, stop and failure are logged.</param>
    /// <param name="counters">The run's totals, read by monitor snapshots.</param>
    /// <param name="parallelism">Workers per keyed stage (streaming), for the job graph.</param>
    /// <param name="channelCapacity">Messages per worker channel (streaming), for the channels' occupancy.</param>
    /// <param name="chained">The sinks that run inside their producer's task (streaming, <see cref="StreamingOptions.ChainSinks"/>).</param>
    public RunScope(Pipeline pipeline, string executor, TimeProvider timeProvider, ILogger logger, Runtime.RunCounters counters, int parallelism = 1, int channelCapacity = 0,
        IReadOnlySet<Plan.Node>? chained = null)
    {
        _logger = logger;
        Telemetry = new RunTelemetry(pipeline.Name, executor, timeProvider);
        Monitor = new MonitoredRun(pipeline, Telemetry, counters, streaming: executor == "streaming", parallelism, channelCapacity, chained);
        PipelineMonitor.Started(Monitor);
        _activity = Diagnostics.Telemetry.ActivitySource.StartActivity("pipeline.run", ActivityKind.Internal);
        _activity?.SetTag("pipeline", pipeline.Name);
        _activity?.SetTag("executor", executor);
        Diagnostics.Telemetry.Register(Telemetry);
        Log.RunStarted(logger, pipeline.Name, executor);
    }

    public RunTelemetry Telemetry { get; }

    /// <summary>The run as <see cref="PipelineMonitor"/> lists it.</summary>
    public MonitoredRun Monitor { get; }

    /// <summary>The run was asked to stop with draining.</summary>
    public void Draining() => Monitor.Draining();

    public void Completed(RunSummary summary)
    {
        _activity?.SetTag("elements.read", summary.ElementsRead);
        _activity?.SetTag("results.written", summary.ResultsWritten);
        _activity?.SetTag("elements.late_dropped", summary.LateElementsDropped);
        _activity?.SetStatus(ActivityStatusCode.Ok);
        Log.RunCompleted(_logger, Telemetry.Pipeline, Telemetry.Executor, (long)summary.Elapsed.TotalMilliseconds, summary.ElementsRead,
            summary.ResultsWritten, summary.LateElementsDropped, summary.ElementsSkipped, summary.ElementsDeadLettered);
        Monitor.End(RunState.Completed, null);
    }

    public void Failed(Exception exception)
    {
        if (exception is OperationCanceledException)
        {
            _activity?.SetTag("cancelled", true);
            Log.RunCancelled(_logger, Telemetry.Pipeline, Telemetry.Executor);
            Monitor.End(RunState.Cancelled, null);
            return;
        }

        _activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        _activity?.AddException(exception);
        Log.RunFailed(_logger, exception, Telemetry.Pipeline, Telemetry.Executor);
        Monitor.End(RunState.Failed, exception);
    }

    public void Dispose()
    {
        Monitor.End(RunState.Cancelled, null); // no-op when the run already ended through Completed or Failed
        Diagnostics.Telemetry.Unregister(Telemetry);
        _activity?.Dispose();
    }
}
