using Pipelines.Checkpoints;
using Pipelines.Checkpoints.Serialization;
using Pipelines.Runtime;
using Pipelines.State.Snapshots;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// Rx's <c>Sample</c> on the run's clock: of the elements that arrive within one period of processing time
/// (<c>[k·interval, (k+1)·interval)</c> of UTC time), the latest is emitted once the period is over — on a
/// processing-time tick, or when an element of a later period arrives — and the others are dropped by design. The
/// latest held is emitted at the end of input. While an element is held, the watermark passed on stays below it.
/// </summary>
/// <remarks>
/// A checkpoint barrier never lets an element that came after it out ahead of it. With checkpoint storage the
/// element held at the barrier (and the end of its period) is written with the checkpoint and the barrier passes at
/// once. Without storage the barrier waits while the element held at its arrival is held: it passes once that
/// element is emitted (at the end of its period, at most one interval) or replaced by a later element of the same
/// period (which drops it), before the later element is taken.
/// </remarks>
internal sealed class Sample<T>(TimeSpan interval, TimeProvider clock, Output<T> output) : StageOperator, ICheckpointedStage
{
    private readonly HeldElements<T> _checkpoints = new();
    private bool _holding;
    private T _latest = default!;
    private long _stamp;
    private long _periodEnd;
    private long _inputWatermark = EventTime.MinWatermark;
    private long _sentWatermark = EventTime.MinWatermark;

    /// <summary>The input is idle (no element or watermark since it said so): passed on only while nothing is held.</summary>
    private bool _inputIdle;

    public override TimeSpan? ProcessingTimeInterval => TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, interval.Ticks / 4));

    public override void OnBatch(int port, object batch)
    {
        var b = (Batch<T>)batch;
        if (b.Count > 0) _inputIdle = false;
        for (int i = 0; i < b.Count; i++)
        {
            long now = clock.GetUtcNow().UtcTicks;
            if (_holding && now >= _periodEnd) Emit();
            if (_holding)
            {
                // The element held is dropped for this one: barriers held for it pass first, so this one stays behind them.
                ReleaseBarriers(EventTime.MaxWatermark);
            }
            else
            {
                _periodEnd = now - now % interval.Ticks + interval.Ticks;
            }

            (_holding, _latest, _stamp) = (true, b.Values[i], b.Timestamps[i]);
        }

        output.Flush();
        SendWatermark();
    }

    public override void OnWatermark(long watermark)
    {
        _inputWatermark = watermark;
        _inputIdle = false;
        if (watermark == EventTime.MaxWatermark && _holding) Emit();
        SendWatermark();
    }

    /// <summary>
    /// An idle input is passed on only while no element is held: downstream stages leave an idle input out of their
    /// watermark, so they could move past the element held, which would then arrive late. The idleness goes on once
    /// the element is out (at the end of its period).
    /// </summary>
    public override void OnIdle()
    {
        _inputIdle = true;
        if (!_holding) output.Idle();
    }

    public override void OnProcessingTime(long utcTicks)
    {
        if (_holding && utcTicks >= _periodEnd)
        {
            Emit();
            SendWatermark();
            if (_inputIdle) output.Idle();
        }

        output.ProcessingTime(utcTicks);
    }

    public override void OnEnd()
    {
        if (_holding) Emit();
        output.End();
    }

    /// <summary>With storage the element held goes into the checkpoint, and the barrier passes at once.</summary>
    protected override bool SnapshotAtBarrier(long checkpoint) => _checkpoints.Snapshot(checkpoint, Write);

    protected override long StateHorizon => _holding ? EventTime.MaxWatermark : EventTime.MinWatermark;

    protected override long BarrierWatermark => _holding ? EventTime.MinWatermark : EventTime.MaxWatermark;

    protected override void PassBarrier(long checkpoint) => output.Barrier(checkpoint);

    /// <inheritdoc />
    public void EnableCheckpoints(StateSerializerRegistry serializers, string operatorId, int maxParallelism, int worker, int parallelism, ISnapshotReceiver receiver, Checkpoints.Storage.PartitionedStateBinding? partitioned = null) =>
        _checkpoints.Enable(serializers, operatorId, worker, receiver);

    /// <inheritdoc />
    public void Restore(IReadOnlyList<ReadOnlyMemory<byte>> snapshots) => _checkpoints.Restore(snapshots, Read);

    /// <summary>The element held: <c>u8:holding</c>, then when holding <c>i64:stamp i64:periodEnd value</c>.</summary>
    private void Write(SnapshotOutput snapshot, StateCodec<T> codec)
    {
        snapshot.WriteByte(_holding ? (byte)1 : (byte)0);
        if (!_holding) return;
        snapshot.WriteInt64(_stamp);
        snapshot.WriteInt64(_periodEnd);
        snapshot.WriteValue(codec, _latest);
    }

    private void Read(SnapshotInput snapshot, StateCodec<T> codec)
    {
        if (snapshot.ReadByte() == 0) return;
        _stamp = snapshot.ReadInt64();
        _periodEnd = snapshot.ReadInt64();
        _latest = snapshot.ReadValue(codec);
        _holding = true;
    }

    private void Emit()
    {
        output.Emit(_latest, _stamp);
        (_holding, _latest) = (false, default!);
        output.Flush();
        ReleaseBarriers(EventTime.MaxWatermark);
    }

    /// <summary>Passes the input watermark on, but below the element held, and never backwards.</summary>
    private void SendWatermark()
    {
        long watermark = _inputWatermark;
        if (_holding && _stamp - 1 < watermark) watermark = _stamp == EventTime.MinWatermark ? EventTime.MinWatermark : _stamp - 1;
        if (watermark <= _sentWatermark) return;
        _sentWatermark = watermark;
        output.Watermark(watermark);
    }
}
