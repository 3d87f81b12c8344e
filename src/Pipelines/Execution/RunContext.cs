using Microsoft.Extensions.Logging;
using Pipelines.Plan;
using Pipelines.Runtime;

namespace Pipelines.Execution;

/// <summary>
/// The services of one run that every worker shares: how the executor drives operators (<see cref="Policy"/>),
/// batch size, counters, dead-letter routing, clock, telemetry, logging and the run's token. Immutable; per-worker
/// facts travel in <see cref="WorkerContext"/>. Also the object that stands for the run when a sink is opened.
/// </summary>
internal sealed class RunContext(
    ExecutionPolicy policy,
    int batchSize,
    RunCounters counters,
    DeadLetterRouter? deadLetters,
    ErrorPolicy defaultPolicy,
    TimeProvider timeProvider,
    Diagnostics.RunTelemetry telemetry,
    ILogger logger,
    CancellationToken runToken)
{
    /// <summary>How the executor drives the operators; the only thing an operator learns about the executor.</summary>
    public ExecutionPolicy Policy { get; } = policy;

    public int BatchSize { get; } = batchSize;

    public RunCounters Counters { get; } = counters;

    /// <summary>Where dead letters go; null when the pipeline has no dead-letter sink.</summary>
    public DeadLetterRouter? DeadLetters { get; } = deadLetters;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public Diagnostics.RunTelemetry Telemetry { get; } = telemetry;

    public ILogger Logger { get; } = logger;

    /// <summary>Cancelled when the run stops without draining, fails, or its caller cancels it.</summary>
    public CancellationToken RunToken { get; } = runToken;

    /// <summary>The context of <paramref name="node"/>'s operator on <paramref name="worker"/> (named <paramref name="name"/> when fused or a sink).</summary>
    public OperatorContext ContextFor(Node node, int worker, string? name = null)
    {
        string operatorName = name ?? node.Name;
        var telemetry = Telemetry.For(operatorName, worker);
        return new(
            new OperatorErrorHandler(operatorName, node.ErrorPolicy ?? defaultPolicy, Counters, telemetry, DeadLetters, node switch
            {
                ISinkNode => ElementRole.Sink,
                ISourceNode => ElementRole.Source,
                _ => ElementRole.Function,
            }, RunToken),
            Counters,
            telemetry,
            Telemetry,
            new Diagnostics.LateDropLog(Logger, Telemetry.Pipeline, operatorName, TimeProvider),
            Policy,
            BatchSize,
            worker)
        {
            KeyComparer = (node as Plan.IStageNode)?.KeyComparer,
        };
    }
}
