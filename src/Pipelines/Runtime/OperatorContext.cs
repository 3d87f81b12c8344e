namespace Pipelines.Runtime;

/// <summary>What an operator instance needs from the run: its error handling, the counters, and how it is driven.</summary>
internal sealed class OperatorContext(OperatorErrorHandler errors, RunCounters counters, bool streaming, int batchSize, int worker)
{
    public OperatorErrorHandler Errors { get; } = errors;

    public RunCounters Counters { get; } = counters;

    /// <summary>True under the streaming executor: watermarks advance during the run and early/late panes exist.</summary>
    public bool Streaming { get; } = streaming;

    public int BatchSize { get; } = batchSize;

    /// <summary>Index of the worker (0-based) within its stage.</summary>
    public int Worker { get; } = worker;

    public string OperatorName => Errors.OperatorName;
}
