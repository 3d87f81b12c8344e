namespace Pipelines;

/// <summary>
/// Carries a stream out of this pipeline instance and back in, through a system that every instance of the pipeline
/// shares (a Kafka repartition topic): the stream goes to <see cref="ExchangeEndpoints{T}.Sink"/>, and the stream
/// after the exchange comes from <see cref="ExchangeEndpoints{T}.Source"/>. Instances running the same pipeline then
/// exchange elements, so that each element reaches the instance that owns its key. Connect one with
/// <see cref="DataStream{T}.Through"/>; adapter packages provide them (<c>Repartition</c> in Pipelines.Kafka).
/// </summary>
/// <remarks>
/// The sink's writer sees event times and watermarks when it derives from <see cref="EventTimeSinkWriter{T}"/>, so
/// it can forward both; the source then declares event time (<see cref="Source{T}.ProvidesEventTime"/>) and the
/// watermarks it reads back (<see cref="SourceReader{T}.TryTakeWatermark"/>).
/// </remarks>
/// <typeparam name="T">The element type.</typeparam>
public abstract class Exchange<T>
{
    /// <summary>Creates the sink and the source of this exchange for one pipeline definition; called once, by <see cref="DataStream{T}.Through"/>.</summary>
    /// <param name="context">Where the exchange sits in the pipeline.</param>
    public abstract ExchangeEndpoints<T> Connect(ExchangeContext context);
}

/// <summary>The two ends of an <see cref="Exchange{T}"/>.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <param name="Sink">Where the stream leaves the instance.</param>
/// <param name="Source">Where the exchanged stream comes back, from every instance.</param>
public sealed record ExchangeEndpoints<T>(Sink<T> Sink, Source<T> Source);
