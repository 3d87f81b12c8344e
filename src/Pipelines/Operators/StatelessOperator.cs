using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>
/// Base of the per-element operators that are fused into their producer's chain: they transform each batch in
/// one tight loop into their output and pass control signals through unchanged.
/// </summary>
internal abstract class StatelessOperator<TIn, TOut>(Output<TOut> output, OperatorContext context) : IBatchTarget<TIn>
{
    protected Output<TOut> Output { get; } = output;

    protected OperatorContext Context { get; } = context;

    public abstract void OnBatch(Batch<TIn> batch);

    public virtual void OnWatermark(long watermark) => Output.Watermark(watermark);

    public void OnIdle() => Output.Idle();

    public virtual void OnProcessingTime(long utcTicks) => Output.ProcessingTime(utcTicks);

    public void OnBarrier(long checkpoint) => Output.Barrier(checkpoint);

    public void OnHandover(Exchanges.PartitionHandover handover) => Output.Handover(handover);

    public void OnEnd() => Output.End();
}
