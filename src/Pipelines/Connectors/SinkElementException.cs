namespace Pipelines;

/// <summary>
/// Thrown by a <see cref="SinkWriter{T}"/> when a user function fails on one element of a batch, so the
/// pipeline's <see cref="ErrorPolicy"/> applies to that element: the executor then skips or dead-letters it and
/// writes the rest of the batch (from <see cref="Index"/> + 1), or fails the run naming the element.
/// </summary>
public sealed class SinkElementException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="index">Position of the failed element in the batch passed to <see cref="SinkWriter{T}.WriteAsync"/>.</param>
    /// <param name="element">The element.</param>
    /// <param name="innerException">What the function threw.</param>
    public SinkElementException(int index, object? element, Exception innerException)
        : base($"Writing element {index} of the batch failed: {innerException.Message}", innerException)
    {
        Index = index;
        Element = element;
    }

    /// <summary>Position of the failed element in the batch.</summary>
    public int Index { get; }

    /// <summary>The element.</summary>
    public object? Element { get; }
}
