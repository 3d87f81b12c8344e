namespace Pipelines;

/// <summary>Facts about the run a source reader is opened for.</summary>
public sealed class SourceContext
{
    internal SourceContext(TimeProvider timeProvider, bool isStreaming, int batchSize)
    {
        TimeProvider = timeProvider;
        IsStreaming = isStreaming;
        BatchSize = batchSize;
    }

    /// <summary>The run's clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>True under the streaming executor.</summary>
    public bool IsStreaming { get; }

    /// <summary>The most elements the executor asks for at once.</summary>
    public int BatchSize { get; }
}
