using Pipelines.Runtime;

namespace Pipelines.Execution;

/// <summary>
/// A <see cref="DirectEdge{T}"/> into a stage whose operator reads spans (<see cref="IStageSpanInput{T}"/>): what a
/// producer holds in place — a source's own storage, timed in place by <c>WithEventTime</c> — reaches the operator
/// without being copied into a batch. Used where nothing ever holds an input back (the bounded executor: no
/// barriers to align, no partitions handed over; a sink chained into its one producer's task under the streaming
/// executor, which takes everything in the producer's calls), so a span is always processed at once.
/// </summary>
internal sealed class DirectSpanEdge<T>(StageInstance stage, int port, int producer, IStageSpanInput<T> input) : IBatchTarget<T>, ISpanTarget<T>, IPushEdge<T>
{
    private readonly DirectEdge<T> _edge = new(stage, port, producer);

    public IStageElementInput<T>? Elements { get; } = input as IStageElementInput<T>;

    public void EndPushes(int count) => stage.EndPushes(producer, count, Elements!);

    public void OnSpan(ReadOnlySpan<T> values, ReadOnlySpan<long> timestamps) => stage.OnSpan(producer, values, timestamps, input);

    public void OnBatch(Batch<T> batch) => _edge.OnBatch(batch);

    public void OnWatermark(long watermark) => _edge.OnWatermark(watermark);

    public void OnIdle() => _edge.OnIdle();

    public void OnProcessingTime(long utcTicks) => _edge.OnProcessingTime(utcTicks);

    public void OnBarrier(long checkpoint) => _edge.OnBarrier(checkpoint);

    public void OnHandover(Exchanges.PartitionHandover handover) => _edge.OnHandover(handover);

    public void OnEnd() => _edge.OnEnd();
}
