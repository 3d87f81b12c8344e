using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pipelines.Runtime;

namespace Pipelines.Operators;

/// <summary>
/// Keyed aggregation over non-merging windows (tumbling, sliding, global). State is one hash-table entry per
/// (key, window); a timer per window fires it when the watermark reaches its last timestamp, so a watermark
/// touches only the windows that are due, never every key.
/// </summary>
internal sealed class WindowAggregate<TIn, TKey, TAcc, TOut> : StageOperator
    where TKey : notnull
{
    private readonly Func<TIn, TKey> _keyOf;
    private readonly WindowAssigner _assigner;
    private readonly PaneEmitter<TIn, TKey, TAcc, TOut> _panes;
    private readonly OperatorContext _context;
    private readonly Dictionary<WindowKey<TKey>, WindowSlot<TAcc>> _state = new();
    private readonly TimerQueue<WindowKey<TKey>> _timers = new();
    private readonly Window[] _assigned;
    private long _watermark = Time.EventTime.MinWatermark;
    private long _nextEarly = long.MinValue;

    public WindowAggregate(Func<TIn, TKey> keyOf, WindowAssigner assigner, PaneEmitter<TIn, TKey, TAcc, TOut> panes, OperatorContext context)
    {
        _keyOf = keyOf;
        _assigner = assigner;
        _panes = panes;
        _context = context;
        _assigned = new Window[assigner.MaxWindowsPerElement];
    }

    public override TimeSpan? ProcessingTimeInterval => _panes.EarlyInterval;

    public override void OnBatch(int port, object batch)
    {
        var b = (Batch<TIn>)batch;
        TIn[] values = b.Values;
        long[] stamps = b.Timestamps;
        int count = b.Count, i = 0;
        while (true)
        {
            try
            {
                for (; i < count; i++) Process(values[i], stamps[i]);
                break;
            }
            catch (Exception ex)
            {
                _context.Errors.Handle(ex, values[i], stamps[i]);
                i++;
            }
        }

        _panes.Flush();
    }

    private void Process(TIn value, long timestamp)
    {
        TKey key = _keyOf(value);
        int n = _assigner.AssignWindows(timestamp, _assigned);
        bool accepted = false;
        for (int w = 0; w < n; w++)
        {
            Window window = _assigned[w];
            if (_panes.IsExpired(window.EndTicks, _watermark)) continue;
            accepted = true;
            var wk = new WindowKey<TKey>(key, window.StartTicks, window.EndTicks);
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_state, wk, out bool exists);
            if (!exists) Open(wk, ref slot);
            try
            {
                _panes.Accumulate(ref slot, value, timestamp);
            }
            catch when (!exists)
            {
                // The element would have opened this window: when it is skipped or dead-lettered, no empty window
                // may stay behind to emit a result (or fail) for elements it never received. Its timer is skipped.
                _state.Remove(wk);
                throw;
            }

            _panes.AfterElement(key, wk.Start, wk.End, ref slot);
        }

        if (!accepted) _panes.DropLate(value, timestamp);
    }

    private void Open(WindowKey<TKey> wk, ref WindowSlot<TAcc> slot)
    {
        try
        {
            slot.Accumulator = _panes.Aggregator.CreateAccumulator();
        }
        catch
        {
            _state.Remove(wk);
            throw;
        }

        if (wk.End - 1 > _watermark)
        {
            _timers.Add(wk, wk.End - 1);
        }
        else
        {
            // The window's on-time moment has passed but it is within the allowed lateness: late panes only.
            slot.FiredOnTime = true;
            _timers.Add(wk, _panes.CleanupTime(wk.End));
        }
    }

    public override void OnWatermark(long watermark)
    {
        _watermark = watermark;
        while (_timers.TryPopDue(watermark, out var wk, out _))
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_state, wk);
            if (Unsafe.IsNullRef(ref slot)) continue;
            bool fired = false;
            if (!slot.FiredOnTime)
            {
                _panes.Emit(wk.Key, wk.Start, wk.End, ref slot, PaneTiming.OnTime);
                slot.FiredOnTime = true;
                fired = true;
            }

            long cleanup = _panes.CleanupTime(wk.End);
            if (cleanup <= watermark)
            {
                _state.Remove(wk);
            }
            else if (fired)
            {
                _timers.Add(wk, cleanup);
            }
        }

        _panes.Watermark(watermark);
    }

    public override void OnProcessingTime(long utcTicks)
    {
        _panes.Output.ProcessingTime(utcTicks);
        if (_panes.EarlyInterval is not { } interval || utcTicks < _nextEarly) return;
        _nextEarly = utcTicks + interval.Ticks;
        foreach (var wk in _state.Keys)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_state, wk);
            if (slot.SinceLastPane > 0 && !slot.FiredOnTime) _panes.Emit(wk.Key, wk.Start, wk.End, ref slot, PaneTiming.Early);
        }

        _panes.Flush();
    }

    public override void OnIdle() => _panes.Idle();

    public override void OnEnd() => _panes.End();
}
