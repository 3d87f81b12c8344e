using Pipelines.Execution;
using Pipelines.Operators;

namespace Pipelines.Plan;

/// <summary>A sink: a stage with one worker whose writer is opened before the run starts.</summary>
internal sealed class SinkNode<T>(int id, Node<T> input, Sink<T> sink) : Node(id, "Sink"), IStageNode, ISinkNode
{
    public StagePort<T> Port { get; private set; } = null!;

    public Sink<T> Sink { get; } = sink;

    public string SinkName => Sink.Name;

    public object SinkInstance => Sink;

    /// <summary>The sink receives origins, and its input comes from one source (or a union of different ones) through operators that carry them.</summary>
    public bool ReceivesOrigins => Sink.ReceivesOrigins && OriginPaths.CarriedFromSources(input);

    public override IEnumerable<Node> Upstream => [input];

    public bool IsKeyed => false;

    public void Attach()
    {
        Port = new StagePort<T>(this, 0);
        input.Consumers.Add(Port);
    }

    public async ValueTask<IAsyncDisposable> OpenAsync(RunContext run, CancellationToken cancellationToken)
    {
        try
        {
            return await Sink.OpenForRunAsync(run, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw PipelineExecutionException.ForComponent("Sink", Sink.Name, ex);
        }
    }

    public ValueTask AbortWriterAsync(IAsyncDisposable writer, Exception error) => ((SinkWriter<T>)writer).AbortAsync(error);

    public void RunEndedUnopened(Exception error)
    {
        try
        {
            Sink.OnRunEndedUnopened(error);
        }
        catch (Exception)
        {
            // The sink's own handling failed: the run's error is what the caller gets, and it stands.
        }
    }

    public StageOperator CreateOperator(WorkerContext context)
    {
        var writer = context.Resource as SinkWriter<T> ?? throw new InvalidOperationException($"Sink '{Sink.Name}' was not opened.");
        return new SinkOperator<T>(writer, Sink.Name, context.ContextFor(this, $"{Name} ({Sink.Name})"), context.Barriers, context.RunToken, ReceivesOrigins);
    }
}

/// <summary>The untyped view executors use to open sinks.</summary>
internal interface ISinkNode
{
    /// <summary>The sink's own name (<see cref="Sink{T}.Name"/>).</summary>
    string SinkName { get; }

    /// <summary>The sink itself: one sink may stand behind several nodes.</summary>
    object SinkInstance { get; }

    /// <summary>True when the sink sends each element's origin along (<see cref="Sink{T}.ReceivesOrigins"/>).</summary>
    bool ReceivesOrigins { get; }

    /// <summary>Opens the sink's writer for <paramref name="run"/>; the run hands it to the sink's operator (<see cref="WorkerContext.Resource"/>).</summary>
    ValueTask<IAsyncDisposable> OpenAsync(RunContext run, CancellationToken cancellationToken);

    /// <summary>Aborts a writer <see cref="OpenAsync"/> gave that no operator took (the run ended while opening its parts).</summary>
    ValueTask AbortWriterAsync(IAsyncDisposable writer, Exception error);

    /// <summary>The run ended without opening the sink (<see cref="Sink{T}.OnRunEndedUnopened"/>); what the sink does about it cannot fail the caller.</summary>
    void RunEndedUnopened(Exception error);
}
