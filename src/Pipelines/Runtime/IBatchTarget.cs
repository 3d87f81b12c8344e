namespace Pipelines.Runtime;

/// <summary>
/// Where an operator's output goes: the next operator of a fused chain, a sink, or an edge to another stage.
/// Calls arrive in stream order from one thread at a time.
/// </summary>
internal interface IBatchTarget<T>
{
    /// <summary>A batch of elements; borrowed for the duration of the call.</summary>
    void OnBatch(Batch<T> batch);

    /// <summary>The upstream watermark advanced to <paramref name="watermark"/>.</summary>
    void OnWatermark(long watermark);

    /// <summary>The upstream has been idle: it should not hold back the watermark until it sends again.</summary>
    void OnIdle();

    /// <summary>Processing time passed (UTC ticks from the run's <see cref="TimeProvider"/>); for periodic work.</summary>
    void OnProcessingTime(long utcTicks);

    /// <summary>
    /// A checkpoint barrier: every element before it in the stream belongs to checkpoint <paramref name="checkpoint"/>.
    /// Stateless operators pass it on at once; stateful ones hold it until what they keep of those elements has been emitted.
    /// </summary>
    void OnBarrier(long checkpoint);

    /// <summary>A source was assigned or lost partitions whose keyed state moves with them; passed on in order, like a barrier.</summary>
    void OnHandover(Exchanges.PartitionHandover handover);

    /// <summary>The upstream is finished; nothing follows.</summary>
    void OnEnd();
}
