namespace Pipelines;

/// <summary>
/// Where elements come from. Sources in this package: <see cref="Sources"/>; adapter packages add more
/// (observables, files, Kafka). A source is a description: each run creates its own reader. A source whose
/// reader records where it is derives from <see cref="Source{T, TPosition}"/>.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public abstract class Source<T>
{
    /// <summary>A name for errors, logs and metrics.</summary>
    public abstract string Name { get; }

    /// <summary>Whether the source ends by itself. The bounded executor refuses a pipeline with an unbounded source.</summary>
    public abstract bool IsBounded { get; }

    /// <summary>
    /// True when the stream this source starts has event time without <c>WithEventTime</c>: its readers give
    /// every element its event time (<see cref="SourceReader{T}.ProvidesTimestamps"/> must be true, or the run
    /// fails when the source opens) and may declare watermarks (<see cref="SourceReader{T}.TryTakeWatermark"/>).
    /// Windows and joins then accept the stream directly. Read when the pipeline is built. Default false.
    /// </summary>
    public virtual bool ProvidesEventTime => false;

    /// <summary>
    /// The error policy for records this source cannot read (reported with <see cref="SourceContext.ReportBadRecord"/>)
    /// when its stream sets none with <c>OnError</c>; a connector returns the policy its own options ask for here
    /// (the Kafka source's <c>OnDeserializationError</c>). Null (the default): the pipeline's policy
    /// (<see cref="PipelineBuilder.OnError"/>). Read when the pipeline is built.
    /// </summary>
    public virtual ErrorPolicy? BadRecordPolicy => null;

    /// <summary>
    /// True when instances of the pipeline running this source at the same time each read a share of its input, split
    /// in a way the pipeline's keys do not decide (a Kafka consumer group splits a topic by partition). A keyed stage
    /// (window, join, process function) that reads such a source without an exchange between them
    /// (<see cref="DataStream{T}.Through"/>, Kafka's <c>Repartition</c>) is correct only when the input is already
    /// split by the stage's key; otherwise each instance computes partial results for the same key. The streaming
    /// executor logs a warning for every such stage. Default false.
    /// </summary>
    public virtual bool SplitAcrossInstances => false;

    /// <summary>Opens a reader for one run.</summary>
    /// <param name="context">Facts about the run.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    public abstract ValueTask<SourceReader<T>> OpenAsync(SourceContext context, CancellationToken cancellationToken);

    /// <summary>Opens a reader at a position restored from a checkpoint (its JSON); only sources with typed positions can.</summary>
    internal virtual ValueTask<SourceReader<T>> OpenAtAsync(SourceContext context, System.Text.Json.JsonElement position, System.Text.Json.JsonSerializerOptions json, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"Source '{Name}' cannot resume from a checkpoint: it has no position (derive it from Source<T, TPosition>), so restoring state would read its input twice.");

    /// <summary>A position a reader of this source captured, as JSON for a checkpoint's manifest.</summary>
    internal virtual System.Text.Json.JsonElement PositionToJson(object position, System.Text.Json.JsonSerializerOptions json) =>
        throw new NotSupportedException($"Source '{Name}' has no typed position.");
}
