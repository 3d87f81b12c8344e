using Pipelines.Runtime;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// Groups elements into lists of <paramref name="count"/>, in arrival order; with <paramref name="maxWait"/>, a
/// list that is not full is also emitted once its first element has waited that long in processing time (the
/// run's <see cref="TimeProvider"/>, checked on processing-time ticks, which only the streaming executor sends).
/// What is left is emitted when the watermark reaches +∞ (the end of input). A list's event time is the latest of
/// its elements'; while elements are held the watermark passed on stays below the earliest of them, and a
/// checkpoint barrier waits until they have been emitted, so neither overtakes them.
/// </summary>
internal sealed class Buffer<T>(int count, TimeSpan? maxWait, TimeProvider clock, Output<IReadOnlyList<T>> output) : StageOperator
{
    private List<T> _held = new(Math.Min(count, 1024));
    private long _latest = EventTime.MinWatermark;
    private long _earliest = EventTime.MaxWatermark;
    private long _firstArrival;
    private long _inputWatermark = EventTime.MinWatermark;
    private long _sentWatermark = EventTime.MinWatermark;

    public override TimeSpan? ProcessingTimeInterval =>
        maxWait is { } wait ? TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, wait.Ticks / 4)) : null;

    public override void OnBatch(int port, object batch)
    {
        var b = (Batch<T>)batch;
        for (int i = 0; i < b.Count; i++)
        {
            if (_held.Count == 0) _firstArrival = clock.GetUtcNow().UtcTicks;
            _held.Add(b.Values[i]);
            long t = b.Timestamps[i];
            if (t > _latest) _latest = t;
            if (t < _earliest) _earliest = t;
            if (_held.Count == count) Emit();
        }

        output.Flush();
        SendWatermark();
    }

    public override void OnWatermark(long watermark)
    {
        _inputWatermark = watermark;
        if (watermark == EventTime.MaxWatermark && _held.Count > 0) Emit();
        SendWatermark();
    }

    public override void OnIdle() => output.Idle();

    public override void OnProcessingTime(long utcTicks)
    {
        if (_held.Count > 0 && maxWait is { } wait && utcTicks - _firstArrival >= wait.Ticks)
        {
            Emit();
            SendWatermark();
        }

        output.ProcessingTime(utcTicks);
    }

    public override void OnEnd()
    {
        if (_held.Count > 0) Emit();
        output.End();
    }

    /// <summary>Holding elements: a barrier waits (its horizon is +∞ and the watermark it is checked against −∞) until they are emitted.</summary>
    protected override long StateHorizon => _held.Count > 0 ? EventTime.MaxWatermark : EventTime.MinWatermark;

    protected override long BarrierWatermark => _held.Count > 0 ? EventTime.MinWatermark : EventTime.MaxWatermark;

    protected override void PassBarrier(long checkpoint) => output.Barrier(checkpoint);

    private void Emit()
    {
        output.Emit(_held, _latest);
        _held = new List<T>(Math.Min(count, 1024));
        _latest = EventTime.MinWatermark;
        _earliest = EventTime.MaxWatermark;
        output.Flush();

        // Every element from before a held barrier has now been emitted.
        ReleaseBarriers(EventTime.MaxWatermark);
    }

    /// <summary>Passes the input watermark on, but below the earliest element held, and never backwards.</summary>
    private void SendWatermark()
    {
        long watermark = _inputWatermark;
        if (_held.Count > 0 && _earliest != EventTime.MinWatermark && _earliest - 1 < watermark) watermark = _earliest - 1;
        if (_held.Count > 0 && _earliest == EventTime.MinWatermark) watermark = EventTime.MinWatermark;
        if (watermark <= _sentWatermark) return;
        _sentWatermark = watermark;
        output.Watermark(watermark);
    }
}
