using Pipelines.Runtime;
using Pipelines.State;

namespace Pipelines.Operators;

/// <summary>
/// Joins two keyed streams on key and window: when the watermark passes a window's end, every left element of a
/// key in that window is paired with every right element of the same key and window. With an allowed lateness the
/// window's elements are kept that much longer, and an element arriving in that time is paired at once with the
/// other side's elements already there (only the new pairs: every pair is emitted once). An element whose windows
/// are all past their cleanup time is late: counted and sent to the late output of its side.
/// </summary>
internal sealed class WindowJoin<TLeft, TRight, TKey, TOut> : KeyedTwoInputStage<TLeft, TRight, TKey>
    where TKey : notnull
{
    private readonly Func<TLeft, TKey> _leftKey;
    private readonly Func<TRight, TKey> _rightKey;
    private readonly WindowAssigner _assigner;
    private readonly Func<TLeft, TRight, TOut> _selector;
    private readonly long _lateness;
    private readonly ElementOutput<TOut> _output;
    private readonly Output<TLeft>? _lateLeft;
    private readonly Output<TRight>? _lateRight;
    private readonly StateTable<TKey, List<TLeft>> _left;
    private readonly StateTable<TKey, List<TRight>> _right;
    private readonly Window[] _assigned;

    public WindowJoin(
        Func<TLeft, TKey> leftKey,
        Func<TRight, TKey> rightKey,
        WindowAssigner assigner,
        long allowedLateness,
        Func<TLeft, TRight, TOut> selector,
        Output<TOut> output,
        Output<TLeft>? lateLeft,
        Output<TRight>? lateRight,
        OperatorContext context)
        : base(context, IntervalJoin<TLeft, TRight, TKey, TOut>.Outputs(output, lateLeft, lateRight))
    {
        (_leftKey, _rightKey, _assigner, _lateness, _selector) = (leftKey, rightKey, assigner, allowedLateness, selector);
        _output = new ElementOutput<TOut>(output, context.Errors.Policy);
        (_lateLeft, _lateRight) = (lateLeft, lateRight);
        _left = State.Lists<TLeft>("left");
        _right = State.Lists<TRight>("right");
        _assigned = new Window[assigner.MaxWindowsPerElement];
    }

    protected override void OnLeft(TLeft value, long timestamp)
    {
        if (!Add(Keys.NotNull(_leftKey(value)), timestamp, value, _left, _right, static (self, l, r) => self._selector(l, r)))
        {
            Lateness.Drop(Context, _lateLeft, value, timestamp);
        }
    }

    protected override void OnRight(TRight value, long timestamp)
    {
        if (!Add(Keys.NotNull(_rightKey(value)), timestamp, value, _right, _left, static (self, r, l) => self._selector(l, r)))
        {
            Lateness.Drop(Context, _lateRight, value, timestamp);
        }
    }

    /// <summary>Stores an element in each of its windows that still takes elements; false when there is none (late).</summary>
    private bool Add<TMine, TOther>(TKey keyValue, long timestamp, TMine value, StateTable<TKey, List<TMine>> mine, StateTable<TKey, List<TOther>> other, Func<WindowJoin<TLeft, TRight, TKey, TOut>, TMine, TOther, TOut> pair)
    {
        int n = _assigner.AssignWindows(timestamp, _assigned);
        int key = KeyIds.GetOrAdd(keyValue);
        bool accepted = false;
        try
        {
            // Pairs with what a window that already fired holds come first, so a failing selector leaves no state behind.
            for (int w = 0; w < n; w++)
            {
                Window window = _assigned[w];
                if (Lateness.IsExpired(Lateness.CleanupTime(window.MaxTimestamp, _lateness), Watermark) || window.MaxTimestamp > Watermark) continue;
                int theirs = other.Find(key, window);
                if (theirs < 0) continue;
                foreach (var item in other.Value(theirs)) _output.Emit(pair(this, value, item), window.MaxTimestamp);
            }
        }
        catch
        {
            KeyIds.ReleaseIfUnreferenced(key);
            throw;
        }

        _output.Commit();
        for (int w = 0; w < n; w++)
        {
            Window window = _assigned[w];
            long cleanup = Lateness.CleanupTime(window.MaxTimestamp, _lateness);
            if (Lateness.IsExpired(cleanup, Watermark)) continue;
            accepted = true;
            int entry = mine.GetOrAdd(key, window, out bool added);
            if (added)
            {
                mine.Value(entry) = [];
                ExtendHorizon(cleanup);
                if (window.MaxTimestamp > Watermark) Timers.Register(TimeDomain.EventTime, key, window, window.MaxTimestamp);
                Timers.Register(TimeDomain.EventTime, key, window, cleanup);
            }

            mine.Value(entry).Add(value);
        }

        KeyIds.ReleaseIfUnreferenced(key);
        return accepted;
    }

    protected override void OnTimer(TimeDomain domain, in KeyedTimer timer)
    {
        Window window = timer.Namespace;
        if (timer.Time == window.MaxTimestamp) Fire(timer.Key, window);
        if (timer.Time == Lateness.CleanupTime(window.MaxTimestamp, _lateness)) State.Clear(timer.Key, window);
    }

    /// <summary>The window is complete: every left element with every right one, each pair on its own (a failing selector skips that pair).</summary>
    private void Fire(int key, Window window)
    {
        int l = _left.Find(key, window), r = _right.Find(key, window);
        if (l < 0 || r < 0) return;
        long time = window.MaxTimestamp;
        foreach (var left in _left.Value(l))
        {
            foreach (var right in _right.Value(r))
            {
                try
                {
                    _output.Output.Emit(_selector(left, right), time);
                }
                catch (Exception ex)
                {
                    Context.Errors.Handle(ex, (left, right), time);
                }
            }
        }
    }

    protected override void DiscardElementOutput() => _output.Discard();
}
