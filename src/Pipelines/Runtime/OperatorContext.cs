using Pipelines.Diagnostics;

namespace Pipelines.Runtime;

/// <summary>What an operator instance needs from the run: its error handling, counters, telemetry, and how it is driven.</summary>
internal sealed class OperatorContext(OperatorErrorHandler errors, RunCounters counters, OperatorTelemetry telemetry, RunTelemetry run, LateDropLog lateLog, ExecutionPolicy policy, int batchSize, int worker)
{
    /// <summary>Rate-limited log of late drops.</summary>
    public LateDropLog LateLog { get; } = lateLog;

    public OperatorErrorHandler Errors { get; } = errors;

    public RunCounters Counters { get; } = counters;

    public OperatorTelemetry Telemetry { get; } = telemetry;

    /// <summary>The run's registry for observable instruments (watermarks, channels).</summary>
    public RunTelemetry Run { get; } = run;

    /// <summary>How the executor drives operators (watermarks during the run or only at the end).</summary>
    public ExecutionPolicy Policy { get; } = policy;

    public int BatchSize { get; } = batchSize;

    /// <summary>Index of the worker (0-based) within its stage.</summary>
    public int Worker { get; } = worker;

    public string OperatorName => Errors.OperatorName;

    /// <summary>A keyed operator's key equality (an <c>IEqualityComparer&lt;TKey&gt;</c> given to <c>KeyBy</c>); null for the key type's own.</summary>
    public object? KeyComparer { get; init; }
}
