namespace Pipelines.Runtime;

/// <summary>
/// A stage operator with one input that can read its elements in place from a producer's span (see
/// <see cref="ISpanTarget{T}"/>) instead of from a batch filled with a copy of them. The span is borrowed for the
/// call: read, never changed or kept.
/// </summary>
internal interface IStageSpanInput<T>
{
    /// <summary>Elements and their event times, processed before the call returns.</summary>
    void OnSpan(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps);
}
