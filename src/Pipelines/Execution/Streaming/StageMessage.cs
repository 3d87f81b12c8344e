namespace Pipelines.Execution.Streaming;

/// <summary>What a stage's channel carries: a batch or a control signal, from one producer, for one input port.</summary>
internal enum MessageKind : byte
{
    Batch,
    Watermark,
    Idle,
    End,
    Tick,
    Barrier,
    Handover,
}

/// <summary>A message on a stage channel; a struct, so writing one allocates nothing.</summary>
internal readonly struct StageMessage
{
    private StageMessage(MessageKind kind, int port, int producer, long watermark, object? batch)
    {
        Kind = kind;
        Port = port;
        Producer = producer;
        Watermark = watermark;
        Batch = batch;
    }

    public MessageKind Kind { get; }

    public int Port { get; }

    public int Producer { get; }

    /// <summary>The watermark, for a tick the processing time it stands for, for a barrier the checkpoint.</summary>
    public long Watermark { get; }

    /// <summary>A pooled <c>Batch&lt;T&gt;</c> for <see cref="MessageKind.Batch"/> (the receiver returns it); the <see cref="Exchanges.PartitionHandover"/> for <see cref="MessageKind.Handover"/>.</summary>
    public object? Batch { get; }

    public static StageMessage ForBatch(int port, int producer, object batch) => new(MessageKind.Batch, port, producer, 0, batch);

    public static StageMessage ForWatermark(int producer, long watermark) => new(MessageKind.Watermark, 0, producer, watermark, null);

    public static StageMessage ForIdle(int producer) => new(MessageKind.Idle, 0, producer, 0, null);

    public static StageMessage ForEnd(int producer) => new(MessageKind.End, 0, producer, 0, null);

    public static StageMessage ForBarrier(int producer, long checkpoint) => new(MessageKind.Barrier, 0, producer, checkpoint, null);

    public static StageMessage ForHandover(int producer, Exchanges.PartitionHandover handover) => new(MessageKind.Handover, 0, producer, 0, handover);

    public static StageMessage ForTick(long utcTicks) => new(MessageKind.Tick, 0, -1, utcTicks, null);
}
