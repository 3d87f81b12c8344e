using Pipelines.Runtime;

namespace Pipelines.Execution;

/// <summary>Moves dead letters from the run's router into the dead-letter sink.</summary>
internal sealed class DeadLetterDrain(DeadLetterRouter router, SinkWriter<DeadLetter> writer, string sinkName) : IAsyncDisposable
{
    private readonly List<DeadLetter> _buffer = [];
    private readonly SemaphoreSlim _writing = new(1, 1);
    private bool _completing;

    /// <summary>Writes the dead letters queued so far.</summary>
    public async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteQueuedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>A checkpoint: writes the dead letters queued so far and flushes the dead-letter sink.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteQueuedAsync(cancellationToken).ConfigureAwait(false);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not PipelineExecutionException)
        {
            throw PipelineExecutionException.ForComponent("Dead-letter sink", sinkName, ex);
        }
        finally
        {
            _writing.Release();
        }
    }

    private async ValueTask WriteQueuedAsync(CancellationToken cancellationToken)
    {
        _buffer.Clear();
        if (router.DrainInto(_buffer) == 0) return;
        try
        {
            await writer.WriteAsync(_buffer.ToArray(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw PipelineExecutionException.ForComponent("Dead-letter sink", sinkName, ex);
        }
    }

    /// <summary>Streaming: writes dead letters as they come until the router is completed.</summary>
    public async Task PumpAsync(CancellationToken cancellationToken)
    {
        while (await router.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            await DrainAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        _completing = true;
        try
        {
            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw PipelineExecutionException.ForComponent("Dead-letter sink", sinkName, ex);
        }
    }

    /// <summary>The run failed or was cancelled; not after <see cref="CompleteAsync"/> has started.</summary>
    public ValueTask AbortAsync(Exception error) => _completing ? default : writer.AbortAsync(error);

    public ValueTask DisposeAsync() => writer.DisposeAsync();

    public static async ValueTask<DeadLetterDrain?> OpenAsync(Pipeline pipeline, DeadLetterRouter? router, CancellationToken cancellationToken)
    {
        if (pipeline.DeadLetterSink is not { } sink || router is null) return null;
        try
        {
            return new DeadLetterDrain(router, await sink.OpenForRunAsync(router, cancellationToken).ConfigureAwait(false), sink.Name);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw PipelineExecutionException.ForComponent("Dead-letter sink", sink.Name, ex);
        }
    }
}
