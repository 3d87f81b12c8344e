using Pipelines.Runtime;
using Pipelines.State;
using Pipelines.State.Snapshots;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// Enriches each element with the table row valid at the element's event time <c>t</c> (Flink's
/// <c>FOR SYSTEM_TIME AS OF</c>): the version of its key with the latest time at or before <c>t</c>, none when that
/// version is a delete or there is none. Port 0 is the stream, port 1 the table's changes.
/// <list type="bullet">
/// <item>The table keeps its versions per key (one state entry, <see cref="Namespaces.Global"/>), sorted by time.
/// A version is dropped once a newer one is expired (its time plus the allowed lateness at or behind the
/// watermark): no element that is not late can ask for it any more. An expired delete at the head is dropped too,
/// so a deleted key's state goes.</item>
/// <item>An element waits in state (namespace <c>[t, t + 1)</c> of its key) until the watermark of both inputs
/// reaches <c>t</c>, when every version up to <c>t</c> has arrived; an event-time timer at <c>t</c> emits the
/// key's elements at <c>t</c>, at their own event time. So bounded and streaming runs give the same results.</item>
/// <item>Lateness is the joins' rule: an element or change is late when <c>t</c> plus the allowed lateness is at
/// or behind the watermark — counted and sent to the late outputs. An element behind the watermark but within the
/// allowed lateness is joined at once with the versions held; a change within it becomes a version for the
/// elements that come after it.</item>
/// </list>
/// In the left variant an element without a valid row is emitted with <c>default</c> for the row; in the inner
/// one it is dropped. Checkpoints write both tables (<c>TemporalJoin.Checkpoint.cs</c>).
/// </summary>
internal sealed partial class TemporalJoin<T, TKey, TRow, TOut> : KeyedTwoInputStage<T, Change<TKey, TRow>, TKey>
    where TKey : notnull
{
    private readonly Func<T, TKey> _key;
    private readonly long _lateness;
    private readonly bool _keepUnmatched;
    private readonly Func<T, TRow?, TOut> _selector;
    private readonly Output<TOut> _output;
    private readonly Output<T>? _lateElements;
    private readonly Output<Change<TKey, TRow>>? _lateChanges;
    private readonly StateTable<TKey, Versions> _versions;
    private readonly StateTable<TKey, List<T>> _pending;

    public TemporalJoin(
        Func<T, TKey> key,
        long allowedLateness,
        bool keepUnmatched,
        Func<T, TRow?, TOut> selector,
        Output<TOut> output,
        Output<T>? lateElements,
        Output<Change<TKey, TRow>>? lateChanges,
        OperatorContext context)
        : base(context, IntervalJoin<T, Change<TKey, TRow>, TKey, TOut>.Outputs(output, lateElements, lateChanges))
    {
        (_key, _lateness, _keepUnmatched, _selector, _output) = (key, allowedLateness, keepUnmatched, selector, output);
        (_lateElements, _lateChanges) = (lateElements, lateChanges);
        _versions = State.KeyValues<Versions>("versions");
        _pending = State.Lists<T>("pending");
        CheckpointStateAs("versions", (serializers, op) => new VersionsCodec(serializers.Require<TRow>(op, "table row")));
        CheckpointStateAs("pending", (serializers, op) => new ListCodec<T>(serializers.Require<T>(op, "stream element")));
    }

    private bool IsLate(long timestamp) => Lateness.IsExpired(Lateness.CleanupTime(timestamp, _lateness), Watermark);

    /// <summary>The namespace of a key's elements waiting at <paramref name="timestamp"/>.</summary>
    private static Window WaitingAt(long timestamp) => new(timestamp, EventTime.SaturatingAdd(timestamp, 1));

    protected override Func<T, TKey> LeftKeySelector => _key;

    protected override Func<Change<TKey, TRow>, TKey> RightKeySelector => ChangeKey;

    /// <summary>A table change's key.</summary>
    private static readonly Func<Change<TKey, TRow>, TKey> ChangeKey = change => change.Key;

    protected override void OnLeft(T value, long timestamp)
    {
        if (IsLate(timestamp))
        {
            Lateness.Drop(Context, _lateElements, value, timestamp);
            return;
        }

        int key = KeyIds.GetOrAdd(Keys.NotNull(_key(value)));
        if (timestamp <= Watermark)
        {
            // Behind the watermark, within the allowed lateness: every version up to its time is here already.
            try
            {
                Emit(key, value, timestamp);
            }
            finally
            {
                KeyIds.ReleaseIfUnreferenced(key);
            }

            return;
        }

        var ns = WaitingAt(timestamp);
        int entry = _pending.GetOrAdd(key, ns, out bool added);
        if (added)
        {
            _pending.Value(entry) = [];
            Timers.Register(TimeDomain.EventTime, key, ns, timestamp);
            ExtendHorizon(timestamp);
        }

        _pending.Value(entry).Add(value);
    }

    protected override void OnRight(Change<TKey, TRow> change, long timestamp)
    {
        if (IsLate(timestamp))
        {
            Lateness.Drop(Context, _lateChanges, change, timestamp);
            return;
        }

        int key = KeyIds.GetOrAdd(Keys.NotNull(change.Key));
        int entry = _versions.GetOrAdd(key, Namespaces.Global, out bool added);
        if (added) _versions.Value(entry) = new Versions();
        var versions = _versions.Value(entry);
        versions.Put(new Version(timestamp, change.IsDelete ? default : change.Row, change.IsDelete));

        // Versions can be asked for by any later element: without checkpoint storage a barrier cannot pass a stage
        // that holds a table (as with a process function); with it, the state is snapshotted and the barrier passes.
        ExtendHorizon(long.MaxValue);
        Schedule(key, versions);
    }

    protected override void OnTimer(TimeDomain domain, in KeyedTimer timer)
    {
        if (timer.Namespace == Namespaces.Global)
        {
            Prune(timer.Key, timer.Time);
            return;
        }

        int entry = _pending.Find(timer.Key, timer.Namespace);
        if (entry < 0) return;
        var waiting = _pending.Value(entry);
        _pending.Remove(entry);
        foreach (var value in waiting)
        {
            try
            {
                Emit(timer.Key, value, timer.Time);
            }
            catch (Exception ex)
            {
                Context.Errors.Handle(ex, value, timer.Time);
            }
        }
    }

    /// <summary>Joins an element with its key's row valid at <paramref name="timestamp"/>.</summary>
    private void Emit(int key, T value, long timestamp)
    {
        int entry = _versions.Find(key, Namespaces.Global);
        if (entry >= 0 && _versions.Value(entry).TryGetValidAt(timestamp, out var row))
        {
            _output.Emit(_selector(value, row), timestamp);
        }
        else if (_keepUnmatched)
        {
            _output.Emit(_selector(value, default), timestamp);
        }
    }

    /// <summary>
    /// Drops the versions of <paramref name="key"/> that no element that is not late at <paramref name="time"/> can
    /// ask for. Pruning goes by the timer's time, not the watermark: when the watermark jumps (the end of a bounded
    /// run, a gap in the input), the elements waiting before it have not been emitted yet — their timers fire in
    /// time order with this one.
    /// </summary>
    private void Prune(int key, long time)
    {
        int entry = _versions.Find(key, Namespaces.Global);
        if (entry < 0) return;
        var versions = _versions.Value(entry);
        versions.NextCleanup = long.MaxValue;
        versions.DropExpired(time, _lateness);
        if (versions.Count == 0)
        {
            _versions.Remove(entry);
            return;
        }

        Schedule(key, versions);
    }

    /// <summary>Keeps one cleanup timer per key, at the time its oldest version becomes obsolete.</summary>
    private void Schedule(int key, Versions versions)
    {
        long needed = versions.ObsoleteAt(_lateness);
        if (needed == versions.NextCleanup) return;
        if (versions.NextCleanup != long.MaxValue) Timers.Delete(TimeDomain.EventTime, key, Namespaces.Global, versions.NextCleanup);
        versions.NextCleanup = needed;
        if (needed != long.MaxValue) Timers.Register(TimeDomain.EventTime, key, Namespaces.Global, needed);
    }

    /// <summary>One version of a key's row: the row from <see cref="Time"/> on, or none after a delete.</summary>
    internal readonly record struct Version(long Time, TRow? Row, bool Deleted);

    /// <summary>A key's versions, oldest first, and its pending cleanup time.</summary>
    internal sealed class Versions
    {
        private readonly List<Version> _list = [];

        public int Count => _list.Count;

        public IReadOnlyList<Version> List => _list;

        public long NextCleanup { get; set; } = long.MaxValue;

        /// <summary>Adds a version in time order; one at the same time as an earlier one replaces it (the last change wins).</summary>
        public void Put(Version version)
        {
            int i = _list.Count;
            while (i > 0 && _list[i - 1].Time > version.Time) i--;
            if (i > 0 && _list[i - 1].Time == version.Time) _list[i - 1] = version;
            else _list.Insert(i, version);
        }

        /// <summary>The row of the version valid at <paramref name="time"/>: the latest at or before it, unless a delete.</summary>
        public bool TryGetValidAt(long time, out TRow? row)
        {
            for (int i = _list.Count - 1; i >= 0; i--)
            {
                if (_list[i].Time <= time)
                {
                    row = _list[i].Row;
                    return !_list[i].Deleted;
                }
            }

            row = default;
            return false;
        }

        /// <summary>
        /// Drops what no element that is not late can ask for at <paramref name="watermark"/>: every version older
        /// than the newest one that is expired (its time plus <paramref name="lateness"/> at or behind the
        /// watermark), and leading deletes that are expired (a delete answers "no row", as no version does).
        /// </summary>
        public void DropExpired(long watermark, long lateness)
        {
            int valid = -1;
            while (valid + 1 < _list.Count && Expired(_list[valid + 1].Time, watermark, lateness)) valid++;
            if (valid > 0) _list.RemoveRange(0, valid);
            while (_list.Count > 0 && _list[0].Deleted && Expired(_list[0].Time, watermark, lateness)) _list.RemoveAt(0);
        }

        private static bool Expired(long time, long watermark, long lateness) => Lateness.IsExpired(Lateness.CleanupTime(time, lateness), watermark);

        /// <summary>When the oldest version can be dropped (the watermark at which it is no longer needed), or <see cref="long.MaxValue"/>.</summary>
        public long ObsoleteAt(long lateness)
        {
            if (_list.Count > 0 && _list[0].Deleted) return Lateness.CleanupTime(_list[0].Time, lateness);
            return _list.Count >= 2 ? Lateness.CleanupTime(_list[1].Time, lateness) : long.MaxValue;
        }
    }
}
