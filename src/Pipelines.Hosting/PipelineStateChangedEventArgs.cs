namespace Pipelines.Hosting;

/// <summary>A hosted pipeline moved from one <see cref="PipelineState"/> to another.</summary>
public sealed class PipelineStateChangedEventArgs : EventArgs
{
    internal PipelineStateChangedEventArgs(PipelineState previous, PipelineState current, Exception? error)
    {
        Previous = previous;
        Current = current;
        Error = error;
    }

    /// <summary>The state before the change.</summary>
    public PipelineState Previous { get; }

    /// <summary>The state after the change.</summary>
    public PipelineState Current { get; }

    /// <summary>Why the pipeline failed, when <see cref="Current"/> is <see cref="PipelineState.Failed"/>.</summary>
    public Exception? Error { get; }
}
