using Pipelines.Runtime;

namespace Pipelines.Execution;

/// <summary>Moves dead letters from the run's router into the dead-letter sink.</summary>
internal sealed class DeadLetterDrain(DeadLetterRouter router, SinkWriter<DeadLetter> writer, string sinkName) : IAsyncDisposable
{
    private readonly List<DeadLetter> _buffer = [];

    public async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        if (router.IsEmpty) return;
        _buffer.Clear();
        router.DrainInto(_buffer);
        try
        {
            await writer.WriteAsync(_buffer.ToArray(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw PipelineExecutionException.ForComponent("Dead-letter sink", sinkName, ex);
        }
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => writer.DisposeAsync();

    public static async ValueTask<DeadLetterDrain?> OpenAsync(Pipeline pipeline, DeadLetterRouter? router, CancellationToken cancellationToken)
    {
        if (pipeline.DeadLetterSink is not { } sink || router is null) return null;
        try
        {
            return new DeadLetterDrain(router, await sink.OpenAsync(cancellationToken).ConfigureAwait(false), sink.Name);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw PipelineExecutionException.ForComponent("Dead-letter sink", sink.Name, ex);
        }
    }
}
