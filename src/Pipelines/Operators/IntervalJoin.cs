using Pipelines.Runtime;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// Pairs each left element <c>l</c> with every right element <c>r</c> of the same key where
/// <c>l.t + lower &lt;= r.t &lt;= l.t + upper</c>, as soon as both have arrived; the result's event time is the
/// later of the two. A left element is kept until the watermark passes <c>l.t + upper</c>, a right one until it
/// passes <c>r.t − lower</c>. Elements at or behind the watermark are late: counted and dropped.
/// </summary>
internal sealed class IntervalJoin<TLeft, TRight, TKey, TOut>(
    Func<TLeft, TKey> leftKey,
    Func<TRight, TKey> rightKey,
    long lower,
    long upper,
    Func<TLeft, TRight, TOut> selector,
    Output<TOut> output,
    OperatorContext context) : StageOperator
    where TKey : notnull
{
    // −lower and −upper, saturated: a bound of TimeSpan.MinValue has no negation in a long, and wrapping would
    // turn "any earlier time" into "no time at all".
    private readonly long _minusLower = lower == long.MinValue ? long.MaxValue : -lower;
    private readonly long _minusUpper = upper == long.MinValue ? long.MaxValue : -upper;
    private readonly Dictionary<TKey, Buffers> _buffers = new();
    private readonly TimerQueue<TKey> _timers = new();
    private long _watermark = EventTime.MinWatermark;
    private long _maxCleanup = EventTime.MinWatermark;

    public override void OnBatch(int port, object batch)
    {
        if (port == 0)
        {
            var b = (Batch<TLeft>)batch;
            for (int i = 0; i < b.Count; i++) Guard(b.Values[i], b.Timestamps[i], AddLeft);
        }
        else
        {
            var b = (Batch<TRight>)batch;
            for (int i = 0; i < b.Count; i++) Guard(b.Values[i], b.Timestamps[i], AddRight);
        }

        output.Flush();
    }

    private void Guard<T>(T value, long timestamp, Action<T, long> add)
    {
        if (timestamp <= _watermark)
        {
            context.Counters.AddLateDropped(1);
            context.Telemetry.LateDropped();
            context.LateLog.Dropped(timestamp);
            return;
        }

        try
        {
            add(value, timestamp);
        }
        catch (Exception ex)
        {
            context.Errors.Handle(ex, value, timestamp);
        }
    }

    private void AddLeft(TLeft value, long timestamp)
    {
        var buffers = BuffersOf(Keys.NotNull(leftKey(value)));
        long from = EventTime.SaturatingAdd(timestamp, lower), to = EventTime.SaturatingAdd(timestamp, upper);
        foreach (var (rt, right) in buffers.Right)
        {
            if (rt >= from && rt <= to) output.Emit(selector(value, right), Math.Max(timestamp, rt));
        }

        buffers.Left.Add((timestamp, value));
        Schedule(buffers, to);
    }

    private void AddRight(TRight value, long timestamp)
    {
        var buffers = BuffersOf(Keys.NotNull(rightKey(value)));
        long from = EventTime.SaturatingAdd(timestamp, _minusUpper), to = EventTime.SaturatingAdd(timestamp, _minusLower);
        foreach (var (lt, left) in buffers.Left)
        {
            if (lt >= from && lt <= to) output.Emit(selector(left, value), Math.Max(timestamp, lt));
        }

        buffers.Right.Add((timestamp, value));
        Schedule(buffers, to);
    }

    private Buffers BuffersOf(TKey key)
    {
        if (!_buffers.TryGetValue(key, out var buffers))
        {
            buffers = new Buffers(key);
            _buffers.Add(key, buffers);
        }

        return buffers;
    }

    private void Schedule(Buffers buffers, long cleanup)
    {
        _maxCleanup = Math.Max(_maxCleanup, cleanup);
        if (cleanup < buffers.NextCleanup)
        {
            buffers.NextCleanup = cleanup;
            _timers.Add(buffers.Key, cleanup);
        }
    }

    public override void OnWatermark(long watermark)
    {
        _watermark = watermark;
        while (_timers.TryPopDue(watermark, out var key, out long time))
        {
            if (!_buffers.TryGetValue(key, out var buffers) || buffers.NextCleanup != time) continue;
            buffers.Left.RemoveAll(e => EventTime.SaturatingAdd(e.Timestamp, upper) <= watermark);
            buffers.Right.RemoveAll(e => EventTime.SaturatingAdd(e.Timestamp, _minusLower) <= watermark);
            buffers.NextCleanup = long.MaxValue;
            if (buffers.Left.Count == 0 && buffers.Right.Count == 0)
            {
                _buffers.Remove(key);
                continue;
            }

            foreach (var (t, _) in buffers.Left) Schedule(buffers, EventTime.SaturatingAdd(t, upper));
            foreach (var (t, _) in buffers.Right) Schedule(buffers, EventTime.SaturatingAdd(t, _minusLower));
        }

        ReleaseBarriers(watermark);
        output.Watermark(watermark);
    }

    public override void OnIdle() => output.Idle();

    public override void OnProcessingTime(long utcTicks) => output.ProcessingTime(utcTicks);

    public override void OnEnd() => output.End();

    /// <summary>Every buffered element is dropped by its cleanup time, and the latest of those is the last to go.</summary>
    protected override long StateHorizon => _maxCleanup;

    protected override long BarrierWatermark => _watermark;

    protected override void PassBarrier(long checkpoint) => output.Barrier(checkpoint);

    private sealed class Buffers(TKey key)
    {
        public TKey Key { get; } = key;

        public List<(long Timestamp, TLeft Value)> Left { get; } = [];

        public List<(long Timestamp, TRight Value)> Right { get; } = [];

        public long NextCleanup { get; set; } = long.MaxValue;
    }
}
