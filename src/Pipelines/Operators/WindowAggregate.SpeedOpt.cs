using System.Runtime.CompilerServices;

namespace Pipelines.Operators;

/// <summary>
/// The fast path of tumbling windows without early count triggers: an element of the current window whose key's
/// newest window is that window (in-order input) only updates the accumulator. The state table keeps each key's
/// newest window start beside its head entry, so the decision needs no window state; a window still in state is
/// never expired (state is dropped at cleanup time), so no lateness check is needed. Everything else goes through
/// the general path. Deleting this file (and the call to <see cref="ProcessTumbling"/>) leaves the semantics intact.
/// </summary>
internal sealed partial class WindowAggregate<TIn, TKey, TAcc, TOut>
{
    /// <summary>The key (and its id) of the element <see cref="TumblingRun"/> stopped at, when set.</summary>
    private bool _missKeyed;
    private TKey? _missKey;
    private int _missIndex;

    private void ProcessTumbling(ReadOnlySpan<TIn> values, ReadOnlySpan<long> stamps, int from, int count)
    {
        int i = from;
        while (i < count)
        {
            i = TumblingRun(values, stamps, i, count);
            if (i == count) break;

            // An element the in-order loop does not handle.
            At = i;
            if (_missKeyed)
            {
                _missKeyed = false;
                TKey key = _missKey!;
                _missKey = default;
                Process(_missIndex, key, values[i], stamps[i]);
            }
            else
            {
                OnElement(values[i], stamps[i]);
            }

            i++;
        }
    }

    /// <summary>
    /// One element pushed by a producer on this thread: the in-order check of <see cref="TumblingRun"/> for this one
    /// element, without the loop's set-up; everything else goes through the general path.
    /// </summary>
    protected override void PushOne(in TIn value, long timestamp)
    {
        if (_tumbling is null || !Panes.QuietAdds)
        {
            base.PushOne(in value, timestamp);
            return;
        }

        TKey key = Keys.NotNull(_keyOf(value));
        int k = KeyIds.IndexOf(key);
        var heads = Table.Heads;
        if ((uint)k < (uint)heads.Length)
        {
            var head = heads[k];
            if (head.Start == _lastStart && timestamp >= _lastStart && timestamp < _lastEnd && head.Entry >= 0)
            {
                ref var state = ref Table.Values[head.Entry];
                if (state.Open)
                {
                    Panes.Add(ref state, in value, timestamp);
                    state.AddedWhileOpen();
                    return;
                }
            }
        }

        Process(k >= 0 ? k : KeyIds.GetOrAdd(key), key, value, timestamp);
    }

    /// <summary>
    /// From <paramref name="from"/> on, adds each element whose window is the current one and is its key's newest,
    /// still open window, and returns the index of the first element that needs more (a new window or key, a late
    /// element): its key is left in <see cref="_missKey"/>, so the key selector runs once per element. The loop
    /// calls nothing but the user's functions, so its state stays in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int TumblingRun(ReadOnlySpan<TIn> values, ReadOnlySpan<long> stamps, int from, int count)
    {
        var keyOf = _keyOf;
        var panes = Panes;
        var keys = KeyIds;
        bool counting = typeof(TAcc) == typeof(long) && panes.Counting;
        var heads = Table.Heads;
        var states = Table.Values;
        long lastStart = _lastStart, lastEnd = _lastEnd;
        for (int i = from; i < count; i++)
        {
            At = i;
            ref readonly TIn value = ref values[i];
            long timestamp = stamps[i];
            TKey key = Keys.NotNull(keyOf(value));
            int k = keys.IndexOf(key);
            if ((uint)k < (uint)heads.Length)
            {
                var head = heads[k];
                if (head.Start == lastStart && timestamp >= lastStart && timestamp < lastEnd && head.Entry >= 0)
                {
                    ref var state = ref states[head.Entry];
                    if (state.Open)
                    {
                        if (counting) Unsafe.As<TAcc, long>(ref state.Accumulator)++;
                        else panes.Add(ref state, in value, timestamp);
                        state.AddedWhileOpen();
                        continue;
                    }
                }
            }

            _missKeyed = true;
            _missKey = key;
            _missIndex = k >= 0 ? k : keys.GetOrAdd(key);
            return i;
        }

        return count;
    }
}
