using System.Runtime.InteropServices;
using Pipelines.Runtime;
using Pipelines.State;
using Pipelines.State.Snapshots;
using Pipelines.Time;

namespace Pipelines.Operators;

/// <summary>
/// Pairs each left element <c>l</c> with every right element <c>r</c> of the same key where
/// <c>l.t + lower &lt;= r.t &lt;= l.t + upper</c>, as soon as both have arrived; the result's event time is the
/// later of the two. A left element is kept until the watermark passes <c>l.t + upper</c> plus the allowed
/// lateness, a right one until it passes <c>r.t − lower</c> plus the allowed lateness: by then no element that is
/// not late can match it. An element is late when <c>t</c> plus the allowed lateness is at or behind the
/// watermark; late elements go to the late outputs. Each key keeps its two buffers in one state entry and one
/// cleanup timer, at the earliest time something in them expires. In an outer join, an element that found no
/// partner by the time it is dropped is emitted with <c>default</c> for the other side, at its own event time.
/// </summary>
internal sealed partial class IntervalJoin<TLeft, TRight, TKey, TOut> : KeyedTwoInputStage<TLeft, TRight, TKey>
    where TKey : notnull
{
    private readonly Func<TLeft, TKey> _leftKey;
    private readonly Func<TRight, TKey> _rightKey;
    private readonly long _lower;
    private readonly long _upper;
    private readonly long _lateness;
    private readonly JoinKind _kind;

    // −lower and −upper, saturated: a bound of TimeSpan.MinValue has no negation in a long, and wrapping would
    // turn "any earlier time" into "no time at all".
    private readonly long _minusLower;
    private readonly long _minusUpper;
    private readonly Func<TLeft?, TRight?, TOut> _selector;

    /// <summary>How far behind the input watermark the join's results can be (<see cref="HoldBack"/>).</summary>
    private readonly long _holdBack;
    private readonly ElementOutput<TOut> _output;
    private readonly Output<TLeft>? _lateLeft;
    private readonly Output<TRight>? _lateRight;
    private readonly StateTable<TKey, Buffers> _buffers;

    public IntervalJoin(
        Func<TLeft, TKey> leftKey,
        Func<TRight, TKey> rightKey,
        long lower,
        long upper,
        long allowedLateness,
        JoinKind kind,
        Func<TLeft?, TRight?, TOut> selector,
        Output<TOut> output,
        Output<TLeft>? lateLeft,
        Output<TRight>? lateRight,
        OperatorContext context)
        : base(context, Outputs(output, lateLeft, lateRight))
    {
        (_leftKey, _rightKey, _lower, _upper, _lateness, _kind, _selector) = (leftKey, rightKey, lower, upper, allowedLateness, kind, selector);
        _minusLower = lower == long.MinValue ? long.MaxValue : -lower;
        _minusUpper = upper == long.MinValue ? long.MaxValue : -upper;
        _holdBack = HoldBack(lower, upper, allowedLateness, kind);
        _output = new ElementOutput<TOut>(output, context.Errors.Policy);
        (_lateLeft, _lateRight) = (lateLeft, lateRight);
        _buffers = State.KeyValues<Buffers>("buffers");
        CheckpointStateAs("buffers", (serializers, op) => new BuffersCodec(serializers.Require<TLeft>(op, "left element"), serializers.Require<TRight>(op, "right element")));
    }

    internal static IOutput[] Outputs(IOutput output, IOutput? lateLeft, IOutput? lateRight) =>
        [output, .. lateLeft is null ? Array.Empty<IOutput>() : [lateLeft], .. lateRight is null ? Array.Empty<IOutput>() : [lateRight]];

    private bool IsLate(long timestamp) => Lateness.IsExpired(Lateness.CleanupTime(timestamp, _lateness), Watermark);

    protected override Func<TLeft, TKey> LeftKeySelector => _leftKey;

    protected override Func<TRight, TKey> RightKeySelector => _rightKey;

    protected override void OnLeft(TLeft value, long timestamp)
    {
        if (IsLate(timestamp))
        {
            Lateness.Drop(Context, _lateLeft, value, timestamp);
            return;
        }

        int key = KeyIds.GetOrAdd(Keys.NotNull(_leftKey(value)));
        int entry = _buffers.Find(key, Namespaces.Global);
        long from = EventTime.SaturatingAdd(timestamp, _lower), to = EventTime.SaturatingAdd(timestamp, _upper);
        bool matched = false;
        try
        {
            if (entry >= 0)
            {
                foreach (ref var right in CollectionsMarshal.AsSpan(_buffers.Value(entry).Right))
                {
                    if (right.Timestamp >= from && right.Timestamp <= to)
                    {
                        _output.Emit(_selector(value, right.Value), Math.Max(timestamp, right.Timestamp));
                        matched = true;
                    }
                }
            }
        }
        catch
        {
            KeyIds.ReleaseIfUnreferenced(key);
            throw;
        }

        _output.Commit();
        var buffers = BuffersOf(key, entry);
        if (matched) MarkMatched(CollectionsMarshal.AsSpan(buffers.Right), from, to);
        buffers.Left.Add(new Buffered<TLeft>(timestamp, value, matched));
        Schedule(key, buffers, Lateness.CleanupTime(to, _lateness));
    }

    protected override void OnRight(TRight value, long timestamp)
    {
        if (IsLate(timestamp))
        {
            Lateness.Drop(Context, _lateRight, value, timestamp);
            return;
        }

        int key = KeyIds.GetOrAdd(Keys.NotNull(_rightKey(value)));
        int entry = _buffers.Find(key, Namespaces.Global);
        long from = EventTime.SaturatingAdd(timestamp, _minusUpper), to = EventTime.SaturatingAdd(timestamp, _minusLower);
        bool matched = false;
        try
        {
            if (entry >= 0)
            {
                foreach (ref var left in CollectionsMarshal.AsSpan(_buffers.Value(entry).Left))
                {
                    if (left.Timestamp >= from && left.Timestamp <= to)
                    {
                        _output.Emit(_selector(left.Value, value), Math.Max(timestamp, left.Timestamp));
                        matched = true;
                    }
                }
            }
        }
        catch
        {
            KeyIds.ReleaseIfUnreferenced(key);
            throw;
        }

        _output.Commit();
        var buffers = BuffersOf(key, entry);
        if (matched) MarkMatched(CollectionsMarshal.AsSpan(buffers.Left), from, to);
        buffers.Right.Add(new Buffered<TRight>(timestamp, value, matched));
        Schedule(key, buffers, Lateness.CleanupTime(to, _lateness));
    }

    protected override void DiscardElementOutput() => _output.Discard();

    /// <summary>The buffered elements in [<paramref name="from"/>, <paramref name="to"/>] found a partner.</summary>
    private static void MarkMatched<T>(Span<Buffered<T>> buffered, long from, long to)
    {
        foreach (ref var element in buffered)
        {
            if (element.Timestamp >= from && element.Timestamp <= to) element.Matched = true;
        }
    }

    private bool KeepsLeft => _kind is JoinKind.LeftOuter or JoinKind.FullOuter;

    private bool KeepsRight => _kind is JoinKind.RightOuter or JoinKind.FullOuter;

    private Buffers BuffersOf(int key, int entry)
    {
        if (entry >= 0) return _buffers.Value(entry);
        entry = _buffers.GetOrAdd(key, Namespaces.Global, out _);
        return _buffers.Value(entry) = new Buffers();
    }

    private void Schedule(int key, Buffers buffers, long cleanup)
    {
        ExtendHorizon(cleanup);
        if (cleanup < buffers.NextCleanup)
        {
            if (buffers.NextCleanup != long.MaxValue) Timers.Delete(TimeDomain.EventTime, key, Namespaces.Global, buffers.NextCleanup);
            buffers.NextCleanup = cleanup;
            Timers.Register(TimeDomain.EventTime, key, Namespaces.Global, cleanup);
        }
    }

    protected override void OnTimer(TimeDomain domain, in KeyedTimer timer)
    {
        int entry = _buffers.Find(timer.Key, Namespaces.Global);
        if (entry < 0) return;
        var buffers = _buffers.Value(entry);
        long watermark = Watermark;
        if (KeepsLeft)
        {
            foreach (var e in buffers.Left)
            {
                if (!e.Matched && LeftExpiry(e.Timestamp) <= watermark) EmitAlone(e.Value, default, e.Timestamp, leftAlone: true);
            }
        }

        if (KeepsRight)
        {
            foreach (var e in buffers.Right)
            {
                if (!e.Matched && RightExpiry(e.Timestamp) <= watermark) EmitAlone(default, e.Value, e.Timestamp, leftAlone: false);
            }
        }

        buffers.Left.RemoveAll(e => LeftExpiry(e.Timestamp) <= watermark);
        buffers.Right.RemoveAll(e => RightExpiry(e.Timestamp) <= watermark);
        buffers.NextCleanup = long.MaxValue;
        if (buffers.Left.Count == 0 && buffers.Right.Count == 0)
        {
            _buffers.Remove(entry);
            return;
        }

        foreach (var e in buffers.Left) Schedule(timer.Key, buffers, LeftExpiry(e.Timestamp));
        foreach (var e in buffers.Right) Schedule(timer.Key, buffers, RightExpiry(e.Timestamp));
    }

    /// <summary>
    /// How far behind the input watermark a result can be stamped, by which the join holds back the watermark it
    /// passes on (as Flink SQL's interval join does), so that a window after the join counts it instead of dropping
    /// it as late — in a streaming run as in a bounded one, where the watermark only moves at the end. A pair is
    /// stamped with its later element, which is at most the allowed lateness behind the watermark; an outer join's
    /// left element without a partner is emitted at its own time once the watermark passes it by <c>upper</c> plus
    /// the lateness, a right one once it passes it by <c>−lower</c> plus the lateness.
    /// </summary>
    private static long HoldBack(long lower, long upper, long lateness, JoinKind kind)
    {
        long behind = 0;
        if (kind is JoinKind.LeftOuter or JoinKind.FullOuter) behind = Math.Max(behind, upper);
        if (kind is JoinKind.RightOuter or JoinKind.FullOuter) behind = Math.Max(behind, lower == long.MinValue ? long.MaxValue : -lower);
        return EventTime.SaturatingAdd(behind, lateness);
    }

    protected override long OutputWatermark(long watermark) =>
        _holdBack == 0 || watermark is EventTime.MaxWatermark or EventTime.MinWatermark ? watermark : EventTime.SaturatingAdd(watermark, -_holdBack);

    /// <summary>When a left element at <paramref name="t"/> can no longer be matched by an element that is not late.</summary>
    private long LeftExpiry(long t) => Lateness.CleanupTime(EventTime.SaturatingAdd(t, _upper), _lateness);

    /// <summary>When a right element at <paramref name="t"/> can no longer be matched by an element that is not late.</summary>
    private long RightExpiry(long t) => Lateness.CleanupTime(EventTime.SaturatingAdd(t, _minusLower), _lateness);

    /// <summary>
    /// An outer join's element without a partner (<paramref name="leftAlone"/>: the left one); a failing selector
    /// follows the error policy with that element, and the rest goes on.
    /// </summary>
    private void EmitAlone(TLeft? left, TRight? right, long timestamp, bool leftAlone)
    {
        try
        {
            _output.Output.Emit(_selector(left, right), timestamp);
        }
        catch (Exception ex)
        {
            // Which side is alone, not whether a side is null: a value type's default (0) is not "no element".
            Context.Errors.Handle(ex, leftAlone ? left : right, timestamp);
        }
    }

    /// <summary>One key's buffered elements on each side and its pending cleanup time.</summary>
    internal sealed class Buffers
    {
        public List<Buffered<TLeft>> Left { get; } = [];

        public List<Buffered<TRight>> Right { get; } = [];

        public long NextCleanup { get; set; } = long.MaxValue;
    }

    /// <summary>A buffered element, and whether it has found a partner (outer joins emit the others alone).</summary>
    internal record struct Buffered<T>(long Timestamp, T Value, bool Matched);
}
