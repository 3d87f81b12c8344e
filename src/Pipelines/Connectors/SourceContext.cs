using Pipelines.Runtime;

namespace Pipelines;

/// <summary>Facts about the run a source reader is opened for, and where it reports records it cannot read.</summary>
public sealed class SourceContext
{
    private readonly OperatorErrorHandler _errors;

    internal SourceContext(TimeProvider timeProvider, bool isStreaming, int batchSize, OperatorErrorHandler errors)
    {
        TimeProvider = timeProvider;
        IsStreaming = isStreaming;
        BatchSize = batchSize;
        _errors = errors;
    }

    /// <summary>The run's clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>True under the streaming executor.</summary>
    public bool IsStreaming { get; }

    /// <summary>The most elements the executor asks for at once.</summary>
    public int BatchSize { get; }

    /// <summary>
    /// The error policy that applies to this source's bad records: the one set with <c>OnError</c> right after
    /// <see cref="PipelineBuilder.From{T}"/>, else the pipeline's (<see cref="PipelineBuilder.OnError"/>).
    /// </summary>
    public ErrorPolicy ErrorPolicy => _errors.Policy;

    /// <summary>
    /// Reports a record the source could not turn into an element (a malformed line, an undecodable message),
    /// so it is never dropped silently. Under <see cref="Pipelines.ErrorPolicy.Fail"/> this throws a
    /// <see cref="PipelineExecutionException"/> naming the source and the record, which fails the run; under
    /// <see cref="Pipelines.ErrorPolicy.Skip"/> it counts the record in <see cref="RunSummary.ElementsSkipped"/>;
    /// under <see cref="Pipelines.ErrorPolicy.DeadLetter"/> it sends a <see cref="DeadLetter"/> with the record and
    /// the reason to the dead-letter sink and counts it in <see cref="RunSummary.ElementsDeadLettered"/>.
    /// Call it from a read (<see cref="SourceReader{T}.TryRead(Span{T})"/> and its overload) or from <see cref="SourceReader{T}.WaitToReadAsync"/>.
    /// </summary>
    /// <param name="record">The raw record, with whatever locates it (file and line, partition and offset).</param>
    /// <param name="reason">Why it could not be read; its message should say where and what.</param>
    /// <exception cref="PipelineExecutionException">The policy is <see cref="Pipelines.ErrorPolicy.Fail"/>.</exception>
    public void ReportBadRecord(object? record, Exception reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        _errors.Handle(reason, record, Time.EventTime.MinWatermark);
    }
}
