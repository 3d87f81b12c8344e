namespace Pipelines.Operators;

/// <summary>
/// What a windowed two-input operator does with a (key, window)'s elements: pair them (inner and outer joins) or
/// hand them over as two groups (co-group). The operator keeps the state and decides timing and lateness.
/// </summary>
internal abstract class WindowPairing<TLeft, TRight, TKey, TOut>
    where TKey : notnull
{
    /// <summary>
    /// The window fired on time with these elements (either list may be empty). A user function that throws is
    /// reported through <paramref name="fail"/> with what it was given, and the rest goes on.
    /// </summary>
    public abstract void OnTime(TKey key, List<TLeft> left, List<TRight> right, Action<TOut> emit, Action<Exception, object?> fail);

    /// <summary>A left element arrived within the allowed lateness of a window that already fired; <paramref name="left"/> already holds it.</summary>
    public abstract void LateLeft(TKey key, TLeft value, List<TLeft> left, List<TRight> right, Action<TOut> emit);

    /// <summary>A right element arrived within the allowed lateness of a window that already fired; <paramref name="right"/> already holds it.</summary>
    public abstract void LateRight(TKey key, TRight value, List<TLeft> left, List<TRight> right, Action<TOut> emit);
}

/// <summary>Which elements without a partner a join still emits.</summary>
internal enum JoinKind
{
    Inner,
    LeftOuter,
    RightOuter,
    FullOuter,
}

/// <summary>
/// Inner and outer joins: every left element with every right one; in an outer join an element with no partner in
/// its window is emitted with <c>default</c> for the other side when the window fires. A late element pairs at once
/// with the other side's elements (only the new pairs; an element that was already emitted without a partner is
/// not withdrawn), or — in an outer join, with none there — is emitted alone.
/// </summary>
internal sealed class JoinPairing<TLeft, TRight, TKey, TOut>(JoinKind kind, Func<TLeft?, TRight?, TOut> selector) : WindowPairing<TLeft, TRight, TKey, TOut>
    where TKey : notnull
{
    private bool KeepsLeft => kind is JoinKind.LeftOuter or JoinKind.FullOuter;

    private bool KeepsRight => kind is JoinKind.RightOuter or JoinKind.FullOuter;

    public override void OnTime(TKey key, List<TLeft> left, List<TRight> right, Action<TOut> emit, Action<Exception, object?> fail)
    {
        if (right.Count == 0)
        {
            if (KeepsLeft) foreach (var l in left) Pair(l, default, emit, fail);
            return;
        }

        if (left.Count == 0)
        {
            if (KeepsRight) foreach (var r in right) Pair(default, r, emit, fail);
            return;
        }

        foreach (var l in left)
        {
            foreach (var r in right) Pair(l, r, emit, fail);
        }
    }

    /// <summary>One pair; a failing selector skips just this pair (after the policy allowed it).</summary>
    private void Pair(TLeft? left, TRight? right, Action<TOut> emit, Action<Exception, object?> fail)
    {
        TOut result;
        try
        {
            result = selector(left, right);
        }
        catch (Exception ex)
        {
            fail(ex, (left, right));
            return;
        }

        emit(result);
    }

    public override void LateLeft(TKey key, TLeft value, List<TLeft> left, List<TRight> right, Action<TOut> emit)
    {
        if (right.Count == 0 && KeepsLeft) emit(selector(value, default));
        foreach (var r in right) emit(selector(value, r));
    }

    public override void LateRight(TKey key, TRight value, List<TLeft> left, List<TRight> right, Action<TOut> emit)
    {
        if (left.Count == 0 && KeepsRight) emit(selector(default, value));
        foreach (var l in left) emit(selector(l, value));
    }
}

/// <summary>Co-group: the function gets the key and both sides' elements of the window; a late element calls it again with everything so far.</summary>
internal sealed class CoGroupPairing<TLeft, TRight, TKey, TOut>(Func<TKey, IReadOnlyList<TLeft>, IReadOnlyList<TRight>, IEnumerable<TOut>> coGroup) : WindowPairing<TLeft, TRight, TKey, TOut>
    where TKey : notnull
{
    public override void OnTime(TKey key, List<TLeft> left, List<TRight> right, Action<TOut> emit, Action<Exception, object?> fail)
    {
        List<TOut> results;
        try
        {
            // Collected first, so a function that fails part-way emits nothing for the group.
            results = [.. coGroup(key, left, right)];
        }
        catch (Exception ex)
        {
            fail(ex, (key, left.ToArray(), right.ToArray()));
            return;
        }

        foreach (var result in results) emit(result);
    }

    public override void LateLeft(TKey key, TLeft value, List<TLeft> left, List<TRight> right, Action<TOut> emit)
    {
        foreach (var result in coGroup(key, left, right)) emit(result);
    }

    public override void LateRight(TKey key, TRight value, List<TLeft> left, List<TRight> right, Action<TOut> emit)
    {
        foreach (var result in coGroup(key, left, right)) emit(result);
    }
}
