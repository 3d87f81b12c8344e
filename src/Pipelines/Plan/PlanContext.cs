using Pipelines.Runtime;

namespace Pipelines.Plan;

/// <summary>Everything needed to turn the logical graph into operator instances for one run.</summary>
internal sealed class PlanContext(
    bool streaming,
    int batchSize,
    RunCounters counters,
    DeadLetterRouter? deadLetters,
    ErrorPolicy defaultPolicy,
    IEdgeFactory edges,
    TimeProvider timeProvider,
    Diagnostics.RunTelemetry telemetry,
    Microsoft.Extensions.Logging.ILogger logger,
    CancellationToken runToken)
{
    public Microsoft.Extensions.Logging.ILogger Logger { get; } = logger;

    public Diagnostics.RunTelemetry Telemetry { get; } = telemetry;

    public bool Streaming { get; } = streaming;

    public int BatchSize { get; } = batchSize;

    public RunCounters Counters { get; } = counters;

    public IEdgeFactory Edges { get; } = edges;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public CancellationToken RunToken { get; } = runToken;

    /// <summary>Per-run objects opened before wiring (sink writers), by the node that owns them, until an operator takes them over.</summary>
    public Dictionary<object, object> Resources { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Disposes what no operator took over (the run failed while wiring).</summary>
    public async ValueTask DisposeUnclaimedAsync()
    {
        foreach (var resource in Resources.Values)
        {
            try
            {
                if (resource is IAsyncDisposable disposable) await disposable.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The run is already failing; its own error is the one to report.
            }
        }

        Resources.Clear();
    }

    /// <summary>The streaming run's checkpoints, which sinks acknowledge; null under the bounded executor.</summary>
    public IBarrierAcknowledger? Checkpoints { get; init; }

    /// <summary>The worker whose operators are being created (0 for sources).</summary>
    public int Worker { get; set; }

    public OperatorContext ContextFor(Node node, string? name = null)
    {
        string operatorName = name ?? node.Name;
        var telemetry = Telemetry.For(operatorName, Worker);
        return new(
            new OperatorErrorHandler(operatorName, node.ErrorPolicy ?? defaultPolicy, Counters, telemetry, deadLetters, node switch
            {
                ISinkNode => ElementRole.Sink,
                ISourceNode => ElementRole.Source,
                _ => ElementRole.Function,
            }),
            Counters,
            telemetry,
            Telemetry,
            new Diagnostics.LateDropLog(Logger, Telemetry.Pipeline, operatorName, TimeProvider),
            Streaming ? ExecutionPolicy.Continuous : ExecutionPolicy.Bounded,
            BatchSize,
            Worker);
    }
}

/// <summary>How an executor connects a producer to a stage: a direct call (bounded) or channels (streaming).</summary>
internal interface IEdgeFactory
{
    IBatchTarget<T> CreateEdge<T>(StagePort<T> port, PlanContext context);
}
