using Pipelines.Runtime;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// Joins two keyed streams on key and window: when the watermark passes a window's end, every left element
/// of a key in that window is paired with every right element of the same key and window. Elements whose
/// windows have all fired are late: counted and dropped.
/// </summary>
internal sealed class WindowJoin<TLeft, TRight, TKey, TOut>(
    Func<TLeft, TKey> leftKey,
    Func<TRight, TKey> rightKey,
    WindowAssigner assigner,
    Func<TLeft, TRight, TOut> selector,
    Output<TOut> output,
    OperatorContext context) : StageOperator
    where TKey : notnull
{
    private readonly Dictionary<WindowKey<TKey>, (List<TLeft> Left, List<TRight> Right)> _state = new();
    private readonly TimerQueue<WindowKey<TKey>> _timers = new();
    private readonly Window[] _assigned = new Window[assigner.MaxWindowsPerElement];
    private long _watermark = EventTime.MinWatermark;
    private long _maxCleanup = EventTime.MinWatermark;

    public override void OnBatch(int port, object batch)
    {
        if (port == 0) Add((Batch<TLeft>)batch, leftKey, static (slot, v) => slot.Left.Add(v));
        else Add((Batch<TRight>)batch, rightKey, static (slot, v) => slot.Right.Add(v));
    }

    private void Add<T>(Batch<T> batch, Func<T, TKey> keyOf, Action<(List<TLeft> Left, List<TRight> Right), T> store)
    {
        for (int i = 0; i < batch.Count; i++)
        {
            T value = batch.Values[i];
            long timestamp = batch.Timestamps[i];
            try
            {
                TKey key = Keys.NotNull(keyOf(value));
                int n = assigner.AssignWindows(timestamp, _assigned);
                bool accepted = false;
                for (int w = 0; w < n; w++)
                {
                    Window window = _assigned[w];
                    if (window.MaxTimestamp <= _watermark) continue;
                    accepted = true;
                    var wk = new WindowKey<TKey>(key, window.StartTicks, window.EndTicks);
                    if (!_state.TryGetValue(wk, out var slot))
                    {
                        slot = ([], []);
                        _state.Add(wk, slot);
                        _timers.Add(wk, window.MaxTimestamp);
                        _maxCleanup = Math.Max(_maxCleanup, window.MaxTimestamp);
                    }

                    store(slot, value);
                }

                if (!accepted)
                {
                    context.Counters.AddLateDropped(1);
                    context.Telemetry.LateDropped();
                    context.LateLog.Dropped(timestamp);
                }
            }
            catch (Exception ex)
            {
                context.Errors.Handle(ex, value, timestamp);
            }
        }
    }

    public override void OnWatermark(long watermark)
    {
        _watermark = watermark;
        while (_timers.TryPopDue(watermark, out var wk, out _))
        {
            if (!_state.Remove(wk, out var slot)) continue;
            foreach (var left in slot.Left)
            {
                foreach (var right in slot.Right)
                {
                    try
                    {
                        output.Emit(selector(left, right), wk.End - 1);
                    }
                    catch (Exception ex)
                    {
                        context.Errors.Handle(ex, (left, right), wk.End - 1);
                    }
                }
            }
        }

        ReleaseBarriers(watermark);
        output.Watermark(watermark);
    }

    public override void OnIdle() => output.Idle();

    public override void OnProcessingTime(long utcTicks) => output.ProcessingTime(utcTicks);

    public override void OnEnd() => output.End();

    protected override long StateHorizon => _maxCleanup;

    protected override long BarrierWatermark => _watermark;

    protected override void PassBarrier(long checkpoint) => output.Barrier(checkpoint);
}
