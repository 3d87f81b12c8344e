namespace Pipelines;

/// <summary>
/// A user-defined watermark generator (for example punctuated watermarks carried by marker events).
/// One instance serves one source instance and is called from one thread at a time.
/// </summary>
/// <typeparam name="T">The element type of the stream.</typeparam>
public interface IWatermarkGenerator<in T>
{
    /// <summary>Called for every element after its event time has been assigned.</summary>
    /// <param name="element">The element.</param>
    /// <param name="timestamp">Its event time.</param>
    void OnEvent(T element, DateTimeOffset timestamp);

    /// <summary>
    /// The current watermark, or <see langword="null"/> while none is known. Read after every batch and
    /// periodically; a value lower than one returned before is ignored (watermarks never go backwards).
    /// </summary>
    DateTimeOffset? CurrentWatermark { get; }
}
