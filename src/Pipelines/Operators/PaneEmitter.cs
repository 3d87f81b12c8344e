using System.Runtime.CompilerServices;
using Pipelines.Aggregation;
using Pipelines.Runtime;
using Pipelines.Time;
using Pipelines.Windowing;

namespace Pipelines.Operators;

/// <summary>
/// What every windowed aggregation shares: adding an element to a slot, deciding its timing, and emitting
/// panes. Lateness is decided here and only here.
/// </summary>
internal sealed class PaneEmitter<TIn, TKey, TAcc, TOut>(
    IAggregator<TIn, TAcc, TOut> aggregator,
    TriggerSpec trigger,
    Output<WindowResult<TKey, TOut>> output,
    Output<TIn>? lateOutput,
    OperatorContext context)
    where TKey : notnull
{
    private readonly IEventTimeAggregator<TIn, TAcc>? _timed = EventTimeAdd.Of(aggregator);

    /// <summary>An aggregate updated in place; null when it uses event time, which only the returning form takes.</summary>
    private readonly IInPlaceAggregator<TIn, TAcc, TOut>? _inPlace = EventTimeAdd.Of(aggregator) is null ? aggregator as IInPlaceAggregator<TIn, TAcc, TOut> : null;

    /// <summary>True for <see cref="CountAggregator{T}"/>, whose accumulator is a <see cref="long"/> the window operators increment themselves.</summary>
    public bool Counting { get; } = aggregator is CountAggregator<TIn>;
    private readonly int _earlyCount = context.Policy.EarlyPanes || trigger.CountOnBothExecutors ? trigger.EarlyEveryCount : 0;

    public IAggregator<TIn, TAcc, TOut> Aggregator { get; } = aggregator;

    /// <summary>True when an element added to an open window never emits a pane (no early count trigger).</summary>
    public bool QuietAdds => _earlyCount == 0;

    public long AllowedLateness { get; } = trigger.AllowedLateness;

    /// <summary>Whether the watermark passing a window's end always emits a pane (the default trigger), or only when elements came since the last pane (a custom trigger without <see cref="Triggers.Watermark"/>).</summary>
    public bool FiresOnWatermark { get; } = trigger.FireOnWatermark;

    public TimeSpan? EarlyInterval { get; } = context.Policy.EarlyPanes ? trigger.EarlyInterval : null;

    public Output<WindowResult<TKey, TOut>> Output { get; } = output;

    /// <summary>The time after which a window's state is dropped: its last timestamp plus the allowed lateness.</summary>
    public long CleanupTime(long end) => Lateness.CleanupTime(end - 1, AllowedLateness);

    /// <summary>True when a window ending at <paramref name="end"/> no longer accepts elements.</summary>
    public bool IsExpired(long end, long watermark) => Lateness.IsExpired(CleanupTime(end), watermark);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Accumulate(ref WindowSlot<TAcc> slot, in TIn value, long timestamp)
    {
        Add(ref slot, in value, timestamp);
        slot.Added();
    }

    /// <summary>Adds an element to the accumulator only (<see cref="Accumulate"/> also counts it for the triggers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ref WindowSlot<TAcc> slot, in TIn value, long timestamp)
    {
        if (typeof(TAcc) == typeof(long) && Counting) Unsafe.As<TAcc, long>(ref slot.Accumulator)++;
        else if (_inPlace is not null) _inPlace.Add(ref slot.Accumulator, in value);
        else AddReturned(ref slot.Accumulator, in value, timestamp);
    }

    /// <summary>
    /// The general path: the aggregator returns the updated accumulator. A reference-type accumulator updated and
    /// returned as the same instance (as <c>IAggregator.Add</c> allows) is not stored again, which saves the GC write
    /// barrier of storing a reference into the state table for every element.
    /// </summary>
    private void AddReturned(ref TAcc accumulator, in TIn value, long timestamp)
    {
        TAcc updated = AddTo(accumulator, value, timestamp);
        if (typeof(TAcc).IsValueType || !ReferenceEquals(updated, accumulator)) accumulator = updated;
    }

    /// <summary>The accumulator with <paramref name="value"/> added (with its event time when the aggregate uses it), the given one left as it is when the aggregate returns a new one.</summary>
    public TAcc AddTo(TAcc accumulator, TIn value, long timestamp) => EventTimeAdd.Add(Aggregator, _timed, accumulator, value, timestamp);

    /// <summary>After an element was added: a late pane if the window already fired, an early pane if the count trigger is due.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AfterElement(TKey key, long start, long end, ref WindowSlot<TAcc> slot)
    {
        if (slot.Open && _earlyCount == 0) return;
        AfterElementSlow(key, start, end, ref slot);
    }

    private void AfterElementSlow(TKey key, long start, long end, ref WindowSlot<TAcc> slot)
    {
        if (slot.FiredOnTime)
        {
            Emit(key, start, end, ref slot, PaneTiming.Late);
        }
        else if (_earlyCount > 0 && slot.SinceLastPane >= _earlyCount)
        {
            Emit(key, start, end, ref slot, PaneTiming.Early);
        }
    }

    public void Emit(TKey key, long start, long end, ref WindowSlot<TAcc> slot, PaneTiming timing)
    {
        TOut value;
        try
        {
            value = Aggregator.GetResult(slot.Accumulator);
        }
        catch (Exception ex)
        {
            // A user aggregator's GetResult is a user function too: its failure names the operator and the pane.
            context.Errors.Handle(ex, (key, new Window(start, end)), end - 1);
            return;
        }

        Output.Emit(new WindowResult<TKey, TOut>(key, new Window(start, end), value, timing, slot.PaneIndex), end - 1);
        context.Telemetry.Pane(timing);
        slot.PaneIndex++;
        slot.SinceLastPane = 0;
        if (trigger.Discarding) slot.Accumulator = Aggregator.CreateAccumulator();
    }

    /// <summary>An element too late for every window it belongs to: counted, and sent to the late output if connected.</summary>
    public void DropLate(TIn value, long timestamp) => Lateness.Drop(context, lateOutput, value, timestamp);

    /// <summary>The outputs the stage forwards control signals to: results, and late elements when connected.</summary>
    public IOutput[] Outputs => lateOutput is null ? [Output] : [Output, lateOutput];
}
