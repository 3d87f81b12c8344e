using Pipelines.Aggregation;
using Pipelines.Checkpoints.Serialization;
using Pipelines.Runtime;
using Pipelines.State;
using Pipelines.Time;
using Pipelines.Windowing;

namespace Pipelines.Operators;

/// <summary>
/// Keyed aggregation over overlapping sliding windows by slices (as Flink SQL's window slicing): time is cut into
/// slices of gcd(size, slide), every window is a whole number of them, and each element is added to the one
/// accumulator of its (key, slice) instead of to each of the size/slide windows it belongs to. When the watermark
/// passes a window's end, the key's slices inside the window are merged (<see cref="IAggregator{TIn,TAcc,TOut}.Merge"/>)
/// into its result, and the slices no later window contains are dropped. A window of five slides costs one update
/// per element, not five, and one merge of five accumulators when it fires.
/// </summary>
/// <remarks>
/// Taken only where it gives what <see cref="WindowAggregate{TIn,TKey,TAcc,TOut}"/> gives (see <see cref="Applies"/>):
/// event-time sliding windows that overlap, the default trigger with no allowed lateness (one pane per window,
/// when the watermark passes its end), and an aggregate whose result does not depend on the order its elements are
/// added in (count, sum, minimum, maximum, average). Results, their order (by window end, then by when the
/// (key, window) got its first element), late elements and failures are those of the general operator; sums of
/// floating-point numbers are added per slice, then across slices, so their last digits can differ from adding
/// every element in turn.
/// <para>
/// A (key, window) has one timer, at its last timestamp, registered by the first slice of the key inside the
/// window: a new slice registers the windows that neither of its neighbours in the key's list lies in. A slice is
/// dropped when the last window that contains it fires, so when a window fires every slice of the key inside it
/// is still there, and none older.
/// </para>
/// </remarks>
internal sealed class SlicedWindowAggregate<TIn, TKey, TAcc, TOut> : KeyedOneInputStage<TIn, TKey>
    where TKey : notnull
{
    private const string StateName = "slices";

    private readonly Func<TIn, TKey> _keyOf;
    private readonly PaneEmitter<TIn, TKey, TAcc, TOut> _panes;
    private readonly StateTable<TKey, WindowSlot<TAcc>> _slices;
    private readonly SlidingWindows _windows;
    private readonly Window[] _assigned;
    private readonly long _size;
    private readonly long _slide;
    private readonly long _offset;
    private readonly long _slice;

    public SlicedWindowAggregate(Func<TIn, TKey> keyOf, SlidingWindows windows, PaneEmitter<TIn, TKey, TAcc, TOut> panes, OperatorContext context)
        : base(context, panes.Outputs)
    {
        _keyOf = keyOf;
        _panes = panes;
        _windows = windows;
        _assigned = new Window[windows.MaxWindowsPerElement];
        _size = windows.Size;
        _slide = windows.Slide;
        _offset = windows.Offset;
        _slice = SliceLength(windows.Size, windows.Slide);
        _slices = State.Values<WindowSlot<TAcc>>(StateName);
        CheckpointStateAs(StateName, (serializers, op) => new WindowSlotCodec<TAcc>(serializers.Require<TAcc>(op, "accumulator")));
    }

    protected override Func<TIn, TKey> KeySelector => _keyOf;

    /// <summary>
    /// Whether windows of <paramref name="assigner"/> under <paramref name="trigger"/> with
    /// <paramref name="aggregator"/> are aggregated by slices: overlapping event-time sliding windows, one pane per
    /// window on the watermark (no early panes, no allowed lateness), and a built-in aggregate whose result does not
    /// depend on the order of its elements. Decided from the pipeline's definition only, so every executor decides
    /// alike.
    /// </summary>
    public static bool Applies(WindowAssigner assigner, TriggerSpec trigger, object aggregator) =>
        assigner is SlidingWindows sliding && sliding.Size > sliding.Slide
        && trigger is { AllowedLateness: 0, EarlyEveryCount: 0, EarlyInterval: null, FireOnWatermark: true }
        && IsOrderFree(aggregator);

    private static bool IsOrderFree(object aggregator)
    {
        if (aggregator is IErasedAggregator<TIn, TOut> erased) aggregator = erased.Accept(InnerOf.Instance);
        var type = aggregator.GetType();
        if (!type.IsGenericType) return false;
        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(CountAggregator<>) || definition == typeof(SumAggregator<,>) || definition == typeof(MinMaxAggregator<,>)
            || definition == typeof(AverageAggregator<,>) || definition == typeof(DecimalAverageAggregator<>);
    }

    private static long SliceLength(long size, long slide)
    {
        while (slide != 0) (size, slide) = (slide, size % slide);
        return size;
    }

    protected override void OnElement(TIn value, long timestamp)
    {
        TKey key = Keys.NotNull(_keyOf(value));
        int k = KeyIds.GetOrAdd(key);
        long start = EventTime.FloorToBoundary(timestamp, _slice, _offset);

        // The element is late when the newest window holding it has passed.
        long newestEnd = EventTime.SaturatingAdd(EventTime.FloorToBoundary(start, _slide, _offset), _size);
        if (_panes.IsExpired(newestEnd, Watermark))
        {
            KeyIds.ReleaseIfUnreferenced(k);
            _panes.DropLate(value, timestamp);
            return;
        }

        int e = _slices.GetOrAdd(k, start, EventTime.SaturatingAdd(start, _slice), out bool opened);
        try
        {
            ref var slot = ref _slices.Value(e);
            if (opened) slot.Accumulator = _panes.Aggregator.CreateAccumulator();
            _panes.Add(ref slot, in value, timestamp);
        }
        catch
        {
            // A user function failed: the element leaves no slice (and no key) behind.
            if (opened) _slices.Remove(e);
            KeyIds.ReleaseIfUnreferenced(k);
            throw;
        }

        if (opened) ScheduleWindows(k, e, start);
    }

    /// <summary>
    /// A new slice's windows that have no timer yet: those neither neighbour of the slice in the key's list lies in
    /// (a neighbour registered every window of its own that had not passed).
    /// </summary>
    private void ScheduleWindows(int k, int entry, long start)
    {
        int newer = _slices.Previous(entry), older = _slices.Next(entry);
        long newerStart = newer >= 0 ? _slices.NamespaceOf(newer).StartTicks : long.MaxValue;
        long olderStart = older >= 0 ? _slices.NamespaceOf(older).StartTicks : long.MinValue;
        // A slice lies in the windows of its first instant (window bounds are whole slices).
        int n = _windows.AssignWindows(start, _assigned);
        for (int w = 0; w < n; w++)
        {
            Window window = _assigned[w];
            if (_panes.IsExpired(window.EndTicks, Watermark) || olderStart >= window.StartTicks || newerStart < window.EndTicks) continue;
            ExtendHorizon(_panes.CleanupTime(window.EndTicks));
            Timers.RegisterOnce(TimeDomain.EventTime, k, window, window.MaxTimestamp);
        }
    }

    /// <summary>A window's end: its slices merged into its one pane; the slices no later window holds are dropped.</summary>
    protected override void OnTimer(TimeDomain domain, in KeyedTimer timer)
    {
        Window window = timer.Namespace;
        long keepFrom = EventTime.SaturatingAdd(window.StartTicks, _slide);
        var aggregator = _panes.Aggregator;
        TAcc merged = aggregator.CreateAccumulator();
        bool any = false;
        Exception? failure = null;
        for (int e = _slices.Last(timer.Key); e >= 0;)
        {
            long start = _slices.NamespaceOf(e).StartTicks;
            if (start >= window.EndTicks) break;
            int newer = _slices.Previous(e);
            if (start >= window.StartTicks && failure is null)
            {
                any = true;
                try
                {
                    merged = aggregator.Merge(merged, _slices.Value(e).Accumulator);
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            }

            if (start < keepFrom) _slices.Remove(e);
            e = newer;
        }

        TKey key = KeyIds[timer.Key];
        if (failure is not null)
        {
            // Merging is the aggregate's own function (a checked sum that overflows): named like a failing result.
            Context.Errors.Handle(failure, (key, window), window.MaxTimestamp);
        }
        else if (any)
        {
            var pane = new WindowSlot<TAcc> { Accumulator = merged };
            _panes.Emit(key, window.StartTicks, window.EndTicks, ref pane, PaneTiming.OnTime);
        }
    }

    /// <summary>The aggregator inside a boxed one (<c>Aggregations.Max</c> and the like hide their accumulator type).</summary>
    private sealed class InnerOf : IAggregatorVisitor<TIn, TOut, object>
    {
        public static readonly InnerOf Instance = new();

        public object Visit<TInner>(IAggregator<TIn, TInner, TOut> aggregator) => aggregator;
    }
}
