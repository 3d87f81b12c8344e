namespace Pipelines.Runtime;

/// <summary>
/// A stage operator with one input that can also take its elements one at a time from a producer on its own
/// thread (<see cref="Output{T}.Push"/>: a fused run feeding it over the bounded executor's direct edge), with the
/// same handling of a failing element as for a batch. An element pushed is processed before the call returns, and
/// the reference to it is not kept.
/// </summary>
internal interface IStageElementInput<T>
{
    /// <summary>One element and its event time, processed before the call returns; a failure is thrown to the caller, which hands it back (<see cref="Failed"/>).</summary>
    void Push(in T value, long timestamp);

    /// <summary>
    /// <see cref="Push"/> threw <paramref name="error"/> for <paramref name="element"/> (null when the producer could
    /// not give it again): what the element emitted is withdrawn and the operator's error policy decides (fail the run
    /// naming it and the element, or skip or dead-letter it).
    /// </summary>
    void Failed(object? element, long timestamp, Exception error);

    /// <summary>The elements pushed since the last call are a batch's worth: what they produced is flushed.</summary>
    void EndPushes();
}
