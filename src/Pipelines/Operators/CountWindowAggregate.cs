using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Pipelines.Checkpoints.Serialization;
using Pipelines.Runtime;
using Pipelines.State;
using Pipelines.Time;
using Pipelines.Windowing;

namespace Pipelines.Operators;

/// <summary>
/// Keyed aggregation over count windows (<see cref="Windows.Count"/>). One slot per key in the state table
/// "counts" (namespace: the global window). Tumbling: the accumulator grows until <c>size</c> elements, then the result
/// is emitted and the accumulator starts again. Sliding: the key's last <c>size</c> elements are kept, and after every
/// <c>slide</c> elements a result is computed from them. What is left is emitted when the watermark reaches +∞.
/// No timers: the results depend only on each key's element order, the same on both executors.
/// </summary>
/// <remarks>
/// With checkpoint storage the windows are written at each barrier, which passes at once. Without storage a barrier
/// of tumbling windows waits until every window holding an element from before it has been emitted — when it fills,
/// or at the end of input — since emitting a partial window would change the results: the elements are numbered,
/// each window keeps the number of its first element, and the barrier's horizon is the count of elements at its
/// arrival (<see cref="StateHorizon"/>, <see cref="BarrierWatermark"/>). A sliding window keeps each element for
/// several results (<c>size / slide</c>), so its barriers wait for the end of input. A streaming run logs a warning once.
/// </remarks>
internal sealed class CountWindowAggregate<TIn, TKey, TAcc, TOut> : KeyedOneInputStage<TIn, TKey>
    where TKey : notnull
{
    private readonly Func<TIn, TKey> _keyOf;

    protected override Func<TIn, TKey> KeySelector => _keyOf;
    private readonly CountWindows _windows;
    private readonly PaneEmitter<TIn, TKey, TAcc, TOut> _panes;
    private readonly StateTable<TKey, CountSlot<TIn, TAcc>> _table;

    /// <summary>The runs (by their telemetry) and operators that have logged the warning about holding checkpoints.</summary>
    private static readonly ConditionalWeakTable<Diagnostics.RunTelemetry, HashSet<string>> Warned = [];

    private readonly ILogger? _logger;
    private bool _checkedStorage;

    /// <summary>Tumbling: elements taken so far (the next one's sequence number).</summary>
    private long _elements;

    /// <summary>Tumbling: windows holding at least one element.</summary>
    private int _openWindows;

    /// <summary>Tumbling, while barriers are held: open windows whose first element came before the first held barrier.</summary>
    private int _pendingBeforeFirst;

    public CountWindowAggregate(Func<TIn, TKey> keyOf, CountWindows windows, PaneEmitter<TIn, TKey, TAcc, TOut> panes, OperatorContext context, ILogger? logger = null)
        : base(context, panes.Outputs)
    {
        (_keyOf, _windows, _panes, _logger) = (keyOf, windows, panes, logger);
        _table = State.Values<CountSlot<TIn, TAcc>>("counts");
        CheckpointStateAs("counts", (serializers, op) => windows.IsTumbling
            ? new CountSlotCodec<TIn, TAcc>(serializers.Require<TAcc>(op, "accumulator"), null)
            : new CountSlotCodec<TIn, TAcc>(null, serializers.Require<TIn>(op, "element")));
    }

    protected override void OnElement(TIn value, long timestamp)
    {
        TKey key = Keys.NotNull(_keyOf(value));
        int k = KeyIds.GetOrAdd(key);
        int e = _table.GetOrAdd(k, GlobalWindows.Window, out bool opened);
        try
        {
            if (_windows.IsTumbling) AddTumbling(key, e, opened, value, timestamp);
            else AddSliding(key, e, opened, value, timestamp);
        }
        catch when (opened)
        {
            // The element would have opened the key's window: skipped or dead-lettered, it leaves nothing behind.
            _table.Remove(e);
            throw;
        }

        if (!_windows.IsTumbling) ExtendHorizon(EventTime.MaxWatermark);
        if (!_checkedStorage) WarnOfHeldCheckpoints();
    }

    /// <summary>Tumbling: the elements taken so far, all before a barrier arriving now. Sliding: +∞ once any came.</summary>
    protected override long StateHorizon => _windows.IsTumbling ? _elements : base.StateHorizon;

    /// <summary>
    /// Tumbling: the sequence number of the oldest element still in an open window (+∞ when none): a held barrier
    /// passes once it is not before the barrier's horizon. Counted without a scan except when the first held
    /// barrier may pass. Sliding: the input watermark.
    /// </summary>
    protected override long BarrierWatermark
    {
        get
        {
            if (!_windows.IsTumbling) return base.BarrierWatermark;
            if (_openWindows == 0) return EventTime.MaxWatermark;
            if (HeldBarriers == 0 || _pendingBeforeFirst > 0) return EventTime.MinWatermark; // every open window holds an element from before a barrier arriving now
            long oldest = long.MaxValue;
            foreach (int e in _table.EntryIndexes())
            {
                ref var slot = ref _table.Value(e);
                if (slot.Count > 0 && slot.FirstSeq < oldest) oldest = slot.FirstSeq;
            }

            return oldest;
        }
    }

    /// <summary>A barrier was held: when it is the first, count the open windows it waits for.</summary>
    protected override void OnBarrierHeld()
    {
        if (_windows.IsTumbling && HeldBarriers == 1) CountPendingBeforeFirst();
    }

    private void CountPendingBeforeFirst()
    {
        long horizon = FirstHeldHorizon;
        int pending = 0;
        foreach (int e in _table.EntryIndexes())
        {
            ref var slot = ref _table.Value(e);
            if (slot.Count > 0 && slot.FirstSeq < horizon) pending++;
        }

        _pendingBeforeFirst = pending;
    }

    /// <summary>A tumbling window whose first element was <paramref name="firstSeq"/> was emitted: the first held barrier may pass now.</summary>
    private void WindowEmitted(long firstSeq)
    {
        if (_openWindows > 0) _openWindows--; // windows restored from a checkpoint were never counted (nor are barriers held then)
        if (HeldBarriers == 0 || firstSeq >= FirstHeldHorizon || --_pendingBeforeFirst > 0) return;
        ReleaseBarriers(BarrierWatermark);
        if (HeldBarriers > 0) CountPendingBeforeFirst();
    }

    /// <summary>In a streaming run without checkpoint storage, warns once per run and operator that checkpoints wait for windows to fill.</summary>
    private void WarnOfHeldCheckpoints()
    {
        _checkedStorage = true;
        if (_logger is null || SnapshotsEnabled || !Context.Policy.WatermarksDuringRun) return;
        var warned = Warned.GetValue(Context.Run, static _ => []);
        lock (warned)
        {
            if (!warned.Add(Context.OperatorName)) return;
        }

        CountWindowLog.HoldsCheckpoints(_logger, Context.Run.Pipeline, Context.OperatorName);
    }

    private void AddTumbling(TKey key, int e, bool opened, TIn value, long timestamp)
    {
        ref var slot = ref _table.Value(e);
        if (opened || slot.Count == 0)
        {
            slot.Accumulator = _panes.Aggregator.CreateAccumulator();
            (slot.Earliest, slot.Latest) = (timestamp, timestamp);
        }

        // The slot changes only once nothing can fail any more: a failing element leaves the window as it was.
        TAcc accumulator = _panes.AddTo(slot.Accumulator, value, timestamp);
        long earliest = Math.Min(slot.Earliest, timestamp), latest = Math.Max(slot.Latest, timestamp);
        long seq = _elements++;
        if (slot.Count + 1 == _windows.Size)
        {
            Emit(key, accumulator, earliest, latest, slot.PaneIndex, Watermark);
            slot.PaneIndex++;
            bool wasOpen = slot.Count > 0;
            slot.Count = 0;
            slot.Accumulator = default!;
            if (wasOpen) WindowEmitted(slot.FirstSeq);
            return;
        }

        (slot.Accumulator, slot.Earliest, slot.Latest) = (accumulator, earliest, latest);
        if (slot.Count == 0)
        {
            slot.FirstSeq = seq;
            _openWindows++;
        }

        slot.Count++;
    }

    private void AddSliding(TKey key, int e, bool opened, TIn value, long timestamp)
    {
        ref var slot = ref _table.Value(e);
        if (opened) (slot.Values, slot.Stamps) = (new List<TIn>(_windows.Size), new List<long>(_windows.Size));
        var values = slot.Values!;
        var stamps = slot.Stamps!;
        values.Add(value);
        stamps.Add(timestamp);
        bool trimmed = false;
        TIn first = values[0];
        long firstStamp = stamps[0];
        if (values.Count > _windows.Size)
        {
            values.RemoveAt(0);
            stamps.RemoveAt(0);
            trimmed = true;
        }

        if (slot.Count + 1 < _windows.Slide)
        {
            slot.Count++;
            return;
        }

        try
        {
            EmitSliding(key, ref slot, Watermark);
        }
        catch
        {
            // The failing element is undone: the window is as it was before it.
            values.RemoveAt(values.Count - 1);
            stamps.RemoveAt(stamps.Count - 1);
            if (trimmed)
            {
                values.Insert(0, first);
                stamps.Insert(0, firstStamp);
            }

            throw;
        }

        slot.Count = 0;
    }

    private void EmitSliding(TKey key, ref CountSlot<TIn, TAcc> slot, long passed)
    {
        TAcc acc = _panes.Aggregator.CreateAccumulator();
        long earliest = long.MaxValue, latest = long.MinValue;
        for (int i = 0; i < slot.Values!.Count; i++)
        {
            long t = slot.Stamps![i];
            acc = _panes.AddTo(acc, slot.Values[i], t);
            if (t < earliest) earliest = t;
            if (t > latest) latest = t;
        }

        Emit(key, acc, earliest, latest, slot.PaneIndex, passed);
        slot.PaneIndex++;
    }

    private void Emit(TKey key, TAcc accumulator, long earliest, long latest, int paneIndex, long passed)
    {
        TOut result = _panes.Aggregator.GetResult(accumulator);
        var window = earliest == EventTime.MinWatermark ? GlobalWindows.Window : new Window(earliest, EventTime.SaturatingAdd(latest, 1));
        long stamp = latest > passed ? latest : EventTime.SaturatingAdd(passed, 1);
        _panes.Output.Emit(new WindowResult<TKey, TOut>(key, window, result, PaneTiming.OnTime, paneIndex), stamp);
        Context.Telemetry.Pane(PaneTiming.OnTime);
    }

    /// <summary>At +∞ (the end of input) each key's window that is not full is emitted, stamped after the watermark passed before.</summary>
    protected override void OnWatermarkAdvanced(long watermark)
    {
        if (watermark == EventTime.MaxWatermark)
        {
            foreach (int e in EndOrder())
            {
                ref var slot = ref _table.Value(e);
                TKey key = KeyIds[_table.KeyOf(e)];
                try
                {
                    if (_windows.IsTumbling && slot.Count > 0) Emit(key, slot.Accumulator, slot.Earliest, slot.Latest, slot.PaneIndex, WatermarkBeforeEnd);
                    else if (slot.Count > 0) EmitSliding(key, ref slot, WatermarkBeforeEnd);
                }
                catch (Exception ex)
                {
                    Context.Errors.Handle(ex, (key, "last count window"), WatermarkBeforeEnd);
                }

                _table.Remove(e);
            }

            // Every window is out: the held barriers pass (after this, through the base's release).
            (_openWindows, _pendingBeforeFirst) = (0, 0);
        }

    }

    /// <summary>
    /// The keys' windows in a order that does not depend on how the state was laid out (a restored worker's differs):
    /// by their latest element's event time, then by key where keys are comparable.
    /// </summary>
    private List<int> EndOrder()
    {
        var entries = _table.EntryIndexes().ToList();
        var keys = Comparer<TKey>.Default;
        bool comparable = typeof(IComparable<TKey>).IsAssignableFrom(typeof(TKey)) || typeof(IComparable).IsAssignableFrom(typeof(TKey));
        entries.Sort((x, y) =>
        {
            int c = LatestOf(x).CompareTo(LatestOf(y));
            return c != 0 || !comparable ? c : keys.Compare(KeyIds[_table.KeyOf(x)], KeyIds[_table.KeyOf(y)]);
        });
        return entries;
    }

    private long LatestOf(int entry)
    {
        ref var slot = ref _table.Value(entry);
        return slot.Stamps is { Count: > 0 } stamps ? stamps[^1] : slot.Latest;
    }

    protected override void OnTimer(TimeDomain domain, in KeyedTimer timer)
    {
    }
}
