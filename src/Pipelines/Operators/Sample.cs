using Pipelines.Runtime;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// Rx's <c>Sample</c> on the run's clock: of the elements that arrive within one period of processing time
/// (<c>[k·interval, (k+1)·interval)</c> of UTC time), the latest is emitted once the period is over — on a
/// processing-time tick, or when an element of a later period arrives — and the others are dropped by design. The
/// latest held is emitted at the end of input. While an element is held, the watermark passed on stays below it
/// and a checkpoint barrier waits until it is out.
/// </summary>
internal sealed class Sample<T>(TimeSpan interval, TimeProvider clock, Output<T> output) : StageOperator
{
    private bool _holding;
    private T _latest = default!;
    private long _stamp;
    private long _periodEnd;
    private long _inputWatermark = EventTime.MinWatermark;
    private long _sentWatermark = EventTime.MinWatermark;

    public override TimeSpan? ProcessingTimeInterval => TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, interval.Ticks / 4));

    public override void OnBatch(int port, object batch)
    {
        var b = (Batch<T>)batch;
        for (int i = 0; i < b.Count; i++)
        {
            long now = clock.GetUtcNow().UtcTicks;
            if (_holding && now >= _periodEnd) Emit();
            if (!_holding) _periodEnd = now - now % interval.Ticks + interval.Ticks;
            (_holding, _latest, _stamp) = (true, b.Values[i], b.Timestamps[i]);
        }

        output.Flush();
        SendWatermark();
    }

    public override void OnWatermark(long watermark)
    {
        _inputWatermark = watermark;
        if (watermark == EventTime.MaxWatermark && _holding) Emit();
        SendWatermark();
    }

    public override void OnIdle() => output.Idle();

    public override void OnProcessingTime(long utcTicks)
    {
        if (_holding && utcTicks >= _periodEnd)
        {
            Emit();
            SendWatermark();
        }

        output.ProcessingTime(utcTicks);
    }

    public override void OnEnd()
    {
        if (_holding) Emit();
        output.End();
    }

    protected override long StateHorizon => _holding ? EventTime.MaxWatermark : EventTime.MinWatermark;

    protected override long BarrierWatermark => _holding ? EventTime.MinWatermark : EventTime.MaxWatermark;

    protected override void PassBarrier(long checkpoint) => output.Barrier(checkpoint);

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
