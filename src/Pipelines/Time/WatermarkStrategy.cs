namespace Pipelines;

/// <summary>
/// How a source derives its watermark from the event times it has seen. A watermark W is the promise
/// "no element with a timestamp at or before W will arrive any more"; elements that still do are late.
/// Create one with <see cref="Watermarks"/>.
/// </summary>
public abstract class WatermarkStrategy
{
    private protected WatermarkStrategy()
    {
    }

    internal abstract Time.WatermarkTracker<T> CreateTracker<T>();
}
