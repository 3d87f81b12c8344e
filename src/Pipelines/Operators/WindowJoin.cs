using Pipelines.Runtime;
using Pipelines.State;
using Pipelines.State.Snapshots;

namespace Pipelines.Operators;

/// <summary>
/// Joins or co-groups two keyed streams on key and window (<see cref="WindowPairing{TLeft,TRight,TKey,TOut}"/>
/// decides what is emitted): each (key, window) keeps a list per side; when the watermark passes the window's end,
/// its elements are handed to the pairing. With an allowed lateness the lists are kept that much longer and an
/// element arriving in that time is handed over at once. An element whose windows are all past their cleanup time
/// is late: counted and sent to the late output of its side.
/// </summary>
internal sealed class WindowJoin<TLeft, TRight, TKey, TOut> : KeyedTwoInputStage<TLeft, TRight, TKey>
    where TKey : notnull
{
    private readonly Func<TLeft, TKey> _leftKey;
    private readonly Func<TRight, TKey> _rightKey;
    private readonly WindowAssigner _assigner;
    private readonly WindowPairing<TLeft, TRight, TKey, TOut> _pairing;
    private readonly long _lateness;
    private readonly ElementOutput<TOut> _output;
    private readonly Output<TLeft>? _lateLeft;
    private readonly Output<TRight>? _lateRight;
    private readonly StateTable<TKey, List<TLeft>> _left;
    private readonly StateTable<TKey, List<TRight>> _right;
    private readonly Window[] _assigned;

    /// <summary>The entry each of the element being added went into (−1: a window it was too late for), taken back from when a later one fails.</summary>
    private readonly int[] _stored;
    private readonly Action<TOut> _emitHeld;
    private readonly Action<TOut> _emitFired;
    private readonly Action<Exception, object?> _fail;
    private long _emitTime;

    public WindowJoin(
        Func<TLeft, TKey> leftKey,
        Func<TRight, TKey> rightKey,
        WindowAssigner assigner,
        long allowedLateness,
        WindowPairing<TLeft, TRight, TKey, TOut> pairing,
        Output<TOut> output,
        Output<TLeft>? lateLeft,
        Output<TRight>? lateRight,
        OperatorContext context)
        : base(context, IntervalJoin<TLeft, TRight, TKey, TOut>.Outputs(output, lateLeft, lateRight))
    {
        (_leftKey, _rightKey, _assigner, _lateness, _pairing) = (leftKey, rightKey, assigner, allowedLateness, pairing);
        _output = new ElementOutput<TOut>(output, context.Errors.Policy);
        (_lateLeft, _lateRight) = (lateLeft, lateRight);
        _left = State.Lists<TLeft>("left");
        _right = State.Lists<TRight>("right");
        CheckpointStateAs("left", (serializers, op) => new ListCodec<TLeft>(serializers.Require<TLeft>(op, "left element")));
        CheckpointStateAs("right", (serializers, op) => new ListCodec<TRight>(serializers.Require<TRight>(op, "right element")));
        _assigned = new Window[assigner.MaxWindowsPerElement];
        _stored = new int[assigner.MaxWindowsPerElement];
        _emitHeld = value => _output.Emit(value, _emitTime);
        _emitFired = value => _output.Output.Emit(value, _emitTime);
        _fail = (ex, element) => Context.Errors.Handle(ex, element, _emitTime);
    }

    protected override Func<TLeft, TKey> LeftKeySelector => _leftKey;

    protected override Func<TRight, TKey> RightKeySelector => _rightKey;

    protected override void OnLeft(TLeft value, long timestamp)
    {
        if (!Add(Keys.NotNull(_leftKey(value)), timestamp, value, _left, isLeft: true)) Lateness.Drop(Context, _lateLeft, value, timestamp);
    }

    protected override void OnRight(TRight value, long timestamp)
    {
        if (!Add(Keys.NotNull(_rightKey(value)), timestamp, value, _right, isLeft: false)) Lateness.Drop(Context, _lateRight, value, timestamp);
    }

    /// <summary>Stores an element in each of its windows that still takes elements; false when there is none (late).</summary>
    private bool Add<TMine>(TKey keyValue, long timestamp, TMine value, StateTable<TKey, List<TMine>> mine, bool isLeft)
    {
        int n = _assigner.AssignWindows(timestamp, _assigned);
        int key = KeyIds.GetOrAdd(keyValue);
        KeyIds.AddReference(key);
        bool accepted = false;
        int w = 0;
        try
        {
            for (; w < n; w++)
            {
                _stored[w] = -1;
                Window window = _assigned[w];
                long cleanup = Lateness.CleanupTime(window.MaxTimestamp, _lateness);
                if (Lateness.IsExpired(cleanup, Watermark)) continue;
                accepted = true;
                int entry = _stored[w] = mine.GetOrAdd(key, window, out bool added);
                if (added)
                {
                    mine.Value(entry) = [];
                    ExtendHorizon(cleanup);
                    if (window.MaxTimestamp > Watermark) Timers.Register(TimeDomain.EventTime, key, window, window.MaxTimestamp);
                    Timers.Register(TimeDomain.EventTime, key, window, cleanup);
                }

                var list = mine.Value(entry);
                list.Add(value);
                if (window.MaxTimestamp <= Watermark) HandLate(keyValue, key, window, value, isLeft, list);
            }

            _output.Commit();
            return accepted;
        }
        catch
        {
            TakeBack(mine, w);
            throw;
        }
        finally
        {
            KeyIds.Release(key);
        }
    }

    /// <summary>
    /// The pairing failed on the element in its <paramref name="failed"/>-th window (which took it back itself): the
    /// windows before it that stored it take it back too, so a skipped element pairs with nothing later. (A helper, so
    /// the exception handler of <see cref="Add"/> has no loop.)
    /// </summary>
    private void TakeBack<TMine>(StateTable<TKey, List<TMine>> mine, int failed)
    {
        for (int j = 0; j < failed; j++)
        {
            if (_stored[j] < 0) continue;
            var list = mine.Value(_stored[j]);
            list.RemoveAt(list.Count - 1);
        }
    }

    /// <summary>An element within the allowed lateness of a window that already fired: handed to the pairing at once.</summary>
    private void HandLate<TMine>(TKey keyValue, int key, Window window, TMine value, bool isLeft, List<TMine> list)
    {
        _emitTime = window.MaxTimestamp;
        try
        {
            if (isLeft) _pairing.LateLeft(keyValue, (TLeft)(object)value!, (List<TLeft>)(object)list, ListOf(_right, key, window), _emitHeld);
            else _pairing.LateRight(keyValue, (TRight)(object)value!, ListOf(_left, key, window), (List<TRight>)(object)list, _emitHeld);
        }
        catch
        {
            // The element leaves no trace in this window: the pairing saw it, and it failed.
            list.RemoveAt(list.Count - 1);
            throw;
        }
    }

    private static List<T> ListOf<T>(StateTable<TKey, List<T>> table, int key, Window window)
    {
        int entry = table.Find(key, window);
        return entry >= 0 ? table.Value(entry) : [];
    }

    protected override void OnTimer(TimeDomain domain, in KeyedTimer timer)
    {
        Window window = timer.Namespace;
        if (timer.Time == window.MaxTimestamp) Fire(timer.Key, window);
        if (timer.Time == Lateness.CleanupTime(window.MaxTimestamp, _lateness)) State.Clear(timer.Key, window);
    }

    /// <summary>The window is complete: its elements go to the pairing, which reports a failing user function through the error policy and goes on.</summary>
    private void Fire(int key, Window window)
    {
        var left = ListOf(_left, key, window);
        var right = ListOf(_right, key, window);
        if (left.Count == 0 && right.Count == 0) return;
        _emitTime = window.MaxTimestamp;
        _pairing.OnTime(KeyIds[key], left, right, _emitFired, _fail);
    }

    protected override void DiscardElementOutput() => _output.Discard();
}
